"""Log output: plain text lines, or (LOG_FORMAT=json) one JSON object a line for log collectors;
either way, safe from what feeds and people write.

Log calls quote every value that came from outside with ``%r``; the formatters are the second
guard, for any value that slips through and for other libraries' records. In text, a record's
message is always one line: line breaks, ANSI escape sequences, other control characters and
direction overrides are written as escapes (``\\n``, ``\\x1b``, ``\\u202e``), and a traceback keeps
its line breaks but every line after the record's first starts with white space, so no text
inside a record can pass for a record of its own. In JSON every value is escaped by the encoder:
quotes, newlines, control characters and anything outside ASCII.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
FORMAT = TEXT_FORMAT
TRACE = "trace"
"""``extra={TRACE: text}``: a traceback as text (a worker process's, say), written after the
message as a traceback is, not inside it."""

_UNSAFE = [
    *range(0x00, 0x20),
    0x7F,
    *range(0x80, 0xA0),
    0x2028,  # line separator
    0x2029,  # paragraph separator
    *range(0x200E, 0x2010),  # left-to-right and right-to-left marks
    *range(0x202A, 0x202F),  # embeddings and overrides
    *range(0x2066, 0x206A),  # isolates
]
_ESCAPES = {code: repr(chr(code))[1:-1] for code in _UNSAFE}  # "\\n", "\\x1b", "\\u202e"
_ESCAPES_KEEPING_LINES = {code: text for code, text in _ESCAPES.items() if code != 0x0A}


def one_line(text: str) -> str:
    """``text`` with every control, line-breaking and direction-changing character escaped."""
    return text.translate(_ESCAPES)


def indented(text: str) -> str:
    """Lines of a traceback: escaped like a message but for the line breaks, and each line that
    doesn't start with white space indented, so that none looks like a record's first line."""
    lines = text.translate(_ESCAPES_KEEPING_LINES).split("\n")
    return "\n".join(line if line[:1].isspace() else "  " + line for line in lines)


class SafeFormatter(logging.Formatter):
    """``TEXT_FORMAT``, with messages on one line and tracebacks indented (see the module)."""

    def __init__(self, fmt: str = TEXT_FORMAT) -> None:
        """Format records as TEXT_FORMAT says, unless told otherwise."""
        super().__init__(fmt)

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The record's line, its message kept to one line."""
        record.message = one_line(record.message)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        """The record, with whatever follows its first line indented."""
        # The first line is the message's (one line, above); whatever follows (a traceback, a
        # stack, even one another handler formatted first) is indented.
        text = super().format(record)
        trace = getattr(record, TRACE, None)
        if trace:
            text += "\n" + str(trace).strip("\n")
        first, newline, rest = text.partition("\n")
        return first + newline + indented(rest) if newline else first


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message"[, "error"]}`` a line; ``time`` in UTC, ISO 8601."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON object."""
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["error"] = record.exc_text
        elif getattr(record, TRACE, None):
            line["error"] = str(getattr(record, TRACE)).strip("\n")
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=True)


def configure_logging(level: str, log_format: str = "text") -> None:
    """Send the root logger's records to stderr at ``level``, as text or JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else SafeFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
