"""Every bad input of tests/corpus/ gives exactly its expected diagnostics, and nothing is written."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from tests.conftest import BADGE_YAML, SiteFactory, png_bytes

CORPUS = Path(__file__).resolve().parent / "corpus"
TARGET = re.compile(rb"^(?:\xef\xbb\xbf)?# target: (\S+)\r?$", re.MULTILINE)
BADGE_IMAGE = "content/badges/ponctuel"
AWARD_PATH = "content/awards/2024/a1.yaml"
AWARD_PAGE = "awards/a1/index.html"
DIAGNOSTIC = re.compile(r"^\S+:\d+:\d+: (error|warning)\[[a-z0-9.-]+\]: ")

Files = dict[str, str | bytes | None]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _decompression_bomb() -> Files:
    """A 30000x30000 black-and-white PNG: about 100 KB on disk, 900 million pixels."""
    side = 30_000
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (side + 7) // 8)
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels)
    return {f"{BADGE_IMAGE}.png": png + _chunk(b"IEND", b"")}


def _huge_yaml() -> Files:
    """A valid award padded with comments past the 1 MB limit (not worth committing)."""
    award = "badge: ponctuel\nrecipient: {email: ada@example.net}\nissued: 2024-03-14\n"
    return {AWARD_PATH: award + "# padding\n" * 110_000}


# Cases whose input is made by the test: too big to commit, or a symlink.
GENERATED: dict[str, Callable[[], Files]] = {
    "image-decompression-bomb": _decompression_bomb,
    "yaml-huge-file": _huge_yaml,
}
SYMLINKED = {"image-symlink-outside"}


def _cases() -> list[str]:
    return sorted(p.name.removesuffix(".expected") for p in CORPUS.glob("*.expected"))


def _case_files(name: str, tmp_path: Path) -> Files:
    """The files the case adds to (or replaces in) the minimal valid site."""
    if name in GENERATED:
        return GENERATED[name]()
    if name in SYMLINKED:
        secret = tmp_path / "outside" / "secret.png"
        secret.parent.mkdir()
        secret.write_bytes(png_bytes())
        return {"content/badges/link.png": str(secret), **_badge_with_image("link.png")}
    folder = CORPUS / name
    if folder.is_dir():
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()
        }
    (source,) = [p for p in CORPUS.glob(f"{name}.*") if p.suffix not in (".expected", ".page")]
    data = source.read_bytes()
    if source.suffix in (".yaml", ".yml"):
        match = TARGET.search(data.split(b"\n", 1)[0] + b"\n")
        assert match, f"{source.name}: the first line must be '# target: <site path>'"
        return {match.group(1).decode(): data}
    # An image replaces the badge's image, under its own extension.
    return {f"{BADGE_IMAGE}{source.suffix}": data, **_badge_with_image(f"ponctuel{source.suffix}")}


def _badge_with_image(file: str) -> Files:
    return {"content/badges/ponctuel.yaml": BADGE_YAML.replace("file: ponctuel.png", f"file: {file}")}


def _write_site(name: str, site_factory: SiteFactory, tmp_path: Path) -> Path:
    files = _case_files(name, tmp_path)
    if name in SYMLINKED:
        link = files.pop("content/badges/link.png")
        root = site_factory(files)
        (root / "content/badges/link.png").symlink_to(str(link))
        return root
    return site_factory(files)


@pytest.mark.parametrize("name", _cases())
def test_corpus_case_reports_exactly_its_expected_diagnostics(
    name: str, site_factory: SiteFactory, tmp_path: Path
) -> None:
    root = _write_site(name, site_factory, tmp_path)
    expected = (CORPUS / f"{name}.expected").read_text(encoding="utf-8").splitlines()
    expected = [line for line in expected if line.strip()]
    runner = CliRunner()

    checked = runner.invoke(main, ["check", "--source", str(root)])

    assert checked.exception is None or isinstance(checked.exception, SystemExit)
    assert "Traceback" not in checked.output
    printed = [line for line in checked.output.splitlines() if DIAGNOSTIC.match(line)]
    assert printed == expected
    has_errors = any("error[" in line for line in expected)
    assert checked.exit_code == (1 if has_errors else 0), checked.output

    out = tmp_path / "out"
    built = runner.invoke(main, ["build", "--source", str(root), "--output", str(out)])
    assert "Traceback" not in built.output
    if has_errors:
        assert built.exit_code == 1
        assert not out.exists()
        assert not list(out.parent.glob(".out.*"))
    else:
        assert built.exit_code == 0, built.output
        page_sidecar = CORPUS / f"{name}.page"
        if page_sidecar.exists():
            page = (out / AWARD_PAGE).read_text(encoding="utf-8")
            for line in page_sidecar.read_text(encoding="utf-8").splitlines():
                if line.startswith("!"):
                    assert line[1:] not in page, f"{line[1:]!r} in {AWARD_PAGE}"
                elif line:
                    assert line in page, f"{line!r} not in {AWARD_PAGE}"
