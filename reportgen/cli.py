"""The command line: arguments in, an exit status out. A thin shell over ``pipeline``.

    python -m reportgen report.yaml [--format html|pdf|xlsx|csv|charts] [--output-dir DIR] [--section ID] [--quiet]
    python -m reportgen validate report.yaml
    python -m reportgen sample-data --out data/ [--customers N] [--seed S] [--scenario NAME]
    python -m reportgen init DATA_DIR [--out report.yaml] [--force]
    python -m reportgen preview report.yaml [--port N]
    python -m reportgen reference [--out docs/spec.md]

Heavy imports happen inside the commands so that ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from reportgen.data.vocab import SCENARIOS
from reportgen.errors import EXIT_INTERRUPTED, EXIT_OK, ReportgenError, SpecError
from reportgen.stages.writers import WRITERS

COMMANDS = ("build", "validate", "sample-data", "init", "preview", "reference")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportgen",
        description="Build a client-ready HTML and PDF report from a YAML spec and a data folder.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = sub.add_parser("build", help="build the report (the default command)")
    build.add_argument("spec", type=Path, help="the report spec, e.g. report.yaml")
    build.add_argument(
        "--format",
        choices=list(WRITERS),
        action="append",
        help="write only this format and the CSV exports (repeatable; default: all five)",
    )
    build.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help="folder for the outputs (default: output/ beside the spec)",
    )
    build.add_argument(
        "--section",
        action="append",
        metavar="ID",
        help="build only this section (repeatable)",
    )
    build.add_argument(
        "--engine",
        choices=["pandas", "dask"],
        default=None,
        help="query engine (default: the spec's settings.engine, else pandas)",
    )
    build.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address (with --engine dask; default: a local cluster)",
    )
    build.add_argument(
        "--no-cache", action="store_true", help="ignore and do not write the Parquet/result cache"
    )
    build.add_argument("--quiet", "-q", action="store_true", help="print errors only")
    _add_param_option(build)
    build.add_argument(
        "--each",
        metavar="NAME",
        nargs="?",
        const="",
        default=None,
        help="build one report per value of parameter NAME (alone: the spec's batch.each) and an index page",
    )

    validate = sub.add_parser("validate", help="check the spec and the data headers, build nothing")
    validate.add_argument("spec", type=Path, help="the report spec, e.g. report.yaml")
    _add_param_option(validate)

    sample = sub.add_parser(
        "sample-data",
        help="write synthetic Instacart data in the real formats",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="scenarios (--scenario), all in the same formats and quirks:\n"
        + "\n".join(
            textwrap.fill(
                f"{name}: {text}.", width=78, initial_indent="  ", subsequent_indent="    "
            )
            for name, text in SCENARIOS.items()
        ),
    )
    sample.add_argument(
        "--out", type=Path, default=Path("data"), help="output folder (default: data/)"
    )
    sample.add_argument(
        "--customers",
        type=int,
        default=20_000,
        help="number of customers (full scale: 206209; default: 20000)",
    )
    sample.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    sample.add_argument(
        "--scenario",
        choices=list(SCENARIOS),
        default="default",
        help="what the data shows (default: default; the scenarios are listed below)",
    )
    sample.add_argument("--quiet", "-q", action="store_true", help="no progress display")

    init = sub.add_parser("init", help="write a starter spec from a folder of CSV/Parquet files")
    init.add_argument("data_dir", type=Path, help="the folder holding the data files")
    init.add_argument(
        "--out", type=Path, default=Path("report.yaml"), help="spec to write (default: report.yaml)"
    )
    init.add_argument("--force", action="store_true", help="replace the spec if it exists")

    preview = sub.add_parser(
        "preview", help="serve the report on 127.0.0.1, rebuilt and reloaded on every change"
    )
    preview.add_argument("spec", type=Path, help="the report spec, e.g. report.yaml")
    preview.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free)")
    preview.add_argument("--quiet", "-q", action="store_true", help="print errors only")
    _add_param_option(preview)

    reference = sub.add_parser("reference", help="write the spec reference (docs/spec.md)")
    reference.add_argument(
        "--out", type=Path, default=None, help="file to write (default: print it)"
    )
    return parser


def _add_param_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        default=[],
        help="the value of a parameter declared under params: (repeatable)",
    )


def _normalise(argv: Sequence[str]) -> list[str]:
    """Make ``build`` the default command: ``reportgen report.yaml`` means ``reportgen build report.yaml``."""
    args = list(argv)
    if args and args[0] not in COMMANDS and args[0] not in ("-h", "--help"):
        return ["build", *args]
    return args


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None) -> int:
    """Run one command; return its exit status. Tests call this directly."""
    out = stdout or sys.stdout
    parser = build_parser()
    args = parser.parse_args(_normalise(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        parser.print_help(out)
        return EXIT_OK
    try:
        from reportgen.model.params import parse_assignments

        if args.command == "sample-data":
            from reportgen.data.generate import generate

            generate(
                args.out,
                customers=args.customers,
                seed=args.seed,
                progress=not args.quiet,
                scenario=args.scenario,
            )
            return EXIT_OK
        if args.command in ("init", "preview", "reference"):
            return _authoring(args, out)
        if args.command == "validate":
            from reportgen.pipeline import validate

            validate(args.spec, stdout=out, params=parse_assignments(args.param))
            return EXIT_OK
        from reportgen.pipeline import BuildOptions, build

        if args.scheduler:  # a malformed address before the spec and the data are read
            from reportgen.engine.dask_cluster import check_address

            check_address(args.scheduler)
        options = BuildOptions(
            formats=tuple(args.format or WRITERS),
            output_dir=args.output_dir,
            sections=tuple(args.section or ()),
            engine=args.engine,
            scheduler=args.scheduler,
            use_cache=not args.no_cache,
            quiet=args.quiet,
            params=tuple(parse_assignments(args.param).items()),
        )
        if args.each is not None:
            from reportgen.pipeline import build_batch

            build_batch(args.spec, options, each=args.each, stdout=out)
        else:
            build(args.spec, options, stdout=out)
        return EXIT_OK
    except ReportgenError as error:
        located = isinstance(error, SpecError)  # lines start with file:line:col already
        _report(error.render() if located else f"reportgen: {error.render()}")
        return error.exit_code
    except KeyboardInterrupt:
        _report("reportgen: interrupted; the previous report, if any, is unchanged")
        return EXIT_INTERRUPTED


def _authoring(args: argparse.Namespace, out: TextIO) -> int:
    """The authoring commands: init, preview, reference."""
    if args.command == "init":
        from reportgen.authoring.init import init

        init(args.data_dir, args.out, stdout=out, force=args.force)
    elif args.command == "preview":
        from reportgen.authoring.preview import serve
        from reportgen.model.params import parse_assignments

        params = parse_assignments(args.param)
        serve(args.spec, port=args.port, stdout=out, quiet=args.quiet, params=params)
    else:
        from reportgen.authoring.reference import render_reference

        text = render_reference()
        if args.out is None:
            out.write(text)
        else:
            args.out.write_text(text, encoding="utf-8")
    return EXIT_OK


def _report(message: str) -> None:
    """Print a user error on stderr, without a traceback."""
    sys.stderr.write(f"{message}\n")
    sys.stderr.flush()


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def entry() -> None:
    """Console entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    code = main()
    if code == EXIT_INTERRUPTED:
        # One interrupt ends the build: another arriving while the process winds down (its
        # threads and children stopping) would end it by the signal instead of this status.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)
