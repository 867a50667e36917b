"""Inside a pool's worker process: the loop that takes one job at a time and sends back its
answer, and the time box a job's steps run in (``bot.pool`` runs the workers; the fork server
in ``bot.pool_server`` starts each one here)."""

from __future__ import annotations

import contextlib
import pickle
import resource
import signal
import threading
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

_STARTED = b"started"
"""What a worker sends when it starts a job (its time is counted from then)."""


class JobFailed(Exception):
    """A job did not produce its result; the message says why in plain words."""


class StageTimedOut(BaseException):
    """A step of a job ran over its own share of the job's time (see ``time_box``). A
    BaseException, so that libraries catching Exception don't swallow it."""


_IN_WORKER = False
"""True in a worker process, whose main thread runs the jobs (and may take SIGALRM)."""


@contextlib.contextmanager
def time_box(seconds: float | None, what: str) -> Iterator[None]:
    """Raise StageTimedOut in the block if it runs longer than ``seconds`` (in a worker
    process; elsewhere, and for ``None``, the block just runs). It interrupts Python code, not a
    long call into C: the job's own time limit, enforced from outside, stays the backstop."""
    if not seconds or not _IN_WORKER or threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(_signum: int, _frame: object) -> None:
        raise StageTimedOut(f"{what} took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _serve(conn: Connection, memory_limit_mb: int) -> None:
    """A worker's loop: one job in, its answer out, until the pool closes the pipe."""
    global _IN_WORKER  # noqa: PLW0603 - this process is a worker from now on
    _IN_WORKER = True
    limit = memory_limit_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            payload = conn.recv_bytes()
        except (EOFError, OSError):
            return
        answer = _answer(payload, conn)
        try:
            conn.send_bytes(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            conn.send_bytes(pickle.dumps(("unsent", f"{type(exc).__name__}: {exc}")))
        if answer[0] == "memory":
            # A process that ran out of memory may hold on to much of it: it is replaced.
            return


def _answer(payload: bytes, conn: Connection) -> tuple[Any, ...]:
    try:
        warm, fn, args, kwargs = pickle.loads(payload)
        if warm is not None:
            warm()
        conn.send_bytes(_STARTED)
        return ("ok", fn(*args, **kwargs))
    except MemoryError:
        return ("memory",)
    except Exception as exc:  # noqa: BLE001 - the job's own exception goes back to the caller
        text = traceback.format_exc()
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:  # noqa: BLE001 - an exception that can't travel is described instead
            return ("raised", JobFailed(f"{type(exc).__name__}: {exc}"), text)
        return ("raised", exc, text)
