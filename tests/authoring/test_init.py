"""``reportgen init``: the starter spec finds the tables, keys and relations, and builds as written.

Oracles: the shipped report.yaml's data block (on generated Instacart data), and small folders
made here whose keys, relations, private columns and transposed file are known by construction.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from reportgen import cli
from reportgen.authoring.infer import infer_folder, snake, table_names
from reportgen.data.generate import generate
from reportgen.spec.load import load_spec

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(list(argv), stdout=out), out.getvalue()


def init_and_build(folder: Path) -> tuple[Path, str]:
    """Run init on ``folder/data`` and build the spec's HTML; return the spec and the page."""
    spec = folder / "report.yaml"
    code, said = run("init", str(folder / "data"), "--out", str(spec))
    assert code == 0, said
    assert f"{spec}: OK" in said
    code, said = run(str(spec), "--format", "html", "--quiet", "--no-cache")
    assert code == 0, said
    pages = list((folder / "output").glob("*.html"))
    assert len(pages) == 1
    return spec, pages[0].read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Generated Instacart data against the shipped spec


@pytest.fixture(scope="module")
def instacart(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("instacart")
    generate(folder / "data", customers=2000, seed=7, progress=False)
    return init_and_build(folder)


def _by_file(spec_path: Path) -> tuple[dict[str, object], set[tuple[str, str, str]]]:
    """Tables by file name, and relations as (child file, column, parent file)."""
    spec = load_spec(spec_path).spec
    files = {name: Path(str(table.path)).name for name, table in spec.data.items()}
    tables = {files[name]: table for name, table in spec.data.items()}
    relations = set()
    for text in spec.relations:
        child_column, parent = (part.strip() for part in text.split("->"))
        child, column = child_column.split(".")
        relations.add((files[child], column, files[parent]))
    return tables, relations


def test_instacart_tables_keys_and_relations_match_the_shipped_spec(
    instacart: tuple[Path, str],
) -> None:
    expected_tables, expected_relations = _by_file(ROOT / "report.yaml")
    found_tables, found_relations = _by_file(instacart[0])
    assert len(expected_tables) == 5
    assert len(expected_relations) == 4
    for file, table in expected_tables.items():
        assert file in found_tables, file
        assert found_tables[file].key == table.key, file  # type: ignore[attr-defined]
    assert expected_relations <= found_relations
    # aisles.csv is in the folder too (the shipped spec does not use it): found and linked.
    assert ("products.csv", "aisle_id", "aisles.csv") in found_relations


def test_instacart_quirks(instacart: tuple[Path, str]) -> None:
    tables, _ = _by_file(instacart[0])
    assert tables["departments.csv"].layout == "wide"  # type: ignore[attr-defined]
    customers = tables["customers.csv"]
    assert set(customers.private) == {"First Name", "Surnam"}  # type: ignore[attr-defined]
    assert customers.rename["STATE"] == "state"  # type: ignore[attr-defined]
    # The course's products file repeats 5 rows: the key keeps the first of each.
    assert tables["products.csv"].clean.duplicate_keys == "first"  # type: ignore[attr-defined]


def test_instacart_report_shows_no_surname(instacart: tuple[Path, str]) -> None:
    spec, page = instacart
    surnames = set(pd.read_csv(spec.parent / "data" / "customers.csv")["Surnam"].dropna())
    assert "Customers by gender" in page
    assert not [name for name in surnames if f">{name}<" in page]


def test_init_refuses_to_overwrite(instacart: tuple[Path, str]) -> None:
    spec = instacart[0]
    before = spec.read_bytes()
    code, _ = run("init", str(spec.parent / "data"), "--out", str(spec))
    assert code == 2
    assert spec.read_bytes() == before


# --------------------------------------------------------------------------------------------
# Folders made here


def make_shop(data: Path) -> None:
    """Customers with names, e-mails and join dates; orders (Parquet) by customer; a transposed
    regions file; products by category."""
    data.mkdir(parents=True)
    n = 60
    regions = ["North", "South", "East", "West"]
    (data / "regions.csv").write_text(
        "region_id," + ",".join(str(i + 1) for i in range(4)) + "\n"
        "region_name," + ",".join(regions) + "\n",
        encoding="utf-8",
    )
    pd.DataFrame(
        {
            "Customer ID": range(1, n + 1),
            "Full Name": [f"Person {i}" for i in range(n)],
            "Email": [f"p{i}@example.com" for i in range(n)],
            "Joined": [f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],
            "region_id": [1 + i % 4 for i in range(n)],
            "Segment": ["Retail", "Business", "Retail"] * (n // 3),
        }
    ).to_csv(data / "customers.csv", index=False)
    pd.DataFrame(
        {
            "product_id": [10, 11, 12, 13, 14, 15],
            "category": ["Tea", "Tea", "Coffee", "Coffee", "Cups", "Cups"],
            "price": [3.5, 4.0, 7.25, 9.5, 12.0, 15.0],
        }
    ).to_csv(data / "products.csv", index=False)
    orders = pd.DataFrame(
        {
            "order_id": range(1000, 1300),
            "customer_id": [1 + (i * 7) % n for i in range(300)],
            "product_id": [10 + (i * 5) % 6 for i in range(300)],
            "quantity": [1 + i % 5 for i in range(300)],
            "channel": ["web", "store", "phone", "web", "web"] * 60,
        }
    )
    orders.to_parquet(data / "orders.parquet", index=False)


def test_shop_folder_keys_relations_kinds(tmp_path: Path) -> None:
    make_shop(tmp_path / "data")
    guess = infer_folder(tmp_path / "data")
    assert [t.name for t in guess.tables] == ["customers", "orders", "products", "regions"]
    keys = {t.name: t.key for t in guess.tables}
    assert keys == {
        "customers": "customer_id",
        "orders": "order_id",
        "products": "product_id",
        "regions": "region_id",
    }
    assert {r.text() for r in guess.relations} == {
        "customers.region_id -> regions",
        "orders.customer_id -> customers",
        "orders.product_id -> products",
    }
    customers = guess.table("customers")
    kinds = {c.file_name: c.kind for c in customers.columns}
    assert kinds["Full Name"] == kinds["Email"] == "private"
    assert kinds["Joined"] == "date"
    assert kinds["Segment"] == "category"
    assert guess.table("regions").wide
    assert guess.table("orders").column("quantity").kind == "code"  # type: ignore[union-attr]
    assert guess.table("products").column("price").kind == "number"  # type: ignore[union-attr]


def test_shop_folder_builds_without_edits(tmp_path: Path) -> None:
    folder = tmp_path / "tea-shop"
    make_shop(folder / "data")
    (folder / "data" / "returns.csv").write_text("order_id,reason\n", encoding="utf-8")
    (folder / "data" / "notes.csv").write_bytes(b"\xff\xfe,x\n1,2\n")
    spec, page = init_and_build(folder)
    text = spec.read_text(encoding="utf-8")
    assert "# left out: returns.csv (it has no rows)" in text
    assert "# left out: notes.csv (" in text
    assert "<title>Tea shop report" in page
    assert "Orders by channel" in page
    assert "Person 1<" not in page
    assert "@example.com" not in page


def test_vega_datasets_folder_builds_without_edits(tmp_path: Path) -> None:
    vega = pytest.importorskip("vega_datasets")
    source = Path(vega.__file__).parent / "_data"
    (tmp_path / "data").mkdir()
    for name in ("airports.csv", "stocks.csv", "seattle-weather.csv", "la-riots.csv"):
        shutil.copy(source / name, tmp_path / "data" / name)
    spec, page = init_and_build(tmp_path)
    guess = infer_folder(tmp_path / "data")
    assert guess.table("stocks").column("date").kind == "date"  # type: ignore[union-attr]
    assert guess.table("seattle_weather").column("date").kind == "date"  # type: ignore[union-attr]
    riots = load_spec(spec).spec.data["la_riots"]
    assert set(riots.private) == {"first_name", "last_name", "address"}
    assert "Seattle weather by weather" in page


def test_names_from_files() -> None:
    paths = [Path(p) for p in ("order_products__prior.csv", "orders.csv", "Sales 2024.csv")]
    assert table_names(paths) == ["order_products", "orders", "sales_2024"]
    both = [Path("order_products__prior.csv"), Path("order_products__train.csv")]
    assert table_names(both) == ["order_products_prior", "order_products_train"]
    assert snake("First Name") == "first_name"
    assert snake("class") == "class_"
    assert snake("2nd value") == "c_2nd_value"


def test_an_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    code, _ = run("init", str(tmp_path), "--out", str(tmp_path / "report.yaml"))
    assert code == 2
    assert not (tmp_path / "report.yaml").exists()


def test_a_european_export_gets_its_delimiter_and_decimal_and_builds(tmp_path: Path) -> None:
    """A semicolon file with decimal commas (a spreadsheet's export in much of Europe): the
    starter declares both, and the report's average is the file's, not a text error."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "sales.csv").write_text(
        "filiale;umsatz\nNord;1,5\nSüd;2000,25\nNord;3,75\nWest;4,5\n", encoding="utf-8"
    )
    spec, _ = init_and_build(tmp_path)
    table = load_spec(spec).spec.data["sales"]
    assert (table.delimiter, table.decimal) == (";", ",")
    exported = next((tmp_path / "output").glob("*-data"))
    means = {}
    for path in exported.glob("*.csv"):
        frame = pd.read_csv(path)
        if "mean_umsatz" in frame.columns and "filiale" in frame.columns:
            means = frame.set_index("filiale")["mean_umsatz"].to_dict()
    assert means == {"Nord": 2.625, "Süd": 2000.25, "West": 4.5}
