"""The converter's SVG made fit for print and for the same bytes on every build: gradients a
PDF renderer draws, and ids numbered per chart."""

from __future__ import annotations

import re

_GRADIENT_BOX = re.compile(
    r'<path\b[^>]*\bd="M0,0h(?P<w>[\d.]+)v(?P<h>[\d.]+)h-[\d.]+Z"[^>]*\bfill="url\(#(?P<id>[^)"]+)\)"'
)


def gradients_in_user_space(svg: str) -> str:
    """Give each gradient that fills a rectangle at the origin (a colour legend) coordinates in
    user space: WeasyPrint draws nothing for the converter's bounding-box gradients."""
    for box in list(_GRADIENT_BOX.finditer(svg)):
        head = f'<linearGradient id="{box["id"]}"'
        start = svg.find(head)
        if start < 0:
            continue
        end = svg.index(">", start)
        attributes = dict(re.findall(r'([\w:-]+)="([^"]*)"', svg[start + len(head) : end]))
        if "gradientUnits" in attributes:
            continue
        size = {"x": float(box["w"]), "y": float(box["h"])}
        ends = " ".join(
            f'{name}="{float(attributes.get(name, default)) * size[name[0]]:g}"'
            for name, default in (("x1", 0), ("x2", 1), ("y1", 0), ("y2", 0))
        )
        svg = f'{svg[:start]}{head} gradientUnits="userSpaceOnUse" {ends}{svg[end:]}'
    return svg


def stable_ids(svg: str, prefix: str) -> str:
    """Renumber the converter's process-wide ids (clip1, clip2 …) per chart: same bytes every build."""
    numbering: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        old = match.group(0)
        if old not in numbering:
            numbering[old] = f"{prefix}-{match.group(1)}{len(numbering) + 1}"
        return numbering[old]

    return re.sub(r"\b(clip|gradient_)(\d+)\b", rename, svg)
