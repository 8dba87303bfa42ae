"""lifegame: Conway's Game of Life on a torus, written as generator coroutines.

The public API imports no pygame, so worker processes and scripts can use it
without a display::

    from lifegame import Board, Rule, simulate, live_a_generation
"""

from .board import MAX_CELLS, MAX_SIDE, Board, BoardSizeError
from .columns import ColumnPrinter
from .environment import Stepper, live_a_generation, observe, run_generations
from .patterns import Pattern, PatternError, read_pattern, write_pattern
from .protocol import (
    ALIVE,
    EMPTY,
    TICK,
    ProtocolError,
    Query,
    Transition,
    count_neighbors,
    game_logic,
    simulate,
    step_cell,
)
from .rules import CONWAY, PRESETS, Rule, RuleError, parse_rule, parse_rule_spec
from .start import starting_board

__version__ = "0.1.0"

__all__ = [
    "ALIVE", "EMPTY", "TICK", "Query", "Transition", "ProtocolError",
    "count_neighbors", "step_cell", "simulate", "game_logic",
    "Board", "BoardSizeError", "MAX_SIDE", "MAX_CELLS",
    "Stepper", "live_a_generation", "observe", "run_generations", "ColumnPrinter", "starting_board",
    "Pattern", "PatternError", "read_pattern", "write_pattern",
    "Rule", "RuleError", "CONWAY", "PRESETS", "parse_rule", "parse_rule_spec",
]
