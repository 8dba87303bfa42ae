"""Pattern files: RLE, plaintext ``.cells``, Life 1.05/1.06, and the bundled library.

::

    from lifegame.patterns import Pattern, read_pattern, write_pattern, library
    from lifegame.start import starting_board

    gun = library.load("gosper-glider-gun")
    board, rule = starting_board(gun)                          # centred, with a margin
    write_pattern("gun.rle", Pattern.from_board(board, rule))  # atomic; reopening restores the board
    same, _ = starting_board(read_pattern("gun.rle"))

Readers return a :class:`Pattern`: the cells' states (0 empty, 1 alive,
2..255 a multi-state rule's others) in a ``uint8`` grid of the pattern's
extent when it fits a board (``pattern.grid``), as coordinates with states
only for an extent larger than any board; its rule is of any family lifegame
runs.  RLE reads and writes every state (Golly's ``.``, ``A``..``X``,
``pA``..``yO``); ``.cells`` and Life 1.06 have two states, and a pattern with
a state above 1 is saved as RLE.  They decode a file a piece at a time
and refuse as soon as a limit is passed; every failure is a
:class:`PatternError` with a one-line message.  Writers stream: RLE,
``.cells`` and Life 1.06 are written a block of rows at a time
(``write_pattern(path, pattern, progress=callback)``).
Nothing here imports pygame.
"""

from .io import (
    EXTENSIONS,
    FORMATS,
    WRITE_EXTENSIONS,
    atomic_write,
    parse_pattern,
    read_pattern,
    remove_stale_temporaries,
    sniff_format,
    write_pattern,
)
from .life import format_life106
from .pattern import MAX_FILE_BYTES, MAX_LIVE_CELLS, MAX_SPARSE_CELLS, Pattern, PatternError
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
    "format_life106",
    "atomic_write",
    "remove_stale_temporaries",
    "WRITE_EXTENSIONS",
    "MAX_SPARSE_CELLS",
    "sniff_format",
    "FORMATS",
    "EXTENSIONS",
    "MAX_FILE_BYTES",
    "MAX_LIVE_CELLS",
]
