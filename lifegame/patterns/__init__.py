"""Pattern files: RLE, plaintext ``.cells``, Life 1.05/1.06, and the bundled library.

::

    from lifegame.patterns import read_pattern, write_pattern, library

    gun = library.load("gosper-glider-gun")
    board = gun.to_board()                      # centred, with a margin
    write_pattern("gun.rle", board, gun.rule)   # atomic; reopening restores the board
    same = read_pattern("gun.rle").to_board()

Readers return a :class:`Pattern` (live cells as coordinates, never a dense
grid); every failure is a :class:`PatternError` with a one-line message.
Nothing here imports pygame.
"""

from .io import EXTENSIONS, FORMATS, parse_pattern, read_pattern, sniff_format, write_pattern
from .pattern import DEFAULT_MARGIN, MAX_FILE_BYTES, MAX_LIVE_CELLS, Pattern, PatternError
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
    "DEFAULT_MARGIN",
]
