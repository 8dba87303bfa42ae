"""``python -m lifegame.app [PATTERN] [--size HxW] [--rule R] [--engine E] [--workers N] [--window WxH]``.

The same window as ``lifegame``, without the rest of the CLI (handy while developing the app).
"""

from __future__ import annotations

import argparse
import sys

from . import AppOptions, run_app


def _pair(sep: str):
    def parse(text: str) -> tuple[int, int]:
        try:
            a, b = text.lower().split(sep)
            return int(a), int(b)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected two numbers like 64{sep}64, got {text!r}") from None

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lifegame.app", description="the lifegame window")
    parser.add_argument("pattern", nargs="?")
    parser.add_argument("--size", type=_pair("x"), metavar="HxW")
    parser.add_argument("--rule")
    parser.add_argument("--engine", default="auto")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--window", type=_pair("x"), metavar="WxH")
    args = parser.parse_args(argv)
    try:
        return run_app(AppOptions(args.pattern, args.size, args.rule, args.engine, args.workers, args.window))
    except ValueError as exc:  # PatternError, RuleError, BoardSizeError: one line, status 2
        print(f"lifegame: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
