"""Headless Chromium (Debian's ``chromium`` package) driven over the Chrome DevTools Protocol.

The protocol is JSON over a WebSocket, so the test drives it with aiohttp (already a dependency)
and needs no browser-automation package: it starts ``chromium --headless`` with a debugging
port, opens a tab, loads a page, collects console messages, exceptions and log entries (a CSP
violation is one), reads the DOM and takes a screenshot.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM_NAMES = ("chromium", "chromium-browser")
# As root in a container, with no network but loopback: no sandbox, and none of Chromium's
# background connections (they would be refused, and logged, at every start).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
    "--window-size=1100,1400",
)


def chromium_path() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageLoad:
    status: int | None
    text: str
    html: str
    errors: list[str] = field(default_factory=list)
    """Console errors, uncaught exceptions and error log entries (CSP violations among them)."""


class Tab:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.errors: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self._ws:
            data = json.loads(message.data)
            if "id" in data:
                future = self._pending.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
                continue
            self._note(data)
            await self._events.put(data)

    def _note(self, event: dict[str, Any]) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = params.get("args", [])
            self.errors.append("console: " + " ".join(str(a.get("value", a)) for a in args))
        elif method == "Runtime.exceptionThrown":
            self.errors.append("exception: " + json.dumps(params.get("exceptionDetails")))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.errors.append("log: " + params["entry"].get("text", ""))

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[number] = future
        await self._ws.send_json({"id": number, "method": method, "params": params})
        answer = await asyncio.wait_for(future, 30)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    async def load(self, url: str) -> PageLoad:
        """Navigate and wait for the load event; the page's text, HTML and errors."""
        self.errors = []
        while not self._events.empty():
            self._events.get_nowait()
        await self.send("Page.navigate", url=url)
        status: int | None = None
        async with asyncio.timeout(30):
            while True:
                event = await self._events.get()
                if event.get("method") == "Network.responseReceived":
                    params = event["params"]
                    if params.get("type") == "Document":
                        status = params["response"]["status"]
                if event.get("method") == "Page.loadEventFired":
                    break
        await asyncio.sleep(0.2)  # late console messages and CSP reports
        text = await self.evaluate("document.body ? document.body.innerText : ''")
        html = await self.evaluate("document.documentElement.outerHTML")
        return PageLoad(status, str(text), str(html), list(self.errors))

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluate {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def screenshot(self, path: Path) -> Path:
        shot = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))
        return path

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self._ws.close()


@contextlib.asynccontextmanager
async def headless_chromium(profile: Path) -> AsyncIterator[Tab]:
    """A started Chromium (a new empty profile in ``profile``) and one tab with the Page,
    Runtime, Log and Network domains enabled."""
    binary = chromium_path()
    if binary is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    await asyncio.to_thread(profile.mkdir, parents=True, exist_ok=True)
    log_path = profile / "chromium.log"
    with log_path.open("wb") as log_file:
        proc = await asyncio.create_subprocess_exec(
            binary,
            *FLAGS,
            f"--user-data-dir={profile}",
            "about:blank",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    try:
        port = await _debugging_port(proc, profile / "DevToolsActivePort", log_path)
        async with aiohttp.ClientSession() as session:
            async with session.put(f"http://127.0.0.1:{port}/json/new?about:blank") as resp:
                target = await resp.json()
            async with session.ws_connect(
                target["webSocketDebuggerUrl"], max_msg_size=64 * 1024 * 1024
            ) as ws:
                tab = Tab(ws)
                for domain in ("Page", "Runtime", "Log", "Network"):
                    await tab.send(f"{domain}.enable")
                try:
                    yield tab
                finally:
                    await tab.close()
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def _debugging_port(proc: asyncio.subprocess.Process, port_file: Path, log: Path) -> int:
    """The port Chromium's DevTools listen on (it writes it into the profile when ready)."""

    def read() -> str:
        return port_file.read_text() if port_file.exists() else ""

    async with asyncio.timeout(30):
        while not (written := await asyncio.to_thread(read)).strip():
            if proc.returncode is not None:
                tail = (await asyncio.to_thread(log.read_text, errors="replace"))[-2000:]
                raise RuntimeError(f"chromium exited with {proc.returncode}: {tail}")
            await asyncio.sleep(0.05)
    return int(written.split()[0])
