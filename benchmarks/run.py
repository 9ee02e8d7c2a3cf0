"""Full-scale benchmark: reportgen cold and warm, per stage, against the course-style baseline.

    python benchmarks/run.py [--runs N] [--quick] [--skip-baseline] [--skip-peers]
                             [--skip-batch] [--small-customers N]

Generates full-scale synthetic data into ``benchmarks/data/`` when absent (with a copy of
``report.yaml`` whose paths point at it), runs every measurement as a separate process, and writes
``benchmarks/results.json``, ``benchmarks/results.md`` and the README's performance block.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
PY = sys.executable
FULL_CUSTOMERS = 206_209
QUICK_CUSTOMERS = 20_000
SMALL_CUSTOMERS = 50_000  # the baseline fits in memory at this scale: a measured ratio
KILLED = (137, -9)  # exit status of a process the kernel's OOM killer ended (SIGKILL)
SLUG = "instacart-basket-analysis"
GIB = 1024**3
TARGETS = {
    "warm_seconds": 15.0,
    "warm_peak_bytes": 1.5 * GIB,
    "cold_seconds": 30.0,
    "speedup": 10.0,
    "memory_ratio": 10.0,
    "rebuild_share_of_cold": 0.25,
}
# Sections the course-style baseline computes, and the column that keys their rows.
COMPARED = {
    "orders-by-day": "order_day",
    "orders-by-hour": "hour",
    "loyalty": "loyalty",
    "loyalty-habits": "loyalty",
    "regions": "region",
    "profiles": "profile",
    "profile-habits": "profile",
    "goods-profiles": "goods_profile",
    "income-groups": "income_group",
}
STAGE_LINE = re.compile(r"^(?P<name>\S.*?)\s+(?P<seconds>\d+\.\d+) s$")
TEXT_EDIT_SECTION = "orders-by-day"


# ---- processes -----------------------------------------------------------------------------
def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a command as its own process: wall time, peak RSS, stdout and the stage lines."""
    time_bin = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as handle:
        report = Path(handle.name)
    full = [time_bin, "-v", "-o", str(report), *command] if time_bin else command
    begin = time.perf_counter()
    if time_bin:
        done = subprocess.run(full, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        peak = _peak_from_time(report.read_text(encoding="utf-8", errors="replace"))
    else:
        done, peak = _run_polling(full, cwd, env)
    wall = time.perf_counter() - begin
    report.unlink(missing_ok=True)
    if done.returncode != 0:
        msg = f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        raise RuntimeError(msg)
    stages = {}
    for line in done.stdout.splitlines():
        match = STAGE_LINE.match(line.strip())
        if match:
            stages[match["name"].strip()] = float(match["seconds"])
    return {"seconds": wall, "peak_bytes": peak, "stages": stages, "stdout": done.stdout}


def _peak_from_time(text: str) -> int:
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    return int(match.group(1)) * 1024 if match else 0


def _run_polling(
    command: list[str], cwd: Path, env: dict[str, str] | None
) -> tuple[subprocess.CompletedProcess[str], int]:
    import psutil

    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.05)
    out, err = process.communicate()
    return subprocess.CompletedProcess(command, process.returncode, out, err), peak


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    stages = sorted({name for run in runs for name in run["stages"]}, key=_stage_order(runs))
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "peak_bytes": int(statistics.median(r["peak_bytes"] for r in runs)),
        "stages": {
            name: statistics.median(r["stages"].get(name, 0.0) for r in runs) for name in stages
        },
        "runs": [{"seconds": r["seconds"], "peak_bytes": r["peak_bytes"]} for r in runs],
    }


def _stage_order(runs: list[dict[str, Any]]) -> Any:
    order: list[str] = []
    for run in runs:
        for name in run["stages"]:
            if name not in order:
                order.append(name)
    return order.index


# ---- set-up --------------------------------------------------------------------------------
def prepare(folder: Path, customers: int) -> Path:
    """Data in ``folder`` (generated when absent) and a spec beside it pointing at it."""
    if not (folder / "order_products__prior.csv").exists():
        print(f"generating {customers:,} customers into {folder} …", flush=True)
        subprocess.run(
            [PY, "-m", "reportgen", "sample-data", "--out", str(folder)]
            + ["--customers", str(customers), "--seed", "42", "--quiet"],
            cwd=ROOT,
            check=True,
        )
    spec = folder / "report.yaml"
    text = (ROOT / "report.yaml").read_text(encoding="utf-8")
    spec.write_text(text.replace("path: data/", "path: "), encoding="utf-8")
    return spec


def build_command(spec: Path, *extra: str) -> list[str]:
    return [PY, "-m", "reportgen", str(spec), *extra]


def edited_spec_text(spec: Path, number: int) -> str:
    """The spec with one section's text changed (a different edit each run)."""
    text = spec.read_text(encoding="utf-8")
    anchor = "(by their highest order number)."
    if anchor not in text:
        msg = f"cannot find the text to edit in {spec}"
        raise RuntimeError(msg)
    return text.replace(anchor, f"{anchor} (Edit {number}.)", 1)


# ---- the baseline --------------------------------------------------------------------------
def measure_baseline(folder: Path, theirs: Path) -> dict[str, Any]:
    """The baseline as its own process, its RSS polled so that a kill still leaves a peak.

    Returns the measurement, or ``{"killed": True, ...}`` with the wall time until the kill and
    the highest RSS observed (a lower bound of what it needed) when the kernel ended it.
    """
    command = [PY, str(Path(__file__)), "--baseline-worker", str(folder), str(theirs)]
    begin = time.perf_counter()
    done, peak = _run_polling(command, ROOT, None)
    wall = time.perf_counter() - begin
    if done.returncode in KILLED:
        note = f"killed: out of memory (peak ≥ {peak / GIB:.1f} GiB observed)"
        return {"killed": True, "seconds": wall, "peak_bytes": peak, "note": note, "stages": {}}
    if done.returncode != 0:
        msg = f"baseline failed ({done.returncode}):\n{done.stderr[-2000:]}"
        raise RuntimeError(msg)
    return {"seconds": wall, "peak_bytes": peak, "stages": {}}


def small_scale(customers: int) -> dict[str, Any]:
    """reportgen (warm, sections recomputed) and the baseline where the baseline fits in memory."""
    folder = BENCH / f"data-{customers // 1000}k"
    spec = prepare(folder, customers)
    measure(build_command(spec, "--format", "html"), ROOT)  # writes the Parquet cache
    ours = measure(build_command(spec, "--format", "html"), ROOT, _no_results_cache())
    theirs = Path(tempfile.mkdtemp(prefix="course-way-"))
    try:
        base = measure_baseline(folder, theirs)
        small: dict[str, Any] = {
            "customers": customers,
            "warm": {"seconds": ours["seconds"], "peak_bytes": ours["peak_bytes"]},
            "baseline": base,
        }
        if not base.get("killed"):
            small["speedup"] = base["seconds"] / ours["seconds"]
            small["memory_ratio"] = base["peak_bytes"] / max(ours["peak_bytes"], 1)
            small["check"] = compare_tables(folder / "output" / f"{SLUG}-data", theirs)
    finally:
        shutil.rmtree(theirs, ignore_errors=True)
    return small


def baseline_worker(data: Path, out: Path) -> None:
    """Run the course-style analysis and write its tables as CSV (a separate process)."""
    sys.path.insert(0, str(BENCH))
    from course_way import course_tables

    out.mkdir(parents=True, exist_ok=True)
    for section, table in course_tables(data).items():
        frame = table if section not in COMPARED or COMPARED[section] in table.columns else None
        frame = table.reset_index() if frame is None else frame
        frame.to_csv(out / f"{section}.csv", index=False)


def compare_tables(ours_dir: Path, theirs_dir: Path) -> dict[str, Any]:
    """reportgen's exported section tables against the baseline's (relative tolerance 1e-9)."""
    import numpy as np
    import pandas as pd

    checked: dict[str, str] = {}
    for section, key in COMPARED.items():
        ours = pd.read_csv(ours_dir / f"{section}.csv").set_index(key).sort_index()
        theirs = pd.read_csv(theirs_dir / f"{section}.csv").set_index(key).sort_index()
        if list(ours.index.astype(str)) != list(theirs.index.astype(str)):
            checked[section] = "different groups"
            continue
        try:
            for column in ours.columns:
                np.testing.assert_allclose(
                    ours[column].to_numpy(dtype=float),
                    theirs[column].to_numpy(dtype=float),
                    rtol=1e-9,
                    err_msg=column,
                )
            checked[section] = "equal"
        except AssertionError as error:
            checked[section] = f"differs: {str(error).strip().splitlines()[0]}"
    return {"equal": all(v == "equal" for v in checked.values()), "sections": checked}


# ---- the run -------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    customers = QUICK_CUSTOMERS if args.quick else FULL_CUSTOMERS
    folder = BENCH / ("data-quick" if args.quick else "data")
    spec = prepare(folder, customers)
    cache = folder / ".reportgen-cache"
    out = folder / "output"
    import psutil

    results: dict[str, Any] = {
        "customers": customers,
        "machine": {
            "cores": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / GIB, 1),
            "python": platform.python_version(),
            "system": platform.platform(terse=True),
        },
        "command": "make bench" + (" (--quick)" if args.quick else ""),
        "runs": args.runs,
    }
    original = spec.read_text(encoding="utf-8")

    cold = []
    for number in range(args.runs):
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(measure(build_command(spec), ROOT))
        print(f"cold run {number + 1}: {cold[-1]['seconds']:.1f} s", flush=True)
    results["cold"] = median_of(cold)

    warm = []
    for number in range(args.runs):
        warm.append(measure(build_command(spec), ROOT, _no_results_cache()))
        print(f"warm run {number + 1}: {warm[-1]['seconds']:.1f} s", flush=True)
    results["warm"] = median_of(warm)
    results["warm"]["note"] = "Parquet cache present; section results recomputed"

    rebuilds = []
    for number in range(args.runs):
        spec.write_text(original, encoding="utf-8")
        measure(build_command(spec), ROOT)
        spec.write_text(edited_spec_text(spec, number + 1), encoding="utf-8")
        rebuilds.append(measure(build_command(spec), ROOT))
        print(f"text-edit rebuild {number + 1}: {rebuilds[-1]['seconds']:.1f} s", flush=True)
    spec.write_text(original, encoding="utf-8")
    results["rebuild"] = median_of(rebuilds)
    # Leave the outputs of the original spec for the comparison below.
    measure(build_command(spec), ROOT)

    if (ROOT / "reportgen" / "engine" / "dask_engine.py").exists():
        try:
            dask = [measure(build_command(spec, "--engine", "dask"), ROOT, _no_results_cache())]
            results["dask"] = median_of(dask)
            print(f"dask: {dask[0]['seconds']:.1f} s", flush=True)
        except (RuntimeError, OSError) as error:
            results["dask"] = {"error": str(error).splitlines()[0]}
            print(f"dask: skipped ({results['dask']['error']})", flush=True)

    if not args.skip_peers:
        results["peers"] = measure_peers(spec, args.runs)

    if not args.skip_batch:  # one report against --each region (benchmarks/batch.py)
        from batch import measure_batch

        try:
            results["batch"] = measure_batch(spec, args.runs, measure)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
            results["batch"] = {"error": str(error).splitlines()[0]}

    if not args.skip_baseline:
        theirs = Path(tempfile.mkdtemp(prefix="course-way-"))
        try:
            baseline = measure_baseline(folder, theirs)
        except RuntimeError as error:
            results["baseline_error"] = str(error).splitlines()[0]
            print(f"baseline: failed ({results['baseline_error']})", flush=True)
        else:
            results["baseline"] = baseline
            if baseline.get("killed"):
                print(f"baseline: {baseline['note']} after {baseline['seconds']:.0f} s", flush=True)
            else:
                print(f"baseline: {baseline['seconds']:.1f} s", flush=True)
                results["baseline_check"] = compare_tables(out / f"{SLUG}-data", theirs)
        shutil.rmtree(theirs, ignore_errors=True)
        if args.small_customers and not args.quick:
            results["small"] = small_scale(args.small_customers)
            print(f"small scale: {results['small']}", flush=True)
    results["verdict"] = verdict(results)
    return results


def measure_peers(spec: Path, runs: int) -> dict[str, Any]:
    """The peers benchmark (``benchmarks/peers.py``) in its own process: reportgen's data stage
    for the compared sections against DuckDB and Polars on the same cleaned data."""
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as handle:
        target = Path(handle.name)
    command = [PY, str(BENCH / "peers.py"), str(spec), "--runs", str(runs), "--json", str(target)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    print(done.stdout, end="", flush=True)
    try:
        if done.returncode not in (0, 1):
            return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
        return dict(json.loads(target.read_text(encoding="utf-8")))
    finally:
        target.unlink(missing_ok=True)


def _no_results_cache() -> dict[str, str]:
    """Keep the Parquet cache but recompute every section (the engine's real work)."""
    return {**os.environ, "REPORTGEN_NO_RESULTS_CACHE": "1"}


def verdict(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target: the measured value, the target and whether (and by how much) it is missed."""
    rows = []

    def add(name: str, value: float, target: float, lower_is_better: bool, unit: str) -> None:
        met = value <= target if lower_is_better else value >= target
        miss = (value / target - 1) if lower_is_better else (1 - value / target)
        rows.append(
            {
                "target": name,
                "value": value,
                "goal": target,
                "unit": unit,
                "met": met,
                "missed_by": None if met else miss,
            }
        )

    warm, cold, rebuild = results["warm"], results["cold"], results["rebuild"]
    add("warm end to end", warm["seconds"], TARGETS["warm_seconds"], True, "s")
    add("warm peak memory", warm["peak_bytes"] / GIB, TARGETS["warm_peak_bytes"] / GIB, True, "GiB")
    add("cold end to end", cold["seconds"], TARGETS["cold_seconds"], True, "s")
    add(
        "text-edit rebuild / cold",
        rebuild["seconds"] / cold["seconds"],
        TARGETS["rebuild_share_of_cold"],
        True,
        "",
    )
    if "baseline" in results:
        base = results["baseline"]
        # A killed baseline's time and peak are lower bounds: so are these ratios.
        bound = " (≥: baseline killed, lower bound)" if base.get("killed") else ""
        add(
            f"speed-up vs baseline (warm){bound}",
            base["seconds"] / warm["seconds"],
            TARGETS["speedup"],
            False,
            "×",
        )
        add(
            f"memory ratio vs baseline (warm){bound}",
            base["peak_bytes"] / max(warm["peak_bytes"], 1),
            TARGETS["memory_ratio"],
            False,
            "×",
        )
        # The baseline only computes tables; this compares like with like (no charts, no PDF).
        data_stage = warm["stages"].get("load data", 0.0) + warm["stages"].get(
            "compute sections", 0.0
        )
        if data_stage > 0:
            add(
                f"data stage (load + compute) speed-up vs baseline{bound}",
                base["seconds"] / data_stage,
                TARGETS["speedup"],
                False,
                "×",
            )
    small = results.get("small", {})
    if "speedup" in small:
        scale = f"{small['customers'] // 1000}k customers"
        add(f"speed-up vs baseline at {scale}", small["speedup"], TARGETS["speedup"], False, "×")
        add(
            f"memory ratio vs baseline at {scale}",
            small["memory_ratio"],
            TARGETS["memory_ratio"],
            False,
            "×",
        )
    return rows


# ---- reporting -----------------------------------------------------------------------------
def markdown(results: dict[str, Any]) -> str:
    def gib(value: int) -> str:
        return f"{value / GIB:.2f} GiB"

    machine = results["machine"]
    memory = f", {machine['memory_gib']:g} GiB RAM" if "memory_gib" in machine else ""
    lines = [
        f"Synthetic data, {results['customers']:,} customers; "
        f"{machine['cores']} cores{memory}; median of {results['runs']} run(s) "
        f"(`{results['command']}`).",
        "",
        "| run | wall time | peak memory | vs baseline |",
        "|---|---:|---:|---:|",
    ]
    base = results.get("baseline")
    rows = [
        ("cold (CSV read, cache written)", "cold"),
        ("warm (Parquet cache)", "warm"),
        ("rebuild after a text edit", "rebuild"),
        ("warm, `--engine dask`", "dask"),
        ("course-style pandas baseline", "baseline"),
    ]
    for label, key in rows:
        item = results.get(key)
        if not item or "seconds" not in item:
            continue
        ratio = ""
        at_least = "≥ " if base and base.get("killed") else ""
        if base and key != "baseline":
            ratio = (
                f"{at_least}{base['seconds'] / item['seconds']:.1f}× faster, "
                f"{at_least}{base['peak_bytes'] / max(item['peak_bytes'], 1):.1f}× less memory"
            )
        if key == "baseline" and item.get("killed"):
            lines.append(
                f"| {label} | {item['note']} after {item['seconds']:.0f} s | "
                f"≥ {gib(item['peak_bytes'])} | |"
            )
            continue
        lines.append(f"| {label} | {item['seconds']:.1f} s | {gib(item['peak_bytes'])} | {ratio} |")
    small = results.get("small")
    if small:
        sbase, sours = small["baseline"], small["warm"]
        scale = f"{small['customers']:,} customers"
        if sbase.get("killed"):
            lines += ["", f"At {scale} the baseline was also {sbase['note']}."]
        else:
            check = small["check"]
            lines += [
                "",
                f"At {scale} (where the baseline fits in memory): reportgen warm "
                f"{sours['seconds']:.1f} s / {gib(sours['peak_bytes'])}, baseline "
                f"{sbase['seconds']:.1f} s / {gib(sbase['peak_bytes'])}: "
                f"{small['speedup']:.1f}× faster, {small['memory_ratio']:.1f}× less memory. "
                "Baseline tables equal reportgen's section tables there (rtol 1e-9): "
                + ("yes" if check["equal"] else f"no — {check['sections']}")
                + ".",
            ]
    peers = results.get("peers")
    if peers and "median_seconds" in peers:
        timed = ", ".join(f"{k} {v:.2f} s" for k, v in peers["median_seconds"].items())
        equal = all(not d for d in peers["differences"].values())
        lines += [
            "",
            f"Peers, warm data stage (read the cleaned Parquet + compute) of the same "
            f"{len(peers['sections'])} sections, interleaved runs: {timed}; tables equal: "
            + ("yes" if equal else f"no — {peers['differences']}")
            + "."
            + "".join(f" {note}." for note in peers["notes"]),
        ]
    check = results.get("baseline_check")
    if check:
        lines += [
            "",
            "Baseline tables equal reportgen's section tables (rtol 1e-9): "
            + ("yes" if check["equal"] else f"no — {check['sections']}")
            + ".",
        ]
    lines += [
        "",
        "Per stage (seconds):",
        "",
        "| stage | cold | warm | rebuild |",
        "|---|---:|---:|---:|",
    ]
    names = list(results["cold"]["stages"])
    for extra in (*results["warm"]["stages"], *results["rebuild"]["stages"]):
        if extra not in names:
            names.append(extra)
    for name in names:
        cells = [
            f"{results[k]['stages'][name]:.2f}" if name in results[k]["stages"] else "–"
            for k in ("cold", "warm", "rebuild")
        ]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines += ["", "| target | goal | measured | |", "|---|---:|---:|---|"]
    for row in results["verdict"]:
        unit = row["unit"]
        status = "met" if row["met"] else f"missed by {row['missed_by']:.0%}"
        goal = f"{'≤' if unit in ('s', 'GiB', '') else '≥'} {row['goal']:g}{unit}"
        value = f"{row['value']:.2f}{unit}"
        lines.append(f"| {row['target']} | {goal} | {value} | {status} |")
    return "\n".join(lines) + "\n"


def update_readme(table: str, notes: str) -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    begin, end = "<!-- performance:begin -->", "<!-- performance:end -->"
    if begin not in text or end not in text:
        return
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    block = f"{begin}\n{table}\n{notes}\n{end}"
    readme.write_text(head + block + tail, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CUSTOMERS:,} customers")
    parser.add_argument("--skip-baseline", action="store_true", help="do not run the baseline")
    parser.add_argument(
        "--skip-peers", action="store_true", help="do not run the DuckDB/Polars peers benchmark"
    )
    parser.add_argument(
        "--skip-batch", action="store_true", help="do not measure --each region (batch.py)"
    )
    parser.add_argument("--notes", default="", help="a paragraph for the README block")
    parser.add_argument(
        "--small-customers",
        type=int,
        default=SMALL_CUSTOMERS,
        help="also run reportgen and the baseline at this scale (0: skip)",
    )
    parser.add_argument(
        "--baseline-worker", nargs=2, metavar=("DATA", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.baseline_worker:
        baseline_worker(Path(args.baseline_worker[0]), Path(args.baseline_worker[1]))
        return
    results = run(args)
    for item in results.values():
        if isinstance(item, dict):
            item.pop("stdout", None)
    table = markdown(results)
    if "batch" in results:
        from batch import markdown as batch_markdown

        table += "\n" + batch_markdown(results["batch"])
    print()
    print(table)
    name = "results-quick" if args.quick else "results"
    (BENCH / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (BENCH / f"{name}.md").write_text(table, encoding="utf-8")
    if not args.quick:
        update_readme(table, args.notes)


if __name__ == "__main__":
    main()
