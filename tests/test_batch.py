"""--each region on the shipped report (2,000 generated customers): four reports and an index,
each report's numbers equal to a hand-written copy of the spec filtered to that region (the
oracle: built separately, every section's CSV compared), and nothing written when one fails."""

from __future__ import annotations

import html as html_lib
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from reportgen.cli import main
from reportgen.data.generate import generate

ROOT = Path(__file__).resolve().parents[1]
SLUG = "instacart-basket-analysis"
REGIONS = ["Northeast", "Midwest", "South", "West"]
pytestmark = pytest.mark.slow  # scheduled first (tests/conftest.py)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, seed_cache: Callable[[Path], None]) -> Path:
    """The batch built once; the font rules and the Vega runtime cached as an earlier build
    left them (each report renders in a process of its own, which would make them again)."""
    folder = tmp_path_factory.mktemp("batch")
    generate(folder / "data", customers=2000, seed=7, progress=False)
    seed_cache(folder)
    shutil.copy(ROOT / "report.yaml", folder / "report.yaml")
    assert main([str(folder / "report.yaml"), "--each", "region", "--format", "html", "-q"]) == 0
    return folder


def hand_filtered(project: Path, region: str) -> Path:
    """The shipped spec without parameters, filtered to ``region`` by hand."""
    text = (project / "report.yaml").read_text(encoding="utf-8")
    start, end = text.index("\nparams:\n"), text.index("\nsections:\n")
    text = text[:start] + text[end:]  # no params: and no batch:
    text = text.replace(
        "params.region == 'All' or region == params.region", f"region == '{region}'"
    )
    text = text.replace("params.region == 'All' or customers > 0", "customers > 0")
    assert "params." not in text
    path = project / f"oracle-{region}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def exports(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv"))}


def test_four_reports_and_an_index(project: Path) -> None:
    out = project / "output"
    for region in REGIONS:
        assert (out / f"{SLUG}-{region.lower()}.html").is_file()
        assert len(exports(out / f"{SLUG}-{region.lower()}-data")) >= 15
    assert not (out / f"{SLUG}.html").exists()  # the batch writes no unfiltered report


def charts(page: str) -> dict[str, str]:
    """Each chart's static SVG, by its section."""
    found = re.findall(
        r'<figure class="chart[^"]*" id="([^"]+)-chart">.*?(<svg\b.*?</svg>)', page, re.S
    )
    return dict(found)


def test_every_number_equals_a_hand_filtered_spec(project: Path) -> None:
    """The South's section tables, and its charts (drawn by a converter that served another
    region's report before), equal those of a spec filtered to the South by hand."""
    region = "South"
    oracle = hand_filtered(project, region)
    out = project / f"oracle-{region}"
    assert main([str(oracle), "--format", "html", "--output-dir", str(out), "-q"]) == 0
    expected = exports(out / f"{SLUG}-data")
    got = exports(project / "output" / f"{SLUG}-{region.lower()}-data")
    assert got.keys() == expected.keys()
    for name, text in expected.items():
        assert got[name] == text, name
    drawn = charts((out / f"{SLUG}.html").read_text(encoding="utf-8"))
    page = (project / "output" / f"{SLUG}-{region.lower()}.html").read_text(encoding="utf-8")
    assert len(drawn) >= 15
    assert charts(page) == drawn


def test_a_rebuild_reads_no_data_and_writes_the_same_files(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Everything a batch computes is in the results cache after a first run (each value's
    sections, quality record and compared metrics, and the values of the data): a rebuild
    reads no data and writes the same tables and compared metrics; a changed data file is
    read again."""
    again = project / "again"
    args = [str(project / "report.yaml"), "--each", "region", "--format", "csv"]
    assert main([*args, "--output-dir", str(again)]) == 0
    assert "load data" not in capsys.readouterr().out
    first = project / "output"
    written = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert len(written) >= 4 * 15 + 2  # each region's tables, the index page and its CSV
    for name in written:  # the index's CSV holds each value's compared metrics
        if name.suffix == ".csv":
            assert (again / name).read_bytes() == (first / name).read_bytes(), name
    changed = shutil.copytree(project, project.parent / "changed")
    customers = changed / "data" / "customers.csv"
    customers.write_text(customers.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert main([str(changed / "report.yaml"), "--each", "region", "--format", "csv"]) == 0
    assert "load data" in capsys.readouterr().out


def test_the_report_states_its_region(project: Path) -> None:
    page = (project / "output" / f"{SLUG}-south.html").read_text(encoding="utf-8")
    assert "<title>Instacart Basket Analysis — South</title>" in page
    assert re.search(r"<dt>Region</dt><dd>South</dd>", page)
    # one region: no comparison between regions is claimed
    regions = page[page.index('id="regions"') :]
    assert "This report covers the customers of one region, the South" in regions
    assert "has the most customers" not in page


def test_the_index_links_each_report_with_its_numbers(project: Path) -> None:
    out = project / "output"
    index = (out / f"{SLUG}-index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    assert [link for link in links if link.endswith(".html")] == [
        f"{SLUG}-{r.lower()}.html" for r in REGIONS
    ]
    assert all((out / html_lib.unescape(link)).exists() for link in links)
    assert [link for link in links if link.endswith("/")] == [
        f"{SLUG}-{r.lower()}-data/"
        for r in REGIONS  # each report's CSV folder
    ]
    assert "http" not in index.replace("http-equiv", "")  # self-contained: nothing fetched
    raw = (out / f"{SLUG}-index.csv").read_text(encoding="utf-8")
    compared = pd.read_csv(io.StringIO(raw))
    assert list(compared["Region"]) == REGIONS
    assert compared["customers"].dtype.kind == "i", raw  # a count reads 2796, not 2796.0
    for region in REGIONS:
        table = pd.read_csv(out / f"{SLUG}-{region.lower()}-data" / "regions.csv")
        (row,) = table.to_dict("records")  # the region's own row only
        mine = compared.set_index("Region").loc[region]
        assert mine["customers"] == row["customers"]
        assert mine["avg_order_value"] == pytest.approx(row["avg_order_value"])
        # the line of the index quotes the first compared metric, formatted as in the report
        assert f"{region}</span> — Customers: {int(row['customers']):,}" in index


def test_a_failing_value_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = (project / "report.yaml").read_text(encoding="utf-8")
    broken = spec.replace(
        "{{ top.region }}: {{ top.revenue }}", "{{ top.region.upper() * 10 ** 9 }}"
    )
    assert broken != spec
    path = project / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    out = project / "broken-out"
    code = main([str(path), "--each", "--format", "html", "--output-dir", str(out), "-q"])
    assert code == 2
    assert "the report for region = Northeast failed; no file of the batch was written" in (
        capsys.readouterr().err
    )
    assert not out.exists() or not any(out.iterdir())


def test_the_regions_are_computed_in_one_pass(project: Path) -> None:
    """The shipped spec's values differ only by 'region == value': one pass for all four;
    an aggregate field of products over order lines would differ by region, so no longer."""
    from reportgen.model.build import build_model
    from reportgen.stages.batch import PROBE, add_reports, plan_batch
    from reportgen.stages.batch_split import fields_agree, value_filter
    from reportgen.stages.job import BuildOptions

    batch = plan_batch(project / "report.yaml", BuildOptions(formats=("csv",)), "region")
    add_reports(batch, project / "report.yaml", BuildOptions(formats=("csv",)), REGIONS)
    jobs = [report.job for report in batch.reports]
    chosen = value_filter(batch.probe, PROBE, REGIONS, jobs)
    assert chosen is not None
    assert (chosen.name, chosen.table, str(chosen.ref)) == ("chosen_region", "customers", "region")
    assert value_filter(batch.probe, PROBE, REGIONS, jobs[::-1]) is None  # values and jobs swapped
    model = batch.probe.model
    spec = model.spec.model_copy(
        update={
            "fields": {
                **model.spec.fields,
                "buyers": model.spec.fields["baby_buyer"].model_copy(update={"on": "products"}),
            }
        }
    )
    assert fields_agree(model, "customers")
    assert not fields_agree(build_model(spec, model.columns)[0], "customers")


def test_dask_builds_the_same_batch(project: Path, cluster: object) -> None:
    out = project / "dask-out"
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    args = ["--each", "region", "--engine", "dask", "--scheduler", address, "--format", "csv"]
    # Three sections that depend on the region: a having, a top 10 with Other, a cross-tab.
    chosen = ["regions", "top-products", "day-hour"]
    args += [option for sid in chosen for option in ("--section", sid)]
    assert main([str(project / "report.yaml"), *args, "--output-dir", str(out), "-q"]) == 0
    for region in ("South", "West"):
        folder = f"{SLUG}-{region.lower()}-data"
        dask_side = exports(out / folder)
        assert sorted(dask_side) == sorted(f"{sid}.csv" for sid in chosen)
        for name in dask_side:
            expected = pd.read_csv(project / "output" / folder / name)
            pd.testing.assert_frame_equal(pd.read_csv(out / folder / name), expected, rtol=1e-9)
    assert (out / f"{SLUG}-index.html").is_file()


@pytest.mark.parametrize("region", REGIONS)
def test_every_sentence_of_a_region_report_starts_with_a_capital(
    project: Path, region: str
) -> None:
    page = (project / "output" / f"{SLUG}-{region.lower()}.html").read_text(encoding="utf-8")
    body = page[page.index("<main") :]
    body = re.sub(r"<script.*?</script>|<svg.*?</svg>", " ", body, flags=re.DOTALL)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", body))
    # a sentence that begins in lower case ("… buy. campaigns for …") is a branch of a
    # template that assumed the words before it
    assert not re.findall(r"[a-z%)]\.\s+[a-z]\w+", text)
