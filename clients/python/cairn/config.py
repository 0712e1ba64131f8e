"""Settings, resolved like the TypeScript client: explicit arguments, then ``CAIRN_*`` variables,
then the config file ``cairn login`` writes (``$XDG_CONFIG_HOME/cairn/config.json``, else
``~/.config/cairn/config.json``, holding ``{baseUrl, apiKey, entity, project}``)."""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

from .errors import CairnError


def config_file_path(env: Mapping[str, str] = os.environ) -> Path:
    base = env.get("XDG_CONFIG_HOME")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".config"
    return root / "cairn" / "config.json"


def load_config(path: Path) -> dict:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise CairnError("UNAVAILABLE", f"Cannot read the Cairn config file {path}: {error}. Check its permissions.")
    try:
        value = json.loads(text)
    except ValueError:
        raise CairnError(
            "INVALID_INPUT",
            f"The Cairn config file {path} is not valid JSON: fix it or run `cairn login` again to rewrite it.",
        ) from None
    if not isinstance(value, dict) or any(
        not isinstance(value.get(k), str) for k in ("baseUrl", "apiKey", "entity", "project") if k in value
    ):
        raise CairnError(
            "INVALID_INPUT",
            f"The Cairn config file {path} is malformed: it holds {{ baseUrl, apiKey, entity, project }} strings; "
            "run `cairn login` again to rewrite it.",
        )
    return value


@dataclass
class Settings:
    base_url: str
    api_key: Optional[str]
    entity: Optional[str]
    project: Optional[str]


def resolve_settings(
    base_url: Optional[str] = None,
    api_key: Optional[str] = None,
    entity: Optional[str] = None,
    project: Optional[str] = None,
    env: Mapping[str, str] = os.environ,
) -> Settings:
    path = config_file_path(env)
    file = load_config(path) if None in (base_url, api_key, entity, project) else {}

    def pick(given: Optional[str], var: str, key: str) -> Optional[str]:
        return given if given is not None else (env.get(var) or None) or file.get(key)

    url = pick(base_url, "CAIRN_BASE_URL", "baseUrl")
    if not url:
        raise CairnError(
            "INVALID_INPUT",
            f"No Cairn server given: pass base_url=, set CAIRN_BASE_URL, or run `cairn login` (writes {path}).",
        )
    if not (url.startswith("http://") or url.startswith("https://")):
        raise CairnError("INVALID_INPUT", f"The Cairn server URL {url!r} is not a URL: use e.g. http://127.0.0.1:8080.")
    return Settings(
        base_url=url.rstrip("/"),
        api_key=pick(api_key, "CAIRN_API_KEY", "apiKey"),
        entity=pick(entity, "CAIRN_ENTITY", "entity"),
        project=pick(project, "CAIRN_PROJECT", "project"),
    )
