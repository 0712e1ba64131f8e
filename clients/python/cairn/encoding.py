"""The canonical manifest encoding and version digest, byte for byte the same as
``@cairn/core`` (``canonical.ts``, ``version-digest.ts``): a header line ``cairn-manifest-v1``, then
one canonical JSON line per entry in code point order of its path; the version digest is the
SHA-256 of that document's UTF-8 bytes."""

import hashlib
from typing import Any, Dict, Iterable, List

from .errors import CairnError

MANIFEST_HEADER = "cairn-manifest-v1\n"
_MAX_SAFE = 2**53 - 1
_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _invalid(where: str, message: str) -> CairnError:
    return CairnError("INVALID_MANIFEST", f"Manifest {where}: {message}", {"where": where})


def canonical_string(value: str, where: str) -> str:
    """A JSON string: only ``"``, ``\\`` and C0 controls escaped; other characters as they are."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            raise _invalid(where, "contains an unpaired UTF-16 surrogate; use well-formed Unicode text")
        if code < 0x20 or ch in '"\\':
            out.append(_SHORT.get(ch) or "\\u%04x" % code)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _scalar(value: Any, where: str) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE:
            raise _invalid(where, f"{value} is not a safe integer; store it as a string")
        return str(value)
    if isinstance(value, str):
        return canonical_string(value, where)
    raise _invalid(where, f"{value!r} is not a string, safe integer, boolean or null")


def canonical_entry_line(entry: Dict[str, Any]) -> str:
    """One entry's canonical JSON: keys digest, extra, path, ref, size; no empty extra, no absent ref."""
    path, digest, size = entry.get("path"), entry.get("digest"), entry.get("size")
    ref, extra = entry.get("ref"), entry.get("extra")
    where = f'entry "{path}"' if isinstance(path, str) else "entry"
    if not isinstance(path, str) or not path:
        raise _invalid(where, '"path" must be a non-empty string')
    if not isinstance(digest, str) or not digest:
        raise _invalid(where, '"digest" must be a non-empty string')
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0 or size > _MAX_SAFE):
        raise _invalid(where, '"size" must be a non-negative safe integer or null')
    if ref is not None and (not isinstance(ref, str) or not ref):
        raise _invalid(where, '"ref" must be a non-empty string or absent')
    line = '{"digest":' + canonical_string(digest, where)
    if extra:
        if not isinstance(extra, dict):
            raise _invalid(where, '"extra" must be an object')
        parts = []
        for key in sorted(extra):
            parts.append(canonical_string(key, where) + ":" + _scalar(extra[key], f"{where} extra.{key}"))
        line += ',"extra":{' + ",".join(parts) + "}"
    line += ',"path":' + canonical_string(path, where)
    if ref is not None:
        line += ',"ref":' + canonical_string(ref, where)
    line += ',"size":' + ("null" if size is None else str(size)) + "}"
    return line


def sort_entries(entries: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Entries in code point order of their paths (Python compares strings by code point)."""
    ordered = sorted(entries, key=lambda e: e["path"])
    for before, after in zip(ordered, ordered[1:]):
        if before["path"] == after["path"]:
            raise CairnError(
                "DUPLICATE_PATH",
                f'The manifest has two entries with path "{after["path"]}"; each path may appear once. '
                "Remove or rename one of them.",
                {"path": after["path"]},
            )
    return ordered


def canonical_manifest(entries: Iterable[Dict[str, Any]]) -> str:
    """The canonical manifest document."""
    return MANIFEST_HEADER + "".join(canonical_entry_line(e) + "\n" for e in sort_entries(entries))


def version_digest(entries: Iterable[Dict[str, Any]]) -> str:
    """The version digest: lowercase hex SHA-256 of the canonical manifest's UTF-8 bytes."""
    return hashlib.sha256(canonical_manifest(entries).encode("utf-8")).hexdigest()
