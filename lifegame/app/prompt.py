"""The window's text box: a file name for "save as" and "open", a generation for "go to", a rule.  No pygame.

:class:`Prompt` holds the text, a line of help, an error, and (for a save) the
file the user was warned about: a save never replaces a file unasked, so the
first Enter on an existing file only warns and a second one confirms.  A rule box offers the named presets
(:data:`lifegame.rules.PRESETS`) that match what is typed: Tab (or Down) puts
the next one in the box, Shift+Tab (or Up) the one before.  What a confirmed
Enter does is :mod:`lifegame.app.commands`' business.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..rules import PRESETS

__all__ = ["Prompt", "SAVE", "OPEN", "GO_TO", "RULE", "display_path", "typed_path", "complete",
           "parse_generation", "matching_presets"]

SAVE = "save"
OPEN = "open"
GO_TO = "go to"
RULE = "rule"


def _fold(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum() or c == "/")


def matching_presets(text: str) -> list[str]:
    """The preset names that match ``text``: all for an empty text; else those whose name (spaces,
    case and punctuation aside) or rule text contains it, the names that start with it first."""
    names = list(PRESETS)
    query = _fold(text)
    if not query:
        return names
    starts = [n for n in names if _fold(n).startswith(query)]
    within = [n for n in names if n not in starts and (query in _fold(n) or query in _fold(str(PRESETS[n])))]
    return starts + within


def display_path(path: Path) -> str:
    """``path`` as the box shows it: under the home folder as ``~/...``."""
    home = Path.home()
    try:
        return "~" + os.sep + str(path.relative_to(home))
    except ValueError:
        return str(path)


def typed_path(text: str, folder: Path | None = None) -> Path:
    """The file a typed name means: ``~`` expanded, relative names in ``folder`` (the current one)."""
    path = Path(text.strip()).expanduser()
    if not path.is_absolute():
        path = (Path.cwd() if folder is None else folder) / path
    return path


def complete(text: str) -> str:
    """``text`` completed as far as the files in its folder agree (Tab in the box)."""
    path = typed_path(text)
    folder, stem = (path, "") if text.endswith(("/", os.sep)) else (path.parent, path.name)
    try:
        names = sorted(p.name + (os.sep if p.is_dir() else "") for p in folder.iterdir() if p.name.startswith(stem))
    except OSError:
        return text
    if not names:
        return text
    common = os.path.commonprefix(names)
    return text + common[len(stem):]


def parse_generation(text: str, current: int) -> int:
    """The generation typed into the "go to" box: ``1000000``, ``1,000,000``, ``1_000_000``, ``2^20``,
    ``1e6``; ``+N`` is N past ``current``.  Raises ``ValueError`` with a one-line message."""
    s = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    relative = s.startswith("+")
    s = s.lstrip("+")
    if not s:
        raise ValueError("type a generation (e.g. 1000000, 2^20 or +1000)")
    try:
        if "^" in s:
            base, _, exponent = s.partition("^")
            value = int(base) ** int(exponent)
            if int(exponent) > 64:
                raise OverflowError
        elif "e" in s.lower():
            mantissa, _, exponent = s.lower().partition("e")
            if int(exponent) > 19 or int(exponent) < 0:
                raise OverflowError
            value = float(mantissa) * 10 ** int(exponent)
            if value != int(value):
                raise ValueError
            value = int(value)
        else:
            value = int(s)
    except OverflowError:
        raise ValueError(f"{text.strip()} is too far") from None
    except ValueError:
        raise ValueError(f"{text.strip()} is not a generation (e.g. 1000000, 2^20 or +1000)") from None
    if value < 0:
        raise ValueError("a generation cannot be negative")
    return current + value if relative else value


@dataclass
class Prompt:
    """A one-line box asking for a file name (``kind`` :data:`SAVE` or :data:`OPEN`) or a generation (:data:`GO_TO`)."""

    kind: str
    text: str = ""
    title: str = ""
    hint: str = ""
    error: str = ""
    confirm: Path | None = None
    """The existing file a first Enter warned about (a second Enter replaces it)."""
    query: str | None = None
    """A rule box: what the user typed before cycling through the presets (``None``: not cycling)."""
    choice: int = -1
    """A rule box: the preset in the box, an index in :attr:`choices` (-1: none yet)."""
    _choices: list[str] = field(default_factory=list)

    def insert(self, typed: str) -> None:
        self.text += typed
        self._edited()

    def backspace(self) -> None:
        self.text = self.text[:-1]
        self._edited()

    def clear(self) -> None:
        self.text = ""
        self._edited()

    def complete(self) -> None:
        if self.kind == RULE:
            self.cycle(1)
            return
        if self.kind == GO_TO:
            return  # no files to complete
        self.text = complete(self.text)
        self._edited()

    @property
    def choices(self) -> list[str]:
        """A rule box: the presets matching what was typed (empty for other boxes)."""
        if self.kind != RULE:
            return []
        return self._choices if self.query is not None else matching_presets(self.text)

    @property
    def note(self) -> str:
        """A rule box holding a preset's name (typed, or put there by Tab): the rule it stands for
        (``"B368/S245"`` for Morley), shown after the name; else ``""``."""
        if self.kind != RULE:
            return ""
        folded = _fold(self.text)
        for name, rule in PRESETS.items():
            if folded and _fold(name) == folded and _fold(str(rule)) != folded:
                return str(rule)
        return ""

    def cycle(self, step: int) -> None:
        """A rule box: the next (``step`` 1) or previous (-1) preset matching what was typed goes in the box."""
        if self.kind != RULE:
            return
        if self.query is None:
            self.query = self.text
            self._choices = matching_presets(self.text)
            self.choice = -1 if step > 0 else 0
        if not self._choices:
            self.error = f"no preset matches {self.query!r}"
            return
        self.choice = (self.choice + step) % len(self._choices)
        self.text = self._choices[self.choice]
        self.error = ""

    def _edited(self) -> None:
        self.error = ""
        self.confirm = None
        self.query = None
        self.choice = -1

    @property
    def path(self) -> Path:
        return typed_path(self.text)
