"""What a failed fetch tells the user: an error status, a broken connection or a compression
this bot does not read, each in a plain sentence (``bot.fetch`` raises them)."""

from __future__ import annotations

from typing import Any

import aiohttp

UNREADABLE_ENCODING = (
    "The server compressed the document in a way this bot does not read "
    "(it asks for gzip or deflate)."
)

STATUS_REASONS = {
    400: "bad request",
    401: "needs a login",
    403: "access forbidden",
    404: "not found",
    410: "gone for good",
    429: "too many requests",
    500: "server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}


def status_message(status: int) -> str:
    """What an error status means, in a sentence for the user."""
    reason = STATUS_REASONS.get(status)
    return f"The server answered {status}" + (f" ({reason})." if reason else ".")


def encoding_problem(exc: Exception) -> str | None:
    """A compression aiohttp could not undo, in words for the user; None if it was not that."""
    # aiohttp reports a compression it cannot undo only in its message ("Can not decode
    # content-encoding: br. Please install `Brotli`"), advice meant for a developer.
    if "content-encoding" not in str(exc).lower():
        return None
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "The server sent a compressed document that could not be decompressed."
    return UNREADABLE_ENCODING


def describe_connection_error(exc: Any) -> str:
    """A broken connection, in a sentence for the user."""
    encoding = encoding_problem(exc)
    if encoding is not None:
        return encoding
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "The server closed the connection before answering."
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "The connection broke while the document was being sent."
    if isinstance(exc, ConnectionResetError):
        return "The server reset the connection."
    return f"The connection failed ({type(exc).__name__})."
