"""Runs: log and use artifacts, upsert parts of one artifact from many writers, finish it."""

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Union

from .artifact import Artifact, LoggedArtifact
from .client import Client
from .encoding import version_digest
from .errors import CairnError
from .transfer import upload_missing

ENTRIES_PER_REQUEST = 10_000
DRAFT_WAIT_MS = 25_000


class LogHandle:
    """What ``log_artifact`` returns: ``wait()`` blocks until the version is committed."""

    def __init__(self, future: "Future[LoggedArtifact]") -> None:
        self._future = future

    def wait(self, timeout: Optional[float] = None) -> LoggedArtifact:
        return self._future.result(timeout)

    def done(self) -> bool:
        return self._future.done()


def _defined(values: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class Run:
    """A run of a project (``cairn.init(...)``); a context manager that finishes it on exit."""

    def __init__(self, client: Client, info: Dict[str, Any]) -> None:
        self._client = client
        self.info = info
        # One committer per run: versions are numbered in the order they were logged.
        self._commits = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cairn-log")
        self._pending: List[Future] = []
        self._lock = threading.Lock()

    id = property(lambda self: self.info["id"])
    entity = property(lambda self: self.info["entity"])
    project = property(lambda self: self.info["project"])
    group = property(lambda self: self.info.get("group"))
    config = property(lambda self: self.info["config"])
    summary = property(lambda self: self.info["summary"])

    def _ref(self) -> Dict[str, str]:
        return {"entity": self.entity, "project": self.project}

    def _prepare(self, artifact: Artifact) -> Dict[str, Any]:
        entries, local = artifact._resolve()
        digest = version_digest(entries)
        try:
            known = self._client.transport.query("artifacts.get", {**self._ref(), "ref": f"{artifact.name}:{digest}"})
            known = known["digest"] == digest and known["type"] == artifact.type
        except CairnError as error:
            if error.code != "NOT_FOUND":
                raise
            known = False
        stats = {"checkedFiles": 0, "uploadedFiles": 0, "uploadedBytes": 0}
        if not known:
            stats = upload_missing(self._client.transport, self.entity, self.project, local)
        return {"entries": entries, "local": local, "digest": digest, "known": known, "stats": stats}

    def _commit(self, artifact: Artifact, aliases, tags, ttl) -> LoggedArtifact:
        prepared = self._prepare(artifact)
        fields = _defined({
            **self._ref(), "name": artifact.name, "type": artifact.type, "description": artifact.description,
            "metadata": artifact.metadata, "aliases": aliases, "tags": tags, "ttl": ttl, "runId": self.id,
        })
        t = self._client.transport
        if prepared["known"]:
            answer = t.mutate("artifacts.relog", _defined({
                **self._ref(), "name": artifact.name, "type": artifact.type, "digest": prepared["digest"],
                "aliases": aliases, "tags": tags, "runId": self.id,
            }))
            if answer["version"] is not None:
                logged = LoggedArtifact(self._client, answer["version"], prepared["entries"])
                logged.created, logged.upload_stats = False, prepared["stats"]
                return logged
            prepared["stats"] = upload_missing(t, self.entity, self.project, prepared["local"])
        entries = prepared["entries"]
        created = True
        if len(entries) <= ENTRIES_PER_REQUEST:
            answer = t.mutate("artifacts.log", {**fields, "entries": entries})
            info, created = answer["version"], answer["created"]
        else:
            import uuid

            distributed_id = f"_log-{uuid.uuid4()}"
            self._upsert_pages(artifact, distributed_id, entries)
            info = self._finish(artifact, distributed_id, aliases, tags, ttl)
        logged = LoggedArtifact(self._client, info, entries)
        logged.created, logged.upload_stats = created, prepared["stats"]
        return logged

    def log_artifact(
        self, artifact: Artifact, aliases: Optional[List[str]] = None, tags: Optional[List[str]] = None, ttl: Optional[str] = None
    ) -> LogHandle:
        """Logs ``artifact`` in the background; ``.wait()`` returns the logged version. Identical
        contents make no new version (aliases move to the existing one)."""
        future = self._commits.submit(self._commit, artifact, aliases, tags, ttl)
        with self._lock:
            self._pending.append(future)
        return LogHandle(future)

    def use_artifact(self, artifact: Union[str, Artifact]) -> LoggedArtifact:
        """Records a version as an input of this run (logging an Artifact object first)."""
        if isinstance(artifact, LoggedArtifact):
            ref = artifact.qualified_name
        elif isinstance(artifact, Artifact):
            ref = self.log_artifact(artifact).wait().qualified_name
        else:
            ref = artifact
        selector = self._client.selector(ref, self.entity, self.project)
        if selector["entity"] != self.entity or selector["project"] != self.project:
            ref = f"{selector['entity']}/{selector['project']}/{selector['ref']}"
        else:
            ref = selector["ref"]
        info = self._client.transport.mutate("artifacts.use", {**self._ref(), "ref": ref, "runId": self.id})
        return self._client.load(info)

    def _distributed_id(self, given: Optional[str], method: str) -> str:
        distributed_id = given or self.group
        if not distributed_id:
            raise CairnError(
                "INVALID_INPUT",
                f"{method} needs a distributed_id shared by all writers: pass distributed_id= or start the runs with cairn.init(group=...).",
            )
        return distributed_id

    def _upsert_pages(self, artifact: Artifact, distributed_id: str, entries: List[Dict[str, Any]]) -> str:
        draft_id = ""
        for i in range(0, len(entries), ENTRIES_PER_REQUEST):
            draft_id = self._client.transport.mutate("artifacts.upsert", {
                **self._ref(), "name": artifact.name, "type": artifact.type, "distributedId": distributed_id,
                "runId": self.id, "entries": entries[i : i + ENTRIES_PER_REQUEST],
            })["draftId"]
        return draft_id

    def _finish(self, artifact: Artifact, distributed_id: str, aliases, tags, ttl) -> Dict[str, Any]:
        t = self._client.transport
        draft_id = t.mutate("artifacts.finish", _defined({
            **self._ref(), "name": artifact.name, "type": artifact.type, "distributedId": distributed_id,
            "runId": self.id, "description": artifact.description, "metadata": artifact.metadata,
            "aliases": aliases, "tags": tags, "ttl": ttl,
        }))["draftId"]
        while True:
            status = t.query("artifacts.draftStatus", {"draftId": draft_id, "waitMs": DRAFT_WAIT_MS})
            if status["status"] == "finished" and status.get("version"):
                return status["version"]
            if status["status"] == "failed":
                raise CairnError(status.get("errorCode") or "CONFLICT", status.get("error") or f"Draft {draft_id} failed to commit.")

    def upsert_artifact(self, artifact: Artifact, distributed_id: Optional[str] = None) -> Dict[str, str]:
        """Contributes this writer's files to the draft shared by ``distributed_id`` (default: the run's group)."""
        distributed_id = self._distributed_id(distributed_id, "upsert_artifact")
        prepared = self._prepare(artifact)
        if not prepared["entries"]:
            raise CairnError("DRAFT_EMPTY", f"upsert_artifact({artifact.name}) has no files: add files before upserting.")
        return {"draftId": self._upsert_pages(artifact, distributed_id, prepared["entries"])}

    def finish_artifact(
        self, artifact: Artifact, distributed_id: Optional[str] = None, aliases: Optional[List[str]] = None,
        tags: Optional[List[str]] = None, ttl: Optional[str] = None,
    ) -> LoggedArtifact:
        """Commits the shared draft (with this writer's files, if any) as a version, once every
        upsert accepted before it is applied; later upserts to it are refused."""
        distributed_id = self._distributed_id(distributed_id, "finish_artifact")
        prepared = self._prepare(artifact)
        if prepared["entries"]:
            self._upsert_pages(artifact, distributed_id, prepared["entries"])
        return self._client.load(self._finish(artifact, distributed_id, aliases, tags, ttl))

    def logged_artifacts(self) -> List[LoggedArtifact]:
        infos = self._client.transport.query("lineage.loggedArtifacts", {**self._ref(), "runId": self.id})
        return [self._client.load(i) for i in infos]

    def used_artifacts(self) -> List[LoggedArtifact]:
        infos = self._client.transport.query("lineage.usedArtifacts", {**self._ref(), "runId": self.id})
        return [self._client.load(i) for i in infos]

    def log(self, summary: Dict[str, Any]) -> None:
        """Merges metrics into the run's summary."""
        self.info = self._client.transport.mutate("runs.update", {**self._ref(), "id": self.id, "summary": summary})

    def finish(self, state: Optional[str] = None) -> Dict[str, Any]:
        """Waits for pending logs, then marks the run finished (or failed when a log failed)."""
        failure = None
        for future in list(self._pending):
            try:
                future.result()
            except BaseException as error:  # noqa: BLE001 - reported below
                failure = failure or error
        self._commits.shutdown(wait=True)
        self.info = self._client.transport.mutate(
            "runs.finish", {**self._ref(), "id": self.id, "state": state or ("failed" if failure else "finished")}
        )
        if failure is not None:
            raise failure
        return self.info

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.finish("failed" if exc_type else None)
