"""Reading outside a run: ``Api().artifact("entity/project/name:alias")``, runs, projects."""

from typing import Any, Dict, List, Optional

from .artifact import LoggedArtifact
from .client import Client


class Api:
    """Public API reads and edits with the configured settings (or an explicit Client)."""

    def __init__(self, client: Optional[Client] = None, **settings: Any) -> None:
        self.client = client or Client(**settings)

    def artifact(self, ref: str) -> LoggedArtifact:
        selector = self.client.selector(ref)
        return self.client.load(self.client.transport.query("artifacts.get", selector))

    def run(self, id: str, entity: Optional[str] = None, project: Optional[str] = None) -> Dict[str, Any]:
        e, p = self.client.project_of(project, entity)
        return self.client.transport.query("runs.get", {"entity": e, "project": p, "id": id})

    def runs(self, entity: Optional[str] = None, project: Optional[str] = None, **filters: Any) -> List[Dict[str, Any]]:
        e, p = self.client.project_of(project, entity)
        return self.client.transport.query("runs.list", {"entity": e, "project": p, **filters})["runs"]

    def create_project(self, name: str, entity: Optional[str] = None, visibility: str = "private") -> Dict[str, Any]:
        return self.client.transport.mutate(
            "projects.create", {"entity": entity or self.client.entity, "name": name, "visibility": visibility}
        )
