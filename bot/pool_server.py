"""The fork server a worker pool starts its workers from, and the spaCy model loaded in it.

Each pool owns one fork server: a process started with the pool's first worker that imports the
parsers (and, for a pool that expects to use its model when its first worker starts, loads
spaCy's model too), then forks every worker of that pool from itself, so they all share those
pages. A pool that expects the model only later, after workers were made without it, retires
them and gets a new server that has it. Closing the server's control socket stops it.

Workers are watched and stopped through pidfds (Linux 5.3 or later) that the server, their
parent, opens before it could reap them and sends over; it reports each worker's exit status
when it reaps it. Unlike multiprocessing's forkserver, this needs no resource-tracker process
(the workers share no named resources) and no private API to be stopped.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, Pipe

PRELOAD = ["bot.feeds", "bot.articles", "bot.quotes.find", "feedparser"]
"""What the fork server imports before it forks any worker (their pages are then shared)."""
MODEL_PRELOAD = "bot.preload_model"
"""Loads the pool's spaCy model in the fork server too (see ``WorkPool(model=...)``)."""
MODEL_ENV = "NEWSBOT_PRELOAD_MODEL"
"""How the fork server learns which model to load (set in the environment it is started with)."""
STOP_SECONDS = 5.0
_MESSAGE_BYTES = 64


class WorkerProcess:
    """A worker forked by a fork server: watched and stopped through its pidfd; its exit
    status comes from the server, which reaps it."""

    def __init__(self, pid: int, pidfd: int, server: ForkServer) -> None:
        """The worker ``pid``, a pidfd of it, and the server that forked it."""
        self.pid = pid
        self._pidfd: int | None = pidfd
        self._server = server
        self._exitcode: int | None = None

    def is_alive(self) -> bool:
        """Whether the worker has not exited yet."""
        return self._pidfd is not None and not _readable(self._pidfd, 0)

    def kill(self) -> None:
        """SIGKILL (the pidfd names this process even if its pid is reused later)."""
        if self._pidfd is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)

    def join(self, timeout: float | None = None) -> None:
        """Wait up to ``timeout`` seconds for the worker to exit."""
        if self._pidfd is not None and _readable(self._pidfd, timeout):
            os.close(self._pidfd)
            self._pidfd = None

    @property
    def exitcode(self) -> int | None:
        """The exit status (negative: the signal that ended it); None while it runs, or if the
        server did not report it within a second."""
        if self._exitcode is None and not self.is_alive():
            self._exitcode = self._server.exit_status(self.pid, wait=1.0)
        return self._exitcode


class ForkServer:
    """One pool's fork server, started with the first worker it is asked for."""

    def __init__(self, model: str | None) -> None:
        """``model``: the spaCy model it loads before forking (None: none)."""
        self.model = model
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._exits: dict[int, int] = {}

    def start_worker(self, memory_limit_mb: int) -> tuple[WorkerProcess, Connection]:
        """A new worker serving jobs under the memory limit, and the pool's end of its pipe."""
        ours, theirs = Pipe()
        try:
            with self._lock:
                control = self._running()
                socket.send_fds(control, [b"fork %d" % memory_limit_mb], [theirs.fileno()])
                while True:
                    message, fds = self._receive(control, block=True)
                    if message.startswith(b"pid "):
                        return WorkerProcess(int(message.split()[1]), fds[0], self), ours
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()

    def exit_status(self, pid: int, *, wait: float) -> int | None:
        """The exit status the server reported for its worker ``pid`` (waiting up to ``wait``
        seconds for the report)."""
        deadline = time.monotonic() + wait
        with self._lock:
            while pid not in self._exits and self._control is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not _readable(self._control.fileno(), remaining):
                    break
                with contextlib.suppress(OSError):
                    self._receive(self._control, block=False)
            return self._exits.pop(pid, None)

    def close(self) -> None:
        """Stop the server (it reaps the workers still running once they exit)."""
        with self._lock:
            self._stop()

    def _running(self) -> socket.socket:
        if self._process is not None and self._process.poll() is None and self._control:
            return self._control
        self._stop()  # it died: a new one is started
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        preload = [*PRELOAD, MODEL_PRELOAD] if self.model else PRELOAD
        env = {key: value for key, value in os.environ.items() if key != MODEL_ENV}
        if self.model:
            env[MODEL_ENV] = self.model
        # The server finds modules where this process does (tests and scripts add to the path).
        code = (
            f"import sys; sys.path[:] = {sys.path!r}; "
            f"from bot.pool_server import serve; serve({theirs.fileno()}, {preload!r})"
        )
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-c", code],
                pass_fds=(theirs.fileno(),),
                env=env,
                stdin=subprocess.DEVNULL,
            )
        self._control = ours
        return ours

    def _receive(self, control: socket.socket, *, block: bool) -> tuple[bytes, list[int]]:
        """One message from the server; exit reports are kept in ``_exits``."""
        flags = 0 if block else socket.MSG_DONTWAIT
        message, fds, _flags, _address = socket.recv_fds(control, _MESSAGE_BYTES, 1, flags)
        if not message:
            for fd in fds:
                os.close(fd)
            raise ConnectionError("the parser pool's fork server exited")
        if message.startswith(b"exit "):
            _, pid, status = message.split()
            self._exits[int(pid)] = int(status)
        return message, fds

    def _stop(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None


class ModelServer:
    """A pool's fork server, with the pool's model loaded in it once the pool expects to use
    the model before its first worker is made."""

    def __init__(self, model: str | None) -> None:
        """``model``: the pool's spaCy model (None: its jobs use none)."""
        self.model = model
        self._wanted = False
        self._server: ForkServer | None = None
        self._lock = threading.Lock()

    def expect_model(self, *, busy: bool, retire_workers: Callable[[], None]) -> None:
        """Jobs that use the model are coming. Before the first worker: the server will load
        it. After workers were made without it, and none is ``busy``: they are retired
        (``retire_workers``) and the next worker starts a new server, with the model."""
        self._wanted = True
        with self._lock:
            server = self._server
            if not self.model or server is None or server.model or busy:
                return
            self._server = None
        retire_workers()
        server.close()

    def start_worker(self, memory_limit_mb: int) -> tuple[WorkerProcess, Connection]:
        """A new worker from this pool's server (started now if it isn't running)."""
        with self._lock:
            if self._server is None:
                self._server = ForkServer(self.model if self._wanted else None)
            server = self._server
        return server.start_worker(memory_limit_mb)

    def close(self) -> None:
        """Stop the server (after the pool's workers were stopped)."""
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.close()


def _readable(fd: int, timeout: float | None) -> bool:
    readable, _, _ = select.select([fd], [], [], timeout)
    return bool(readable)


# ---- inside the fork server -------------------------------------------------------------------


def serve(control_fd: int, preload: Sequence[str]) -> None:
    """The fork server's loop: import ``preload``, then fork a worker for each request (its
    pipe end comes with it) and report each worker's exit, until the control socket closes."""
    import importlib

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the pool's to handle
    control = socket.socket(fileno=control_fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)
    for name in preload:
        importlib.import_module(name)
    try:
        while True:
            readable, _, _ = select.select([control.fileno(), wake_r], [], [])
            if wake_r in readable:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_r, 4096)
                _reap(control)
            if control.fileno() in readable:
                message, fds, _flags, _address = socket.recv_fds(control, _MESSAGE_BYTES, 1)
                if not message or not fds:
                    return
                pid = os.fork()
                if pid == 0:
                    _worker(fds[0], int(message.split()[1]), control, wake_r, wake_w)
                os.close(fds[0])
                pidfd = os.pidfd_open(pid)
                try:
                    socket.send_fds(control, [b"pid %d" % pid], [pidfd])
                finally:
                    os.close(pidfd)
    except OSError:
        return  # the pool is gone
    finally:
        control.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        with contextlib.suppress(ChildProcessError):
            while True:
                os.wait()  # the workers left exit once their pipes close


def _reap(control: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        control.send(b"exit %d %d" % (pid, os.waitstatus_to_exitcode(status)))


def _worker(fd: int, memory_limit_mb: int, control: socket.socket, *fds: int) -> None:
    """In a newly forked worker: serve the pool's jobs on ``fd``, then exit (never returns)."""
    code = 0
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        control.close()
        for other in fds:
            os.close(other)
        from bot.pool_worker import _serve

        _serve(Connection(fd), memory_limit_mb)
    except BaseException:  # noqa: BLE001 - the worker ends here whatever happened
        code = 1
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
