"""Two versions of reportgen, built in turns on the same data: what a change costs.

    python benchmarks/ab.py REV_A REV_B [--runs 6] [--format-a html,pdf] [--format-b ...]
                            [--data benchmarks/data]

Each revision is checked out into its own temporary worktree and runs there with this venv
(its own code wins over the installed one), on the same CSV files, each with its own Parquet
cache (a version may change the cache's format). One warm-up build each writes the cache; then
the builds alternate A, B, A, B … with the results cache off (every section recomputed, as in
``make bench``'s warm run), so a machine that gets busier or quieter affects both alike.
Prints the median wall time, CPU time (this process's children: the converter included) and
per-stage medians, and the difference B − A. Measure on an idle machine
(``uptime``: load under 1); the load average before and after is printed with the result.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import STAGE_LINE  # noqa: E402 (the stage lines the build prints)

CSV_SUFFIXES = (".csv", ".json", ".parquet")


def worktree(rev: str, into: Path) -> Path:
    """``rev`` checked out (detached) in ``into``."""
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(into), rev],
        check=True,
        capture_output=True,
    )
    return into


def data_folder(code: Path, data: Path, into: Path) -> Path:
    """A folder with links to the data files and the revision's own spec pointing at them."""
    into.mkdir(parents=True)
    for file in data.iterdir():
        if file.suffix in CSV_SUFFIXES:
            (into / file.name).symlink_to(file.resolve())
    spec = (code / "report.yaml").read_text(encoding="utf-8").replace("path: data/", "path: ")
    (into / "report.yaml").write_text(spec, encoding="utf-8")
    return into / "report.yaml"


def build(code: Path, spec: Path, formats: list[str], out: Path) -> dict[str, Any]:
    """One build of ``spec`` by the code in ``code``: wall and CPU seconds, stages."""
    command = [sys.executable, "-m", "reportgen", str(spec), "--output-dir", str(out)]
    for fmt in formats:
        command += ["--format", fmt]
    env = {**os.environ, "REPORTGEN_NO_RESULTS_CACHE": "1", "PYTHONPATH": str(code)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    begin = time.perf_counter()
    done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - begin
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{code}: build failed ({done.returncode}):\n{done.stderr[-2000:]}")
    stages = {}
    for line in done.stdout.splitlines():
        match = STAGE_LINE.match(line.strip())
        if match:
            stages[match["name"]] = float(match["seconds"])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "stages": stages}


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    stages = {name for run in runs for name in run["stages"]}
    return {
        "wall": statistics.median(r["wall"] for r in runs),
        "cpu": statistics.median(r["cpu"] for r in runs),
        "walls": [round(r["wall"], 1) for r in runs],
        "stages": {n: statistics.median(r["stages"].get(n, 0.0) for r in runs) for n in stages},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev_a")
    parser.add_argument("rev_b")
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--format-a", default="", help="comma-separated formats (default: all)")
    parser.add_argument("--format-b", default="", help="comma-separated formats (default: all)")
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    args = parser.parse_args()
    if not (args.data / "orders.csv").exists():
        raise SystemExit(f"no data in {args.data}: run `make bench` once to generate it")
    temp = Path(tempfile.mkdtemp(prefix="reportgen-ab-"))
    sides: dict[str, dict[str, Any]] = {}
    try:
        for name, rev, formats in (
            ("A", args.rev_a, args.format_a),
            ("B", args.rev_b, args.format_b),
        ):
            code = worktree(rev, temp / f"code-{name}")
            spec = data_folder(code, args.data, temp / f"data-{name}")
            fmts = [f for f in formats.split(",") if f]
            sides[name] = {"rev": rev, "code": code, "spec": spec, "formats": fmts, "runs": []}
            build(code, spec, fmts, temp / f"out-{name}")  # writes its Parquet cache
        load_before = os.getloadavg()[0]
        for number in range(args.runs):
            for name, side in sides.items():
                side["runs"].append(build(side["code"], side["spec"], side["formats"], temp / "o"))
                print(f"run {number + 1} {name}: {side['runs'][-1]['wall']:.1f} s", flush=True)
        load_after = os.getloadavg()[0]
    finally:
        for name in sides:
            subprocess.run(
                [
                    "git",
                    "-C",
                    str(ROOT),
                    "worktree",
                    "remove",
                    "--force",
                    str(temp / f"code-{name}"),
                ],
                check=False,
                capture_output=True,
            )
        shutil.rmtree(temp, ignore_errors=True)
    a, b = summary(sides["A"]["runs"]), summary(sides["B"]["runs"])
    print(f"\nload average {load_before:.2f} before, {load_after:.2f} after; {args.runs} runs each")
    for name, result in (("A", a), ("B", b)):
        side = sides[name]
        shown = ",".join(side["formats"]) or "all formats"
        print(
            f"{name} {side['rev']} ({shown}): wall {result['wall']:.2f} s (runs {result['walls']}),"
            f" CPU {result['cpu']:.2f} s"
        )
    print(f"B − A: wall {b['wall'] - a['wall']:+.2f} s, CPU {b['cpu'] - a['cpu']:+.2f} s")
    print(f"\n{'stage':<22}{'A':>8}{'B':>8}")
    for stage in sorted(set(a["stages"]) | set(b["stages"])):
        print(f"{stage:<22}{a['stages'].get(stage, 0):>8.2f}{b['stages'].get(stage, 0):>8.2f}")


if __name__ == "__main__":
    main()
