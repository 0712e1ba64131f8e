"""Errors: every refusal carries a literal ``code`` (the server's Cairn error codes) and a message
that says what is wrong and how to fix it."""

from typing import Any, Dict, Optional


class CairnError(Exception):
    """A Cairn error. ``code`` is a Cairn error code (``NOT_FOUND``, ``INVALID_PATH``…), or the
    tRPC code when the server gave no domain code; ``status`` is the HTTP status, when any."""

    def __init__(
        self,
        code: str,
        message: str,
        details: Optional[Dict[str, Any]] = None,
        status: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.status = status

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"
