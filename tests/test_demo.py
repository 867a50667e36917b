"""`newsbot demo` as a newcomer runs it: offline, no token, alerts printed, exit 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cli_env
from tests.test_extract import CLUTTER


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    cwd = tmp_path_factory.mktemp("demo")
    env = cli_env()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        capture_output=True,
        timeout=60,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert not list(Path(cwd).iterdir()), "the demo left files in the working directory"
    return result.stdout.decode()


def test_demo_shows_the_nato_alert_with_a_clean_lead(demo_output: str) -> None:
    nato = demo_output.split("NATO chief warns of 'real risk of armed conflict'", 1)[1]
    alert = nato.split("─" * 20, 1)[0]
    assert "Daily Global Times · 12 Jan 2022 18:30 UTC" in alert
    assert "NATO said on Wednesday it was willing to talk to Russia" in alert
    assert "/globaltimes/2022/01/nato-chief-warns-real-risk.html" in alert
    for clutter in CLUTTER:
        assert clutter not in alert


def test_demo_second_poll_is_conditional(demo_output: str) -> None:
    assert "3 not modified (HTTP 304), 1 changed, 0 failed; 1 new items" in demo_output


def test_demo_discovers_a_feed_from_a_site_page(demo_output: str) -> None:
    assert "Harbor Ledger: 3 items, Atom 1.0" in demo_output
    assert "found from" in demo_output


def test_demo_baseline_alerts_only_the_backfilled_items(demo_output: str) -> None:
    assert "Alerts (4):" in demo_output and "Alerts (1):" in demo_output


def test_demo_nato_alert_shows_its_key_quotes_with_speakers(demo_output: str) -> None:
    nato = demo_output.split("NATO chief warns of 'real risk of armed conflict'", 1)[1]
    alert = " ".join(nato.split("─" * 20, 1)[0].split())
    assert "“There is a real risk for new armed conflict in Europe” — Jens Stoltenberg" in alert
    assert "President Putin himself” — Rose Gottemoeller" in alert
    assert "to act as a deterrent” — Kaja Kallas" in alert


def test_demo_ends_with_the_nato_alert_in_each_style(demo_output: str) -> None:
    styles = demo_output.split("The same alert in each style (/alerts style):", 1)[1]
    compact = styles.split("\ncompact:\n", 1)[1].split("\n", 1)[0]
    assert compact.startswith("📰 NATO chief warns") and "Daily Global Times" in compact
    assert compact.rstrip().endswith("nato-chief-warns-real-risk.html")
    standard = " ".join(styles.split("\nstandard:\n", 1)[1].split("\nfull:\n", 1)[0].split())
    full = " ".join(styles.split("\nfull:\n", 1)[1].split())
    assert "— Jens Stoltenberg" in standard and "NATO Secretary General" not in standard
    assert "— Jens Stoltenberg, NATO Secretary General" in full
    assert "🖼 http" in full and "🖼" not in standard
    digest = " ".join(styles.split("\nas an entry of a daily digest:\n", 1)[1].split())
    assert digest.startswith("🗞 Daily digest: nato 1. NATO chief warns")
    assert "· 1 outlet “There is a real risk" in digest
