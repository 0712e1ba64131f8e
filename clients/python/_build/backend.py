"""A minimal PEP 517 build backend using only the standard library: builds a pure-Python wheel of
the `cairn` package (and an sdist), so installing needs no index. Metadata comes from pyproject.toml."""

import base64
import hashlib
import io
import os
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "cairn"


def _project():
    text = open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8").read()
    values = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[project]" and "=" in line and line.split("=", 1)[1].strip().startswith('"'):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().strip('"')
    return values


def _metadata():
    p = _project()
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {p['name']}\nVersion: {p['version']}\nSummary: {p['description']}\n"
        f"Requires-Python: {p['requires-python']}\n"
    )


def _dist_info():
    return f"{NAME}-{_project()['version']}.dist-info"


def _files():
    for directory, _, names in os.walk(os.path.join(ROOT, NAME)):
        for name in sorted(names):
            if name.endswith(".py") or name == "py.typed":
                full = os.path.join(directory, name)
                yield full, os.path.relpath(full, ROOT).replace(os.sep, "/")


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    target = os.path.join(metadata_directory, _dist_info())
    os.makedirs(target, exist_ok=True)
    with open(os.path.join(target, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    return _dist_info()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _project()["version"]
    filename = f"{NAME}-{version}-py3-none-any.whl"
    info = _dist_info()
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as wheel:
        def add(arcname, data):
            wheel.writestr(arcname, data)
            records.append(_record_line(arcname, data))

        for full, arcname in _files():
            with open(full, "rb") as f:
                add(arcname, f.read())
        add(f"{info}/METADATA", _metadata().encode())
        add(f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: cairn-backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        records.append(f"{info}/RECORD,,")
        wheel.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return filename


def build_sdist(sdist_directory, config_settings=None):
    base = f"{NAME}-{_project()['version']}"
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as tar:
        for rel in ["pyproject.toml", "README.md", "_build/backend.py"]:
            if os.path.exists(os.path.join(ROOT, rel)):
                tar.add(os.path.join(ROOT, rel), f"{base}/{rel}")
        for full, arcname in _files():
            tar.add(full, f"{base}/{arcname}")
        pkg_info = tarfile.TarInfo(f"{base}/PKG-INFO")
        data = _metadata().encode()
        pkg_info.size = len(data)
        tar.addfile(pkg_info, io.BytesIO(data))
    return filename
