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
file is untouched.  The file is written as it is rendered, a block of rows
at a time (no text of the whole file is ever built), so that a save costs
little memory beyond the pattern and can report its progress; the
temporary file is named ``.NAME.PID-XXXXXXXX.tmp`` and a save removes the
ones a killed save left in its folder (:func:`remove_stale_temporaries`).
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .life import is_life106_line, iter_life106, parse_life
from .pattern import (
    MAX_FILE_BYTES,
    MAX_NOTE_LINES,
    Pattern,
    PatternError,
    decode,
    newlines,
    prefix,
    two_state_refusal,
)
from .plaintext import cells_size, iter_cells, parse_cells
from .rle import iter_rle, parse_rle

__all__ = [
    "FORMATS",
    "EXTENSIONS",
    "parse_pattern",
    "read_pattern",
    "write_pattern",
    "sniff_format",
    "atomic_write_text",
    "atomic_write",
    "remove_stale_temporaries",
    "STALE_SECONDS",
]

_READERS = {"rle": parse_rle, "cells": parse_cells, "life": parse_life}
FORMATS = tuple(_READERS)
"""The format names :func:`parse_pattern` accepts."""
_ALIASES = {"plaintext": "cells", "lif": "life", "life105": "life", "life106": "life"}
EXTENSIONS = {".rle": "rle", ".cells": "cells", ".lif": "life", ".life": "life"}
"""File extensions read by :func:`read_pattern`, and their formats."""
_WRITERS = {".rle": iter_rle, ".cells": iter_cells, ".lif": iter_life106, ".life": iter_life106}
WRITE_EXTENSIONS = tuple(_WRITERS)
"""File extensions :func:`write_pattern` writes: RLE, ``.cells`` and Life 1.06."""

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
    lines = []
    data_lines = 0
    for line in _sniff_lines(newlines(text)):
        line = line.strip()
        if line:
            lines.append(line)
            data_lines += line[0] not in "#!"
            if data_lines > _SNIFF_LINES or len(lines) > MAX_NOTE_LINES:
                break
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


def _sniff_lines(text: str) -> Iterator[str]:
    """The lines of ``text``, each cut to its first 4096 characters, one at a time."""
    pos, size = 0, len(text)
    while pos < size:
        stop = text.find("\n", pos)
        stop = size if stop < 0 else stop
        yield text[pos:min(stop, pos + 4096)]
        pos = stop + 1


def parse_pattern(text: str | bytes, format: str | None = None, name: str | None = None) -> Pattern:
    """Parse pattern text (or the bytes of a file) in ``format``, or the sniffed one.

    ``name`` names the pattern when the text does not (no ``#N``/``!Name:``)
    and starts error messages.  Raises :class:`PatternError`.
    """
    if format is not None and _ALIASES.get(format.lower(), format.lower()) not in _READERS:
        raise PatternError(f"unknown pattern format {format!r}; expected one of {', '.join(FORMATS)}")
    try:
        text = decode(text, name)
        if format is None:
            format = sniff_format(text, name)
        return _READERS[_ALIASES.get(format.lower(), format.lower())](text, name, name)
    except MemoryError:
        raise PatternError(f"{prefix(name)}not enough memory to read this pattern") from None


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
    except MemoryError:
        raise PatternError(f"{label}: not enough memory to read this file") from None
    try:
        return _read_text(data, label, p)
    except MemoryError:
        raise PatternError(f"{label}: not enough memory to read this file") from None


def _read_text(data: bytes, label: str, p: Path) -> Pattern:
    text = decode(data, label)
    del data
    # Like Golly, go by the content: an RLE file saved as .life or a plaintext
    # one as .rle still opens.  The extension decides only when the content
    # is ambiguous, and its reader's error is the one reported.
    by_extension = EXTENSIONS.get(p.suffix.lower())
    try:
        by_content: str | None = sniff_format(text, label)
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
    progress: Callable[[float], object] | None = None,
) -> None:
    """Save a pattern as RLE, ``.cells`` or Life 1.06 (``.lif``/``.life``), chosen by the extension, atomically.

    A board is saved as ``Pattern.from_board(board, rule)`` (a snapshot: the
    board may change while another thread saves it): RLE and ``.cells`` keep
    its size, position and rule (RLE as ``rule = B3/S23:TW,H``, ``.cells`` as a
    ``!Rule: B3/S23:TW,H`` comment line and full rows); Life 1.06 keeps the
    rule and the cells.  The file is written as it is rendered, a block of
    rows at a time.  ``.cells`` and Life 1.06 have two states: a pattern with
    a cell in a state above 1 (a multi-state rule's) is refused there, and
    saved as RLE, which keeps every state; ``progress``, when given, is called after each block with
    the fraction of the rows written (0.0 to 1.0), and may raise to cancel the
    save (the exception propagates, nothing is written).

    Any other extension is refused with :class:`PatternError`, as is a file
    that lifegame would refuse to read again (over :data:`MAX_FILE_BYTES`:
    the save stops there) and a failure to write (whose message names the
    file); the old file, if any, is then unchanged and no temporary file is
    left behind.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in _WRITERS or not p.stem:
        raise PatternError(f"{p.name}: cannot write this format; lifegame writes .rle, .cells, .lif or .life files")
    if ext != ".rle" and pattern.max_state > 1:
        raise PatternError(two_state_refusal(p.name, ext, pattern))
    limit = MAX_FILE_BYTES
    hint = "; RLE is smaller" if ext != ".rle" else ""
    if ext == ".cells":
        size = cells_size(pattern, name=name, comments=comments)
        if size > limit:  # known before a byte is written
            raise PatternError(f"{p.name}: the file would be {size / (1 << 20):.1f} MiB; "
                               f"lifegame reads pattern files of up to {limit >> 20} MiB{hint}")
    chunks = _WRITERS[ext](pattern, name=name, comments=comments)

    def blocks() -> Iterator[bytes]:
        for chunk, done in chunks:
            yield chunk
            if progress is not None:
                progress(done)

    try:
        atomic_write(p, blocks(), limit=limit)
    except FileTooLarge:
        raise PatternError(f"{p.name}: the file would be larger than {limit / (1 << 20):.0f} MiB; "
                           f"lifegame reads pattern files of up to {limit / (1 << 20):.0f} MiB{hint}") from None
    except OSError as err:
        raise PatternError(f"{p.name}: cannot write: {err.strerror or err}") from None
    except MemoryError:
        raise PatternError(f"{p.name}: not enough memory to write this pattern") from None


class FileTooLarge(ValueError):
    """:func:`atomic_write` was given more bytes than its limit (nothing was written)."""


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8, LF line ends) so that it is never half-written."""
    atomic_write(path, [text.encode("utf-8")])


STALE_SECONDS = 15 * 60
"""A temporary file of a save not written to for this long is stale, whatever its process."""
_TEMPORARY = re.compile(r"\..+\.(?P<pid>\d+)-[0-9a-z_]{8}\.tmp")
_OLD_TEMPORARY = re.compile(r"\..+\.(?:rle|cells|lif|life)\.[0-9a-z_]{8}\.tmp", re.IGNORECASE)  # mkstemp's


def atomic_write(
    path: str | os.PathLike[str], chunks: Iterable[bytes], *, limit: int | None = None
) -> None:
    """Replace ``path`` with the concatenated ``chunks`` so that it is never half-written.

    The chunks go to a temporary file in the same folder as they come
    (``.NAME.PID-XXXXXXXX.tmp``, the writer's process id in its name), which
    is flushed, fsynced and renamed over ``path``.  More than ``limit`` bytes
    raise :class:`FileTooLarge`; that, any other exception (raised by a chunk's
    producer too) or a kill before the rename leaves ``path`` as it was; the
    temporary file is removed, or, after a kill, by the next save to the
    folder (:func:`remove_stale_temporaries`).

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
    remove_stale_temporaries(folder)
    tmp = folder / f".{p.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            written = 0
            for chunk in chunks:
                written += len(chunk)
                if limit is not None and written > limit:
                    raise FileTooLarge(f"more than {limit} bytes")
                f.write(chunk)
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


def remove_stale_temporaries(folder: str | os.PathLike[str], *, now: float | None = None) -> list[Path]:
    """Remove the temporary files that killed saves left in ``folder``; returns them.

    Only regular files named as :func:`atomic_write` names them are touched:
    those whose process is gone (on POSIX), and those not written to for
    :data:`STALE_SECONDS` (a live save writes all the time; this also covers
    a process id used again, and the ``.NAME.XXXXXXXX.tmp`` files of earlier
    versions).  Errors are ignored: cleaning up never stops a save.
    """
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith(".") or not name.endswith(".tmp"):
            continue
        ours = _TEMPORARY.fullmatch(name)
        if ours is None and _OLD_TEMPORARY.fullmatch(name) is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                continue
            stale = now - info.st_mtime > STALE_SECONDS
            if ours is not None and not stale:
                stale = not _process_exists(int(ours["pid"]))
            if stale:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _process_exists(pid: int) -> bool:
    """Whether process ``pid`` exists (always true where that cannot be asked safely)."""
    if os.name != "posix" or pid == os.getpid():
        return True
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


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
