"""What the window's tests share: synthetic events, waits that are hang guards, cell positions.

The window is driven through its own event handling (``App.handle``) with
synthetic pygame events under ``SDL_VIDEODRIVER=dummy`` (set by conftest.py);
every wait is a generous hang guard on a condition, never a measure of time.
"""

from __future__ import annotations

import time

import pygame

from lifegame.app.loop import App

KD, MD, MU, MM = pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION
HANG_GUARD = 120.0
"""Seconds before a wait fails: long enough for a machine busy with other work."""


def key(k: int, mod: int = 0) -> pygame.event.Event:
    return pygame.event.Event(KD, key=k, mod=mod)


def click(app: App, pos: tuple[int, int], button: int = 1) -> None:
    app.handle(pygame.event.Event(MD, pos=pos, button=button))
    app.handle(pygame.event.Event(MU, pos=pos, button=button))


def drag(app: App, points: list[tuple[int, int]], button: int = 1) -> None:
    app.handle(pygame.event.Event(MD, pos=points[0], button=button))
    for p in points[1:]:
        app.handle(pygame.event.Event(MM, pos=p, rel=(0, 0), buttons=(1, 0, 0)))
    app.handle(pygame.event.Event(MU, pos=points[-1], button=button))


def run_until(app: App, cond, timeout: float = HANG_GUARD) -> None:
    """Run frames until ``cond()`` holds (a hang guard, not a measure)."""
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        app.frame(tick=False)
        time.sleep(0.002)  # lets a background thread in between frames


def wait_saved(app: App, timeout: float = HANG_GUARD) -> None:
    """Let the save under way finish (a hang guard, not a measure) and the window take note of it."""
    job = app.save_job
    if job is not None:
        job.future.exception(timeout)
    app.frame(tick=False)


def cell_center(app: App, y: int, x: int) -> tuple[int, int]:
    """The pixel at the centre of cell ``(y, x)`` in the window."""
    px, py = app.view.pixel_of(y + 0.5, x + 0.5)
    return int(px), int(py)


def type_text(app: App, text: str) -> None:
    """Type ``text`` into the open text box, a character at a time (as SDL's text input sends it)."""
    for ch in text:
        app.handle(pygame.event.Event(pygame.TEXTINPUT, text=ch))


def pixel(surface: pygame.Surface, app: App, y: int, x: int) -> tuple[int, int, int]:
    """The colour drawn at the centre of cell ``(y, x)``."""
    return tuple(surface.get_at(cell_center(app, y, x)))[:3]
