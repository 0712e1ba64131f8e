"""References: ``http(s)://`` records ETag and Content-Length, ``file://`` hashes the file (a
directory expands to its files); with ``checksum=False`` only the URI is kept. ``s3://`` and
``gs://`` are resolved by the TypeScript client; here they can only be added with checksum=False."""

import os
import shutil
import urllib.request
from typing import Any, Dict, List, Optional
from urllib.parse import quote, unquote, urlparse

from .errors import CairnError
from .hashing import hash_file, hash_files
from .naming import join_entry_path, name_for_reference, normalize_entry_path
from .transport import request


def _unquote_etag(etag: str) -> str:
    etag = etag[2:] if etag.startswith("W/") else etag
    return etag[1:-1] if len(etag) >= 2 and etag[0] == etag[-1] == '"' else etag


def file_uri(path: str) -> str:
    encoded = "/".join(quote(s, safe="").replace("%3A", ":") for s in path.replace("\\", "/").split("/"))
    return "file://" + ("" if encoded.startswith("/") else "/") + encoded


def resolve_reference(uri: str, name: Optional[str], checksum: bool, max_objects: int) -> List[Dict[str, Any]]:
    scheme = urlparse(uri).scheme.lower()
    if not checksum:
        return [{"path": name_for_reference(uri, name), "digest": uri, "size": None, "ref": uri}]
    if scheme in ("http", "https"):
        headers: Dict[str, str] = {}
        try:
            request("HEAD", uri, None, {}, response_headers=headers)
        except CairnError as error:
            raise CairnError(
                "NOT_FOUND" if error.status in (404, 410) else "UNAVAILABLE",
                f"HEAD {uri} failed ({error.message}). Check that the URL is reachable from this machine, "
                "or add it with checksum=False to record only the URI.",
                {"url": uri},
            ) from None
        etag = _unquote_etag(headers["etag"]) if headers.get("etag") else None
        length = headers.get("content-length")
        entry: Dict[str, Any] = {
            "path": name_for_reference(uri, name),
            "digest": etag or uri,
            "size": int(length) if length and length.isdigit() else None,
            "ref": uri,
        }
        if etag:
            entry["extra"] = {"etag": etag}
        return [entry]
    if scheme == "file":
        path = unquote(urlparse(uri).path)
        if os.path.isdir(path):
            files = sorted(
                os.path.join(d, f) for d, _, names in os.walk(path) for f in names
            )
            if len(files) > max_objects:
                raise CairnError("TOO_MANY_OBJECTS", f"{uri} holds {len(files)} files, more than max_objects={max_objects}.")
            hashed = hash_files(files)
            out = []
            for f, (digest, size) in zip(files, hashed):
                rel = os.path.relpath(f, path).replace(os.sep, "/")
                entry_path = join_entry_path(name, rel) if name is not None else normalize_entry_path(rel)
                out.append({"path": entry_path, "digest": digest, "size": size, "ref": file_uri(os.path.abspath(f))})
            return out
        if not os.path.isfile(path):
            raise CairnError("NOT_FOUND", f"{uri} names no file on this machine.", {"uri": uri})
        digest, size = hash_file(path)
        return [{"path": name_for_reference(uri, name), "digest": digest, "size": size, "ref": file_uri(os.path.abspath(path))}]
    raise CairnError(
        "INVALID_URI",
        f"The Python client resolves http(s):// and file:// references; add {uri} with checksum=False, "
        "or log it from the TypeScript client, which also resolves s3:// and gs://.",
        {"uri": uri},
    )


def download_reference(entry: Dict[str, Any], dest: str) -> None:
    """Fetches a reference's bytes to ``dest``, refusing a source that changed since it was logged."""
    uri = entry["ref"]
    scheme = urlparse(uri).scheme.lower()
    checksumless = entry["digest"] == uri
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    if scheme in ("http", "https"):
        req = urllib.request.Request(uri)
        with urllib.request.urlopen(req, timeout=120) as response:
            served = response.headers.get("etag")
            recorded = (entry.get("extra") or {}).get("etag")
            if not checksumless and recorded and (not served or _unquote_etag(served) != recorded):
                raise CairnError("CONFLICT", f"{uri} changed since it was logged: its ETag is now {served}, it was {recorded!r}.")
            data = response.read()
        if not checksumless and entry.get("size") is not None and len(data) != entry["size"]:
            raise CairnError("CONFLICT", f"{uri} changed since it was logged: {len(data)} bytes served, {entry['size']} logged.")
        with open(dest, "wb") as f:
            f.write(data)
        return
    if scheme == "file":
        source = unquote(urlparse(uri).path)
        if not checksumless and hash_file(source)[0] != entry["digest"]:
            raise CairnError("CONFLICT", f"{uri} changed since it was logged (its SHA-256 differs).")
        shutil.copyfile(source, dest)
        return
    raise CairnError("INVALID_URI", f"The Python client downloads http(s):// and file:// references, not {uri}.")
