"""The command line's progress line: on a terminal only, after a second, wiped at the end."""

from __future__ import annotations

import io

from lifegame.progress import ProgressLine


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_is_drawn_in_the_first_second_or_on_a_pipe() -> None:
    clock = Clock()
    pipe = io.StringIO()
    quiet = ProgressLine(pipe, 1000, clock=clock)
    terminal = Terminal()
    line = ProgressLine(terminal, 1000, clock=clock)
    clock.now += 0.5
    line(10, 1000)
    quiet(10, 1000)
    assert terminal.getvalue() == "" and pipe.getvalue() == ""
    clock.now += 5
    quiet(500, 1000)
    assert pipe.getvalue() == ""


def test_the_line_shows_the_generation_the_share_and_the_time_then_is_wiped() -> None:
    clock = Clock()
    terminal = Terminal()
    line = ProgressLine(terminal, 2_000_000, clock=clock)
    clock.now += 2.0
    line.offset = 1_000_000  # a second call of a run printed every 1,000,000 generations
    line(500_000, 1_000_000)
    shown = terminal.getvalue()
    assert shown.startswith("\r[##################------] generation 1,500,000 of 2,000,000 (75%), 2.0 s")
    line(600_000, 1_000_000)  # within the redraw interval: not drawn
    assert terminal.getvalue() == shown
    clock.now += 1.0
    line(1_000_000, 1_000_000)
    assert "generation 2,000,000 of 2,000,000 (100%)" in terminal.getvalue()
    line.close()
    assert terminal.getvalue().endswith("\r")
    width = len(line.line(2_000_000, 3.0))
    assert terminal.getvalue()[-(width + 2):] == "\r" + " " * width + "\r"
