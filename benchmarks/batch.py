"""The batch benchmark: one full report against ``--each region`` (four reports and an index)
on the same data, both warm (Parquet cache, results cache off), wall time and peak memory.

    python benchmarks/batch.py SPEC [--runs N]

``make bench`` runs it after the other measurements (``benchmarks/run.py --skip-batch`` leaves
it out). The issue's target: the four-region batch costs at most 2x one full report.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 2.0
GIB = 1024**3

Measure = Callable[[list[str], Path, dict[str, str] | None], dict[str, Any]]


def measure_batch(spec: Path, runs: int, measure: Measure) -> dict[str, Any]:
    """One report and the batch, alternating ``runs`` times; medians and their ratio."""
    env = {**os.environ, "REPORTGEN_NO_RESULTS_CACHE": "1"}
    one_cmd = [sys.executable, "-m", "reportgen", str(spec)]
    batch_cmd = [*one_cmd, "--each", "region"]
    subprocess.run(one_cmd + ["--quiet"], cwd=ROOT, check=True)  # the Parquet cache, warm
    ones, batches = [], []
    for number in range(runs):
        ones.append(measure(one_cmd, ROOT, env))
        batches.append(measure(batch_cmd, ROOT, env))
        print(
            f"batch run {number + 1}: one report {ones[-1]['seconds']:.1f} s, "
            f"--each region {batches[-1]['seconds']:.1f} s",
            flush=True,
        )
    one = statistics.median(r["seconds"] for r in ones)
    many = statistics.median(r["seconds"] for r in batches)
    result = {
        "one_seconds": one,
        "one_peak_bytes": int(statistics.median(r["peak_bytes"] for r in ones)),
        "batch_seconds": many,
        "batch_peak_bytes": int(statistics.median(r["peak_bytes"] for r in batches)),
        "ratio": many / one,
        "target_ratio": TARGET_RATIO,
        "batch_stages": batches[len(batches) // 2]["stages"],
    }
    print(
        f"batch: one report {one:.1f} s, four regions {many:.1f} s: {result['ratio']:.2f}x "
        f"(target <= {TARGET_RATIO:g}x)",
        flush=True,
    )
    return result


def markdown(result: dict[str, Any]) -> str:
    """The batch measurement as a table for results.md and the README."""
    if "error" in result:
        return f"Batch (`--each region`): not measured ({result['error']}).\n"
    met = "met" if result["ratio"] <= result["target_ratio"] else "missed"
    return (
        "| batch | wall time | peak memory |\n|---|---:|---:|\n"
        f"| one full report | {result['one_seconds']:.1f} s | {result['one_peak_bytes'] / GIB:.2f} GiB |\n"
        f"| `--each region` (4 reports + index) | {result['batch_seconds']:.1f} s | "
        f"{result['batch_peak_bytes'] / GIB:.2f} GiB |\n\n"
        f"Batch / one report: {result['ratio']:.2f}x (target ≤ {result['target_ratio']:g}x: {met}).\n"
    )


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import measure  # noqa: PLC0415 - the same process measurement as make bench

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path, help="the report spec beside its data")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs (median)")
    args = parser.parse_args()
    result = measure_batch(args.spec.resolve(), args.runs, measure)
    print(markdown(result))


if __name__ == "__main__":
    main()
