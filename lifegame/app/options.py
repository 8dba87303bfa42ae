"""What the window opens with: :class:`AppOptions`, the command line's options for the app.  No pygame."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AppOptions"]


@dataclass
class AppOptions:
    """What the window opens with (the command line's options).

    ``size`` is ``(rows, columns)``; ``window`` is ``(width, height)`` in pixels.
    ``engine`` is any name of :func:`lifegame.engines.engine_names` (``"auto"``
    by default); ``workers`` is the size of the process pool (``None``: the
    engine's default).
    """

    pattern: str | None = None
    size: tuple[int, int] | None = None
    rule: str | None = None
    engine: str = "auto"
    workers: int | None = None
    window: tuple[int, int] | None = None
