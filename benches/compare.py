#!/usr/bin/env python3
"""Time `dlg run` against CPython on equivalent programs, in one run.

Usage: python3 benches/compare.py [--runs N] [--dlg PATH]

Each program in benches/programs/ exists twice: NAME.dg (Deluge) and
NAME.py (the same algorithm in Python). Both are run as whole processes
(start-up included) N times; the best wall time of each is compared. The
outputs must match, so the two sides provably do the same work.
Also reports the wall time of a one-line script (start-up cost).
"""

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROGRAMS = [
    ("nested_loops", "1M iterations of nested for each, integer arithmetic", []),
    ("build_text", "build a 100k-character text", []),
    ("map_put_get", "100k map put + 100k get", []),
    ("sort_list", "sort a 100k-element list", []),
    ("recursion", "fib(24): 150k recursive user-function calls", ["--max-depth", "100", "--arg", "n=24"]),
]
LIMITS = ["--max-statements", "1000000000"]


def best_time(cmd, runs):
    best = math.inf
    output = None
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"command failed: {' '.join(cmd)}\n{proc.stderr}")
        best = min(best, elapsed)
        output = proc.stdout
    return best, output


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dlg", default=os.path.join(ROOT, "target", "release", "dlg"))
    args = parser.parse_args()
    if not os.path.exists(args.dlg):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)

    print(f"dlg: {args.dlg}")
    print(f"python: {sys.version.split()[0]} ({sys.executable})")
    print(f"best of {args.runs} runs, wall time including process start-up\n")
    print(f"| program | what | dlg (ms) | CPython (ms) | speed-up |")
    print(f"|---|---|---:|---:|---:|")
    ratios = []
    for name, what, extra in PROGRAMS:
        dg = os.path.join(HERE, "programs", name + ".dg")
        py = os.path.join(HERE, "programs", name + ".py")
        t_dlg, out_dlg = best_time([args.dlg, "run", *LIMITS, dg, *extra], args.runs)
        t_py, out_py = best_time([sys.executable, py], args.runs)
        if out_dlg.split() != out_py.split():
            sys.exit(f"{name}: outputs differ\ndlg: {out_dlg!r}\npython: {out_py!r}")
        ratio = t_py / t_dlg
        ratios.append(ratio)
        print(f"| {name} | {what} | {t_dlg * 1000:.0f} | {t_py * 1000:.0f} | {ratio:.1f}x |")
    geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"| **geometric mean** | | | | **{geomean:.1f}x** |")

    with tempfile.NamedTemporaryFile("w", suffix=".dg", delete=False) as f:
        f.write('info "hello";\n')
        one_line = f.name
    t_start, _ = best_time([args.dlg, "run", one_line], max(args.runs, 10))
    os.unlink(one_line)
    print(f"\none-line script (`info \"hello\";`): {t_start * 1000:.1f} ms wall")


if __name__ == "__main__":
    main()
