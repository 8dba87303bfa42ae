"""Opening the window: a pygame display, or one line that says why there is none.

With no X or Wayland on Linux, SDL would probe its drivers (printing noise of
its own, "XDG_RUNTIME_DIR is invalid ...") and may fall back to an invisible
window; :func:`open_window` says so in one line first (:class:`NoDisplayError`).
"""

from __future__ import annotations

import os
import sys

import pygame

__all__ = ["NoDisplayError", "open_window", "close_window"]

_HEADLESS_DRIVERS = ("offscreen", "dummy")
_NO_SCREEN = "no screen to open a window on (DISPLAY is not set); 'lifegame run' works without one"


class NoDisplayError(OSError):
    """There is no screen for the window; the message says what to do instead."""


def _no_screen() -> bool:
    """True on Linux when neither X nor Wayland is there and no SDL driver was asked for."""
    if not sys.platform.startswith("linux") or os.environ.get("SDL_VIDEODRIVER"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_window(size: tuple[int, int]) -> pygame.Surface:
    """The window's surface, ``size`` = (width, height) pixels, resizable; fonts ready.

    Raises :class:`NoDisplayError` when there is no screen (an SDL driver asked
    for in ``SDL_VIDEODRIVER``, such as ``dummy`` for tests, is always used).
    """
    if _no_screen():
        raise NoDisplayError(_NO_SCREEN)
    try:
        pygame.display.init()
    except pygame.error as exc:  # "No available video device"
        raise NoDisplayError(f"cannot open a window ({exc}); 'lifegame run' works without one") from None
    if pygame.display.get_driver() in _HEADLESS_DRIVERS and not os.environ.get("SDL_VIDEODRIVER"):
        # SDL falls back to an invisible window when there is no screen
        # (ssh without X forwarding): say so instead of running unseen.
        pygame.display.quit()
        raise NoDisplayError(_NO_SCREEN)
    pygame.font.init()
    return pygame.display.set_mode(size, pygame.RESIZABLE)


def close_window() -> None:
    pygame.display.quit()
