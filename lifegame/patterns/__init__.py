"""Pattern files: RLE, plaintext ``.cells``, Life 1.05/1.06, and the bundled library.

::

    from lifegame.patterns import Pattern, read_pattern, write_pattern, library
    from lifegame.start import starting_board

    gun = library.load("gosper-glider-gun")
    board, rule = starting_board(gun)                          # centred, with a margin
    write_pattern("gun.rle", Pattern.from_board(board, rule))  # atomic; reopening restores the board
    same, _ = starting_board(read_pattern("gun.rle"))

Readers return a :class:`Pattern` (live cells as coordinates, never a dense
grid); every failure is a :class:`PatternError` with a one-line message.
Nothing here imports pygame.
"""

from .io import EXTENSIONS, FORMATS, parse_pattern, read_pattern, sniff_format, write_pattern
from .pattern import MAX_FILE_BYTES, MAX_LIVE_CELLS, Pattern, PatternError
from .plaintext import format_cells
from .rle import format_rle

__all__ = [
    "Pattern",
    "PatternError",
    "parse_pattern",
    "read_pattern",
    "write_pattern",
    "format_rle",
    "format_cells",
    "sniff_format",
    "FORMATS",
    "EXTENSIONS",
    "MAX_FILE_BYTES",
    "MAX_LIVE_CELLS",
]
