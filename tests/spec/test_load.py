"""Loading a valid spec: the typed result, its folder, positions, and errors raised later."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reportgen.errors import SpecError, SpecIssue, UsageError
from reportgen.spec.load import LoadedSpec, load_spec, raise_located
from reportgen.spec.models import BinsField, CasesField

HERE = Path(__file__).parent
BASE = HERE / "base.yaml"


def test_valid_spec_loads() -> None:
    loaded = load_spec(BASE)
    assert loaded.spec.report.title == "Basket Test"
    assert loaded.spec.settings.max_table_rows == 10
    assert list(loaded.spec.data) == ["orders", "customers"]
    assert isinstance(loaded.spec.fields["age_group"], BinsField)
    assert loaded.spec.metrics["orders"].expr == "count_distinct(orders.order_id)"
    assert loaded.spec.sections[0].type == "analysis"


@pytest.mark.parametrize("cwd", [HERE, HERE / "broken", Path("/")])
def test_base_dir_is_the_spec_folder_whatever_the_cwd(
    cwd: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(cwd)
    loaded = load_spec(Path(os.path.relpath(BASE, cwd)))
    assert loaded.base_dir == HERE.resolve()
    assert loaded.base_dir.is_absolute()


def test_path_is_kept_as_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    assert load_spec(Path("base.yaml")).path == Path("base.yaml")


def test_positions_point_at_keys_and_values() -> None:
    positions = load_spec(BASE).positions
    assert positions.find(("report", "title")) == (4, 10)
    assert positions.find_key(("report", "title")) == (4, 3)
    assert positions.find(("sections", 0, "chart", "type")) == (32, 19)
    assert positions.find(("relations", 0)) == (15, 5)


def test_missing_loc_falls_back_to_the_nearest_ancestor() -> None:
    positions = load_spec(BASE).positions
    assert positions.find(("report", "subtitle")) == (3, 1)  # the 'report:' key
    assert positions.find(("sections", 0, "chart", "nope", "deeper")) == (32, 5)  # chart:
    assert positions.find(("sections", 7)) == (28, 1)  # the 'sections:' key


@pytest.fixture
def loaded(monkeypatch: pytest.MonkeyPatch) -> LoadedSpec:
    monkeypatch.chdir(HERE)
    return load_spec(Path("base.yaml"))


def test_raise_located_names_the_file_as_typed_and_sorts(loaded: LoadedSpec) -> None:
    issues = [
        SpecIssue(("sections", 0, "chart", "x"), "unknown column 'order_dow'"),
        SpecIssue(("fields", "age_group", "column"), "unknown column 'age'"),
    ]
    with pytest.raises(SpecError) as caught:
        raise_located(loaded, issues)
    assert caught.value.render() == (
        "base.yaml:21:13: unknown column 'age'\nbase.yaml:32:27: unknown column 'order_dow'"
    )


def test_raise_located_keeps_given_positions(loaded: LoadedSpec) -> None:
    with pytest.raises(SpecError) as caught:
        raise_located(loaded, [SpecIssue(("report",), "custom", line=9, column=2)])
    assert caught.value.render() == "base.yaml:9:2: custom"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "report.yaml"
    path.write_text(BASE.read_text() + text)
    return path


def test_else_is_read_by_its_yaml_name(tmp_path: Path) -> None:
    extra = "\n  - id: profile\n    type: text\n    title: Profiles\n\nlabels: {order_dow: Day}\n"
    path = _write(tmp_path, extra)
    text = path.read_text().replace(
        "metrics:\n",
        "  loyalty:\n    on: customers\n    type: cases\n"
        "    cases: [{when: max_order > 40, then: Loyal}]\n    else: New\n\nmetrics:\n",
    )
    path.write_text(text)
    field = load_spec(path).spec.fields["loyalty"]
    assert isinstance(field, CasesField)
    assert field.else_ == "New"


def test_yes_and_no_stay_text_and_dates_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "report.yaml"
    text = BASE.read_text().replace("client: Test Client", "client: NO\n  data_date: 2017-05-01")
    path.write_text(text)
    report = load_spec(path).spec.report
    assert report.client == "NO"
    assert report.data_date == "2017-05-01"


def test_merge_keys_are_supported(tmp_path: Path) -> None:
    path = tmp_path / "report.yaml"
    text = BASE.read_text().replace(
        "  customers: {path: data/customers.csv, key: user_id}",
        "  customers: &csv {path: data/customers.csv, key: user_id}\n"
        "  people: {<<: *csv, key: person_id}",
    )
    path.write_text(text)
    people = load_spec(path).spec.data["people"]
    assert (people.path, people.key) == ("data/customers.csv", "person_id")


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="spec file not found: .*nope.yaml"):
        load_spec(tmp_path / "nope.yaml")


def test_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a folder"):
        load_spec(tmp_path)


def test_not_utf8_is_located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("report.yaml").write_bytes(b"report:\n  title: Caf\xe9\n")
    with pytest.raises(SpecError) as caught:
        load_spec(Path("report.yaml"))
    assert caught.value.render() == (
        "report.yaml:2:13: the file is not UTF-8 text (byte 0xe9); save it as UTF-8"
    )


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "report.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.read_bytes())
    assert load_spec(path).spec.report.title == "Basket Test"
