"""Compiled templates kept between builds, in a folder that only the user can write.

Compiling the theme's templates, once per language, is a fifth of a build that adds
one award to ten thousand (0.2 s). Jinja can keep what it compiled, as Python
bytecode, and load it back in a few milliseconds. That bytecode is code the build
runs, so it is kept where Python keeps the user's own compiled modules: in the user's
cache folder (``$XDG_CACHE_HOME/sitegen/templates``, else ``~/.cache/sitegen/
templates``), and only if that folder belongs to the user and no one else may write
in it. Never in a site's ``.sitegen/`` folder: CI restores that one from earlier runs,
and it travels with the site.

Jinja checks each template's source itself. Everything else that shapes the compiled
code (sitegen's code and built-in theme, the site's theme with its translations,
which are compiled in, the language, Jinja's and Python's versions) makes the key of
a subfolder. Subfolders unused for 30 days are removed. The cache is a help, never a
need: anything wrong with it and templates are compiled as usual.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from sitegen.memo import digest

# Subfolders (one per key) not used for this long are removed.
UNUSED_DAYS = 30


def user_template_cache(environ: Mapping[str, str]) -> Path | None:
    """Where the user's compiled templates go, from ``XDG_CACHE_HOME`` or else ``HOME``;
    None if the environment names neither (the folder itself is checked when used). As the
    XDG specification says, a relative path is ignored."""
    home = environ.get("HOME", "")
    for base in (environ.get("XDG_CACHE_HOME", ""), os.path.join(home, ".cache") if home else ""):
        if os.path.isabs(base):
            return Path(base, "sitegen", "templates")
    return None


def templates_folder(folder: Path, *parts: str) -> Path | None:
    """The subfolder of ``folder`` for the key made of ``parts`` (and Python's version),
    made if need be; None unless both are the user's own and no one else may write in
    them, or if they cannot be made."""
    key = digest("templates", sys.version, *parts)[:32]
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _is_private(folder):
            return None
        here = folder / key
        here.mkdir(mode=0o700, exist_ok=True)
        if not _is_private(here):
            return None
        os.utime(here)  # in use: kept from pruning
        _prune(folder, keep=here)
    except OSError:
        return None
    return here


def _is_private(folder: Path) -> bool:
    """Whether ``folder`` is a real folder of this user that no one else can write in."""
    info = folder.lstat()
    return (
        stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def _prune(folder: Path, *, keep: Path) -> None:
    """Remove the subfolders of keys not used for :data:`UNUSED_DAYS`."""
    limit = time.time() - UNUSED_DAYS * 86400
    for entry in folder.iterdir():
        with contextlib.suppress(OSError):
            if entry != keep and entry.lstat().st_mtime < limit:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
