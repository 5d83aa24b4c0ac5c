#!/usr/bin/env python3
"""Time `dlg run` against CPython on equivalent programs, in one run.

Usage: python3 benches/compare.py [--runs N] [--dlg PATH] [--only NAME,...]

Each program in benches/programs/ exists twice: NAME.dg (Deluge) and
NAME.py (the same algorithm in Python). Both are run as whole processes
(start-up included) N times, alternating; the table shows the median wall
time and the peak resident memory (RSS) of each side. The outputs must
match, so the two sides provably do the same work. Sizes are chosen so
that process start-up is well under 5% of every run.

Also reports the wall time of a one-line script (start-up cost, best of 20).
"""

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# (name, what, extra dlg arguments)
PROGRAMS = [
    ("fib", "recursive calls: fib(32), 7.05M user-function calls", ["--arg", "n=32"]),
    ("loops", "nested integer loops: 10M iterations", []),
    ("maps", "1M map put (six-part text keys) + 1M get over keys()", []),
    ("sort", "list build (1M add) + sort", []),
]
LIMITS = ["--max-statements", "1000000000", "--max-depth", "100"]


def run_once(cmd):
    """Wall time (s), CPU time (s), peak RSS (MiB) and stdout of one process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit(f"command failed: {' '.join(cmd)}\n{err.read().decode()}")
        cpu = usage.ru_utime + usage.ru_stime
        return elapsed, cpu, usage.ru_maxrss / 1024, out.read().decode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dlg", default=os.path.join(ROOT, "target", "release", "dlg"))
    parser.add_argument("--only", default="", help="comma-separated program names")
    args = parser.parse_args()
    if not os.path.exists(args.dlg):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)

    only = {n for n in args.only.split(",") if n}
    print(f"dlg: {args.dlg}")
    print(f"python: {sys.version.split()[0]} ({sys.executable})")
    print(f"median of {args.runs} runs; wall and CPU (user+sys) time including process start-up; peak RSS\n")
    print("| workload | dlg ms | CPython ms | speed-up | CPU speed-up | dlg MiB | CPython MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for name, what, extra in PROGRAMS:
        if only and name not in only:
            continue
        dg = os.path.join(HERE, "programs", name + ".dg")
        py = os.path.join(HERE, "programs", name + ".py")
        dlg_cmd = [args.dlg, "run", *LIMITS, dg, *extra]
        py_cmd = [sys.executable, py]
        t_dlg, t_py, c_dlg, c_py, m_dlg, m_py = [], [], [], [], 0.0, 0.0
        out_dlg = out_py = ""
        for _ in range(args.runs):
            t, c, m, out_dlg = run_once(dlg_cmd)
            t_dlg.append(t)
            c_dlg.append(c)
            m_dlg = max(m_dlg, m)
            t, c, m, out_py = run_once(py_cmd)
            t_py.append(t)
            c_py.append(c)
            m_py = max(m_py, m)
        if out_dlg.split() != out_py.split():
            sys.exit(f"{name}: outputs differ\ndlg: {out_dlg!r}\npython: {out_py!r}")
        md, mp = statistics.median(t_dlg), statistics.median(t_py)
        ratio = mp / md
        cpu_ratio = statistics.median(c_py) / max(statistics.median(c_dlg), 1e-6)
        ratios.append(ratio)
        print(
            f"| {what} | {md * 1000:.0f} | {mp * 1000:.0f} | {ratio:.2f}x | {cpu_ratio:.2f}x "
            f"| {m_dlg:.0f} | {m_py:.0f} |",
            flush=True,
        )
    if ratios:
        geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"| **geometric mean** | | | **{geomean:.2f}x** | | | |")

    with tempfile.NamedTemporaryFile("w", suffix=".dg", delete=False) as f:
        f.write('info "hello";\n')
        one_line = f.name
    best = min(run_once([args.dlg, "run", one_line])[0] for _ in range(20))
    os.unlink(one_line)
    print(f"\none-line script (`info \"hello\";`): {best * 1000:.2f} ms wall (best of 20)")


if __name__ == "__main__":
    main()
