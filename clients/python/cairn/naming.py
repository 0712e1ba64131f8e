"""Entry naming, the same rules as ``@cairn/core`` (``entry-path.ts``, ``naming.ts``) and the
tables of the seeds: ``add_file`` keeps the base name unless ``name`` gives a path, ``add_dir``
puts files under the optional prefix, references are named after the URI's last segment."""

import re
import unicodedata
from typing import Optional
from urllib.parse import unquote, urlparse

from .errors import CairnError

MAX_ENTRY_PATH_BYTES = 1024
MAX_ENTRY_SEGMENT_BYTES = 255
_RULES = (
    'An entry path is relative and uses "/" between segments (e.g. "images/cat.png"); it has no ".." '
    'or empty segments, no trailing "/", no control characters, at most 1024 UTF-8 bytes and at most '
    "255 bytes per segment."
)
_DRIVE = re.compile(r"^[A-Za-z]:")
_ARTIFACT_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def _fail(path: object, reason: str) -> CairnError:
    return CairnError("INVALID_PATH", f"Invalid entry path {path!r}: {reason}. {_RULES}", {"path": path, "reason": reason})


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cs")


def normalize_entry_path(path: str) -> str:
    """The normalised entry path (NFC, "/" separators, no "." segments), or INVALID_PATH."""
    if not isinstance(path, str):
        raise _fail(path, "it must be a string")
    if not path:
        raise _fail(path, "it is empty")
    for ch in path:
        if _is_control(ch):
            raise _fail(path, "it contains the control character U+%04X" % ord(ch))
    slashed = path.replace("\\", "/")
    if slashed.startswith("/"):
        raise _fail(path, 'it is absolute; remove the leading "/"')
    if slashed.endswith("/"):
        raise _fail(path, 'it ends with "/"; name a file, not a directory')
    segments = []
    for segment in unicodedata.normalize("NFC", slashed).split("/"):
        if segment == "":
            raise _fail(path, 'it has an empty segment ("//")')
        if segment == "..":
            raise _fail(path, 'it has a ".." segment, which could point outside the artifact')
        if segment == ".":
            continue
        size = len(segment.encode("utf-8"))
        if size > MAX_ENTRY_SEGMENT_BYTES:
            raise _fail(path, f"a segment is {size} UTF-8 bytes long, more than {MAX_ENTRY_SEGMENT_BYTES}")
        segments.append(segment)
    if not segments:
        raise _fail(path, "it names the artifact root, not a file")
    normalized = "/".join(segments)
    if _DRIVE.match(normalized):
        raise _fail(path, "it starts with a drive letter; give a path relative to the artifact root")
    size = len(normalized.encode("utf-8"))
    if size > MAX_ENTRY_PATH_BYTES:
        raise _fail(path, f"it is {size} UTF-8 bytes long, more than {MAX_ENTRY_PATH_BYTES}")
    return normalized


def join_entry_path(prefix: str, relative: str) -> str:
    return normalize_entry_path(normalize_entry_path(prefix) + "/" + normalize_entry_path(relative))


def name_for_add_file(local_path: str, name: Optional[str] = None) -> str:
    """``add_file('checkpoints/model.h5')`` → ``model.h5``; with ``name`` → that path."""
    if name is not None:
        return normalize_entry_path(name)
    base = local_path[max(local_path.rfind("/"), local_path.rfind("\\")) + 1 :]
    if base in ("", ".", ".."):
        raise CairnError(
            "INVALID_PATH",
            f"Cannot name an entry after the local path {local_path!r}: it does not end with a file name. "
            "Pass a file path, or give the entry a name with name=.",
            {"localPath": local_path},
        )
    return normalize_entry_path(base)


def name_for_dir_entry(relative_path: str, name: Optional[str] = None) -> str:
    """A file of ``add_dir``: its path relative to the directory, under ``name`` when given."""
    return join_entry_path(name, relative_path) if name is not None else normalize_entry_path(relative_path)


def _last_segment(path: str) -> Optional[str]:
    segments = [s for s in path.split("/") if s]
    return segments[-1] if segments else None


def uri_base_name(uri: str) -> str:
    """The entry name a reference gets without ``name``: the URI's last path segment."""
    parsed = urlparse(uri)
    scheme = parsed.scheme.lower()
    if scheme in ("s3", "gs"):
        return _last_segment(parsed.path) or parsed.netloc
    if scheme in ("http", "https"):
        segment = _last_segment(parsed.path)
        return parsed.hostname or "" if segment is None else unquote(segment)
    if scheme == "file":
        path = unquote(parsed.path)
        return _last_segment(path.replace("\\", "/")) or path
    raise CairnError(
        "INVALID_URI",
        f"Unsupported reference URI {uri!r}. Supported forms: s3://bucket/key, gs://bucket/key, "
        "http(s)://host/path, file:///absolute/path.",
        {"uri": uri},
    )


def name_for_reference(uri: str, name: Optional[str] = None) -> str:
    return normalize_entry_path(name) if name is not None else normalize_entry_path(uri_base_name(uri))


def validate_artifact_name(name: str) -> str:
    if not isinstance(name, str) or not _ARTIFACT_NAME.match(name) or len(name) > 128:
        raise CairnError(
            "INVALID_NAME",
            f"Invalid artifact name {name!r}: use letters, digits, '_', '-' and '.' (at most 128 characters).",
            {"name": name},
        )
    return name
