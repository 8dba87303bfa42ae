"""The file name box: the text typed for "save as" and "open", and what Enter may do with it.  No pygame.

:class:`Prompt` holds the text, a line of help, an error, and (for a save) the
file the user was warned about: a save never replaces a file unasked, so the
first Enter on an existing file only warns and a second one confirms.  What a
confirmed Enter does is :mod:`lifegame.app.commands`' business.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Prompt", "SAVE", "OPEN", "display_path", "typed_path", "complete"]

SAVE = "save"
OPEN = "open"


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


@dataclass
class Prompt:
    """A one-line box asking for a file name (``kind`` is :data:`SAVE` or :data:`OPEN`)."""

    kind: str
    text: str = ""
    title: str = ""
    hint: str = ""
    error: str = ""
    confirm: Path | None = None
    """The existing file a first Enter warned about (a second Enter replaces it)."""

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
        self.text = complete(self.text)
        self._edited()

    def _edited(self) -> None:
        self.error = ""
        self.confirm = None

    @property
    def path(self) -> Path:
        return typed_path(self.text)
