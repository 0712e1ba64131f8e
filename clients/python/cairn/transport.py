"""tRPC over HTTP with the standard library, as the OpenAPI document (``/openapi.json``) describes
it: a query is ``GET /trpc/<path>?input=<JSON>``, a mutation ``POST /trpc/<path>`` with a JSON
body; answers are ``{"result": {"data": …}}`` or ``{"error": {"message", "data": {…}}}``."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Optional

from .errors import CairnError

_RETRY_STATUSES = {502, 503, 504}
_ATTEMPTS = 4


def _error_of(status: int, text: str, what: str) -> CairnError:
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        data = error.get("data") if isinstance(error.get("data"), dict) else {}
        code = data.get("domainCode") or data.get("code") or error.get("code") or "UNAVAILABLE"
        return CairnError(str(code), str(error.get("message", "")), status=status)
    return CairnError("UNAVAILABLE", f"{what} answered HTTP {status}: {text[:200]}", status=status)


def request(
    method: str,
    url: str,
    body: Optional[bytes] = None,
    headers: Optional[Dict[str, str]] = None,
    timeout: float = 120.0,
    response_headers: Optional[Dict[str, str]] = None,
) -> bytes:
    """One HTTP request with retries on connection failures and 502/503/504; errors as CairnError.
    ``response_headers``, when given, receives the answer's headers (lower-case names)."""
    for attempt in range(_ATTEMPTS):
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                if response_headers is not None:
                    response_headers.update({k.lower(): v for k, v in response.headers.items()})
                return response.read()
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace")
            if error.code in _RETRY_STATUSES and attempt < _ATTEMPTS - 1:
                time.sleep(0.2 * 2**attempt)
                continue
            raise _error_of(error.code, text, f"{method} {url.split('?')[0]}") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            if attempt < _ATTEMPTS - 1:
                time.sleep(0.2 * 2**attempt)
                continue
            raise CairnError(
                "UNAVAILABLE",
                f"Cannot reach the Cairn server at {url.split('/trpc')[0]} ({error}): check CAIRN_BASE_URL and that the server runs.",
            ) from None
    raise AssertionError("unreachable")


def download_to(url: str, headers: Dict[str, str], dest: str, digest: str) -> int:
    """Streams a GET to ``dest`` (through a temporary file beside it), checking the SHA-256 as the
    bytes arrive: a body that does not hash to ``digest`` is discarded (DIGEST_MISMATCH)."""
    import hashlib
    import os
    import tempfile

    os.makedirs(os.path.dirname(dest), exist_ok=True)
    for attempt in range(_ATTEMPTS):
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".cairn-")
        hasher, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(
                urllib.request.Request(url, headers=headers), timeout=120
            ) as response:
                while True:
                    chunk = response.read(1024 * 1024)
                    if not chunk:
                        break
                    hasher.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
            if hasher.hexdigest() != digest:
                raise CairnError(
                    "DIGEST_MISMATCH",
                    f"The bytes received for {dest} hash to {hasher.hexdigest()}, not {digest}: nothing was kept; retry the download.",
                )
            os.replace(tmp, dest)
            return size
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace")
            if error.code not in _RETRY_STATUSES or attempt == _ATTEMPTS - 1:
                raise _error_of(error.code, text, f"GET {url.split('?')[0]}") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            if attempt == _ATTEMPTS - 1:
                raise CairnError("UNAVAILABLE", f"Downloading {dest} failed ({error}); retry.") from None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


class Transport:
    """Calls procedures of one server with one API key."""

    def __init__(self, base_url: str, api_key: Optional[str]) -> None:
        self.base_url = base_url
        self.api_key = api_key

    def _headers(self) -> Dict[str, str]:
        headers = {"content-type": "application/json"}
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        return headers

    def query(self, path: str, input: Any = None) -> Any:
        url = f"{self.base_url}/trpc/{path}"
        if input is not None:
            url += "?input=" + urllib.parse.quote(json.dumps(input, separators=(",", ":")), safe="")
        return json.loads(request("GET", url, headers=self._headers()))["result"]["data"]

    def mutate(self, path: str, input: Any = None) -> Any:
        body = json.dumps(input, separators=(",", ":")).encode("utf-8")
        answer = request("POST", f"{self.base_url}/trpc/{path}", body, self._headers())
        return json.loads(answer)["result"]["data"]
