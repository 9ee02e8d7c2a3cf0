"""How the PDF embeds its charts, measured: inline <svg> elements or <img> with SVG data URIs.

    python benchmarks/pdf_assembly.py [SPEC] [--runs N]

Builds the report once (HTML only) to get its view, then lays out and writes the PDF from the
same view both ways, ``--runs`` times each, and prints the median seconds and the PDF sizes.
reportgen uses the faster one (``render_pdf`` embeds charts as images).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from weasyprint import HTML

from reportgen.pipeline import BuildOptions, BuildStats, build
from reportgen.render.html import render_document

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", type=Path, default=ROOT / "report.yaml")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    stats = BuildStats()
    out = Path("/tmp/reportgen-pdf-assembly")
    build(args.spec, BuildOptions(formats=("html",), output_dir=out, quiet=True), stats=stats)
    print(f"{len(stats.view.sections)} sections; {args.runs} runs each (median)")
    for charts in ("img", "inline"):
        document = render_document(stats.view, charts=charts)  # type: ignore[arg-type]
        times, size, pages = [], 0, 0
        for _ in range(args.runs):
            begin = time.perf_counter()
            laid_out = HTML(string=document, base_url=str(ROOT)).render()
            pdf = laid_out.write_pdf()
            times.append(time.perf_counter() - begin)
            size, pages = len(pdf), len(laid_out.pages)
        median = statistics.median(times)
        print(f"charts as {charts:6}: {median:5.2f} s, {size / 1e3:4.0f} kB, {pages} pages")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
