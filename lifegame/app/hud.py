"""Text and small panels over the board: status line, help, palette, graph, trace log.

Every function here draws onto the Surface it is given from plain values, so
the HUD can be drawn (and tested) on an off-screen surface.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pygame

from .input import HELP_MOUSE, KEYMAP
from .render import Theme
from .view import BAR_HEIGHT

if TYPE_CHECKING:
    from .compute import Progress
    from .trace import TraceRecorder

__all__ = ["Hud", "Status", "BAR_HEIGHT", "trace_header", "stepped_text"]

TRACE_PANEL_WIDTH = 300
"""Pixels: the protocol trace's panel along the right edge."""


def _font(size: int, bold: bool = False) -> pygame.font.Font:
    for name in ("dejavusansmono", "liberationmono", "monospace"):
        path = pygame.font.match_font(name, bold=bold)
        if path:
            return pygame.font.Font(path, size)
    return pygame.font.Font(None, size + 4)


@dataclass
class Status:
    """What the status line shows."""

    playing: bool
    generation: int
    population: int
    speed: float
    actual: float
    fps: float
    rule: str
    size: tuple[int, int]
    engine: str
    busy: bool
    trace: bool = False
    trace_speed: float = 0.0
    instructions: int = 0
    last_instructions: int = 0
    stepped: str = ""
    """Which cells the generation steps (:func:`stepped_text`), shown while tracing."""
    step_exponent: int = 0
    """Hyper speed: 2^n generations an update (0: off)."""
    jump: str = ""
    """The jump under way (go to generation, a long hyper-speed jump) and how far it is."""
    jump_fraction: float | None = None
    saving: str = ""
    """A long save under way and how far it is."""
    save_fraction: float | None = None
    draw_state: str = ""
    """The state the mouse draws and its name ("draw 2: dying 2"), for multi-state rules; ``""`` hides it."""
    draw_colour: tuple[int, int, int] = (0, 0, 0)
    """That state's colour (a swatch before the words)."""


def stepped_text(progress: Progress) -> str:
    """Which cells the generation steps: "stepping 212 of 8,364 cells" (the rest cannot change)."""
    of = f"{progress.stepped_cells:,} of {progress.cells:,} cells"
    if progress.pending is not None:
        return f"stepping {of}"
    if progress.generations == 0:
        return f"next generation steps {of}"
    return f"last generation stepped {of}"


def trace_header(trace: TraceRecorder, progress: Progress | None) -> list[str]:
    """The first lines of the trace's panel: the cell being stepped and where the generation is."""
    if trace.cell is not None:
        lines = [f"step_cell{trace.cell}  state {trace.cell_state!r}  neighbours {trace.live_neighbours}"]
    else:
        lines = ["between cells"]
    if progress is not None:
        # Ten instructions a stepped cell and TICK: exact for the coroutines' own simulate.
        total = 10 * progress.stepped_cells + 1
        if progress.pending is not None:
            lines.append(f"instruction {progress.instructions:,} of {total:,} in this generation")
        lines.append(stepped_text(progress))
        if progress.stepped_cells < progress.cells:
            lines.append("(only cells near a change: the rest cannot change)")
        lines.append(f"next: {progress.pending!r}" if progress.pending is not None else "next: a new generation")
    return lines


def _rate(value: float) -> str:
    if math.isinf(value):
        return "max"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


class Hud:
    """Fonts and a small cache of rendered strings."""

    def __init__(self, theme: type[Theme] = Theme) -> None:
        self.theme = theme
        self.font = _font(14)
        self.small = _font(12)
        self.big = _font(17, bold=True)
        self._cache: dict[tuple, pygame.Surface] = {}
        self._elided: dict[tuple, str] = {}
        self.trace_rect: pygame.Rect | None = None  # where the trace panel was last drawn
        self.title_rect: pygame.Rect | None = None  # and the title chip
        self.palette_rect: pygame.Rect | None = None  # and the palette strip
        self._trace_width = 0

    def text(self, s: str, color: tuple[int, int, int] | None = None,
             font: pygame.font.Font | None = None) -> pygame.Surface:
        font = font or self.font
        key = (s, color, id(font))
        img = self._cache.get(key)
        if img is None:
            if len(self._cache) > 600:
                self._cache.clear()
            img = font.render(s, True, color or self.theme.text)
            self._cache[key] = img
        return img

    def _panel(self, surface: pygame.Surface, rect: pygame.Rect, alpha: int = 215) -> None:
        panel = pygame.Surface(rect.size, pygame.SRCALPHA)
        panel.fill((*self.theme.panel[:3], alpha))
        surface.blit(panel, rect.topleft)
        pygame.draw.rect(surface, self.theme.grid_major, rect, 1)

    # -- status line ----------------------------------------------------------
    def status_line(self, surface: pygame.Surface, st: Status) -> list[tuple[str, pygame.Rect]]:
        """Draw the status line; returns the parts drawn and where (the last is the "H: help" hint).

        A narrow window drops the parts at the end; a rule too long for the room
        left is shortened in its middle, so that the drawing state still shows.
        """
        W, H = surface.get_size()
        bar = pygame.Rect(0, H - BAR_HEIGHT, W, BAR_HEIGHT)
        self._panel(surface, bar, 235)
        th = self.theme
        if st.trace:
            speed = f"{_rate(st.trace_speed)} instr/s"
            state = "TRACE"
        elif st.step_exponent:
            speed = f"step 2^{st.step_exponent}" + (f", {_rate(st.actual)} gen/s" if st.playing else "")
            state = "PLAY" if st.playing else "PAUSE"
        else:
            speed = (f"{_rate(st.speed)} gen/s target, {_rate(st.actual)} actual" if st.playing
                     else f"{_rate(st.speed)} gen/s target")
            state = "PLAY" if st.playing else "PAUSE"
        parts: list[tuple[str, tuple[int, int, int]]] = [
            (state, th.accent if st.playing or st.trace else th.text_dim),
            (f"gen {st.generation:,}", th.text),
            (f"pop {st.population:,}", th.text),
            (speed, th.text),
            (f"{st.fps:.0f} fps", th.text_dim),
            (st.rule, th.text),
            (f"{st.size[0]}\u00d7{st.size[1]}", th.text_dim),
            (st.engine + (" \u2026" if st.busy else ""), th.seam if st.busy else th.text_dim),
        ]
        if st.trace:
            # What the trace is about goes first, before the parts a narrow window drops.
            extra = [(st.stepped, th.accent)] if st.stepped else []
            instr = f"instr {st.instructions:,}"
            extra.append((instr + (f" / last gen {st.last_instructions:,}" if st.last_instructions else ""), th.accent))
            parts[4:4] = extra
        # A jump or a save under way goes before the parts a narrow window drops.
        busy = [(text, th.accent) for text in (st.jump, st.saving) if text]
        parts[4:4] = busy
        # The rule, and the state the mouse draws, before the parts a narrow window drops.
        parts.remove((st.rule, th.text))
        parts[4:4] = [(st.rule, th.text)] + ([(st.draw_state, th.text)] if st.draw_state else [])
        swatches = {5: st.draw_colour} if st.draw_state else {}
        for i, fraction in enumerate((st.jump_fraction, st.save_fraction)):
            if fraction is not None:  # a bar along the top of the status line
                width = int(W * min(1.0, max(0.0, fraction)))
                pygame.draw.rect(surface, th.accent, pygame.Rect(0, H - BAR_HEIGHT + 3 * i, width, 3))
        hint = self.text("H: help", th.text_dim)
        right = W - hint.get_width() - 10 - 16  # the parts stop short of the hint, with a gap
        # A long rule (B2n3acijr4cijt5r6i8/S2aek3ijnqr4ei5-ckqy6eHistory) is shortened in its
        # middle rather than push out the drawing state that follows it.
        head = sum(self.font.size(s)[0] + 10 for s, _ in parts[:4])
        tail = (self.font.get_height() + 4 + self.font.size(st.draw_state)[0] + 10) if st.draw_state else 0
        rule_room = right - 10 - head - tail - 10
        if self.font.size(st.rule)[0] > rule_room:
            parts[4] = (self.elide(st.rule, max(rule_room, self.font.size("B3/S2…")[0])), parts[4][1])
        x = 10
        y = H - BAR_HEIGHT + (BAR_HEIGHT - self.font.get_height()) // 2
        shown: list[tuple[str, pygame.Rect]] = []
        for i, (s, color) in enumerate(parts):
            img = self.text(s, color)
            swatch = self.font.get_height() if i in swatches else 0
            if x + swatch + img.get_width() > right:
                break
            if i:  # a separator between parts shown (none after the last one that fits)
                pygame.draw.line(surface, th.grid_major, (x - 5, H - BAR_HEIGHT + 7), (x - 5, H - 7))
            if swatch:  # the drawing state's colour, as its cells are drawn
                box = pygame.Rect(x, y + 1, swatch - 2, swatch - 2)
                pygame.draw.rect(surface, swatches[i], box)
                pygame.draw.rect(surface, th.grid_major, box, 1)
                x += swatch + 4
            surface.blit(img, (x, y))
            shown.append((s, img.get_rect(topleft=(x, y))))
            x += img.get_width() + 10
        surface.blit(hint, (W - hint.get_width() - 10, y))
        shown.append(("H: help", hint.get_rect(topleft=(W - hint.get_width() - 10, y))))
        return shown

    def elide(self, text: str, width: int, font: pygame.font.Font | None = None) -> str:
        """``text``, or as much of its start and end as fits in ``width`` pixels with a "…" between."""
        font = font or self.font
        key = (text, width, id(font))
        if key not in self._elided:  # once per text and width, not every frame
            if len(self._elided) > 100:
                self._elided.clear()
            self._elided[key] = self._elide(text, width, font)
        return self._elided[key]

    @staticmethod
    def _elide(text: str, width: int, font: pygame.font.Font) -> str:
        if font.size(text)[0] <= width:
            return text
        keep = len(text) - 1
        while keep > 2:
            front = (keep + 1) // 2
            candidate = text[:front] + "…" + text[len(text) - (keep - front):]
            if font.size(candidate)[0] <= width:
                return candidate
            keep -= 1
        return text[:1] + "…"

    # -- top-left chips -------------------------------------------------------
    def title_chip(self, surface: pygame.Surface, title: str, dirty: bool, tools: Sequence[str] | str | None) -> None:
        th = self.theme
        items = [self.text(title + (" *" if dirty else ""), th.text, self.big)]
        for tool in [tools] if isinstance(tools, str) else (tools or ()):
            items.append(self.text(tool, th.dies if tool.startswith("\u25cf") else th.preview))
        w = max(i.get_width() for i in items) + 20
        h = sum(i.get_height() + 4 for i in items) + 10
        self.title_rect = pygame.Rect(8, 8, w, h)
        self._panel(surface, self.title_rect, 170)
        y = 14
        for img in items:
            surface.blit(img, (18, y))
            y += img.get_height() + 4

    def palette_strip(self, surface: pygame.Surface, names: Sequence[str], selected: int | None) -> None:
        """The keys 1-9 and their patterns, along the top right; wrapped onto more rows
        when the window is too narrow for one (right of the title chip)."""
        th = self.theme
        imgs = [self.text(f"{i + 1} {n}", th.accent if i == selected else th.text_dim, self.small)
                for i, n in enumerate(names)]
        self.palette_rect = None
        if not imgs:
            return
        W = surface.get_width()
        left = (self.title_rect.right + 12) if self.title_rect is not None else 8
        avail = max(W - left - 8 - 20, max(i.get_width() for i in imgs))
        rows: list[list[pygame.Surface]] = [[]]
        width = 0
        for img in imgs:
            w = img.get_width() + 12
            if rows[-1] and width + w > avail:
                rows.append([])
                width = 0
            rows[-1].append(img)
            width += w
        line = imgs[0].get_height() + 4
        total = max(sum(i.get_width() + 12 for i in row) for row in rows) + 8
        rect = pygame.Rect(W - total - 8, 8, total, line * len(rows) + 8)
        self.palette_rect = rect
        self._panel(surface, rect, 150)
        for r, row in enumerate(rows):
            x = rect.x + 10
            for img in row:
                surface.blit(img, (x, rect.y + 6 + r * line))
                x += img.get_width() + 12

    def prompt_box(self, surface: pygame.Surface, title: str, text: str, hint: str, error: str,
                   caret: bool = True, choices: Sequence[str] = (), chosen: int | None = None,
                   note: str = "") -> pygame.Rect:
        """The text box: a title, the text typed (its end, when it is too long) with a caret and,
        dimmed after it, ``note`` (a rule box: the rule a preset's name stands for), an error,
        if any (wrapped onto up to three lines inside the box), a line of help, and (a rule box)
        the presets that match, ``chosen`` the one in the box.  Returns the text field's rectangle."""
        th = self.theme
        W, H = surface.get_size()
        width = min(640, W - 24)
        line = self.font.get_height()
        small = self.small.get_height() + 4
        shown_choices = self._choice_rows(choices, chosen, width - 32)
        errors = self._wrap(error, width - 32, self.small)[:3] if error else [""]
        height = (14 + self.big.get_height() + 10 + line + 12 + 10 + small * (1 + len(errors)) + 10
                  + (small * len(shown_choices) + 6 if shown_choices else 0))
        # The top stays put (placed as for a box with no list and a one-line error): the box grows
        # downwards while the list of presets and the error come and go with what is typed.
        base = 14 + self.big.get_height() + 10 + line + 12 + 10 + small * 2 + 10
        rect = pygame.Rect((W - width) // 2, max(8, (H - BAR_HEIGHT) // 4 - base // 2), width, height)
        self._panel(surface, rect, 245)
        pygame.draw.rect(surface, th.accent, rect, 1)
        y = rect.y + 14
        surface.blit(self.text(title, th.text, self.big), (rect.x + 16, y))
        y += self.big.get_height() + 10
        field = pygame.Rect(rect.x + 14, y, width - 28, line + 12)
        pygame.draw.rect(surface, th.background, field)
        pygame.draw.rect(surface, th.grid_major, field, 1)
        room = field.w - 20
        shown = text
        while shown and self.font.size(shown)[0] > room:
            shown = shown[1:]
        if shown != text:
            shown = "\u2026" + shown[1:]
        img = self.font.render(shown, True, th.text)
        surface.blit(img, (field.x + 8, field.y + 6))
        cx = field.x + 8 + img.get_width() + 1
        if caret:
            pygame.draw.line(surface, th.accent, (cx, field.y + 5), (cx, field.bottom - 6), 2)
        if note:
            room = field.right - 8 - (cx + 12)
            if room > self.font.size("= B3/S2…")[0]:
                surface.blit(self.text(self.elide(f"= {note}", room), th.text_dim), (cx + 12, field.y + 6))
        y = field.bottom + 10
        for part in errors:
            if part:
                surface.blit(self.text(part, th.dies, self.small), (rect.x + 16, y))
            y += small
        surface.blit(self.text(hint, th.text_dim, self.small), (rect.x + 16, y))
        y += small + 6
        for row in shown_choices:
            x = rect.x + 16
            for name, picked in row:
                img = self.text(name, th.accent if picked else th.text_dim, self.small)
                if picked:
                    pygame.draw.rect(surface, th.grid_major, img.get_rect(topleft=(x, y)).inflate(8, 2), 1)
                surface.blit(img, (x, y))
                x += img.get_width() + 16
            y += small
        return field

    def _choice_rows(self, choices: Sequence[str], chosen: int | None, width: int,
                     max_rows: int = 3) -> list[list[tuple[str, bool]]]:
        """The presets offered under the box, in rows ``width`` pixels wide (the chosen one's row
        among them: the list scrolls with Tab); ``(name, chosen)`` pairs."""
        rows: list[list[tuple[str, bool]]] = []
        current: list[tuple[str, bool]] = []
        used = 0
        chosen_row = 0
        for i, name in enumerate(choices):
            w = self.small.size(name)[0] + 16
            if current and used + w > width:
                rows.append(current)
                current, used = [], 0
            if i == chosen:
                chosen_row = len(rows)
            current.append((name, i == chosen))
            used += w
        if current:
            rows.append(current)
        first = max(0, min(chosen_row - max_rows + 1, len(rows) - max_rows))
        return rows[first:first + max_rows]

    def toast(self, surface: pygame.Surface, message: str, *, beside_trace: bool = False) -> None:
        """A short message near the top, centred (left of the trace panel while that is shown).

        Wrapped onto more lines when the window is too narrow for it, and kept
        below the title chip when the two would overlap.
        """
        W = surface.get_width()
        if beside_trace:
            W = max(W // 2, (self.trace_rect.x if self.trace_rect else W - TRACE_PANEL_WIDTH) - 12)
        imgs = [self.text(part, self.theme.text) for part in self._wrap(message, max(80, W - 44))]
        line = self.font.get_height() + 2
        rect = pygame.Rect(0, 0, max(i.get_width() for i in imgs) + 28, line * len(imgs) + 12)
        rect.midtop = (W // 2, 52)
        rect.left = max(rect.left, 8)
        for above in (self.title_rect, self.palette_rect):
            if above is not None and rect.colliderect(above):
                rect.top = above.bottom + 8
        self._panel(surface, rect, 225)
        for i, img in enumerate(imgs):
            surface.blit(img, (rect.x + 14, rect.y + 6 + i * line))

    def _wrap(self, message: str, width: int, font: pygame.font.Font | None = None) -> list[str]:
        """``message`` in lines no wider than ``width`` pixels (a word longer than that keeps its line)."""
        font = font or self.font
        lines: list[str] = []
        current = ""
        for word in message.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and font.size(candidate)[0] > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
        return lines

    # -- help -----------------------------------------------------------------
    def help_overlay(self, surface: pygame.Surface) -> None:
        th = self.theme
        rows: list[tuple[str, str]] = [(b.label, b.help) for b in KEYMAP if b.label]
        rows += list(HELP_MOUSE)
        key_w = max(self.text(k, th.accent).get_width() for k, _ in rows)
        desc_w = max(self.text(d).get_width() for _, d in rows)
        line = self.font.get_height() + 5
        W, H = surface.get_size()
        half = (len(rows) + 1) // 2
        two_cols = W >= 2 * (key_w + desc_w + 60) + 40
        cols = [rows[:half], rows[half:]] if two_cols else [rows]
        col_w = key_w + desc_w + 50
        width = col_w * len(cols) + 30
        height = line * max(len(c) for c in cols) + 70
        card = pygame.Surface((width, height), pygame.SRCALPHA)
        self._panel(card, card.get_rect(), 235)
        title = self.text("lifegame \u2014 controls", th.text, self.big)
        card.blit(title, (20, 14))
        for c, column in enumerate(cols):
            x = 20 + c * col_w
            y = 50
            for key, desc in column:
                card.blit(self.text(key, th.accent), (x, y))
                card.blit(self.text(desc, th.text), (x + key_w + 16, y))
                y += line
        # A window too small for the card gets it scaled down whole, not cut off.
        scale = min(1.0, (W - 16) / width, (H - BAR_HEIGHT - 16) / height)
        if scale < 1.0:
            card = pygame.transform.smoothscale(card, (max(1, int(width * scale)), max(1, int(height * scale))))
        rect = card.get_rect(center=(W // 2, (H - BAR_HEIGHT) // 2))
        surface.blit(card, rect)

    # -- population graph -------------------------------------------------------
    def graph(self, surface: pygame.Surface, history: Iterable[tuple[int, int]]) -> None:
        th = self.theme
        pts = list(history)[-400:]
        W, H = surface.get_size()
        rect = pygame.Rect(W - 352, H - BAR_HEIGHT - 142, 340, 130)
        self._panel(surface, rect, 200)
        surface.blit(self.text("population", th.text_dim, self.small), (rect.x + 8, rect.y + 6))
        if len(pts) < 2:
            return
        pops = [p for _, p in pts]
        lo, hi = min(pops), max(pops)
        span = max(1, hi - lo)
        g0, g1 = pts[0][0], pts[-1][0]
        gspan = max(1, g1 - g0)
        plot = pygame.Rect(rect.x + 8, rect.y + 24, rect.w - 16, rect.h - 44)
        xy = [(plot.x + (g - g0) / gspan * plot.w, plot.bottom - (p - lo) / span * plot.h) for g, p in pts]
        pygame.draw.lines(surface, th.alive, False, xy, 2)
        label = self.text(f"{hi:,} max   {lo:,} min   gen {g0:,}\u2013{g1:,}", th.text_dim, self.small)
        surface.blit(label, (rect.x + 8, rect.bottom - 18))

    # -- protocol trace -----------------------------------------------------------
    def trace_panel(self, surface: pygame.Surface, trace: TraceRecorder, progress: Progress | None,
                    legend: Sequence[tuple[tuple[int, int, int], bool, str]] | None = None) -> None:
        """The trace's panel at the right: where the protocol is, a legend, and the log of instructions.

        ``legend`` is ``(colour, filled, meaning)`` for each mark the board shows
        (:meth:`lifegame.app.render.BoardRenderer.trace_legend`, which knows the
        rule's states); by default a two-state rule's.
        """
        th = self.theme
        header = trace_header(trace, progress)
        colours = {"self": th.accent, "alive": th.query_alive, "empty": th.query_empty,
                   "other": th.query_other, "transition": th.born, "tick": th.text}
        lines = [(s, colours[kind]) for s, kind in trace.log]
        W, H = surface.get_size()
        line = self.small.get_height() + 3
        if legend is None:  # (colour, filled, meaning) as BoardRenderer.draw_trace marks the board
            legend = [
                (th.query_alive_ring, False, "asked: ALIVE"), (th.query_empty, False, "asked: EMPTY"),
                (th.born, True, "alive next"), (th.dies, True, "dies"),
                (th.stepped, True, "stepped, stays empty"),
            ]
        widest = max([self.text(s, th.text, self.small).get_width() for s in header]
                     + [2 * (self.text(m, th.text_dim, self.small).get_width() + 24) for *_, m in legend])
        # Only ever wider: a panel that breathes with the digits of each line is hard to read.
        self._trace_width = max(self._trace_width, widest + 24)
        width = max(TRACE_PANEL_WIDTH, min(self._trace_width, W // 2))
        legend_rows = (len(legend) + 1) // 2
        height = 34 + line * (len(header) + legend_rows + len(lines)) + 20
        rect = pygame.Rect(W - width - 12, 52, width, min(height, H - BAR_HEIGHT - 64))
        self.trace_rect = rect
        self._panel(surface, rect, 225)
        surface.blit(self.text("protocol trace", th.accent, self.big), (rect.x + 12, rect.y + 8))
        y = rect.y + 34
        for s in header:
            surface.blit(self.text(s, th.text, self.small), (rect.x + 12, y))
            y += line
        y += 4
        half = (width - 24) // 2
        for i, (colour, filled, meaning) in enumerate(legend):
            x = rect.x + 12 + (i % 2) * half
            row = y + (i // 2) * line
            box = pygame.Rect(x, row + 2, line - 6, line - 6)
            if filled:
                pygame.draw.rect(surface, colour, box.inflate(-4, -4))
            else:
                pygame.draw.rect(surface, colour, box, 2)
            surface.blit(self.text(meaning, th.text_dim, self.small), (box.right + 6, row))
        y += legend_rows * line + 6
        for s, color in lines:
            if y + line > rect.bottom:
                break
            surface.blit(self.text(s, color, self.small), (rect.x + 12, y))
            y += line
