"""A batch's parameter values → safe, unique file-name parts (``South & Co/../x`` →
``south-co-x``), with a note for each value renamed to stay unique."""

from __future__ import annotations

import re
import unicodedata

VALUE_SLUG_MAX = 40


def value_slug(value: str) -> str:
    """ASCII letters and digits in lower case, runs of anything else as one dash."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:VALUE_SLUG_MAX].rstrip("-") or "value"


def value_slugs(values: list[str]) -> tuple[dict[str, str], list[str]]:
    """Each value's slug, unique among the batch's (a repeated slug gets -2, -3 …), and a note
    for each value whose slug had to change."""
    slugs: dict[str, str] = {}
    notes: list[str] = []
    taken: set[str] = set()
    for value in values:
        slug = base = value_slug(value)
        number = 1
        while slug in taken:
            number += 1
            slug = f"{base[: VALUE_SLUG_MAX - len(str(number)) - 1]}-{number}"
        if slug != base:
            first = next(v for v, s in slugs.items() if s == base)
            notes.append(
                f"the values {first!r} and {value!r} both make the file name part {base!r}; "
                f"{value!r} is written as {slug!r}"
            )
        taken.add(slug)
        slugs[value] = slug
    return slugs, notes
