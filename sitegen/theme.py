"""Locating a theme: templates, static assets and translation catalogs, site first."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_theme_dir() -> Path:
    """The default theme shipped with sitegen (inside the wheel, or in a source checkout)."""
    wheel, checkout = _PACKAGE_DIR / "themes", _PACKAGE_DIR.parent / "themes"
    for candidate in (wheel / "default", checkout / "default"):
        if (candidate / "templates").is_dir():
            return candidate
    raise FileNotFoundError("the default theme is missing from this installation")


@dataclass(frozen=True, slots=True, kw_only=True)
class Theme:
    """A theme as an ordered list of folders: the site's own first, the built-in last."""

    dirs: tuple[Path, ...]

    @property
    def template_dirs(self) -> list[str]:
        """Template folders, in lookup order."""
        return [str(d / "templates") for d in self.dirs if (d / "templates").is_dir()]

    @property
    def locale_dirs(self) -> list[Path]:
        """Catalog folders, base theme first so the site's translations win."""
        return [d / "locales" for d in reversed(self.dirs) if (d / "locales").is_dir()]

    def static_files(self) -> dict[str, Path]:
        """Every static asset by its path under ``static/``; the site's own win."""
        files: dict[str, Path] = {}
        for directory in reversed(self.dirs):
            root = directory / "static"
            if root.is_dir():
                for path in sorted(root.rglob("*")):
                    if path.is_file() and not path.name.startswith("."):
                        files[path.relative_to(root).as_posix()] = path
        return dict(sorted(files.items()))


def read_theme(source: Path, name: str) -> Theme:
    """The theme ``name``: ``<source>/themes/<name>/`` if present, over the built-in one."""
    dirs = []
    own = source / "themes" / name
    if own.is_dir():
        dirs.append(own)
    builtin = builtin_theme_dir()
    if not dirs or own.resolve() != builtin.resolve():
        dirs.append(builtin)
    return Theme(dirs=tuple(dirs))
