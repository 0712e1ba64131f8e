"""Cairn's Python client: log, version and use artifacts from training jobs.

    import cairn
    with cairn.init(project="demo", job_type="train") as run:
        artifact = cairn.Artifact("mnist", type="dataset")
        artifact.add_dir("data/")
        run.log_artifact(artifact).wait()
"""

from typing import Any, Dict, Optional

from .api import Api
from .artifact import Artifact, ArtifactEntry, LoggedArtifact
from .client import Client
from .encoding import canonical_manifest, version_digest
from .errors import CairnError
from .run import LogHandle, Run
from .tables import PartitionedTable, Table

__all__ = [
    "Api", "Artifact", "ArtifactEntry", "CairnError", "Client", "LogHandle", "LoggedArtifact",
    "PartitionedTable", "Run", "Table", "canonical_manifest", "init", "version_digest",
]
__version__ = "0.1.0"


def init(
    job_type: Optional[str] = None,
    group: Optional[str] = None,
    config: Optional[Dict[str, Any]] = None,
    id: Optional[str] = None,
    resume: Optional[str] = None,
    project: Optional[str] = None,
    entity: Optional[str] = None,
    name: Optional[str] = None,
    sweep: Optional[str] = None,
    client: Optional[Client] = None,
    **settings: Any,
) -> Run:
    """Starts (or with ``id`` and ``resume`` = "allow" | "must", resumes) a run."""
    client = client or Client(project=project, entity=entity, **settings)
    e, p = client.project_of(project, entity)
    values = {"entity": e, "project": p, "jobType": job_type or "job", "group": group, "config": config,
              "id": id, "resume": resume, "name": name, "sweep": sweep}
    info = client.transport.mutate("runs.init", {k: v for k, v in values.items() if v is not None})
    return Run(client, info)
