"""Hostile text in the data and the spec: always escaped, never executed, never fetched."""

from __future__ import annotations

import json
import re
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from reportgen import cli
from reportgen.render.pdf import LocalFetcher, URLRefused
from tests.errors.conftest import (
    DATA_FILES,
    SPEC,
    Project,
    RunCli,
    assert_clean_failure,
)

SCRIPT = "<script>alert('x')</script> Crisps"
IMAGE = '<img src="http://evil.example/x.png"> Oat Milk'
LONG = "Extraordinarily " * 12 + "Long Organic Wholegrain Sourdough Loaf"
EMOJI = "Strawberry 🍓 Yoghurt 👩‍👩‍👧"
RTL = "حليب طازج Fresh Milk"
NAMES = [SCRIPT, IMAGE, LONG, EMOJI, RTL]
# The sections that show the hostile names and spec text (the title is on every page).
SECTIONS = ("--section", "departments", "--section", "top-products")


@dataclass(frozen=True)
class Built:
    html: str
    pdf_text: str
    connections: list[object]
    project: Project


def _hostile_spec() -> str:
    spec = SPEC.replace("title: Basket check", "title: \"Basket <script>alert('t')</script>\"")
    spec = spec.replace(
        "question: Which departments sell most?",
        'question: "Which <b>departments</b> sell most? <iframe src=x>"',
    )
    spec = spec.replace(
        'title: "The most ordered products"', 'title: "Top <img src=x onerror=alert(1)>"'
    )
    return spec.replace(
        "{{ rows[0].product_name }} leads with",
        "<script>document.cookie</script> {{ rows[0].product_name }} leads with",
    )


@pytest.fixture(scope="module")
def built(
    dataset: Path, seed_cache: Callable[[Path], None], tmp_path_factory: pytest.TempPathFactory
) -> Built:
    """The small report, HTML and PDF, with hostile product names and spec text, offline."""
    project = Project(tmp_path_factory.mktemp("hostile"))
    seed_cache(project.root)
    project.data.mkdir()
    for name in DATA_FILES:
        shutil.copyfile(dataset / name, project.data / name)
    lines = pd.read_csv(project.data / "order_products__prior.csv", usecols=["product_id"])
    top = lines["product_id"].value_counts().index[: len(NAMES)]
    products = pd.read_csv(project.data / "products.csv")
    for product_id, name in zip(top, NAMES, strict=True):
        products.loc[products["product_id"] == product_id, "product_name"] = name
    products.to_csv(project.data / "products.csv", index=False)
    project.write_spec(_hostile_spec())

    connections: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        connections.append(address)
        raise OSError("network access during a build")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        code = cli.main([str(project.spec), "--quiet", *SECTIONS])
    assert code == 0
    html = (project.output / "basket.html").read_text(encoding="utf-8")
    reader = PdfReader(project.output / "basket.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    return Built(html, text, connections, project)


def test_no_script_but_the_chart_runtime_and_specs(built: Built) -> None:
    """The only scripts are the Vega runtime, the embedding script and the charts' JSON; the
    hostile names are in the JSON as data (escaped there: no '<' can end the element)."""
    parser = _Scripts()
    parser.feed(built.html)
    parser.close()
    code = [text for kind, text in parser.scripts if kind != "application/json"]
    specs = [json.loads(text) for kind, text in parser.scripts if kind == "application/json"]
    assert len(code) == 2
    assert "window.vegaEmbed=" in code[0]
    assert specs
    assert any(SCRIPT in json.dumps(spec, ensure_ascii=False) for spec in specs)
    for _kind, text in parser.scripts:
        assert "<script" not in text.lower()
    assert "<iframe" not in built.html.lower()
    assert "<script>alert" not in built.html
    assert not re.search(r"<img[^>]*onerror", built.html, re.IGNORECASE)


class _Scripts(HTMLParser):
    """The type and text of every script element."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[str, str]] = []
        self.kind: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.kind = dict(attrs).get("type") or ""
            self.scripts.append((self.kind, ""))

    def handle_data(self, data: str) -> None:
        if self.kind is not None:
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.kind = None


def test_hostile_text_appears_escaped(built: Built) -> None:
    assert "&lt;script&gt;alert(" in built.html  # the product name, in the table
    assert "Basket &lt;script&gt;" in built.html  # the spec's title
    assert "&lt;b&gt;departments&lt;/b&gt;" in built.html  # the question
    assert "&lt;script&gt;document.cookie&lt;/script&gt;" in built.html  # the narrative
    assert "&lt;img src=&#34;http://evil.example/x.png&#34;&gt;" in built.html or (
        "&lt;img src=&quot;http://evil.example/x.png&quot;&gt;" in built.html
    )


def test_the_html_parses(built: Built) -> None:
    class Collect(HTMLParser):
        tags: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append(tag)

    parser = Collect()
    parser.feed(built.html)
    parser.close()
    assert "html" in parser.tags
    assert parser.tags.count("figure") == parser.tags.count("script") - 2  # a spec per chart


def test_unicode_emoji_and_right_to_left_names_are_kept(built: Built) -> None:
    for name in (EMOJI, RTL, "Extraordinarily Extraordinarily"):
        assert name in built.html


def test_the_pdf_shows_the_text_literally(built: Built) -> None:
    flat = re.sub(r"[\s\x00]", "", built.pdf_text)
    assert "Top<imgsrc=xonerror=alert(1)>" in flat  # the chart title, as text
    assert "Basket<script>alert('t')</script>" in flat


def test_no_network_access_during_the_build(built: Built) -> None:
    assert built.connections == []


@pytest.mark.parametrize(
    "url",
    ["http://evil.example/x.png", "https://evil.example/a.css", "file:///etc/passwd", "ftp://x/y"],
)
def test_the_fetcher_refuses_outside_resources(built: Built, url: str) -> None:
    fetcher = LocalFetcher([built.project.root])
    with pytest.raises(URLRefused):
        fetcher.check(url)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ ''.__class__.__mro__ }}", "access to attribute '__class__' of 'str' object is unsafe"),
        ("{{ cycler.__init__.__globals__ }}", "not allowed in the text"),
        (
            "{% for i in range(10**9) %}{% for j in range(10**9) %}x{% endfor %}{% endfor %}",
            "range() with a number above 20,000",
        ),
        ("{{ 'x' * 10**12 }}", "repeating a value 1,000,000,000,000 times"),
        ("{{ [1] * 10**8 }}", "repeating a value 100,000,000 times"),
        ("{{ 'x' | center(10**9) }}", "the filter 'center' with a number above 20,000"),
        ("{{ 7 ** 100000000 }}", "the power 100,000,000 is too large"),
        ("{% for i in range(999) %}{{ 'y' * 999 }}{% endfor %}", "more than 20,000 characters"),
        (
            "{% macro f(x) %}{{ f(x) }}{% endmacro %}{{ f(1) }}",
            "too much memory or nests too deeply",
        ),
    ],
    ids=[
        "mro",
        "globals",
        "nested-range",
        "huge-string",
        "huge-list",
        "filter",
        "power",
        "size",
        "recursion",
    ],
)
def test_jinja_code_in_the_spec_is_refused(
    project: Project, run_cli: RunCli, text: str, message: str
) -> None:
    project.edit_spec("{{ rows[0].department | capitalize }} sells", f"{text} sells")
    previous = project.place_previous()
    run = run_cli(project.spec, "--format", "html")
    line, _ = project.line_of("text: |\n      " + text)
    assert_clean_failure(run, 2, f"{project.spec}:{line}:", message)
    assert project.outputs() == previous
