"""`make bench`: every benchmark, each baseline measured in the same run, one table, JSON too.

python -m tests.benchmarks.run [--out bench-results.json] [--orders N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.benches import BENCHES, temp_dir


def one(name: str, work: Path) -> None:
    rows = BENCHES[name](work)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"rows": rows, "peak_rss_mb": peak}))


def run_all(work: Path) -> list[dict[str, Any]]:
    results = []
    for name in BENCHES:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "tests.benchmarks.run", "--one", name, "--work", str(work)],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
        )
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            print(f"{name} FAILED:\n{proc.stderr[-3000:]}", file=sys.stderr)
            results.append({"bench": name, "error": proc.stderr[-500:], "seconds": seconds})
            continue
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append({"bench": name, "seconds": seconds, **data})
        print(f"  {name}: {seconds:.1f} s, peak RSS {data['peak_rss_mb']} MB", file=sys.stderr)
    return results


def fill_ratios(results: list[dict[str, Any]]) -> None:
    """Rows that need the process's own peak RSS."""
    by = {r["bench"]: r for r in results if "rows" in r}
    if "gui_table" in by:
        rss = by["gui_table"]["peak_rss_mb"]
        by["gui_table"]["rows"].append(
            {
                "what": "  peak RSS of the table process",
                "figure": rss,
                "unit": "MB",
                "baseline": None,
                "ratio": None,
                "target": "< 400 MB",
                "pass": rss < 400,
            }
        )


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| benchmark | figure | baseline | ratio | target | result | peak RSS |",
        "| --- | ---: | ---: | ---: | --- | --- | ---: |",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['bench']} | FAILED | | | | miss | |")
            continue
        for n, x in enumerate(r["rows"]):
            fig = (
                f"{x['figure']:,.2f} {x['unit']}"
                if isinstance(x["figure"], float)
                else f"{x['figure']:,} {x['unit']}"
            )
            base = (
                ""
                if x["baseline"] is None
                else (
                    f"{x['baseline']:,.2f}"
                    if isinstance(x["baseline"], float)
                    else f"{x['baseline']:,}"
                )
            )
            ratio = "" if x["ratio"] is None else f"{x['ratio']:.2f}"
            verdict = "" if x["pass"] is None else ("pass" if x["pass"] else "**miss**")
            rss = f"{r['peak_rss_mb']} MB" if n == 0 else ""
            lines.append(
                f"| {x['what']} | {fig} | {base} | {ratio} | {x['target']} | {verdict} | {rss} |"
            )
    return "\n".join(lines)


# the measures on each store: (label, SQLite row, PostgreSQL row)
STORE_PAIRS = (
    (
        "import 1M vk-pay orders, whole CLI process vs its baseline",
        "import ",
        "PostgreSQL: import ",
    ),
    ("timeline p99", "timeline p99", "PostgreSQL: timeline p99"),
    ("id search p99", "id search p99", "PostgreSQL: id search p99"),
    ("page of 200 at row 10", "page of 200 at row 10", "PostgreSQL: page of 200 at row 10"),
    (
        "page of 200 at row 999,800",
        "page of 200 at row 999,800",
        "PostgreSQL: page of 200 at row 999,800",
    ),
    ("a month's report", "reconciliation report", "PostgreSQL: reconciliation report"),
)


def side_by_side(results: list[dict[str, Any]]) -> str:
    """The same measures on SQLite and PostgreSQL, from this run, in two columns."""
    rows = [x for r in results for x in r.get("rows", [])]

    def find(prefix: str) -> str:
        for x in rows:
            if x["what"].startswith(prefix):
                fig = f"{x['figure']:,.2f} {x['unit']}"
                if x["ratio"] is not None:
                    fig += f" ({x['ratio']:.2f} x)"
                return fig + ("" if x["pass"] is None else (" pass" if x["pass"] else " **miss**"))
        return "not measured"

    lines = ["| measure | SQLite | PostgreSQL (fsync on) |", "| --- | ---: | ---: |"]
    lines += [f"| {label} | {find(a)} | {find(b)} |" for label, a, b in STORE_PAIRS]
    return "\n".join(lines)


def compile_bytecode() -> None:
    """What an installer does (pip compiles at install, PyInstaller ships bytecode). An editable
    checkout run with PYTHONDONTWRITEBYTECODE=1 (set on these machines) would otherwise compile
    the app's modules from source at every start: 20-60 ms more per start and, in a worker thread,
    UI stalls while compile() holds the GIL."""
    import compileall

    root = Path(__file__).resolve().parents[2]
    for package in ("core", "dashboard"):
        compileall.compile_dir(root / package, quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"))
    parser.add_argument("--orders", type=int)
    args = parser.parse_args()
    if args.orders:
        os.environ["XPAYDESK_BENCH_ORDERS"] = str(args.orders)
    if args.one:
        one(args.one, args.work)
        return 0
    work = temp_dir()
    started = time.perf_counter()
    compile_bytecode()
    try:
        results = run_all(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    fill_ratios(results)
    machine = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "orders": int(os.environ.get("XPAYDESK_BENCH_ORDERS", "1000000")),
        "total_seconds": round(time.perf_counter() - started, 1),
        "date": time.strftime("%Y-%m-%d"),
    }
    text = table(results)
    print(text)
    print()
    print(side_by_side(results))
    print(f"\n{machine}")
    args.out.write_text(
        json.dumps({"machine": machine, "results": results}, indent=2, ensure_ascii=False),
        encoding="utf-8",
    )
    missed = [x["what"] for r in results for x in r.get("rows", []) if x["pass"] is False]
    missed += [r["bench"] for r in results if "error" in r]
    if missed:
        print("missed targets: " + "; ".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
