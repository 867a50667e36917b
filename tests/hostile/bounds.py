"""Run one parse or extraction in a fresh Python process and measure it.

A fresh process, because its peak resident memory (``ru_maxrss``) counts everything, including
what expat and libxml2 allocate outside Python's heap (which tracemalloc does not see), and
because a case that runs away is killed by a timeout instead of taking the test run with it.

``python -m tests.hostile.bounds TARGET PAYLOAD KWARGS`` prints one JSON line: the outcome
(the error's type and message, or a summary of the result with every text field it holds),
the seconds the call took and how many MiB the peak memory grew during it.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_SECONDS = 10.0
MAX_GROWTH_MIB = 200.0
REPO = Path(__file__).resolve().parents[2]
WARM_UP = {
    "bot.feeds:parse_feed": b'<rss version="2.0"><channel><title>w</title></channel></rss>',
    "bot.extract:extract_article": b"<html><body><p>" + b"Warm words here. " * 20 + b"</p></html>",
}

WARM_UP_KWARGS = {"bot.feeds:parse_feed": {"content_type": None}}


@dataclass(frozen=True)
class Measured:
    error: str | None
    """The exception's type name, or None when the call returned."""
    message: str | None
    result: dict[str, Any] | None
    seconds: float
    grew_mib: float

    @property
    def text(self) -> str:
        """Every string the call produced, for checks that something never appears."""
        return json.dumps(self.result or {}) + (self.message or "")

    def assert_bounded(self) -> None:
        assert self.seconds < MAX_SECONDS, f"took {self.seconds:.1f} s"
        assert self.grew_mib < MAX_GROWTH_MIB, f"peak memory grew {self.grew_mib:.0f} MiB"


def measure(target: str, payload: bytes, tmp_path: Path, **kwargs: Any) -> Measured:
    """Call ``target`` ("module:function") on ``payload`` in a new process."""
    path = tmp_path / "payload.bin"
    path.write_bytes(payload)
    done = subprocess.run(
        [sys.executable, "-m", "tests.hostile.bounds", target, str(path), json.dumps(kwargs)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return Measured(**json.loads(done.stdout.strip().splitlines()[-1]))


def _summary(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _summary(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_summary(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _main(target: str, payload_path: str, kwargs_json: str) -> None:
    module_name, function_name = target.split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    kwargs = json.loads(kwargs_json)
    payload = Path(payload_path).read_bytes()
    # Lazy imports and caches, outside the measurement (an RSS warm-up even for a JSON case).
    function(WARM_UP[target], **{**kwargs, **WARM_UP_KWARGS.get(target, {})})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    error = message = result = None
    try:
        result = _summary(function(payload, **kwargs))
    except Exception as exc:  # noqa: BLE001 - the child reports whatever the call raised
        error, message = type(exc).__name__, str(exc)
    seconds = time.monotonic() - started
    grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(
        json.dumps(
            {
                "error": error,
                "message": message,
                "result": result,
                "seconds": seconds,
                "grew_mib": grew,
            }
        )
    )


if __name__ == "__main__":
    _main(*sys.argv[1:4])
