"""The operator's status page: what it shows (small values the store fills in) and its HTML.

One server-rendered page: no script, no external asset, charts as inline SVG, one stylesheet
allowed by its hash in a strict Content-Security-Policy. Every value from outside (source names,
errors, article titles, process names) is escaped.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from typing import NamedTuple

CHART_MINUTES = 60
STALE_AFTER = timedelta(minutes=2)
"""A process that has not written its heartbeat for this long is shown as stale."""


def minute_of(moment: datetime) -> datetime:
    """The start of the minute ``moment`` falls in (the status page's chart buckets; the
    metrics' minute counts)."""
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class SourceCounts:
    """Sources by state; ``paused``: every server watching it paused it (not polled)."""

    ok: int = 0
    failing: int = 0
    new: int = 0
    gone: int = 0
    paused: int = 0


@dataclass(frozen=True, slots=True)
class FailingSource:
    """A source that keeps failing, for the status page."""

    name: str
    url: str
    since: datetime | None
    error: str
    errors: int


@dataclass(frozen=True, slots=True)
class ProcessState:
    """A running process (from its heartbeat row) and the work it holds now."""

    name: str
    role: str
    shards: str | None
    version: str
    started_at: datetime
    seen_at: datetime
    leased_sources: int = 0
    claimed_alerts: int = 0


@dataclass(frozen=True, slots=True)
class DegradedArticle:
    """An article stored without all it should have (no page text, say), and why."""

    title: str
    source: str
    fetched_at: datetime
    reason: str


class ActivityCount(NamedTuple):
    """Polls and alerts in one minute."""

    minute: datetime
    kind: str
    total: int


@dataclass(frozen=True, slots=True)
class StatusReport:
    """What the status page shows."""

    now: datetime
    version: str
    sources: SourceCounts
    failing: tuple[FailingSource, ...] = ()
    activity: tuple[ActivityCount, ...] = ()
    outbox_pending: int = 0
    outbox_oldest: datetime | None = None
    processes: tuple[ProcessState, ...] = ()
    degraded: tuple[DegradedArticle, ...] = ()
    orphan_leases: dict[str, int] = field(default_factory=dict)
    """Work held by names with no live heartbeat row (a process that died: its leases end)."""


STYLE = """
:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;--line:#d1d9e0;
--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--idle:#8c959f;--card:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;
--line:#3d444d;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--idle:#656c76;--card:#151b23}}
body{font:14px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;
max-width:1000px;padding:16px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.muted{color:var(--muted)}.cards{display:flex;flex-wrap:wrap;gap:8px}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:8px 12px;
min-width:90px}.card b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;
border-bottom:1px solid var(--line);vertical-align:top}th{color:var(--muted);font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.chart{width:100%;max-width:640px;height:auto}.chart text{fill:var(--muted);font-size:10px}
.axis{stroke:var(--line)}.poll_ok{fill:var(--ok)}.poll_not_modified{fill:var(--idle)}
.poll_failed,.alert_failed{fill:var(--bad)}.alert_sent{fill:var(--ok)}
.alert_summarized,.alert_dropped{fill:var(--warn)}.alert_retried{fill:var(--idle)}
.key span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
.key .poll_ok,.key .alert_sent{background:var(--ok)}.key .poll_not_modified,
.key .alert_retried{background:var(--idle)}
.key .poll_failed,.key .alert_failed{background:var(--bad)}
.key .alert_summarized,.key .alert_dropped{background:var(--warn)}
.stale{color:var(--bad)}.ok{color:var(--ok)}.bad{color:var(--bad)}
"""
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""Nothing may load or run but the page's own stylesheet (allowed by its hash)."""

POLL_SERIES = (
    ("poll_ok", "fetched and read"),
    ("poll_not_modified", "not modified (304)"),
    ("poll_failed", "failed"),
)
ALERT_SERIES = (
    ("alert_sent", "sent"),
    ("alert_summarized", "in summaries"),
    ("alert_retried", "retried"),
    ("alert_failed", "given up"),
    ("alert_dropped", "refused"),
)


def render_status(report: StatusReport) -> str:
    """The status page as a complete HTML document."""
    now = report.now
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="refresh" content="60">',
        "<title>newsbot status</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>newsbot status</h1>",
        f'<p class="muted">Version {escape(report.version)} · '
        f"{_when(now)} (refreshes every minute)</p>",
        _sources_section(report),
        _activity_section(report),
        _outbox_section(report),
        _processes_section(report),
        _degraded_section(report),
        "</body></html>",
    ]
    return "\n".join(parts)


def render_locked(reason: str) -> str:
    """The page answered without a valid token (or with /status turned off)."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>newsbot status</title><style>{STYLE}</style></head><body>"
        f"<h1>newsbot status</h1><p>{escape(reason)}</p></body></html>"
    )


def _sources_section(report: StatusReport) -> str:
    counts = report.sources
    cards = "".join(
        f'<div class="card"><b>{value}</b>{label}</div>'
        for label, value in (
            ("ok", counts.ok),
            ("failing", counts.failing),
            ("paused", counts.paused),
            ("waiting for a first poll", counts.new),
            ("gone (410)", counts.gone),
        )
    )
    html = f'<h2>Sources</h2><div class="cards">{cards}</div>'
    if report.failing:
        rows = "".join(
            f"<tr><td>{escape(s.name)}"
            + (f"<br><span class='muted'>{escape(s.url)}</span>" if s.name != s.url else "")
            + "</td>"
            f"<td>{_ago(report.now, s.since) if s.since else '?'}</td>"
            f"<td class='n'>{s.errors}</td><td>{escape(s.error)}</td></tr>"
            for s in report.failing
        )
        html += (
            "<h2>Failing sources</h2><table><tr><th>source</th><th>failing since</th>"
            f"<th>errors</th><th>last error</th></tr>{rows}</table>"
        )
    return html


def _activity_section(report: StatusReport) -> str:
    start = minute_of(report.now) - timedelta(minutes=CHART_MINUTES - 1)
    return (
        "<h2>The last hour</h2>"
        + _chart("Polls per minute", start, report.activity, POLL_SERIES)
        + _chart("Alerts per minute", start, report.activity, ALERT_SERIES)
    )


def _chart(
    title: str,
    start: datetime,
    activity: Sequence[ActivityCount],
    series: Sequence[tuple[str, str]],
) -> str:
    """Stacked bars, one a minute, as inline SVG (a <title> on each bar says its numbers)."""
    kinds = [kind for kind, _ in series]
    per_minute: list[dict[str, int]] = [dict.fromkeys(kinds, 0) for _ in range(CHART_MINUTES)]
    for row in activity:
        index = int((row.minute - start).total_seconds() // 60)
        if 0 <= index < CHART_MINUTES and row.kind in per_minute[index]:
            per_minute[index][row.kind] += row.total
    peak = max([sum(m.values()) for m in per_minute] + [1])
    width, height, left, bottom = 640, 120, 36, 16
    bar = (width - left) / CHART_MINUTES
    plot = height - bottom - 4
    shapes = [
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width}" '
        f'y2="{height - bottom}"/>',
        f'<text x="{left - 4}" y="12" text-anchor="end">{peak}</text>',
        f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end">0</text>',
        f'<text x="{left}" y="{height - 2}">-60 min</text>',
        f'<text x="{width}" y="{height - 2}" text-anchor="end">now</text>',
    ]
    labels = dict(series)
    for index, counts in enumerate(per_minute):
        x = left + index * bar
        y = float(height - bottom)
        minute = start + timedelta(minutes=index)
        tip = f"{minute:%H:%M} UTC: " + ", ".join(f"{counts[k]} {labels[k]}" for k in kinds)
        for kind in kinds:
            if not counts[kind]:
                continue
            h = counts[kind] / peak * plot
            y -= h
            shapes.append(
                f'<rect class="{kind}" x="{x:.1f}" y="{y:.1f}" width="{max(bar - 1, 1):.1f}" '
                f'height="{h:.1f}"><title>{escape(tip)}</title></rect>'
            )
    total = sum(sum(m.values()) for m in per_minute)
    key = "".join(f'<span class="{kind}"></span>{escape(label)}' for kind, label in series)
    return (
        f"<p><b>{escape(title)}</b> <span class='muted'>({total} in the hour)</span></p>"
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(shapes)
        + f'</svg><p class="key muted">{key}</p>'
    )


def _outbox_section(report: StatusReport) -> str:
    oldest = (
        f", the oldest waiting {_ago(report.now, report.outbox_oldest)}"
        if report.outbox_oldest
        else ""
    )
    waiting = _count(report.outbox_pending, "alert", "alerts")
    return f"<h2>Outbox</h2><p>{waiting} waiting{oldest}.</p>"


def _processes_section(report: StatusReport) -> str:
    if not report.processes:
        body = "<p>No process has reported in.</p>"
    else:
        rows = []
        for p in report.processes:
            stale = report.now - p.seen_at > STALE_AFTER
            seen = _ago(report.now, p.seen_at)
            state = f"<span class='stale'>stale: {seen}</span>" if stale else seen
            rows.append(
                f"<tr><td>{escape(p.name)}</td><td>{escape(p.role)}</td>"
                f"<td>{escape(p.shards or '—')}</td><td>{escape(p.version)}</td>"
                f"<td>{_ago(report.now, p.started_at)}</td><td>{state}</td>"
                f"<td class='n'>{p.leased_sources}</td><td class='n'>{p.claimed_alerts}</td></tr>"
            )
        body = (
            "<table><tr><th>process</th><th>role</th><th>shards</th><th>version</th>"
            "<th>started</th><th>last seen</th><th>sources leased</th>"
            f"<th>alerts claimed</th></tr>{''.join(rows)}</table>"
        )
    if report.orphan_leases:
        held = ", ".join(f"{escape(n)} ({c})" for n, c in sorted(report.orphan_leases.items()))
        body += f"<p class='muted'>Held by processes not reporting in: {held}.</p>"
    return "<h2>Shards and workers</h2>" + body


def _degraded_section(report: StatusReport) -> str:
    if not report.degraded:
        return "<h2>Degraded articles</h2><p>None in the last 24 hours.</p>"
    rows = "".join(
        f"<tr><td>{escape(a.title)}</td><td>{escape(a.source)}</td>"
        f"<td>{_ago(report.now, a.fetched_at)}</td><td>{escape(a.reason)}</td></tr>"
        for a in report.degraded
    )
    return (
        "<h2>Degraded articles</h2><p class='muted'>Stored without a stage's work, or given up, "
        "in the last 24 hours; the newest first.</p><table><tr><th>article</th><th>source</th>"
        f"<th>when</th><th>why</th></tr>{rows}</table>"
    )


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _ago(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 120:
        text = f"{seconds}s ago"
    elif seconds < 7200:
        text = f"{seconds // 60} min ago"
    elif seconds < 172800:
        text = f"{seconds // 3600} h ago"
    else:
        text = f"{seconds // 86400} days ago"
    return f'<span title="{_when(then)}">{text}</span>'
