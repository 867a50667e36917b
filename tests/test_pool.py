"""The work pool: limits per job (time, memory, a dying worker), and turns fair across keys."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest

from bot.pool import (
    JobOutOfMemory,
    JobTimedOut,
    RemoteTraceback,
    WorkerCrashed,
    WorkPool,
)
from bot.pool_worker import StageTimedOut, time_box


def double(value: int) -> int:
    return value * 2


def sleep_then(seconds: float, value: int) -> int:
    time.sleep(seconds)
    return value


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def die() -> int:
    os._exit(3)


def fail(message: str) -> int:
    raise ValueError(message)


@pytest.fixture
def pool() -> WorkPool:
    built = WorkPool(2, time_limit=2.0, memory_limit_mb=300)
    yield built  # type: ignore[misc]
    built.close()


async def test_a_job_returns_its_result_from_a_worker_process(pool: WorkPool) -> None:
    assert await asyncio.gather(*(pool.submit(n % 2, double, n) for n in range(6))) == [
        0, 2, 4, 6, 8, 10
    ]  # fmt: skip


async def test_a_job_s_exception_reaches_the_caller_with_the_worker_s_traceback(
    pool: WorkPool,
) -> None:
    with pytest.raises(ValueError, match="bad input") as raised:
        await pool.run(fail, "bad input")
    assert isinstance(raised.value.__cause__, RemoteTraceback)
    assert "in fail" in raised.value.__cause__.text
    assert await pool.run(double, 4) == 8
    assert pool.replaced == 0


async def test_a_job_over_its_time_limit_is_stopped_and_its_worker_replaced(
    pool: WorkPool,
) -> None:
    started = time.monotonic()
    with pytest.raises(JobTimedOut, match="longer than 2 s"):
        await pool.run(sleep_then, 60.0, 1)
    assert time.monotonic() - started < 30
    assert pool.replaced == 1
    assert await pool.run(double, 5) == 10


async def test_a_job_over_its_memory_limit_fails_and_its_worker_is_replaced(
    pool: WorkPool,
) -> None:
    with pytest.raises(JobOutOfMemory, match="300 MB"):
        await pool.run(allocate, 400)
    assert pool.replaced == 1
    assert await pool.run(allocate, 10) == 10 * 1024 * 1024


async def test_a_worker_that_dies_is_replaced_for_the_next_job(pool: WorkPool) -> None:
    with pytest.raises(WorkerCrashed):
        await pool.run(die)
    assert pool.replaced == 1
    assert await pool.run(double, 6) == 12


async def test_a_dead_worker_s_exit_status_is_logged(
    pool: WorkPool, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(WorkerCrashed):
        await pool.run(die)
    assert "exit code 3" in caplog.text


def pids(hold: float) -> tuple[int, int]:
    time.sleep(hold)  # both jobs run at once, so two workers answer
    return os.getpid(), os.getppid()


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = open(f"/proc/{entry.name}/stat").read()  # noqa: SIM115 - one read
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_workers_come_from_the_pool_s_own_fork_server_which_close_stops(
    pool: WorkPool,
) -> None:
    """One helper process (the fork server, no resource tracker beside it), the parent of
    every worker; closing the pool stops it and its workers."""
    before = children_of(os.getpid())
    answers = await asyncio.gather(pool.run(pids, 0.5), pool.run(pids, 0.5))
    assert len({pid for pid, _ in answers}) == 2
    assert children_of(os.getpid()) - before == {parent for _, parent in answers}
    pool.close()
    assert children_of(os.getpid()) - before == set()
    assert not any(running(pid) for pid, _ in answers)


async def test_a_thread_pool_abandons_a_job_over_its_time_limit() -> None:
    threaded = WorkPool(1, time_limit=0.2)
    try:
        with pytest.raises(JobTimedOut):
            await threaded.run(sleep_then, 1.0, 1)
        assert await threaded.run(double, 2) == 4
    finally:
        threaded.close()


async def test_turns_go_round_the_keys_so_one_busy_key_cannot_hold_up_another() -> None:
    threaded = WorkPool(1)
    order: list[str] = []
    queued = threading.Event()

    def job(name: str) -> None:
        queued.wait(timeout=10)
        order.append(name)

    try:
        busy = [asyncio.ensure_future(threaded.submit("busy", job, f"busy-{n}")) for n in range(4)]
        await asyncio.sleep(0.05)
        other = asyncio.ensure_future(threaded.submit("other", job, "other"))
        await asyncio.sleep(0)
        queued.set()
        await asyncio.gather(*busy, other)
    finally:
        threaded.close()
    # "other" waits for the job running when it came and at most one more turn of "busy".
    assert order == ["busy-0", "busy-1", "other", "busy-2", "busy-3"]


async def test_a_key_runs_at_most_half_the_workers_at_once() -> None:
    four = WorkPool(4, time_limit=10.0)
    try:
        assert four.per_key == 2
        started = time.monotonic()
        await asyncio.gather(*(four.submit("one", sleep_then, 0.5, n) for n in range(4)))
        assert time.monotonic() - started >= 1.0
    finally:
        four.close()


def slow_warm_up() -> None:
    time.sleep(3)


async def test_a_job_s_warm_up_is_not_counted_in_its_time_limit(pool: WorkPool) -> None:
    assert await pool.submit_warm("k", slow_warm_up, double, 21) == 42
    threaded = WorkPool(1, time_limit=2.0)
    try:
        assert await threaded.submit_warm("k", slow_warm_up, double, 4) == 8
    finally:
        threaded.close()


def loop_in_a_time_box(seconds: float) -> str:
    try:
        with time_box(seconds, "Looping"):
            while True:
                pass
    except StageTimedOut as exc:
        return str(exc)


async def test_a_step_over_its_time_box_is_interrupted_inside_the_job(pool: WorkPool) -> None:
    assert await pool.run(loop_in_a_time_box, 0.5) == "Looping took longer than 0.5 s"
    assert pool.replaced == 0
    assert await pool.run(double, 1) == 2


def models_in_worker(hold: float) -> tuple[list[str], int, int, bool]:
    """The spaCy models this worker has loaded, its pid and its parent's (the fork server), and
    whether the article extractor (trafilatura) was imported before this job."""
    import sys

    from bot.quotes import nlp

    time.sleep(hold)  # both jobs run at once, so two workers answer
    return sorted(nlp._MODELS), os.getpid(), os.getppid(), "trafilatura" in sys.modules


POOL_SCRIPT = """
import asyncio, json, sys
from bot.pool import WorkPool
from tests.test_pool import models_in_worker

async def main(model, expect, later):
    pool = WorkPool(2, model=model or None, time_limit=30.0, memory_limit_mb=2048)
    if expect:
        pool.expect_model()
    try:
        runs = [await asyncio.gather(*(pool.run(models_in_worker, 1.0) for _ in "ab"))]
        if later:
            # Between cycles: the workers made without the model give way to ones with it.
            pool.expect_model()
            runs.append(await asyncio.gather(*(pool.run(models_in_worker, 1.0) for _ in "ab")))
        print(json.dumps(runs))
    finally:
        pool.close()

asyncio.run(main(sys.argv[1], sys.argv[2] == "expect", sys.argv[2] == "later"))
"""


@pytest.mark.parametrize(
    ("model", "expect", "loaded"),
    [
        ("en_core_web_sm", "expect", True),
        ("en_core_web_sm", "later", True),
        ("en_core_web_sm", "", False),
        ("", "expect", False),
    ],
)
def test_a_pool_expecting_its_model_loads_it_once_before_its_workers_are_made(
    model: str, expect: str, loaded: bool
) -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    # A process of its own, as the pool is in a poll: the model is loaded with the first worker.
    done = subprocess.run(
        [sys.executable, "-c", POOL_SCRIPT, model, expect],
        capture_output=True,
        timeout=300,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    runs = json.loads(done.stdout)
    answers = runs[-1]
    assert len({pid for _, pid, _, _ in answers}) == 2  # two workers ...
    assert len({parent for _, _, parent, _ in answers}) == 1  # ... forked by one server
    # Expected, both have it before any job asked for it: it came from the fork server, which
    # also warmed up the article extractor for them. Not expected (a first poll only parses
    # feeds), no process loads either.
    expected = [[model], [model]] if loaded else [[], []]
    assert [models for models, _, _, _ in answers] == expected
    assert [extractor for _, _, _, extractor in answers] == [loaded, loaded]
    if expect == "later":
        first = runs[0]
        assert [models for models, _, _, _ in first] == [[], []]
        assert {parent for _, _, parent, _ in first} != {parent for _, _, parent, _ in answers}


async def test_a_turn_whose_waiter_was_cancelled_goes_to_the_next_one() -> None:
    """A waiter cancelled after another job released its turn, but before it ran again, is
    skipped (its future is done): no InvalidStateError, and the next waiter gets the turn."""
    pool = WorkPool(1)
    try:
        await pool._turn("a")  # the only turn, held
        waiting = asyncio.ensure_future(pool._turn("b"))
        after = asyncio.ensure_future(pool._turn("c"))
        await asyncio.sleep(0)  # both queued
        waiting.cancel()  # cancelled; its except clause hasn't run yet
        pool._release("a")  # hands the turn on: "b" is skipped, "c" gets it
        await asyncio.wait_for(after, timeout=5)
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert pool._busy == 1 and dict(pool._running) == {"c": 1}
        assert not pool._waiting
    finally:
        pool.close()


AFTER_MODEL_SCRIPT = """
import asyncio, json
from bot.pool import WorkPool
from tests.test_pool import allocate, models_in_worker

async def main():
    first = WorkPool(2, model="en_core_web_sm", time_limit=60.0, memory_limit_mb=2048)
    first.expect_model()
    with_model = await first.run(models_in_worker, 0.0)
    first.close()
    second = WorkPool(2, time_limit=30.0, memory_limit_mb=300)
    try:
        print(json.dumps([with_model[0], (await second.run(models_in_worker, 0.0))[0],
                          await second.run(allocate, 10)]))
    finally:
        second.close()

asyncio.run(main())
"""


def test_a_pool_without_the_model_after_one_with_it_gets_workers_without_it() -> None:
    """Each pool has its own fork server: a pool made after one that loaded the model in its
    own gets workers that neither carry the model nor count it against their memory limit."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run(
        [sys.executable, "-c", AFTER_MODEL_SCRIPT],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with_model, without, allocated = json.loads(done.stdout.strip().splitlines()[-1])
    assert with_model == ["en_core_web_sm"]
    assert without == []
    assert allocated == 10 * 1024 * 1024
