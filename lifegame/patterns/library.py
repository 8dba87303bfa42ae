"""The bundled pattern library: ``assets/patterns/*.rle``, installed as ``lifegame.assets``.

Each pattern is an RLE file whose name is the pattern's name (lowercase,
hyphens: ``gosper-glider-gun.rle``) and whose ``#N``, ``#O`` and first ``#C``
lines give its title, discoverer and one-line description.  Lookups ignore
case and accept spaces or underscores for hyphens (``"Gosper glider gun"``).

::

    >>> from lifegame.patterns import library
    >>> library.load("glider").population
    5
"""

from __future__ import annotations

import difflib
import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .io import EXTENSIONS, read_pattern
from .pattern import Pattern, PatternError
from .rle import parse_rle

__all__ = ["names", "load", "describe", "resolve", "normalise_name"]

_PACKAGE = "lifegame.assets"
_FOLDER = "patterns"


def _folder():  # -> Traversable
    try:
        return resources.files(_PACKAGE) / _FOLDER
    except ModuleNotFoundError:
        # Imported straight from a checkout (``python -m pytest`` in the
        # repository puts the source tree first on sys.path), where
        # ``lifegame.assets`` is not mapped: the folder is beside the package.
        return Path(__file__).resolve().parents[2] / "assets" / _FOLDER


def normalise_name(name: str) -> str:
    """The library key for a name: lowercase, blanks and underscores as hyphens, no ``.rle``."""
    key = name.strip().lower()
    if key.endswith(".rle"):
        key = key[:-4]
    return re.sub(r"[\s_-]+", "-", key).strip("-")


@lru_cache(maxsize=1)
def _files() -> dict[str, object]:
    return {
        entry.name[:-4]: entry
        for entry in _folder().iterdir()
        if entry.name.endswith(".rle") and entry.is_file()
    }


def names() -> list[str]:
    """The names of the bundled patterns, sorted: ``['acorn', 'beacon', ...]``."""
    return sorted(_files())


def load(name: str) -> Pattern:
    """The bundled pattern called ``name`` (see :func:`normalise_name`).

    Raises :class:`PatternError` for an unknown name, suggesting close ones.
    The returned pattern is a fresh object each time; changing it changes no
    other caller's copy.
    """
    key = normalise_name(name)
    entry = _files().get(key)
    if entry is None:
        close = difflib.get_close_matches(key, names(), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise PatternError(
            f"no pattern file or bundled pattern called {name!r}{hint} (`lifegame patterns` lists them)"
        )
    return _parse(key)


@lru_cache(maxsize=None)
def _text(key: str) -> str:
    return _files()[key].read_text(encoding="utf-8")  # type: ignore[attr-defined]


def _parse(key: str) -> Pattern:
    return parse_rle(_text(key), f"{key}.rle", key)


def describe() -> list[tuple[str, str]]:
    """``(name, one-line description)`` of every bundled pattern, sorted by name.

    The description is the file's first ``#C`` line, followed by the
    discoverer from ``#O`` when there is one.
    """
    entries = []
    for key in names():
        pattern = _parse(key)
        text = pattern.comments[0] if pattern.comments else (pattern.name or key)
        if pattern.author:
            text = f"{text} ({pattern.author})"
        entries.append((key, text))
    return entries


def resolve(spec: str) -> Pattern:
    """A pattern from the command line or a dialog: a file if there is one, else a bundled name.

    ``spec`` is read as a file when a file of that name exists or when it ends
    in a pattern extension (so that a missing ``foo.rle`` says "no such
    file"); otherwise it is looked up in the library.
    """
    path = Path(spec).expanduser()
    if path.is_dir():
        raise PatternError(f"{spec}: is a folder, not a pattern file")
    if path.exists() or path.suffix.lower() in EXTENSIONS or os.sep in spec:
        return read_pattern(path)  # it says what is wrong with the file (or that there is none)
    return load(spec)
