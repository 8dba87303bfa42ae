"""The window's frame times and generations/s on 64x64, 1024x1024 and 4096x4096 (``lifegame bench --ui``)."""

from lifegame.app.bench import run_ui_bench

if __name__ == "__main__":
    import sys

    run_ui_bench(quick="--quick" in sys.argv)
