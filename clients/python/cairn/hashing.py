"""SHA-256 of many files in parallel (hashlib releases the GIL while hashing large buffers)."""

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from typing import List, Sequence, Tuple

_CHUNK = 1024 * 1024


def hash_file(path: str) -> Tuple[str, int]:
    """(lowercase hex SHA-256, size) of one file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def hash_files(paths: Sequence[str], workers: int = 0) -> List[Tuple[str, int]]:
    """(digest, size) of every file, in order, hashed by ``workers`` threads (default: CPUs, ≤ 8)."""
    if len(paths) <= 1:
        return [hash_file(p) for p in paths]
    workers = workers or min(8, os.cpu_count() or 2)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(hash_file, paths))
