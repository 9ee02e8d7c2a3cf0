"""A data folder in, a starter spec file out: ``python -m reportgen init DATA_DIR``."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from reportgen.authoring.infer import infer_folder
from reportgen.authoring.starter import starter_spec
from reportgen.errors import OutputError, UsageError


def init(data_dir: Path, out: Path, *, stdout: TextIO, force: bool = False) -> Path:
    """Write a starter spec for the files in ``data_dir`` to ``out``, check it against the data
    headers (``validate``), and say what was found and what to run next."""
    if out.exists() and not force:
        msg = f"init: {out} exists; choose another --out or add --force to replace it"
        raise UsageError(msg)
    guess = infer_folder(data_dir)
    text = starter_spec(guess, out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        msg = f"cannot write {out} ({error.strerror or error})"
        raise OutputError(msg) from None
    from reportgen.pipeline import validate

    validate(out, stdout=stdout)
    for table in guess.tables:
        key = f"key {table.key}" if table.key else "no key"
        layout = ", transposed" if table.wide else ""
        private = len(table.of_kind("private"))
        hidden = f", {private} private column{'s' if private > 1 else ''}" if private else ""
        stdout.write(f"  {table.name}: {table.path.name}, {key}{layout}{hidden}\n")
    for relation in guess.relations:
        stdout.write(f"  {relation.text()}\n")
    stdout.write(
        f"wrote {out}; next: python -m reportgen preview {out}  (then: python -m reportgen {out})\n"
    )
    return out
