"""The operator's command line, as real processes: `newsbot --version`, a worker with its web
server (/healthz, /readyz, /metrics) and JSON logs, and `newsbot sources import|export`."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import listparser
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import __version__
from bot.storage.repositories import Repositories
from tests.conftest import FeedServer, cli_env, rss
from tests.test_opml import reader_export
from tests.waiting import eventually


async def run_cli(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_version_is_printed(tmp_path: Path) -> None:
    status, out, _ = await run_cli("--version", env=cli_env(), cwd=tmp_path)
    assert (status, out) == (0, f"newsbot {__version__}\n")


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, await resp.text()


async def test_a_worker_serves_health_and_metrics_and_logs_json(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    db = tmp_path / "worker.sqlite3"
    store = Repositories.open(f"sqlite+aiosqlite:///{db}")
    await store.database.migrate()
    url = feed_server.serve("feed.xml", rss([{"title": "One", "guid": "1"}]))
    await store.sources.add_source(url, added_url=url, now=datetime.now(UTC))
    port = free_port()
    env = cli_env(
        DATABASE_URL=f"sqlite+aiosqlite:///{db}",
        ALLOW_PRIVATE_ADDRESSES="true",
        PARSE_WORKERS="1",
        HTTP_PORT=str(port),
        LOG_FORMAT="json",
        WORKER_ID='worker "one"\nINFO forged line',
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "worker",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        async def ready() -> bool:
            assert process.returncode is None, "the worker stopped"
            try:
                return await get(f"{base}/readyz") == (200, "ready\n")
            except aiohttp.ClientConnectionError:
                return False

        await eventually(ready, timeout=60)
        assert await get(f"{base}/healthz") == (200, "ok\n")
        status, text = await get(f"{base}/metrics")
        assert status == 200
        families = {f.name: f for f in text_string_to_metric_families(text)}
        polls = {s.labels["outcome"]: s.value for s in families["newsbot_polls"].samples}
        assert polls["ok"] >= 1
        fetches = {
            s.labels["kind"]: s.value
            for s in families["newsbot_fetch_seconds"].samples
            if s.name.endswith("_count")
        }
        assert fetches["feed"] >= 1
        jobs = {
            s.labels["job"]: s.value
            for s in families["newsbot_pool_job_seconds"].samples
            if s.name.endswith("_count")
        }
        assert jobs["parse_feed"] >= 1
        assert families["newsbot_info"].samples[0].labels["role"] == "worker"
        assert (await get(f"{base}/status"))[0] == 404  # no STATUS_TOKEN

        async def reported() -> bool:
            return bool(
                (await store.operations.status_report(datetime.now(UTC), version="x")).processes
            )

        await eventually(reported)
        (row,) = (await store.operations.status_report(datetime.now(UTC), version="x")).processes
        assert row.role == "worker" and row.name.startswith('worker "one"')
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert (await store.operations.status_report(datetime.now(UTC), version="x")).processes == ()
    await store.close()
    lines = err.decode().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(records[0])
    polling = [r["message"] for r in records if "polling" in r["message"]]
    assert polling == ["worker 'worker \"one\"\\nINFO forged line' polling"]
    assert not any(line.startswith("INFO forged") for line in lines)


async def serve_reader_feeds(feeds: FeedServer) -> None:
    for path in ("harbour.xml", "valley.atom", "continental.json", "watched.xml"):
        feeds.serve(path, rss([{"title": f"{path} 1", "guid": f"{path}-1"}], title=path.upper()))
    feeds.serve("gone.xml", "gone", status=410, content_type="text/plain")


@pytest.mark.parametrize("dry_run", [False, True])
async def test_sources_import_previews_then_adds_and_export_writes_opml(
    tmp_path: Path, feed_server: FeedServer, dry_run: bool
) -> None:
    await serve_reader_feeds(feed_server)
    opml = tmp_path / "reader.opml"
    opml.write_bytes(reader_export(feed_server.base_url))
    env = cli_env(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
        ALLOW_PRIVATE_ADDRESSES="true",
        PARSE_WORKERS="1",
    )
    args = ["sources", "import", str(opml), "--guild", "42"]
    status, out, err = await run_cli(
        *args, *(["--dry-run"] if dry_run else []), env=env, cwd=tmp_path
    )

    assert status == 0, err
    lines = out.splitlines()
    verdicts = sorted(line.split("\t")[0] for line in lines[:-1])
    assert verdicts == ["refused", "refused", "valid", "valid", "valid", "valid"]
    assert any(line.startswith("refused\tfile:///etc/passwd\t") for line in lines)
    if dry_run:
        assert lines[-1] == "4 valid, 0 already watched, 2 refused; nothing added (--dry-run)"
        status, _, err = await run_cli("sources", "export", "--guild", "42", env=env, cwd=tmp_path)
        assert status == 2 and "watches no sources" in err
        return
    assert lines[-1] == "4 valid, 0 already watched, 2 refused; added 4 to server 42"

    status, exported, err = await run_cli(
        "sources", "export", "--guild", "42", env=env, cwd=tmp_path
    )
    assert status == 0, err
    parsed = listparser.parse(exported.encode())
    assert sorted((f["title"], f["url"].rsplit("/", 1)[-1]) for f in parsed["feeds"]) == [
        ("CONTINENTAL.JSON", "continental.json"),
        ("HARBOUR.XML", "harbour.xml"),
        ("VALLEY.ATOM", "valley.atom"),
        ("WATCHED.XML", "watched.xml"),
    ]

    again, out, _ = await run_cli(*args, env=env, cwd=tmp_path)
    assert again == 0
    assert out.splitlines()[-1] == "0 valid, 4 already watched, 2 refused; added 0 to server 42"
