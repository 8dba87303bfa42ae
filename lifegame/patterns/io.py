"""Reading and writing pattern files: format by extension or by content, atomic saves.

:func:`read_pattern` picks the reader from the extension (``.rle``,
``.cells``, ``.lif``, ``.life``) and otherwise looks at the text
(:func:`sniff_format`).  It checks the file's size with ``os.stat`` before
reading a byte, and refuses anything that is not a regular file (a FIFO or
``/dev/zero`` would never end).

:func:`write_pattern` never leaves a half-written file: it writes a temporary
file in the target's folder, flushes and fsyncs it, and renames it over the
target with :func:`os.replace`, which is atomic on POSIX and Windows.  If
anything fails before the rename, the temporary file is removed and the old
file is untouched.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .life import is_life106_line, parse_life
from .pattern import MAX_FILE_BYTES, Pattern, PatternError, decode, prefix, split_lines
from .plaintext import format_cells, parse_cells
from .rle import format_rle, parse_rle

__all__ = [
    "FORMATS",
    "EXTENSIONS",
    "parse_pattern",
    "read_pattern",
    "write_pattern",
    "sniff_format",
    "atomic_write_text",
]

_READERS = {"rle": parse_rle, "cells": parse_cells, "life": parse_life}
FORMATS = tuple(_READERS)
"""The format names :func:`parse_pattern` accepts."""
_ALIASES = {"plaintext": "cells", "lif": "life", "life105": "life", "life106": "life"}
EXTENSIONS = {".rle": "rle", ".cells": "cells", ".lif": "life", ".life": "life"}
"""File extensions read by :func:`read_pattern`, and their formats."""
_WRITERS = {".rle": format_rle, ".cells": format_cells}

_RLE_HEADER = re.compile(r"x\s*=")
_CELLS_ROW = re.compile(r"[.Oo*]*")
_LIFE105_ROW = re.compile(r"[.*]+")
_RLE_DATA = re.compile(r"[0-9bo$!.A-Xp-y\s]+")
_SNIFF_LINES = 200  # enough lines to recognise a format, few enough to be instant
_SNIFF_BYTES = 1 << 16


def sniff_format(text: str, label: str | None = None) -> str:
    """Guess the format of pattern text: ``'rle'``, ``'cells'`` or ``'life'``.

    Raises :class:`PatternError` ("not a pattern file") when nothing fits.
    """
    lines = [line.strip() for line in split_lines(text)]
    lines = [line for line in lines if line]
    if lines and lines[0].lower().startswith("#life"):
        return "life"
    hashes = [line for line in lines if line.startswith("#")]
    bangs = [line for line in lines if line.startswith("!")]
    data = [line for line in lines if line[0] not in "#!"][:_SNIFF_LINES]
    if any(_RLE_HEADER.match(line) for line in data):
        return "rle"
    if any(line[:2].upper() == "#P" for line in hashes):
        return "life"
    if data and all(is_life106_line(line) for line in data):
        return "life"
    if data and hashes and not bangs and all(_LIFE105_ROW.fullmatch(line) for line in data):
        return "life"
    if (data or bangs) and not hashes and all(_CELLS_ROW.fullmatch(line) for line in data):
        return "cells"
    rle_data = []
    for line in data:
        rle_data.append(line)
        if "!" in line:
            break
    if rle_data and all(_RLE_DATA.fullmatch(line.split("!")[0] or " ") for line in rle_data):
        if any(ch in line for line in rle_data for ch in "$!0123456789b"):
            return "rle"
    raise PatternError(
        f"{prefix(label)}not a pattern file (expected RLE, plaintext .cells or Life 1.05/1.06)"
    )


def parse_pattern(text: str | bytes, format: str | None = None, name: str | None = None) -> Pattern:
    """Parse pattern text (or the bytes of a file) in ``format``, or the sniffed one.

    ``name`` names the pattern when the text does not (no ``#N``/``!Name:``)
    and starts error messages.  Raises :class:`PatternError`.
    """
    text = decode(text, name)
    if format is None:
        format = sniff_format(text, name)
    key = _ALIASES.get(format.lower(), format.lower())
    reader = _READERS.get(key)
    if reader is None:
        raise PatternError(f"unknown pattern format {format!r}; expected one of {', '.join(FORMATS)}")
    return reader(text, name, name)


def read_pattern(path: str | os.PathLike[str]) -> Pattern:
    """Read a pattern file; the format comes from the extension, else (or when the
    extension's reader refuses the file) from the content.

    The pattern's name is its ``#N``/``!Name:`` line, else the file name
    without extension.  Every failure (missing file, unreadable, too large,
    not a pattern, a rule lifegame does not run) is a :class:`PatternError`
    whose message starts with the file name.
    """
    p = Path(path)
    label = p.name or str(p)
    try:
        info = os.stat(p)
        if stat.S_ISDIR(info.st_mode):
            raise PatternError(f"{label}: is a folder, not a pattern file")
        if not stat.S_ISREG(info.st_mode):
            raise PatternError(f"{label}: not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise PatternError(
                f"{label}: the file has {info.st_size:,} bytes; pattern files are limited to {MAX_FILE_BYTES >> 20} MiB"
            )
        with open(p, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    except FileNotFoundError:
        raise PatternError(f"{label}: no such file") from None
    except OSError as err:
        raise PatternError(f"{label}: cannot read: {err.strerror or err}") from None
    text = decode(data, label)
    # Like Golly, go by the content: an RLE file saved as .life or a plaintext
    # one as .rle still opens.  The extension decides only when the content
    # is ambiguous, and its reader's error is the one reported.
    by_extension = EXTENSIONS.get(p.suffix.lower())
    try:
        by_content: str | None = sniff_format(text[:_SNIFF_BYTES], label)
    except PatternError:
        if by_extension is None:
            raise
        by_content = None
    order = [fmt for fmt in (by_content, by_extension) if fmt is not None]
    first_error: PatternError | None = None
    for fmt in dict.fromkeys(order):
        try:
            return _READERS[fmt](text, label, p.stem)
        except PatternError as err:
            if fmt == by_extension or first_error is None:
                first_error = err
    assert first_error is not None
    raise first_error


def write_pattern(
    path: str | os.PathLike[str],
    pattern: Pattern,
    *,
    name: str | None = None,
    comments: Iterable[str] = (),
) -> None:
    """Save a pattern as RLE or ``.cells``, chosen by the extension, atomically.

    A board is saved as ``Pattern.from_board(board, rule)``: both formats then
    keep its size and rule (RLE as ``rule = B3/S23:TW,H``, ``.cells`` as a
    ``!Rule: B3/S23:TW,H`` comment line and full rows).  Any other extension is
    refused with :class:`PatternError`, as is a failure to write (whose
    message names the file); the old file, if any, is then unchanged.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in _WRITERS:
        raise PatternError(f"{p.name}: cannot write this format; lifegame writes .rle or .cells files")
    text = _WRITERS[ext](pattern, name=name, comments=comments)
    if len(text) > MAX_FILE_BYTES:
        # Never write a file that lifegame itself would refuse to open again.
        hint = "; RLE is smaller" if ext == ".cells" else ""
        raise PatternError(
            f"{p.name}: the file would be {len(text) / (1 << 20):.0f} MiB; "
            f"lifegame reads pattern files of up to {MAX_FILE_BYTES >> 20} MiB{hint}"
        )
    try:
        atomic_write_text(p, text)
    except OSError as err:
        raise PatternError(f"{p.name}: cannot write: {err.strerror or err}") from None


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8, LF line ends) so that it is never half-written.

    A new file gets the usual permissions (``0o666`` less the umask); an
    existing one keeps its own.  A symbolic link is followed: the file it
    points to is replaced and the link stays a link.
    """
    p = Path(os.path.realpath(path))
    folder = p.parent if str(p.parent) else Path(".")
    try:
        mode = stat.S_IMODE(os.stat(p).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(folder)


def _umask() -> int:
    # os.umask can only be read by setting it; this is the usual idiom.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
