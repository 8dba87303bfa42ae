"""``ColumnPrinter``: boards side by side, as the book prints a glider's generations.

The seed leaves this class empty; it is the piece that turns a list of board
texts into the table of Item 40::

    ---*----- | --------- | ...
    ----*---- | --*-*---- | ...
"""

from __future__ import annotations

from itertools import zip_longest

__all__ = ["ColumnPrinter"]


class ColumnPrinter:
    """Collect multi-line texts and print them as columns separated by ``" | "``.

    Columns keep their own width; a shorter column is padded with blanks.
    """

    def __init__(self, separator: str = " | ") -> None:
        self.columns: list[list[str]] = []
        self.separator = separator

    def append(self, text: str) -> None:
        """Add ``text`` (for example ``str(board)``) as the next column."""
        self.columns.append(str(text).splitlines())

    def __str__(self) -> str:
        widths = [max((len(line) for line in column), default=0) for column in self.columns]
        rows = zip_longest(*self.columns, fillvalue="")
        return "\n".join(
            self.separator.join(line.ljust(width) for line, width in zip(row, widths)).rstrip()
            for row in rows
        )
