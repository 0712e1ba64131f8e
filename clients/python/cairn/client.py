"""A connection to one Cairn server: settings, transport and the caller's defaults."""

import os
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .config import resolve_settings
from .errors import CairnError
from .transport import Transport


class Client:
    """Settings (arguments, ``CAIRN_*`` variables, the config file) and the tRPC transport."""

    def __init__(
        self,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        entity: Optional[str] = None,
        project: Optional[str] = None,
        env: Mapping[str, str] = os.environ,
    ) -> None:
        settings = resolve_settings(base_url, api_key, entity, project, env)
        self.settings = settings
        self.transport = Transport(settings.base_url, settings.api_key)
        self._entity = settings.entity

    @property
    def entity(self) -> str:
        if self._entity is None:
            self._entity = self.transport.query("accounts.whoami")["user"]["name"]
        return self._entity

    def project_of(self, project: Optional[str], entity: Optional[str] = None) -> Tuple[str, str]:
        project = project or self.settings.project
        if not project:
            raise CairnError("INVALID_INPUT", "No project given: pass project=, set CAIRN_PROJECT, or put it in the config file.")
        return entity or self.entity, project

    def selector(self, ref: str, entity: Optional[str] = None, project: Optional[str] = None) -> Dict[str, str]:
        """``name:alias``, ``project/name:alias`` or ``entity/project/name:alias`` as a selector."""
        parts = ref.split("/")
        if len(parts) > 3 or not parts[-1]:
            raise CairnError(
                "INVALID_REFERENCE",
                f"Invalid artifact reference {ref!r}: use name, name:alias, name:vN, project/name:alias or entity/project/name:alias.",
            )
        name = parts[-1] if ":" in parts[-1] else parts[-1] + ":latest"
        if len(parts) == 3:
            return {"entity": parts[0], "project": parts[1], "ref": name}
        e, p = self.project_of(parts[0] if len(parts) == 2 else project, entity)
        return {"entity": e, "project": p, "ref": name}

    def fetch_manifest(self, selector: Dict[str, str]) -> List[Dict[str, Any]]:
        entries: List[Dict[str, Any]] = []
        cursor: Optional[str] = None
        while True:
            page = self.transport.query("artifacts.manifest", {**selector, **({"cursor": cursor} if cursor else {})})
            entries.extend(page["entries"])
            cursor = page["nextCursor"]
            if not cursor:
                return entries

    def load(self, info: Dict[str, Any]):
        from .artifact import LoggedArtifact

        selector = {"entity": info["entity"], "project": info["project"], "ref": f"{info['name']}:{info['version']}"}
        return LoggedArtifact(self, info, self.fetch_manifest(selector))
