"""Builds that are killed, cannot write, or run at the same time never leave a broken site."""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.output import MARKER, OutputError, OutputPlan, write_plan
from tests.conftest import AWARD_YAML, ROOT, SiteFactory

AWARDS = 30  # enough files that a kill often lands while the site is being written


def _digests(folder: Path) -> dict[str, str] | None:
    """Every file of a folder by relative path, with its SHA-256; None when absent."""
    if not folder.exists():
        return None
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _site(site_factory: SiteFactory, title: str) -> Path:
    awards: dict[str, str | bytes | None] = {
        f"content/awards/2024/a{i}.yaml": AWARD_YAML for i in range(AWARDS)
    }
    root = site_factory(awards)
    site_yaml = root / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text(encoding="utf-8").replace("Test badges", title), encoding="utf-8"
    )
    return root


def _build_command(source: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "sitegen", "build", "--source", str(source), "-o", str(out)]


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "CI": "1"}


def _build(source: Path, out: Path) -> dict[str, str]:
    subprocess.run(_build_command(source, out), env=_environment(), check=True,
                   capture_output=True)
    digests = _digests(out)
    assert digests is not None
    return digests


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.glob(f".{out.name}*"))


def test_killed_builds_leave_the_previous_site_or_the_new_one_never_a_mix(
    site_factory: SiteFactory, tmp_path: Path
) -> None:
    source = _site(site_factory, "Badges A")
    site_yaml = source / "site.yaml"
    variants = {"A": site_yaml.read_text(encoding="utf-8")}
    variants["B"] = variants["A"].replace("Badges A", "Badges B")
    expected = {}
    for name, text in variants.items():  # complete builds of each variant, for reference
        site_yaml.write_text(text, encoding="utf-8")
        expected[name] = _build(source, tmp_path / f"reference-{name}")
    assert expected["A"] != expected["B"]
    out = tmp_path / "public"
    current: dict[str, str] | None = None
    delays = [0.05, 0.15, 0.3, 0.45, 0.6, 0.8, 1.0, 1.2, 0.7, 0.9]
    for round_, delay in enumerate(delays):
        name = "AB"[round_ % 2]
        site_yaml.write_text(variants[name], encoding="utf-8")
        process = subprocess.Popen(
            _build_command(source, out), env=_environment(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        found = _digests(out)
        assert found in (current, expected[name]), f"partial site after a kill at {delay} s"
        current = found
    site_yaml.write_text(variants["A"], encoding="utf-8")
    assert _build(source, out) == expected["A"]
    assert _leftovers(out) == []  # the next build cleans up after killed ones


def test_build_under_a_file_fails_with_one_clear_line(
    site_factory: SiteFactory, tmp_path: Path
) -> None:
    root = site_factory()
    blocker = tmp_path / "somefile"
    blocker.write_text("not a folder\n", encoding="utf-8")

    result = CliRunner().invoke(
        main, ["build", "--source", str(root), "-o", str(blocker / "out")]
    )

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line == f"error: cannot write the site to {blocker / 'out'}: {blocker} is a file, not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_build_into_a_read_only_folder_fails_with_one_clear_line(
    site_factory: SiteFactory, tmp_path: Path
) -> None:
    root = site_factory()
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = CliRunner().invoke(main, ["build", "--source", str(root), "-o", str(locked / "out")])
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: ") and "Permission denied" in line


def test_two_builds_at_once_give_one_complete_site(
    site_factory: SiteFactory, tmp_path: Path
) -> None:
    first = _site(site_factory, "Badges A")
    second = tmp_path / "second"
    subprocess.run(["cp", "-a", str(first), str(second)], check=True)
    site_yaml = second / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text(encoding="utf-8").replace("Badges A", "Badges B"), encoding="utf-8"
    )
    expected = [_build(first, tmp_path / "ref-a"), _build(second, tmp_path / "ref-b")]
    out = tmp_path / "public"

    processes = [
        subprocess.Popen(_build_command(source, out), env=_environment(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for source in (first, second)
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]

    assert [process.returncode for process in processes] == [0, 0], errors
    assert _digests(out) in expected
    assert _leftovers(out) == []


def _plan(text: str) -> OutputPlan:
    plan = OutputPlan()
    plan.add("index.html", text.encode())
    plan.add(MARKER, b"")
    return plan


def test_write_plan_waits_for_the_build_holding_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "public"
    with (tmp_path / ".public.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        timer = threading.Timer(0.3, fcntl.flock, (held, fcntl.LOCK_UN))
        timer.start()
        started = time.monotonic()
        write_plan(_plan("new"), out, lock_timeout=10)
        timer.join()
    assert time.monotonic() - started >= 0.25
    assert (out / "index.html").read_text() == "new"


def test_write_plan_gives_up_after_its_timeout_and_keeps_the_site(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_plan(_plan("old"), out)
    with (tmp_path / ".public.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(OutputError, match="another sitegen build"):
            write_plan(_plan("new"), out, lock_timeout=0.2)
    assert (out / "index.html").read_text() == "old"
