from __future__ import annotations

import numpy as np
import pytest

from lifegame.board import MAX_CELLS, MAX_SIDE, Board, BoardSizeError, check_size
from lifegame.protocol import ALIVE, EMPTY

GLIDER = "-*-\n--*\n***"


def test_text_round_trip_and_population():
    board = Board.from_text(GLIDER)
    assert board.shape == (3, 3)
    assert board.population() == 5
    assert str(board) == GLIDER
    assert Board.from_text(".O.\n..O\nOOO") == board


def test_coordinates_wrap_at_every_edge():
    board = Board(4, 5)
    board[-1, -1] = True
    assert board.cells[3, 4] == 1
    assert board[3, 4] and board[7, 9] and board[-5, -6]
    assert board.query(-1, 4) == ALIVE and board.query(0, 0) == EMPTY
    board.assign(4, 5, ALIVE)
    assert board[0, 0]


def test_place_wraps_around_the_torus():
    board = Board(5, 5)
    board.place(Board.from_text(GLIDER), 3, 4)  # straddles the bottom-right corner
    assert board.population() == 5
    assert sorted(board.live_cells()) == sorted(
        ((3 + y) % 5, (4 + x) % 5) for y, x in Board.from_text(GLIDER).live_cells()
    )


def test_place_overwrite_clears_the_pattern_area():
    board = Board(4, 4)
    board.cells[:] = 1
    board.place(np.zeros((2, 2), np.uint8), 3, 3, overwrite=True)
    assert board.population() == 16 - 4
    assert not board[3, 3] and not board[0, 0] and not board[3, 0] and not board[0, 3]


def test_equality_is_by_size_and_cells():
    a, b = Board(3, 4), Board(3, 4)
    assert a == b
    b[1, 1] = True
    assert a != b
    assert Board(3, 4) != Board(4, 3)
    c = b.copy()
    c[0, 0] = True
    assert b[0, 0] is False


@pytest.mark.parametrize("size", [(1, 1), (1, 7), (7, 1), (2, 2), (16384, 16384)])
def test_sizes_from_one_cell_to_the_documented_maximum(size):
    assert check_size(*size) == size


@pytest.mark.parametrize("size", [(0, 5), (5, -1), (MAX_SIDE + 1, 1), (16385, 16385), (2.5, 3), ("a", 3)])
def test_impossible_sizes_are_refused(size):
    with pytest.raises(BoardSizeError):
        Board(*size)
    assert MAX_CELLS >= 16384 * 16384


def test_bounding_box():
    board = Board(10, 10)
    assert board.bounding_box() is None
    board.place(Board.from_text(GLIDER), 2, 5)
    assert board.bounding_box() == (2, 5, 3, 3)
