"""What every output shares: value formats, the theme and the bundled fonts (below charts and render)."""
