"""The operator's web server on a real loopback port: /healthz, /readyz, /metrics (read back with
prometheus-client's own parser) and the token on /status; the metrics object on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.articles import Article
from bot.metrics import Metrics
from bot.sources import SourceStatus
from bot.status import ProcessState, minute_of
from bot.storage.ingest import PollSuccess
from bot.storage.repositories import Repositories
from bot.web import CONTENT_SECURITY_POLICY, OpsServer, Readiness
from tests.factories import make_article

pytestmark = pytest.mark.both_engines

TOKEN = "s3cret-status-token"


class Served:
    def __init__(self, server: OpsServer, metrics: Metrics) -> None:
        self.server = server
        self.metrics = metrics
        self.base = f"http://127.0.0.1:{server.port}"

    async def get(self, path: str, **headers: str) -> tuple[int, str, dict[str, str]]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.base + path, headers=headers) as resp,
        ):
            return resp.status, await resp.text(), dict(resp.headers)


@pytest.fixture
def gateway() -> list[str]:
    """What the fake gateway check answers (a test may put reasons in it)."""
    return []


Start = Callable[..., Awaitable[Served]]


@pytest.fixture
async def make_served(store: Repositories, gateway: list[str]) -> AsyncIterator[Start]:
    servers: list[OpsServer] = []

    async def start(*, token: str | None = TOKEN, loops: tuple[str, ...] = ("poll",)) -> Served:
        metrics = Metrics(role="gateway", version="9.9.9")
        metrics.count_statements(lambda: store.database.statements)
        server = OpsServer(
            store=store.operations,
            metrics=metrics,
            readiness=Readiness(
                loops=loops, within=timedelta(minutes=5), gateway=lambda: list(gateway)
            ),
            version="9.9.9",
            status_token=token,
        )
        await server.start("127.0.0.1", 0)
        servers.append(server)
        return Served(server, metrics)

    yield start
    for server in servers:
        await server.stop()


async def test_healthz_answers_ok(make_served: Start) -> None:
    served = await make_served()
    status, body, _ = await served.get("/healthz")
    assert (status, body) == (200, "ok\n")


async def test_readyz_says_which_loop_has_not_finished_a_round(
    make_served: Start,
) -> None:
    served = await make_served(loops=("poll", "deliver"))
    served.metrics.round_done("poll")
    status, body, _ = await served.get("/readyz")
    assert status == 503
    assert "the deliver loop has not finished a round yet" in body
    assert "poll loop" not in body
    served.metrics.round_done("deliver")
    assert (await served.get("/readyz"))[:2] == (200, "ready\n")


async def test_readyz_reports_a_disconnected_gateway(
    make_served: Start, gateway: list[str]
) -> None:
    served = await make_served()
    served.metrics.round_done("poll")
    gateway.append("gateway shard 1 is disconnected")
    status, body, _ = await served.get("/readyz")
    assert status == 503
    assert "gateway shard 1 is disconnected" in body


async def test_readyz_reports_a_database_that_does_not_answer() -> None:
    # Nothing listens on port 1: the connection is refused at once.
    store = Repositories.open("postgresql+asyncpg://newsbot:x@127.0.0.1:1/newsbot")
    metrics = Metrics(role="worker", version="1", process_metrics=False)
    metrics.round_done("poll")
    server = OpsServer(
        store=store.operations,
        metrics=metrics,
        readiness=Readiness(loops=("poll",), within=timedelta(minutes=5)),
        version="1",
        status_token=None,
    )
    await server.start("127.0.0.1", 0)
    try:
        problems = await server.problems()
    finally:
        await server.stop()
        await store.close()
    assert problems == ["the database did not answer: ConnectionRefusedError"]


async def test_metrics_parse_with_prometheus_clients_own_parser(
    make_served: Start, store: Repositories
) -> None:
    served = await make_served()
    served.metrics.polled(ok=5, not_modified=2, failed=1)
    served.metrics.delivered(sent=4, summarized=0, retried=1, failed=0)
    status, body, headers = await served.get("/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(body)}
    polls = {s.labels["outcome"]: s.value for s in families["newsbot_polls"].samples}
    assert polls == {"ok": 3.0, "not_modified": 2.0, "failed": 1.0}
    alerts = {s.labels["result"]: s.value for s in families["newsbot_alerts"].samples}
    assert alerts["sent"] == 4.0 and alerts["retried"] == 1.0
    assert families["newsbot_outbox_pending"].samples[0].value == 0.0
    assert families["process_resident_memory_bytes"].samples[0].value > 0
    assert families["newsbot_db_statements"].samples[0].value > 0
    assert families["newsbot_info"].samples[0].labels == {"version": "9.9.9", "role": "gateway"}


async def test_metrics_show_the_outbox_depth_and_its_oldest_rows_age(
    make_served: Start, store: Repositories
) -> None:
    served = await make_served()
    queued_at = datetime.now(UTC) - timedelta(minutes=10)
    source, _ = await store.sources.add_source(
        "http://example.com/feed", added_url="x", now=queued_at
    )
    await store.guilds.set_alerts_channel(1, 10, user_id=5, now=queued_at)
    article = make_article(source.id, "one", queued_at)
    stored = await store_article(store, source.id, article, queued_at)
    assert await store.outbox.enqueue_articles(1, 10, stored, now=queued_at) == 1
    _, body, _ = await served.get("/metrics")
    families = {f.name: f for f in text_string_to_metric_families(body)}
    assert families["newsbot_outbox_pending"].samples[0].value == 1.0
    age = families["newsbot_outbox_oldest_age_seconds"].samples[0].value
    assert 590 < age < 3600


async def store_article(
    store: Repositories, source_id: int, article: Article, now: datetime
) -> list[Article]:
    source = await store.sources.get_source(source_id)
    assert source is not None
    return await store.ingest.record_poll_success(
        source,
        PollSuccess(
            title="Feed",
            site_url=None,
            etag=None,
            last_modified=None,
            moved_to=None,
            next_poll_at=now,
        ),
        seen_keys=[],
        new_articles=[article],
        now=now,
    )


async def test_status_is_off_without_a_token_setting(make_served: Start) -> None:
    served = await make_served(token=None)
    status, body, _ = await served.get("/status")
    assert status == 404
    assert "set STATUS_TOKEN" in body


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/status", {}),
        ("/status?token=wrong", {}),
        ("/status", {"Authorization": "Bearer wrong"}),
        ("/status", {"Authorization": f"Basic {TOKEN}"}),
    ],
)
async def test_status_refuses_a_missing_or_wrong_token(
    make_served: Start, path: str, headers: dict[str, str]
) -> None:
    served = await make_served()
    status, body, response_headers = await served.get(path, **headers)
    assert status == 401
    assert "needs the status token" in body
    assert "Sources" not in body
    assert response_headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("how", ["bearer", "query"])
async def test_status_opens_with_the_token_and_a_strict_policy(
    make_served: Start, store: Repositories, how: str
) -> None:
    served = await make_served()
    now = datetime.now(UTC)
    source, _ = await store.sources.add_source(
        "http://example.com/<b>feed", added_url="x", now=now - timedelta(hours=2)
    )
    await store.sources.record_failure(
        source, "The server said <script>alert(1)</script>.", now=now, next_poll_at=now
    )
    if how == "bearer":
        status, body, headers = await served.get("/status", Authorization=f"Bearer {TOKEN}")
    else:
        status, body, headers = await served.get(f"/status?token={TOKEN}")
    assert status == 200
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert CONTENT_SECURITY_POLICY.startswith("default-src 'none'; style-src 'sha256-")
    assert "<script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "http://example.com/&lt;b&gt;feed" in body
    assert (await store.sources.get_source(source.id)).status is SourceStatus.FAILING  # type: ignore[union-attr]


async def test_heartbeat_rows_and_activity_reach_the_status_report(store: Repositories) -> None:
    from bot.heartbeat import Heartbeat

    now = datetime.now(UTC)
    metrics = Metrics(role="worker", version="1", clock=lambda: now, process_metrics=False)
    metrics.polled(ok=3, not_modified=1, failed=1)
    process = ProcessState("worker-a", "worker", None, "1", now, now)
    await Heartbeat(
        store=store.operations, metrics=metrics, process=process, clock=lambda: now
    ).beat()
    metrics.polled(ok=2, not_modified=0, failed=0)
    await Heartbeat(
        store=store.operations, metrics=metrics, process=process, clock=lambda: now
    ).beat()
    report = await store.operations.status_report(now, version="1")
    assert [p.name for p in report.processes] == ["worker-a"]
    counts = {(a.minute, a.kind): a.total for a in report.activity}
    assert counts == {
        (minute_of(now), "poll_ok"): 4,
        (minute_of(now), "poll_not_modified"): 1,
        (minute_of(now), "poll_failed"): 1,
    }
    await store.operations.forget_process("worker-a")
    assert (await store.operations.status_report(now, version="1")).processes == ()


def test_each_metrics_object_has_its_own_registry() -> None:
    first = Metrics(role="worker", version="1", process_metrics=False)
    second = Metrics(role="worker", version="1", process_metrics=False)
    first.polled(ok=2, not_modified=0, failed=0)
    assert first.value("newsbot_polls_total") == 2
    assert second.value("newsbot_polls_total") == 0


def test_activity_not_stored_is_given_back_for_the_next_heartbeat() -> None:
    now = datetime(2026, 12, 1, 10, 30, 45, tzinfo=UTC)
    metrics = Metrics(role="worker", version="1", clock=lambda: now, process_metrics=False)
    metrics.delivered(sent=2, summarized=0, retried=0, failed=1)
    taken = metrics.take_activity()
    assert taken == {
        (datetime(2026, 12, 1, 10, 30, tzinfo=UTC), "alert_sent"): 2,
        (datetime(2026, 12, 1, 10, 30, tzinfo=UTC), "alert_failed"): 1,
    }
    assert metrics.take_activity() == {}
    metrics.give_back(taken)
    assert metrics.take_activity() == taken


def test_stats_file_lines_are_written_from_the_registry(tmp_path: Path) -> None:
    import json

    metrics = Metrics(role="worker", version="1", process_metrics=False)
    statements = [41]
    metrics.count_statements(lambda: statements[0])
    metrics.polled(ok=7, not_modified=7, failed=1)
    path = tmp_path / "stats.jsonl"
    metrics.write_stats(path, worker="w1")
    statements[0] = 50
    metrics.write_stats(path, worker="w1")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(x["worker"], x["polled"], x["statements"]) for x in lines] == [
        ("w1", 8, 41),
        ("w1", 8, 50),
    ]


async def test_promtool_accepts_every_metric(make_served: Start) -> None:
    import asyncio
    import shutil

    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed here (Debian's prometheus package; CI has it)")
    served = await make_served()
    metrics = served.metrics
    metrics.polled(ok=3, not_modified=1, failed=1)
    metrics.delivered(sent=2, summarized=1, retried=1, failed=1, dropped=1)
    metrics.fetched("feed", 0.2)
    metrics.fetched("page", 1.5)
    metrics.rate_limited("global")
    metrics.answered(0.4)
    metrics.command("sources add", "ok")
    metrics.round_done("poll")
    _, body, _ = await served.get("/metrics")
    process = await asyncio.create_subprocess_exec(
        promtool,
        "check",
        "metrics",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(body.encode()), 60)
    assert process.returncode == 0, (out + err).decode()
    assert out == err == b""
