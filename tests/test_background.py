"""The background loops: a round that fails unexpectedly is logged, and the loop starts again
after a pause instead of spinning."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import cogs.background
from bot.metrics import Metrics
from cogs.background import BackgroundCog


class Failing:
    """Stands in for the watcher and the deliverer: every round raises a bug."""

    def __init__(self) -> None:
        self.rounds = 0

    async def poll_due(self) -> Any:
        self.rounds += 1
        raise RuntimeError("a bug")

    async def deliver_due(self) -> Any:
        self.rounds += 1
        raise RuntimeError("a bug")

    async def queue_source_notices(self) -> int:
        return 0


@pytest.mark.parametrize("loop", ["poll", "deliver"])
async def test_a_failing_round_restarts_its_loop_after_a_pause(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, loop: str
) -> None:
    monkeypatch.setattr(cogs.background, "RESTART_AFTER", 0.2)
    failing = Failing()
    cog = BackgroundCog(
        watcher=failing,  # type: ignore[arg-type]
        deliverer=failing,  # type: ignore[arg-type]
        sources=None,  # type: ignore[arg-type]
        news=None,  # type: ignore[arg-type]
        interval=0.01,
        retention_days=90,
        metrics=Metrics(role="test", version="t", process_metrics=False),
    )
    task = getattr(cog, loop)
    task.start()
    await asyncio.sleep(1.0)
    task.cancel()
    # Restarted about every 0.2 s: a handful of rounds in a second, not hundreds.
    assert 2 <= failing.rounds <= 8
    assert "starts again in 0.2s" in caplog.text
