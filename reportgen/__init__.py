"""reportgen: a YAML spec and a folder of data in, a client-ready HTML and PDF report out."""

__version__ = "0.1.0"
