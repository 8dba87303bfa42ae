"""Every engine with 1 and 2 workers against the np.roll idiom (``lifegame bench --only engines``)."""

import sys

from lifegame.bench.engines import bench_engines

if __name__ == "__main__":
    bench_engines(quick="--quick" in sys.argv)
