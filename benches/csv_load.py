#!/usr/bin/env python3
"""CSV loading speed: `learnscope inspect` against pandas.read_csv on the same file.

Usage: python3 benches/csv_load.py [--rows 1000000] [--runs 9] [--file PATH] [--bin PATH]

Writes (once) a numeric CSV of ROWS x 10 columns (9 standard normal features and a normal
target, shortest round-trip decimals as pandas writes them, seed 0), then alternates runs:
ours is `learnscope inspect --data FILE --json`'s `load_seconds` (parsing and building the data
set, timed inside the process), pandas is `pandas.read_csv(FILE)` timed inside a fresh Python
process (import excluded). Prints
every run, the medians, the speed ratio (pandas' median / ours; above 1 means we are faster),
the best runs
and our peak memory (max RSS of the whole process, from /usr/bin/time when present) against
the 8 bytes a number of the loaded data.
Needs numpy and pandas; the binary defaults to target/release/learnscope (cargo build --release).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--file", default=os.path.join(tempfile.gettempdir(), "learnscope-csv-bench.csv"))
    parser.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "learnscope"))
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    if not os.path.exists(args.file):
        rng = np.random.default_rng(0)
        columns = {f"x{k}": rng.standard_normal(args.rows) for k in range(9)}
        columns["y"] = rng.standard_normal(args.rows)
        partial = args.file + ".partial"
        pd.DataFrame(columns).to_csv(partial, index=False)
        os.replace(partial, args.file)
        del columns
    size_mb = os.path.getsize(args.file) / 1e6

    time_tool = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    ours, theirs, peaks = [], [], []
    for _ in range(args.runs):
        command = [args.bin, "inspect", "--data", args.file, "--json"]
        with tempfile.NamedTemporaryFile(mode="r") as rss:
            if time_tool:
                command = [time_tool, "-o", rss.name, "-f", "%M"] + command
            out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            report = json.loads(out)
            ours.append(report["load_seconds"])
            if time_tool:
                peaks.append(int(rss.read().split()[-1]) / 1024)
        # pandas in a fresh process too, timed inside it, as ours is.
        timed = ("import time, pandas; started = time.perf_counter(); "
                 f"pandas.read_csv({args.file!r}); print(time.perf_counter() - started)")
        out = subprocess.run([sys.executable, "-c", timed], check=True, capture_output=True, text=True).stdout
        theirs.append(float(out))

    numbers_mb = report["rows"] * 10 * 8 / 2**20
    print(f"file: {args.file} ({size_mb:.0f} MB, {report['rows']} rows); pandas {pd.__version__}")
    print("ours   (s):", " ".join(f"{t:.3f}" for t in ours))
    print("pandas (s):", " ".join(f"{t:.3f}" for t in theirs))
    print(f"median ours {statistics.median(ours):.3f} s, pandas {statistics.median(theirs):.3f} s")
    print(f"speed ratio pandas/ours: {statistics.median(theirs) / statistics.median(ours):.2f} "
          f"(median of per-pair ratios {statistics.median(t / o for o, t in zip(ours, theirs)):.2f})")
    # The fastest run of each is the least disturbed by other work on a shared machine.
    print(f"best run ours {min(ours):.3f} s, pandas {min(theirs):.3f} s, ratio {min(theirs) / min(ours):.2f}")
    if peaks:
        print(f"peak RSS ours: median {statistics.median(peaks):.0f} MiB for {numbers_mb:.0f} MiB of numbers "
              f"({statistics.median(peaks) / numbers_mb:.2f}x)")


if __name__ == "__main__":
    sys.exit(main())
