"""The deployment files: deploy/newsbot.service passes `systemd-analyze verify` (with the
ExecStart paths pointed at this checkout's newsbot) and scores as well hardened by
`systemd-analyze security --offline`; the Dockerfile and compose.yaml say what the README says."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "newsbot.service"
INSTALLED = "/opt/newsbot/bin/newsbot"
MAX_EXPOSURE = 2.0
"""systemd's exposure score, 0 (locked down) to 10 (exposed); up to 2 reads "OK"."""


def analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is not installed here (Debian's systemd package; CI has it)")
    return found


@pytest.fixture
def unit(tmp_path: Path) -> Path:
    """The unit with its commands pointed at this checkout's installed newsbot (verify checks
    that they exist)."""
    newsbot = Path(sys.executable).with_name("newsbot")
    assert newsbot.exists(), "install the project (make .venv/.installed)"
    copy = tmp_path / "newsbot.service"
    copy.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(newsbot)))
    return copy


def test_the_systemd_unit_verifies_without_a_warning(unit: Path) -> None:
    result = subprocess.run(
        [analyze(), "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_the_systemd_unit_is_hardened(unit: Path) -> None:
    result = subprocess.run(
        [analyze(), "security", "--offline=yes", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    found = re.search(r"Overall exposure level for newsbot\.service: ([\d.]+)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found.group(1)) <= MAX_EXPOSURE


def test_the_image_runs_newsbot_as_a_user_with_a_health_check() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = [
        line.split(None, 1)
        for line in re.sub(r"\\\n", " ", dockerfile).splitlines()
        if line and not line.startswith("#")
    ]
    bases = [parts[1].split()[0] for parts in instructions if parts[0] == "FROM"]
    assert bases and all(base == "python:3.11-slim" for base in bases)
    users = [parts[1].strip() for parts in instructions if parts[0] == "USER"]
    assert users and users[-1] not in ("root", "0")
    (health,) = [parts[1] for parts in instructions if parts[0] == "HEALTHCHECK"]
    assert "/healthz" in health
    (entry,) = [parts[1] for parts in instructions if parts[0] == "ENTRYPOINT"]
    assert entry.strip() == '["newsbot"]'
    assert any("en_core_web_sm" in parts[1] for parts in instructions if parts[0] == "RUN")


def test_compose_runs_postgres_migrate_one_gateway_and_two_workers() -> None:
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    block = compose.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    services = re.findall(r"^  ([a-z0-9-]+):\n", block, flags=re.MULTILINE)
    assert services == ["db", "migrate", "bot", "worker"]
    assert re.search(r"command: \[\"run\", \"--no-worker\"\]", compose)
    assert re.search(r"command: \[\"worker\"\]\n(.*\n)*?\s+replicas: 2", compose)
    assert re.search(r"^volumes:\n  pgdata:", compose, flags=re.MULTILINE)
