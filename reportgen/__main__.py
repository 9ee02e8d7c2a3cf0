"""Entry point for ``python -m reportgen``."""

from reportgen.cli import entry

entry()
