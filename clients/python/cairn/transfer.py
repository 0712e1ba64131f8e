"""Moving bytes: only blobs the server reports missing are uploaded (small ones many per request
in bundles), downloads are verified byte for byte against their SHA-256 before they are kept."""

import hashlib
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .errors import CairnError
from .transport import Transport, download_to, request

MISSING_BATCH = 10_000
URL_BATCH = 1_000
BUNDLE_TARGET_BYTES = 8 * 1024 * 1024


def _read(path: str, start: int = 0, length: Optional[int] = None) -> bytes:
    with open(path, "rb") as f:
        f.seek(start)
        return f.read() if length is None else f.read(length)


def encode_bundle(blobs: Sequence[Tuple[str, int, bytes]]) -> bytes:
    """The bundle format of ``@cairn/core``: a JSON header line, then every blob's bytes in order."""
    header = json.dumps({"blobs": [{"digest": d, "size": s} for d, s, _ in blobs]}, separators=(",", ":"))
    return header.encode("utf-8") + b"\n" + b"".join(b for _, _, b in blobs)


def decode_bundle(body: bytes) -> List[Tuple[str, bytes]]:
    """(digest, bytes) of every blob of a bundle; a malformed one raises UNAVAILABLE (retry)."""
    end = body.find(b"\n")
    if end < 0:
        raise CairnError("UNAVAILABLE", "A bundle answer had no header line; retry the download.")
    header = json.loads(body[:end])
    out, at = [], end + 1
    for blob in header["blobs"]:
        out.append((blob["digest"], body[at : at + blob["size"]]))
        at += blob["size"]
    if at != len(body):
        raise CairnError("UNAVAILABLE", "A bundle answer ended early or ran long; retry the download.")
    return out


def _groups(items: List[Any], size_of: Callable[[Any], int], max_count: int, max_bytes: int) -> List[List[Any]]:
    groups: List[List[Any]] = []
    current: List[Any] = []
    total = 0
    for item in items:
        size = size_of(item)
        if current and (len(current) >= max_count or total + size > max_bytes):
            groups.append(current)
            current, total = [], 0
        current.append(item)
        total += size
    if current:
        groups.append(current)
    return groups


def upload_missing(
    transport: Transport, entity: str, project: str, files: Dict[str, Tuple[int, str]], workers: int = 8
) -> Dict[str, int]:
    """Uploads the blobs of ``files`` ({digest: (size, local path)}) the project's entity lacks."""
    digests = list(files)
    missing: List[Dict[str, Any]] = []
    bundle: Optional[Dict[str, Any]] = None
    for i in range(0, len(digests), MISSING_BATCH):
        answer = transport.mutate(
            "blobs.missing",
            {"entity": entity, "project": project, "blobs": [{"digest": d, "size": files[d][0]} for d in digests[i : i + MISSING_BATCH]]},
        )
        missing.extend(answer["missing"])
        bundle = answer.get("bundle") or bundle
    bundled = [
        m for m in missing
        if bundle and m["upload"]["kind"] == "put" and not m["upload"]["complete"] and m["size"] <= bundle["maxBlobSize"]
    ]
    chosen = {m["digest"] for m in bundled}
    single = [m for m in missing if m["digest"] not in chosen]

    def put_bundle(group: List[Dict[str, Any]]) -> None:
        body = encode_bundle([(m["digest"], m["size"], _read(files[m["digest"]][1])) for m in group])
        request("POST", bundle["url"], body, {"content-type": "application/octet-stream"})

    def put_one(m: Dict[str, Any]) -> None:
        digest, upload = m["digest"], m["upload"]
        size, path = files[digest]
        if upload["kind"] == "multipart":
            parts = []
            for part in upload["parts"]:
                start = (part["partNumber"] - 1) * upload["partSize"]
                data = _read(path, start, min(upload["partSize"], size - start))
                headers: Dict[str, str] = {}
                request("PUT", part["url"], data, {}, response_headers=headers)
                if not headers.get("etag"):
                    raise CairnError("UNAVAILABLE", f"Part {part['partNumber']} of {path} was answered without an ETag: expose the ETag header in the bucket's CORS/proxy settings.")
                parts.append({"partNumber": part["partNumber"], "etag": headers["etag"]})
            transport.mutate(
                "blobs.complete",
                {"entity": entity, "project": project, "digest": digest, "size": size,
                 "multipart": {"uploadId": upload["uploadId"], "parts": parts}},
            )
            return
        request("PUT", upload["url"], _read(path), dict(upload.get("headers") or {}))
        if upload["complete"]:
            transport.mutate("blobs.complete", {"entity": entity, "project": project, "digest": digest, "size": size})

    groups = (
        _groups(bundled, lambda m: m["size"], bundle["maxBlobs"], min(bundle["maxBytes"], BUNDLE_TARGET_BYTES))
        if bundle
        else []
    )
    with ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(put_bundle, g) for g in groups] + [pool.submit(put_one, m) for m in single]
        for job in jobs:
            job.result()
    return {"checkedFiles": len(digests), "uploadedFiles": len(missing), "uploadedBytes": sum(m["size"] for m in missing)}


def _write_verified(dest: str, digest: str, data: bytes) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise CairnError(
            "DIGEST_MISMATCH",
            f"The bytes received for {dest} hash to {actual}, not {digest}: nothing was written; retry the download.",
            {"path": dest},
        )
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".cairn-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, dest)


def download_blobs(
    transport: Transport, selector: Dict[str, str], wanted: Dict[str, List[str]], sizes: Dict[str, int], workers: int = 8
) -> int:
    """Fetches every digest of ``wanted`` ({digest: [destination paths]}), verified; returns bytes fetched."""
    digests = list(wanted)
    fetched = 0
    jobs: List[Callable[[], int]] = []
    for i in range(0, len(digests), URL_BATCH):
        batch = digests[i : i + URL_BATCH]
        answer = transport.mutate("artifacts.fileUrlsBatch", {**selector, "digests": batch})
        bundle = answer.get("bundle")
        urls = {u["digest"]: u for u in answer["urls"]}
        small = [d for d in batch if bundle and sizes.get(d, 0) <= bundle["maxBlobSize"]]
        for group in _groups(small, lambda d: sizes.get(d, 0), bundle["maxBlobs"] if bundle else 1, BUNDLE_TARGET_BYTES):
            def fetch_bundle(group: List[str] = group, url: str = bundle["url"]) -> int:
                body = request("POST", url, json.dumps({"digests": group}).encode(), {"content-type": "application/json"})
                total = 0
                for digest, data in decode_bundle(body):
                    for dest in wanted[digest]:
                        _write_verified(dest, digest, data)
                    total += len(data)
                return total
            jobs.append(fetch_bundle)
        for digest in batch:
            if digest in small:
                continue
            target = urls[digest]

            def fetch_one(digest: str = digest, target: Dict[str, Any] = target) -> int:
                first, *others = wanted[digest]
                size = download_to(target["url"], dict(target.get("headers") or {}), first, digest)
                for dest in others:
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    shutil.copyfile(first, dest)
                return size
            jobs.append(fetch_one)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for n in pool.map(lambda job: job(), jobs):
            fetched += n
    return fetched
