"""Shared fixtures for the error catalogue: small generated data, a small spec, a CLI runner."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from reportgen import cli
from reportgen.data.generate import generate

ROOT = Path(__file__).resolve().parents[2]
DATA_FILES = (
    "orders.csv",
    "order_products__prior.csv",
    "products.csv",
    "departments.csv",
    "customers.csv",
)

# A small report over the generated data: every section kind, three charts, private names.
SPEC = """\
report:
  title: Basket check
  subtitle: A small report for the error catalogue
  client: Test client
  slug: basket

settings:
  max_table_rows: 12

data:
  orders:
    path: data/orders.csv
    key: order_id
  order_products:
    path: data/order_products__prior.csv
  products:
    path: data/products.csv
    key: product_id
    clean:
      drop_missing: [product_name]
      drop_duplicates: true
      duplicate_keys: first
      valid: {prices: {min: 0, max: 100}}
  departments:
    path: data/departments.csv
    key: department_id
    layout: wide
  customers:
    path: data/customers.csv
    key: user_id
    private: [First Name, Surnam]
    rename: {STATE: state, Gender: gender, Age: age}

relations:
  - order_products.order_id -> orders
  - order_products.product_id -> products
  - products.department_id -> departments
  - orders.user_id -> customers

fields:
  order_day:
    type: weekday
    on: orders
    column: order_dow
    label: Day of week
  max_order:
    type: aggregate
    on: customers
    func: max
    of: orders.order_number
    label: Highest order number
  loyalty:
    type: cases
    on: customers
    cases:
      - {when: max_order > 40, then: Loyal customer}
      - {when: max_order > 10, then: Regular customer}
    else: New customer
    label: Loyalty

filters:
  prior_orders:
    on: orders
    where: eval_set == 'prior'

metrics:
  orders: {expr: count(orders), label: Orders, format: integer}
  order_lines: {expr: count(order_products), label: Products ordered, format: integer}
  customers: {expr: count(customers), label: Customers, format: integer}
  share_lines: {expr: share(order_lines), label: Share of products ordered, format: percent}
  revenue: {expr: "sum(products.prices, over=order_products)", label: Revenue, format: currency}

sections:
  - id: summary
    type: text
    title: Summary
    text: |
      {{ sections['departments'].rows[0].department | capitalize }} leads.

  - id: methods
    type: definitions
    title: Data and methods

  - id: departments
    title: Departments
    question: Which departments sell most?
    query: {by: [department], metrics: [order_lines, share_lines], sort: -order_lines, top: 8}
    chart: {type: hbar, x: department, y: order_lines, title: "{{ rows[0].department }} leads"}
    text: |
      {{ rows[0].department | capitalize }} sells {{ rows[0].order_lines }} products.

  - id: top-products
    level: 2
    title: Top products
    query: {by: [product_name], metrics: [order_lines], sort: -order_lines, top: 10, other: false}
    chart: {type: hbar, x: product_name, y: order_lines, title: "The most ordered products"}
    text: |
      {{ rows[0].product_name }} leads with {{ rows[0].order_lines }} orders.

  - id: loyalty
    title: Loyalty
    query: {by: [loyalty], metrics: [customers, orders]}
    chart: {type: bar, x: loyalty, y: customers, title: "Customers by loyalty"}
    text: |
      {{ highest.customers.loyalty }}s are the largest group.

  - id: data-quality
    type: data_quality
    title: Data quality
"""

PREVIOUS = {
    "basket.html": b"<!doctype html><title>previous report</title>\n",
    "basket.pdf": b"%PDF-1.7 previous report\n",
    "basket-data/departments.csv": b"department,order_lines\nprevious,1\n",
}


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated Instacart-format data, 600 customers, shared by the whole catalogue."""
    folder = tmp_path_factory.mktemp("dataset")
    generate(folder, customers=600, seed=11, progress=False)
    return folder


@dataclass
class Project:
    """A spec folder: report.yaml, data/ (a copy of the dataset) and output/."""

    root: Path

    @property
    def spec(self) -> Path:
        return self.root / "report.yaml"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def output(self) -> Path:
        return self.root / "output"

    def write_spec(self, text: str) -> Path:
        self.spec.write_text(text, encoding="utf-8")
        return self.spec

    def edit_spec(self, old: str, new: str) -> Path:
        """Replace one exact piece of the spec (it must be there)."""
        text = self.spec.read_text(encoding="utf-8")
        assert old in text, old
        return self.write_spec(text.replace(old, new, 1))

    def line_of(self, piece: str) -> tuple[int, int]:
        """(line, column), 1-based, where ``piece`` first appears in the spec."""
        text = self.spec.read_text(encoding="utf-8")
        before = text[: text.index(piece)]
        return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1

    def place_previous(self) -> dict[Path, bytes]:
        """Put a previous report in output/; return its files' bytes to compare after."""
        files = {}
        for name, content in PREVIOUS.items():
            path = self.output / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            files[path] = content
        return files

    def outputs(self) -> dict[Path, bytes]:
        """Every file under output/ (temp files included), with its bytes."""
        if not self.output.exists():
            return {}
        return {p: p.read_bytes() for p in sorted(self.output.rglob("*")) if p.is_file()}


@pytest.fixture
def project(dataset: Path, seed_cache: Callable[[Path], None], tmp_path: Path) -> Project:
    """A fresh project with the small spec, its own copy of the data, and the font rules and
    Vega runtime cached as an earlier build left them (``seed_cache``, tests/conftest.py)."""
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    seed_cache(root)
    for name in DATA_FILES:
        shutil.copyfile(dataset / name, root / "data" / name)
    made = Project(root)
    made.write_spec(SPEC)
    return made


@dataclass(frozen=True)
class Run:
    """What one command did: exit status, stdout, stderr."""

    code: int
    out: str
    err: str


RunCli = Callable[..., Run]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Call ``cli.main`` in-process; return the status and the captured streams."""

    def _run(*argv: str | Path) -> Run:
        capsys.readouterr()
        code = cli.main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return _run


def run_process(*argv: str | Path, cwd: Path | None = None, timeout: float = 120) -> Run:
    """Run ``python -m reportgen`` as a real process."""
    done = subprocess.run(
        [sys.executable, "-m", "reportgen", *(str(a) for a in argv)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def assert_clean_failure(run: Run, code: int, *pieces: str) -> None:
    """A user error: the exit status, each piece in stderr, and no traceback anywhere."""
    assert run.code == code, (run.code, run.err)
    for piece in pieces:
        assert piece in run.err, (piece, run.err)
    assert "Traceback" not in run.err
    assert "Traceback" not in run.out


def assert_nothing_lost(project: Project, previous: dict[Path, bytes]) -> None:
    """The previous report is byte-identical and no temp file is left in output/."""
    now = project.outputs()
    for path, content in previous.items():
        assert now.get(path) == content, path
    leftovers = [p.name for p in now if p.name.endswith(".tmp") or p.name.startswith(".")]
    assert leftovers == []
    assert set(now) == set(previous)


@pytest.fixture
def fails_cleanly(project: Project, run_cli: RunCli) -> Callable[..., Run]:
    """Run a build that must fail: check the status, the message and that nothing was lost."""
    previous = project.place_previous()

    def _check(code: int, *pieces: str, args: tuple[str, ...] = ("--format", "html")) -> Run:
        run = run_cli(project.spec, *args)
        assert_clean_failure(run, code, *pieces)
        assert_nothing_lost(project, previous)
        return run

    return _check
