"""Artifacts: a draft built from files, directories, new files, references and tables, and the
logged version it becomes (read-only contents; description, metadata, aliases, tags, TTL editable)."""

import io
import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from .encoding import sort_entries, version_digest
from .errors import CairnError
from .hashing import hash_files
from .naming import (
    name_for_add_file,
    name_for_dir_entry,
    normalize_entry_path,
    validate_artifact_name,
)
from .references import download_reference, resolve_reference
from .tables import Media, parse_media, serialize_media, table_entry_path

if TYPE_CHECKING:
    from .client import Client


class Artifact:
    """A draft: ``Artifact(name, type, description=None, metadata=None)``, then ``add_*``."""

    def __init__(self, name: str, type: str, description: Optional[str] = None, metadata: Optional[dict] = None) -> None:
        self.name = validate_artifact_name(name)
        if not isinstance(type, str) or not type.strip():
            raise CairnError("INVALID_TYPE", f"Invalid artifact type {type!r}: give a non-empty type such as 'dataset'.")
        self.type = type
        self.description = description
        if metadata is not None and not isinstance(metadata, dict):
            raise CairnError("INVALID_INPUT", "Artifact metadata must be a dict of JSON values, e.g. {'rows': 100}.")
        self.metadata: Dict[str, Any] = dict(metadata or {})
        self._files: Dict[str, str] = {}  # entry path -> local path
        self._media: Dict[str, bytes] = {}
        self._entries: Dict[str, Dict[str, Any]] = {}
        self._references: List[Tuple[str, Optional[str], bool, int]] = []
        self._tmp: Optional[str] = None

    # -- building -------------------------------------------------------------------------------
    def _put(self, path: str, overwrite: bool) -> None:
        if not overwrite and (path in self._files or path in self._media or path in self._entries):
            raise CairnError(
                "DUPLICATE_PATH",
                f'The artifact "{self.name}" already has an entry "{path}": pass overwrite=True to replace it, or give another name.',
                {"path": path},
            )
        self._files.pop(path, None)
        self._media.pop(path, None)
        self._entries.pop(path, None)

    def add_file(self, local_path: str, name: Optional[str] = None, overwrite: bool = False) -> str:
        """Adds one file: stored as its base name, or as ``name`` (a path inside the artifact)."""
        path = name_for_add_file(local_path, name)
        if not os.path.isfile(local_path):
            raise CairnError("INVALID_PATH", f"{local_path} is not a regular file: use add_dir() for a directory.")
        self._put(path, overwrite)
        self._files[path] = os.path.abspath(local_path)
        return path

    def add_dir(self, local_path: str, name: Optional[str] = None, overwrite: bool = False) -> List[str]:
        """Adds every file below ``local_path``, relative to it, under the optional prefix ``name``."""
        if not os.path.isdir(local_path):
            raise CairnError("INVALID_PATH", f"{local_path} is not a directory: use add_file() for a file.")
        paths = []
        for directory, _, names in sorted(os.walk(local_path)):
            for file in sorted(names):
                absolute = os.path.join(directory, file)
                relative = os.path.relpath(absolute, local_path).replace(os.sep, "/")
                path = name_for_dir_entry(relative, name)
                self._put(path, overwrite)
                self._files[path] = os.path.abspath(absolute)
                paths.append(path)
        return paths

    def new_file(self, name: str, mode: str = "w", overwrite: bool = False) -> io.IOBase:
        """A writable file created inside the artifact (use it as a context manager)."""
        path = normalize_entry_path(name)
        self._tmp = self._tmp or tempfile.mkdtemp(prefix="cairn-new-")
        local = os.path.join(self._tmp, *path.split("/"))
        os.makedirs(os.path.dirname(local), exist_ok=True)
        self._put(path, overwrite)
        self._files[path] = local
        return open(local, mode)

    def add_reference(self, uri: str, name: Optional[str] = None, checksum: bool = True, max_objects: int = 10_000) -> None:
        """Adds an external URI without copying its bytes (resolved when logged)."""
        from .naming import name_for_reference

        name_for_reference(uri, name)  # refuse a bad URI or name now
        self._references.append((uri, name, checksum, max_objects))

    def add(self, media: Media, name: str, overwrite: bool = False) -> str:
        """Adds a Table or PartitionedTable as ``<name>.table.json``; ``get(name)`` reads it back."""
        path = table_entry_path(name)
        self._put(path, overwrite)
        self._media[path] = serialize_media(media)
        return path

    def get(self, name: str) -> Optional[Media]:
        data = self._media.get(table_entry_path(name))
        return parse_media(data) if data is not None else None

    # -- resolving ------------------------------------------------------------------------------
    def _resolve(self) -> Tuple[List[Dict[str, Any]], Dict[str, Tuple[int, str]]]:
        """The manifest entries and the local files to upload ({digest: (size, path)})."""
        local: Dict[str, Tuple[int, str]] = {}
        entries: Dict[str, Dict[str, Any]] = dict(self._entries)
        files = dict(self._files)
        for path, data in self._media.items():
            self._tmp = self._tmp or tempfile.mkdtemp(prefix="cairn-new-")
            file = os.path.join(self._tmp, "media", *path.split("/"))
            os.makedirs(os.path.dirname(file), exist_ok=True)
            with open(file, "wb") as f:
                f.write(data)
            files[path] = file
        paths = list(files)
        for path, (digest, size) in zip(paths, hash_files([files[p] for p in paths])):
            entries[path] = {"path": path, "digest": digest, "size": size}
            local[digest] = (size, files[path])
        for uri, name, checksum, max_objects in self._references:
            for entry in resolve_reference(uri, name, checksum, max_objects):
                entries[entry["path"]] = entry
        return sort_entries(entries.values()), local

    @property
    def digest(self) -> str:
        """The version digest these contents will have (computed locally, like the server does)."""
        return version_digest(self._resolve()[0])


class ArtifactEntry:
    """One entry of a logged version: ``download(root)`` and ``ref()``."""

    def __init__(self, artifact: "LoggedArtifact", entry: Dict[str, Any]) -> None:
        self._artifact = artifact
        self.entry = entry
        self.path: str = entry["path"]
        self.digest: str = entry["digest"]
        self.size: Optional[int] = entry["size"]
        self.extra: Dict[str, Any] = entry.get("extra") or {}

    def ref(self) -> Optional[str]:
        """The URI of a reference (None for a stored file)."""
        return self.entry.get("ref")

    def download(self, root: Optional[str] = None) -> str:
        root = self._artifact._download([self.entry], root)
        return os.path.join(root, *self.path.split("/"))


class LoggedArtifact(Artifact):
    """A logged version. Its contents never change; edit ``description``, ``metadata``,
    ``aliases``, ``tags``, ``ttl`` and call ``save()``."""

    def __init__(self, client: "Client", info: Dict[str, Any], entries: List[Dict[str, Any]]) -> None:
        super().__init__(info["name"], info["type"], info.get("description"), info.get("metadata") or {})
        self._client = client
        self._refresh(info)
        self.entries = entries
        #: Whether logging it made a new version, and what was uploaded (set by log_artifact).
        self.created: Optional[bool] = None
        self.upload_stats: Dict[str, int] = {}

    def _refresh(self, info: Dict[str, Any]) -> None:
        self.info = info
        self.description = info.get("description")
        self.metadata = dict(info.get("metadata") or {})
        self.aliases: List[str] = list(info["aliases"])
        self.tags: List[str] = list(info["tags"])
        self.ttl: str = info["ttl"]

    def _put(self, path: str, overwrite: bool) -> None:
        raise CairnError(
            "CONFLICT",
            f"{self.name}:{self.version} is a logged version: its contents can never change. Create a new "
            f"Artifact('{self.name}', '{self.type}'), add files and log it as a new version.",
        )

    @property
    def version(self) -> str:
        return self.info["version"]

    @property
    def digest(self) -> str:
        return self.info["digest"]

    @property
    def entity(self) -> str:
        return self.info["entity"]

    @property
    def project(self) -> str:
        return self.info["project"]

    @property
    def qualified_name(self) -> str:
        return f"{self.entity}/{self.project}/{self.name}:{self.version}"

    @property
    def manifest(self) -> Dict[str, Any]:
        return {"entries": self.entries, "digest": self.digest}

    def _selector(self) -> Dict[str, str]:
        return {"entity": self.entity, "project": self.project, "ref": f"{self.name}:{self.version}"}

    def get_path(self, name: str) -> ArtifactEntry:
        path = normalize_entry_path(name)
        for entry in self.entries:
            if entry["path"] == path:
                return ArtifactEntry(self, entry)
        raise CairnError("NOT_FOUND", f"{self.qualified_name} has no entry {path!r}.", {"path": path})

    def get(self, name: str) -> Optional[Media]:
        try:
            entry = self.get_path(table_entry_path(name))
        except CairnError:
            return None
        root = tempfile.mkdtemp(prefix="cairn-get-")
        try:
            with open(entry.download(root), "rb") as f:
                return parse_media(f.read())
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def download(self, root: Optional[str] = None) -> str:
        """Downloads the files into ``root`` (default ``./artifacts/<name>-<vN>``), fetching only
        what is missing or differs, verified against its SHA-256; returns the directory."""
        return self._download(self.entries, root)

    def _download(self, entries: List[Dict[str, Any]], root: Optional[str]) -> str:
        root = os.path.abspath(root or os.path.join("artifacts", f"{self.name}-{self.version}"))
        stored = [e for e in entries if "ref" not in e]
        present = {}
        candidates = [e for e in stored if os.path.isfile(os.path.join(root, *e["path"].split("/")))]
        for e, (digest, _) in zip(candidates, hash_files([os.path.join(root, *e["path"].split("/")) for e in candidates])):
            present[e["path"]] = digest
        wanted: Dict[str, List[str]] = {}
        sizes: Dict[str, int] = {}
        for e in stored:
            if present.get(e["path"]) == e["digest"]:
                continue
            wanted.setdefault(e["digest"], []).append(os.path.join(root, *e["path"].split("/")))
            sizes[e["digest"]] = e["size"] or 0
        if wanted:
            from .transfer import download_blobs

            download_blobs(self._client.transport, self._selector(), wanted, sizes)
        for e in entries:
            if "ref" in e:
                download_reference(e, os.path.join(root, *e["path"].split("/")))
        os.makedirs(root, exist_ok=True)
        return root

    def save(self) -> "LoggedArtifact":
        """Persists edits of description, metadata, aliases, tags and TTL."""
        info = self._client.transport.mutate(
            "artifacts.update",
            {**self._selector(), "description": self.description, "metadata": self.metadata,
             "aliases": self.aliases, "tags": self.tags, "ttl": self.ttl},
        )
        self._refresh(info)
        return self

    def delete(self, delete_aliases: bool = False) -> None:
        self._client.transport.mutate("artifacts.delete", {**self._selector(), "deleteAliases": delete_aliases})

    def logged_by(self) -> Optional[Dict[str, Any]]:
        """The run that logged this version (a run dict), or None."""
        return self._client.transport.query("lineage.loggedBy", self._selector())

    def used_by(self) -> List[Dict[str, Any]]:
        """The runs that used this version."""
        return self._client.transport.query("lineage.usedBy", self._selector())
