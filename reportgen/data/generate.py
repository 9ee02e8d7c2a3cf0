"""A seed, a customer count and a scenario → synthetic Instacart files in the real files' formats.

Writes ``orders.csv``, ``order_products__prior.csv``, ``order_products__train.csv``,
``products.csv`` (the course's copy, with ``prices`` and its quirks), ``departments.csv`` (the
course's transposed copy), ``aisles.csv`` and ``customers.csv`` (the course's header). Everything
is vectorised numpy; the same seed and scenario give the same bytes.

Scenarios (``SCENARIOS``) keep every format and quirk and change only what the data says: the
default is today's data; ``flat``, ``strong`` and ``empty`` are data sets with declared properties
for testing the report's words against (none of the differences it looks for, strong ones, and
categories nobody falls into).
"""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from reportgen.data import vocab

FULL_SCALE_CUSTOMERS = 206_209
PRODUCTS = 49_688
MAX_ORDERS = 100
MAX_BASKET = 145
MAX_DAYS = 30
MAX_CUSTOMERS = 1_000_000  # keeps order indices within the 24 bits the sort keys reserve
ORDER_BITS = 24
PRODUCT_BITS = 16
CART_BITS = 21
TRAIN_SHARE = 131_209 / 206_209

# Course quirks in products.csv, at the ids where the course's file has them.
EMPTY_NAME_IDS = (34, 69, 116, 262, 525, 1511, 1780, 2240, 2586, 3159, 3230, 3736, 4283, 4790)
EMPTY_NAME_IDS_LATE = (38183, 40440)
DUPLICATED_IDS = (462, 18458, 26808, 35306, 35491)
NAME_ERROR_ID = 11908
# id → id it is written as (the course's file lost 6799 and 26519 and shows 6800/26520 twice).
SHIFTED_IDS = {6799: 6800, 26519: 26520}
ABSURD_PRICES = {21553: 14900, 33664: 99999}
ABSURD_PRICE_AISLES = {21553: 108, 33664: 84}

FAM_MARRIED = "married"
FAM_SINGLE = "single"
FAM_DIVORCED = "divorced/widowed"
FAM_PARENTS = "living with parents and siblings"
FAM_STATUSES = (FAM_MARRIED, FAM_SINGLE, FAM_DIVORCED, FAM_PARENTS)
EVAL_SETS = ("prior", "train", "test")
JOINED_FIRST = date(2017, 1, 1)
JOINED_LAST = date(2020, 4, 1)
INCOME_MIN = 25_903
INCOME_MAX = 593_901
EMPTY_FIRST_NAME_SHARE = 11_259 / 206_209

CUSTOMER_HEADER = (
    "user_id",
    "First Name",
    "Surnam",
    "Gender",
    "STATE",
    "Age",
    "date_joined",
    "n_dependants",
    "fam_status",
    "income",
)
ORDER_HEADER = (
    "order_id",
    "user_id",
    "eval_set",
    "order_number",
    "order_dow",
    "order_hour_of_day",
    "days_since_prior_order",
)
LINE_HEADER = ("order_id", "product_id", "add_to_cart_order", "reordered")
PRODUCT_HEADER = ("product_id", "product_name", "aisle_id", "department_id", "prices")

CRLF = "\r\n"
LF = "\n"

SCENARIOS = vocab.SCENARIOS  # name → what the scenario declares


def generate(
    out: Path,
    *,
    customers: int = 20_000,
    seed: int = 42,
    progress: bool = True,
    scenario: str = "default",
) -> None:
    """Write a synthetic Instacart data set for ``customers`` customers into the folder ``out``.

    ``scenario`` is one of ``SCENARIOS``; the default gives the same bytes as before scenarios.
    """
    if not 1 <= customers <= MAX_CUSTOMERS:
        msg = f"customers must be between 1 and {MAX_CUSTOMERS:,}, got {customers:,}"
        raise ValueError(msg)
    if scenario not in SCENARIOS:
        msg = f"unknown scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}"
        raise ValueError(msg)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # A fifth stream for the scenarios; the first four are the same as with spawn(4).
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    rng_products, rng_customers, rng_orders, rng_lines, rng_scenario = streams
    show = _Progress(enabled=progress, total=7)

    with show.stage("products, aisles, departments"):
        catalog = _make_catalog(rng_products, scenario)
        _write_atomic(out / "products.csv", lambda f: _write_products(f, catalog))
        _write_atomic(out / "aisles.csv", _write_aisles)
        _write_atomic(out / "departments.csv", _write_departments)
    with show.stage(f"{customers:,} customers"):
        people = _make_customers(rng_customers, customers, scenario)
    with show.stage("orders"):
        orders = _make_orders(rng_orders, people, scenario)
    with show.stage(f"{len(orders.order_id):,} orders written"):
        _write_atomic(out / "orders.csv", lambda f: _write_orders(f, orders))
    with show.stage("order lines"):
        lines = _make_lines(rng_lines, orders, people, catalog, scenario)
        if scenario == "flat":
            people = _deal_demographics(rng_scenario, people, orders, lines, catalog)
        _write_atomic(out / "customers.csv", lambda f: _write_customers(f, people))
    with show.stage(f"{int(lines.is_prior.sum()):,} prior lines written"):
        _write_atomic(
            out / "order_products__prior.csv", lambda f: _write_lines(f, lines, lines.is_prior)
        )
    with show.stage(f"{int((~lines.is_prior).sum()):,} train lines written"):
        _write_atomic(
            out / "order_products__train.csv", lambda f: _write_lines(f, lines, ~lines.is_prior)
        )
    show.done(out)


# --------------------------------------------------------------------------- progress display


class _Progress:
    """Stage-by-stage progress on stderr: one updating line on a terminal, plain lines otherwise."""

    def __init__(self, *, enabled: bool, total: int) -> None:
        self.enabled = enabled
        self.total = total
        self.number = 0
        self.started = time.perf_counter()
        self.tty = enabled and sys.stderr.isatty()

    @contextmanager
    def stage(self, label: str) -> Iterator[None]:
        from reportgen.progress import ticking

        self.number += 1
        name = f"sample-data [{self.number}/{self.total}] {label}"
        if self.tty:
            self._emit(f"\r{name} …\x1b[K")
        with ticking(sys.stderr, name, quiet=not self.tty):  # a live line on a terminal only
            yield
        elapsed = time.perf_counter() - self.started
        line = f"{name} ({elapsed:.1f} s)"
        self._emit(f"\r{line}\x1b[K" if self.tty else f"{line}\n")

    def done(self, out: Path) -> None:
        elapsed = time.perf_counter() - self.started
        summary = f"sample-data: wrote {out} in {elapsed:.1f} s"
        self._emit(f"\r{summary}\x1b[K\n" if self.tty else f"{summary}\n")

    def _emit(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write(text)
            sys.stderr.flush()


# --------------------------------------------------------------------------- products


@dataclass(frozen=True)
class _Catalog:
    """The product catalogue: one entry per product id 1..PRODUCTS (index = id - 1)."""

    names: list[str]
    aisle: np.ndarray  # int16, aisle id
    department: np.ndarray  # int8, department id
    price_tenths: np.ndarray  # int32, price in tenths of a dollar (the absurd ones included)
    weight: np.ndarray  # float64, popularity; 0 for products no order may reference


def _make_catalog(rng: np.random.Generator, scenario: str = "default") -> _Catalog:
    aisle_dept = np.array([dept for _, dept, _ in vocab.AISLES], dtype=np.int8)
    aisle = np.repeat(
        np.arange(1, len(vocab.AISLES) + 1, dtype=np.int16), [n for *_, n in vocab.AISLES]
    )
    rng.shuffle(aisle)
    fixed = {pid: a for pid, _, a, _ in vocab.TOP_PRODUCTS} | ABSURD_PRICE_AISLES
    taken = np.zeros(PRODUCTS, dtype=bool)
    taken[np.array(list(fixed)) - 1] = True
    for pid, wanted in fixed.items():  # swap the wanted aisle into place, keeping aisle sizes
        if aisle[pid - 1] != wanted:
            candidates = np.flatnonzero((aisle == wanted) & ~taken)
            other = candidates[rng.integers(len(candidates))]
            aisle[other], aisle[pid - 1] = aisle[pid - 1], wanted
    department = aisle_dept[aisle - 1]

    names = _product_names(rng, aisle, department)
    for pid, name, _, _ in vocab.TOP_PRODUCTS:
        names[pid - 1] = name
    names[NAME_ERROR_ID - 1] = "#NAME?"
    for pid in EMPTY_NAME_IDS + EMPTY_NAME_IDS_LATE:
        names[pid - 1] = ""

    price = rng.integers(10, 151, PRODUCTS).astype(np.int32)  # 1.0 .. 15.0
    snacks = department == 19
    price[snacks] = rng.integers(16, 71, int(snacks.sum()))
    meat = department == 12
    price[meat] = rng.integers(80, 251, int(meat.sum()))
    dearer = (rng.random(PRODUCTS) < 0.012) & ~snacks & ~meat
    price[dearer] = rng.integers(151, 251, int(dearer.sum()))
    if scenario == "empty":  # nothing over $15 (the "High" price range): fold into 10.0..15.0
        over = price > 150
        price[over] = 100 + (price[over] - 151) % 51
    for pid, absurd in ABSURD_PRICES.items():
        price[pid - 1] = absurd * 10

    weight = _popularity(rng, department)
    return _Catalog(names, aisle, department, price, weight)


def _popularity(rng: np.random.Generator, department: np.ndarray) -> np.ndarray:
    """Long-tailed popularity scaled to the real department shares, top products at real shares."""
    raw = rng.lognormal(0.0, 1.7, PRODUCTS)
    shares = np.zeros(len(vocab.DEPARTMENTS) + 1)
    for dept, lines in vocab.DEPARTMENT_LINES.items():
        shares[dept] = lines
    shares /= shares.sum()
    top_ids = np.array([pid for pid, *_ in vocab.TOP_PRODUCTS]) - 1
    top_share = np.array([share for *_, share in vocab.TOP_PRODUCTS]) / 100
    is_top = np.zeros(PRODUCTS, dtype=bool)
    is_top[top_ids] = True
    weight = np.zeros(PRODUCTS)
    ceiling = top_share.min() * 0.8  # nobody else outsells the listed top products
    for dept in range(1, len(vocab.DEPARTMENTS) + 1):
        members = (department == dept) & ~is_top
        left = shares[dept] - top_share[department[top_ids] == dept].sum()
        part = raw[members] / raw[members].sum() * left
        for _ in range(4):  # clip the heaviest, give the excess to the rest
            part = np.minimum(part, ceiling)
            part *= left / part.sum()
        weight[members] = part
    weight[top_ids] = top_share
    for pid in SHIFTED_IDS:
        weight[pid - 1] = 0.0
    return weight / weight.sum()


def _product_names(
    rng: np.random.Generator, aisle: np.ndarray, department: np.ndarray
) -> list[str]:
    """Plausible, unique product names from per-aisle nouns, department words and brands."""
    nouns = {a: text.split("|") for a, text in vocab.AISLE_NOUNS.items()}
    department_words = {d: text.split("|") for d, text in vocab.DEPARTMENT_WORDS.items()}
    aisle_words = {a: text.split("|") for a, text in vocab.AISLE_WORDS.items()}
    n = len(aisle)
    pick = rng.integers(0, 1 << 30, size=(n, 6))
    form = rng.random(n)
    organic = rng.random(n) < 0.18
    reserved = {name for _, name, _, _ in vocab.TOP_PRODUCTS}
    seen: set[str] = set(reserved)
    names: list[str] = []
    for i in range(n):
        dept = int(department[i])
        noun_list = nouns[int(aisle[i])]
        word_list = aisle_words.get(int(aisle[i])) or department_words[dept]
        noun = noun_list[pick[i, 0] % len(noun_list)]
        word = word_list[pick[i, 1] % len(word_list)]
        word2 = word_list[pick[i, 2] % len(word_list)]
        brand = vocab.BRANDS[pick[i, 3] % len(vocab.BRANDS)]
        prefix = "Organic " if organic[i] and word != "Organic" else ""
        f = form[i]
        if dept == 4 and f < 0.8:
            name = f"{prefix}{word} {noun}" if f < 0.6 else f"{prefix}{noun}"
        elif f < 0.065:
            name = f"{noun}, {word}" if word2 == word else f"{noun}, {word}, {word2}"
        elif f < 0.075 and dept in vocab.INCH_DEPARTMENTS:
            name = f'{4 + pick[i, 5] % 9}" {prefix}{word} {noun}'
        elif f < 0.55:
            name = f"{brand} {prefix}{word} {noun}"
        elif f < 0.8:
            name = f"{prefix}{word} {noun}"
        else:
            name = f"{brand} {noun} {word}"
        name = name.replace("Organic Organic", "Organic")
        if name in seen:  # the same words again: tell them apart by pack size
            base, offset = name, int(pick[i, 4])
            sizes = vocab.SIZES[offset % len(vocab.SIZES) :] + vocab.SIZES
            name = next((f"{base} ({s})" for s in sizes if f"{base} ({s})" not in seen), "")
            count = 2
            while not name or name in seen:
                name = f"{base} ({count} pack)"
                count += 1
        seen.add(name)
        names.append(name)
    return names


def _price_text(tenths: int) -> str:
    whole, tenth = divmod(tenths, 10)
    return str(whole) if tenth == 0 else f"{whole}.{tenth}"


def _write_products(f: IO[bytes], catalog: _Catalog) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator=LF)
    writer.writerow(PRODUCT_HEADER)
    duplicated = set(DUPLICATED_IDS)
    for index, name in enumerate(catalog.names):
        pid = index + 1
        row = (
            SHIFTED_IDS.get(pid, pid),
            name,
            int(catalog.aisle[index]),
            int(catalog.department[index]),
            _price_text(int(catalog.price_tenths[index])),
        )
        writer.writerow(row)
        if pid in duplicated:
            writer.writerow(row)
    f.write(text.getvalue().encode("utf-8"))


def _write_aisles(f: IO[bytes]) -> None:
    rows = ["aisle_id,aisle"] + [f"{i},{name}" for i, (name, _, _) in enumerate(vocab.AISLES, 1)]
    f.write((LF.join(rows) + LF).encode("utf-8"))


def _write_departments(f: IO[bytes]) -> None:
    ids = ",".join(str(i) for i in range(1, len(vocab.DEPARTMENTS) + 1))
    f.write(f"department_id,{ids}{LF}department,{','.join(vocab.DEPARTMENTS)}{LF}".encode())


# --------------------------------------------------------------------------- customers


@dataclass(frozen=True)
class _Customers:
    """One entry per customer, index = user_id - 1."""

    first_name: np.ndarray  # object (str)
    surname: np.ndarray
    female: np.ndarray  # bool
    state: np.ndarray  # int8 index into vocab.STATES
    age: np.ndarray  # int16
    joined: np.ndarray  # int32 days since JOINED_FIRST
    row_order: np.ndarray  # int64 user indices in file order (by date joined)
    dependants: np.ndarray  # int8
    fam_status: np.ndarray  # int8 index into FAM_STATUSES
    income: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.age)


def _make_customers(rng: np.random.Generator, n: int, scenario: str = "default") -> _Customers:
    female = rng.random(n) < 0.5
    first_index = rng.integers(0, 1 << 30, n)
    female_names = np.array(vocab.FEMALE_NAMES, dtype=object)
    male_names = np.array(vocab.MALE_NAMES, dtype=object)
    first_name = np.where(
        female,
        female_names[first_index % len(female_names)],
        male_names[first_index % len(male_names)],
    )
    first_name[rng.random(n) < EMPTY_FIRST_NAME_SHARE] = ""
    surnames = np.array(vocab.SURNAMES, dtype=object)
    surname = surnames[rng.integers(0, len(surnames), n)]
    state = rng.integers(0, len(vocab.STATES), n).astype(np.int8)
    oldest = 64 if scenario == "empty" else 81  # empty: nobody in "Senior" or "65+"
    age = rng.integers(18, oldest + 1, n).astype(np.int16)
    span = (JOINED_LAST - JOINED_FIRST).days
    joined = rng.integers(0, span + 1, n).astype(np.int32)
    dependants = rng.integers(0, 4, n).astype(np.int8)
    fam = np.full(n, FAM_STATUSES.index(FAM_MARRIED), dtype=np.int8)
    no_dependants = dependants == 0
    fam[no_dependants & (age < 60)] = FAM_STATUSES.index(FAM_SINGLE)
    fam[no_dependants & (age >= 60)] = FAM_STATUSES.index(FAM_DIVORCED)
    fam[~no_dependants & (age <= 21)] = FAM_STATUSES.index(FAM_PARENTS)
    # Income rises with age until the late fifties, then flattens; long right tail.
    years = age.astype(np.float64)
    typical = 42_000 + 1_900 * (np.minimum(years, 60) - 18) + 300 * np.maximum(years - 60, 0)
    income = INCOME_MIN + (typical - INCOME_MIN) * rng.lognormal(0.0, 0.42, n)
    income = np.clip(np.rint(income), INCOME_MIN, INCOME_MAX).astype(np.int64)
    if n >= 1_000:  # a crowd this size reaches the course file's extremes
        income[np.argmin(income)] = INCOME_MIN
        income[np.argmax(income)] = INCOME_MAX
    # The course's file is ordered by date_joined; rows within a day in no particular order.
    row_order = np.lexsort((rng.random(n), joined))
    return _Customers(
        first_name, surname, female, state, age, joined, row_order, dependants, fam, income
    )


def _date_texts(span: int) -> np.ndarray:
    days = (JOINED_FIRST + timedelta(days=d) for d in range(span + 1))
    return np.array([f"{d.month}/{d.day}/{d.year}" for d in days], dtype=object)


def _write_customers(f: IO[bytes], people: _Customers) -> None:
    row_order = people.row_order
    dates = _date_texts((JOINED_LAST - JOINED_FIRST).days)
    table = pa.table(
        {
            "user_id": pa.array(row_order + 1, pa.int32()),
            "First Name": pa.array(people.first_name[row_order], pa.string()),
            "Surnam": pa.array(people.surname[row_order], pa.string()),
            "Gender": _labels(np.where(people.female, 0, 1)[row_order], ("Female", "Male")),
            "STATE": _labels(people.state[row_order], vocab.STATES),
            "Age": pa.array(people.age[row_order], pa.int16()),
            "date_joined": pa.array(dates[people.joined[row_order]], pa.string()),
            "n_dependants": pa.array(people.dependants[row_order], pa.int8()),
            "fam_status": _labels(people.fam_status[row_order], FAM_STATUSES),
            "income": pa.array(people.income[row_order], pa.int64()),
        }
    )
    _write_table(f, table, LF)


# --------------------------------------------------------------------------- orders


@dataclass(frozen=True)
class _Orders:
    """All orders sorted by user then order number (the real file's order)."""

    order_id: np.ndarray  # int32, a permutation of 1..n
    user: np.ndarray  # int32 user index (user_id - 1)
    eval_set: np.ndarray  # int8 index into EVAL_SETS
    number: np.ndarray  # int16
    dow: np.ndarray  # int8
    hour: np.ndarray  # int8
    days: np.ndarray  # int8, -1 on first orders
    per_user: np.ndarray  # int32 orders of each user


def _make_orders(
    rng: np.random.Generator, people: _Customers, scenario: str = "default"
) -> _Orders:
    n_users = len(people)
    # Orders per customer: a gamma-Poisson-like skew (median ~10) plus a small very loyal group
    # whose histories were cut at 100 in the real data (the bump at 100).
    frequency = rng.gamma(0.75, 11.9 / 0.75, n_users)
    loyal = rng.random(n_users) < 0.018
    frequency[loyal] = rng.uniform(30, 130, int(loyal.sum()))
    if scenario == "strong":
        frequency *= STRONG_REGION_FREQUENCY[_region_codes(people)]
    per_user = np.minimum(4 + np.floor(frequency), MAX_ORDERS).astype(np.int32)
    total = int(per_user.sum())
    starts = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(per_user, out=starts[1:])
    user = np.repeat(np.arange(n_users, dtype=np.int32), per_user)
    number = (np.arange(total, dtype=np.int64) - starts[user] + 1).astype(np.int16)
    first = number == 1
    last = np.zeros(total, dtype=bool)
    last[starts[1:] - 1] = True

    eval_set = np.zeros(total, dtype=np.int8)
    last_is_train = rng.random(n_users) < TRAIN_SHARE
    eval_set[starts[1:] - 1] = np.where(last_is_train, 1, 2)

    dow = _habitual_choice(rng, user, n_users, np.array(vocab.DOW_ORDERS), habit=0.23)
    hour_habit = 0.0 if scenario == "flat" else 0.3  # flat: no customer's taste marks an hour
    hour = _habitual_choice(rng, user, n_users, np.array(vocab.HOUR_ORDERS_DRAWN), habit=hour_habit)
    days = _days_between(rng, dow, first, per_user[user])
    order_id = (rng.permutation(total) + 1).astype(np.int32)
    return _Orders(order_id, user, eval_set, number, dow, hour, days, per_user)


def _habitual_choice(
    rng: np.random.Generator, user: np.ndarray, n_users: int, counts: np.ndarray, habit: float
) -> np.ndarray:
    """Per order, the user's habitual value with probability ``habit``, else a fresh draw.

    Both the habitual and the fresh values follow ``counts``, so the marginal is kept.
    """
    cdf = np.cumsum(counts / counts.sum())
    cdf[-1] = 1.0
    favourite = np.searchsorted(cdf, rng.random(n_users), side="right")
    fresh = np.searchsorted(cdf, rng.random(len(user)), side="right")
    use_favourite = rng.random(len(user)) < habit
    return np.where(use_favourite, favourite[user], fresh).astype(np.int8)


def _days_between(
    rng: np.random.Generator, dow: np.ndarray, first: np.ndarray, orders_of_user: np.ndarray
) -> np.ndarray:
    """days_since_prior_order consistent with the weekdays (prior dow + days ≡ dow, mod 7).

    Customers with more orders lean to shorter gaps; 30 means "30 or more", any weekday.
    """
    base = np.array(vocab.DAYS_ORDERS, dtype=np.float64)
    base /= base.sum()
    edges = np.array([5, 7, 10, 14, 20, 30, 45, 70])
    tilts = np.array([-0.09, -0.075, -0.055, -0.035, -0.015, 0.005, 0.035, 0.08, 0.15])
    klass = np.digitize(orders_of_user, edges)
    d = np.arange(MAX_DAYS + 1)
    blocks: list[np.ndarray] = []
    for tilt in tilts:
        pmf = base * np.exp(-tilt * d)
        for residue in range(7):
            allowed = np.where(d < MAX_DAYS, (d % 7 == residue).astype(float), 1 / 7)
            weights = pmf * allowed
            cdf = np.cumsum(weights / weights.sum())
            cdf[-1] = 1.0
            blocks.append(cdf + len(blocks))
    flat = np.concatenate(blocks)
    previous = np.roll(dow, 1)
    residue = (dow.astype(np.int16) - previous) % 7
    block = klass * 7 + residue
    index = np.searchsorted(flat, block + rng.random(len(dow)), side="right")
    days = (index - block * (MAX_DAYS + 1)).astype(np.int8)
    days[first] = -1
    return days


def _write_orders(f: IO[bytes], orders: _Orders) -> None:
    days = pa.array(orders.days, pa.int8(), mask=orders.days < 0)
    table = pa.table(
        {
            "order_id": pa.array(orders.order_id, pa.int32()),
            "user_id": pa.array(orders.user + 1, pa.int32()),
            "eval_set": _labels(orders.eval_set, EVAL_SETS),
            "order_number": pa.array(orders.number, pa.int16()),
            "order_dow": pa.array(orders.dow, pa.int8()),
            "order_hour_of_day": pa.array(orders.hour, pa.int8()),
            "days_since_prior_order": days,
        }
    )
    _write_table(f, table, CRLF)


# --------------------------------------------------------------------------- order lines


@dataclass(frozen=True)
class _Lines:
    """All order lines sorted by order_id, then add_to_cart_order."""

    order_id: np.ndarray  # int32
    product_id: np.ndarray  # int32 (as written)
    cart: np.ndarray  # int16 add_to_cart_order
    reordered: np.ndarray  # int8
    is_prior: np.ndarray  # bool


class _ProductSampler:
    """Draw products: a department from the customer's group mix, then a product within it.

    Within a department, level ``k`` of ``levels`` draws by popularity × price**k (0: by
    popularity alone; the default's premium draws are 0.5; negative levels prefer cheap products).
    """

    def __init__(
        self, catalog: _Catalog, group_tilts: np.ndarray, levels: tuple[float, ...] = (0.0, 0.5)
    ) -> None:
        n_depts = len(vocab.DEPARTMENTS)
        dept_share = np.bincount(catalog.department, weights=catalog.weight, minlength=n_depts + 1)
        dept_share = dept_share[1:]
        mix = dept_share[None, :] * group_tilts
        mix /= mix.sum(axis=1, keepdims=True)
        dept_cdf = np.cumsum(mix, axis=1)
        dept_cdf[:, -1] = 1.0
        self.dept_flat = (dept_cdf + np.arange(len(group_tilts))[:, None]).ravel()
        self.n_depts = n_depts
        self.n_levels = len(levels)

        price = np.minimum(catalog.price_tenths, 250) / 10.0
        tilted = [_price_tilted(catalog.weight, price, k) for k in levels]
        cdfs: list[np.ndarray] = []
        members: list[np.ndarray] = []
        for dept in range(1, n_depts + 1):
            ids = np.flatnonzero(catalog.department == dept)
            for weight in tilted:
                block_weight = weight[ids]
                cdf = np.cumsum(block_weight / block_weight.sum())
                cdf[-1] = 1.0
                cdfs.append(cdf + len(cdfs))
                members.append(ids)
        self.product_flat = np.concatenate(cdfs)
        self.product_of = np.concatenate(members).astype(np.int32)

    def draw(self, rng: np.random.Generator, group: np.ndarray, level: np.ndarray) -> np.ndarray:
        """Product indices (id - 1) for draws with the given customer groups and price levels."""
        dept = np.searchsorted(self.dept_flat, group + rng.random(len(group)), side="right")
        dept %= self.n_depts
        block = dept * self.n_levels + level
        index = np.searchsorted(self.product_flat, block + rng.random(len(group)), side="right")
        return self.product_of[index]


def _price_tilted(weight: np.ndarray, price: np.ndarray, k: float) -> np.ndarray:
    if k == 0:
        return weight
    if k == 0.5:
        return weight * np.sqrt(price)  # the default's premium draws, computed as they always were
    return weight * price**k


def _group_tilts() -> np.ndarray:
    """Department multipliers for 8 customer groups: parent × under 21 × high income."""
    tilts = np.ones((8, len(vocab.DEPARTMENTS)))
    babies, alcohol, snacks = 18 - 1, 5 - 1, 19 - 1
    for group in range(8):
        parent, young, rich = group & 1, group >> 1 & 1, group >> 2 & 1
        tilts[group, babies] = 1.3 if parent else 0.1
        tilts[group, snacks] = 1.06 if parent else 0.9
        tilts[group, alcohol] = 0.0 if young else (1.5 if rich else 1.0)
    return tilts


def _make_lines(
    rng: np.random.Generator,
    orders: _Orders,
    people: _Customers,
    catalog: _Catalog,
    scenario: str = "default",
) -> _Lines:
    if scenario in ("flat", "strong"):
        line_order, line_user, product = _shaped_products(rng, orders, people, catalog, scenario)
    else:
        line_order, line_user, product = _usual_products(rng, orders, people, catalog)
        if scenario == "empty":
            _buy_campaign_goods(rng, orders, catalog, line_order, line_user, product)
    return _assemble_lines(rng, orders, line_order, line_user, product)


def _usual_products(
    rng: np.random.Generator, orders: _Orders, people: _Customers, catalog: _Catalog
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each line's order index, user index and product index, as drawn for the default data."""
    n_users = len(people)
    sampler = _ProductSampler(catalog, _group_tilts())
    group = (
        (people.dependants > 0).astype(np.int8)
        + 2 * (people.age < 21)
        + 4 * (people.income > 150_000)
    ).astype(np.int8)
    premium_chance = 0.1 + 0.5 * (people.age - 18) / 63 + 0.1 * (people.income > 150_000)

    # Basket sizes: each customer has a typical size; orders vary around it.
    typical = rng.lognormal(np.log(10.6), 0.5, n_users)
    has_lines = orders.eval_set != 2
    line_orders = np.flatnonzero(has_lines).astype(np.int32)
    order_user = orders.user[line_orders]
    mean = typical[order_user]
    size = 1 + rng.poisson(rng.gamma(2.5, np.maximum(mean - 1, 0.2) / 2.5))
    size = np.minimum(size, MAX_BASKET).astype(np.int32)

    # Each customer's repertoire of usual products, favourites first.
    repertoire_size = np.clip(np.rint(typical * 2.5 + 5), 6, 120).astype(np.int32)
    rep_start = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(repertoire_size, out=rep_start[1:])
    rep_user = np.repeat(np.arange(n_users, dtype=np.int32), repertoire_size)
    rep_premium = (rng.random(len(rep_user)) < premium_chance[rep_user]).astype(np.int8)
    repertoire = sampler.draw(rng, group[rep_user], rep_premium)
    del rep_user, rep_premium
    loyalty = rng.beta(9.0, 2.2, n_users)

    line_order = np.repeat(line_orders, size)
    line_user = orders.user[line_order]
    n_lines = len(line_order)
    from_repertoire = rng.random(n_lines, dtype=np.float32) < loyalty[line_user]
    product = np.empty(n_lines, dtype=np.int32)
    usual_user = line_user[from_repertoire]
    slot = np.floor(
        repertoire_size[usual_user] * rng.random(len(usual_user), dtype=np.float32) ** 1.6
    ).astype(np.int64)
    product[from_repertoire] = repertoire[rep_start[usual_user] + slot]
    del usual_user, slot
    new_user = line_user[~from_repertoire]
    new_premium = (rng.random(len(new_user)) < premium_chance[new_user]).astype(np.int8)
    product[~from_repertoire] = sampler.draw(rng, group[new_user], new_premium)
    del new_user, new_premium, from_repertoire
    return line_order, line_user, product


def _assemble_lines(
    rng: np.random.Generator,
    orders: _Orders,
    line_order: np.ndarray,
    line_user: np.ndarray,
    product: np.ndarray,
) -> _Lines:
    """Drawn lines → the files' lines: repeats in an order dropped, reorder flags, cart order."""
    # One sort by (user, product, order) finds repeats in an order (dropped) and first purchases.
    key = (
        line_user.astype(np.int64) << (PRODUCT_BITS + ORDER_BITS)
        | product.astype(np.int64) << ORDER_BITS
        | line_order.astype(np.int64)
    )
    del line_user, line_order, product
    key.sort()
    keep = np.ones(len(key), dtype=bool)
    keep[1:] = key[1:] != key[:-1]
    key = key[keep]
    reordered = np.zeros(len(key), dtype=np.int64)
    reordered[1:] = (key[1:] >> ORDER_BITS) == (key[:-1] >> ORDER_BITS)
    del keep
    order_index = key & ((1 << ORDER_BITS) - 1)
    product = (key >> ORDER_BITS) & ((1 << PRODUCT_BITS) - 1)
    del key

    # Second sort by (order_id, cart position); usual products tend to go in the cart first.
    order_id = orders.order_id[order_index].astype(np.int64)
    eval_of_id = np.zeros(len(orders.order_id) + 1, dtype=np.int8)
    eval_of_id[orders.order_id] = orders.eval_set
    del order_index
    cart_key = rng.random(len(order_id), dtype=np.float32)
    cart_key = cart_key + np.float32(0.15) * (1 - reordered).astype(np.float32)
    cart_bits = (cart_key * np.float32((1 << CART_BITS) / 1.16)).astype(np.int64)
    del cart_key
    # order_id | cart position | reordered | product: 24 + 21 + 1 + 16 = 62 bits.
    low = PRODUCT_BITS + 1
    key = order_id << (CART_BITS + low) | cart_bits << low | reordered << PRODUCT_BITS | product
    del order_id, cart_bits, reordered, product
    key.sort()
    sorted_order = (key >> (CART_BITS + low)).astype(np.int32)
    starts = np.ones(len(key), dtype=bool)
    starts[1:] = sorted_order[1:] != sorted_order[:-1]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(key)), 0))
    cart = (np.arange(len(key)) - group_start + 1).astype(np.int16)
    del starts, group_start
    reordered_out = ((key >> PRODUCT_BITS) & 1).astype(np.int8)
    product_id = ((key & ((1 << PRODUCT_BITS) - 1)) + 1).astype(np.int32)
    del key
    is_prior = eval_of_id[sorted_order] == 0
    return _Lines(sorted_order, product_id, cart, reordered_out, is_prior)


# --------------------------------------------------------------------------- scenarios

# Price levels of the scenarios' draws (exponents of price; see _ProductSampler), cheap to dear:
# about $3.2, 4.2, 5.4, 6.8, 8.0, 9.1, 10.0, 10.7, 11.3, 11.8 and 12.3 per item on average.
LEVELS = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
LEVEL_ZERO = LEVELS.index(0.0)
BASKET = 10.6  # the default's typical basket (median of the customers' typical sizes)
# flat: each customer's price level, drawn independently of everything else (a few high spenders).
FLAT_TASTES = (LEVELS.index(0.0), LEVELS.index(0.5), LEVELS.index(1.5))
FLAT_TASTE_SHARES = (0.45, 0.43, 0.12)

# strong, by census region (REGION_NAMES order): price level, basket size and order frequency.
REGION_NAMES = ("Northeast", "Midwest", "South", "West")
STRONG_REGION_LEVEL = np.array([0, 0, -1, 2])
STRONG_REGION_BASKET = np.array([1.0, 1.0, 0.8, 1.4])
STRONG_REGION_FREQUENCY = np.array([1.8, 1.0, 0.75, 1.0])
# strong, by the report's customer profile (PROFILE_NAMES order).
PROFILE_NAMES = (
    "Senior",
    "Young adult at home",
    "Young parent",
    "Established parent",
    "High earner without children",
    "Adult without children",
)
STRONG_PROFILE_LEVEL = np.array([1, -1, 0, 0, 3, 0])
STRONG_PROFILE_BASKET = np.array([1.0, 0.6, 1.2, 1.3, 1.1, 1.0])
# strong, by hour: price level shift of fresh draws, and which end of the customer's repertoire
# (sorted by price) the usual products come from: > 1 dear end, < -1 cheap end, 1 anywhere.
_NIGHT, _MORNING, _AFTERNOON, _EVENING, _LATE = (5, 4.0), (-3, -4.0), (0, 1.0), (2, 2.0), (5, 4.0)
_STRONG_HOURS = [_NIGHT] * 6 + [_MORNING] * 6 + [_AFTERNOON] * 5 + [_EVENING] * 5 + [_LATE] * 2
STRONG_HOUR_SHIFT = np.array([shift for shift, _ in _STRONG_HOURS])
STRONG_HOUR_END = np.array([end for _, end in _STRONG_HOURS])
# Department ids the scenarios name.
ALCOHOL, PETS, MEAT, BEVERAGES, PRODUCE, BABIES, SNACKS = 5, 8, 12, 7, 4, 18, 19


def _region_codes(people: _Customers) -> np.ndarray:
    """Each customer's census region (index into REGION_NAMES), as the report's ``region``."""
    of_state = np.zeros(len(vocab.STATES), dtype=np.int8)
    for code, name in enumerate(REGION_NAMES):
        for state in vocab.REGIONS[name]:
            of_state[vocab.STATES.index(state)] = code
    return of_state[people.state]


def _profile_codes(people: _Customers) -> np.ndarray:
    """Each customer's profile (index into PROFILE_NAMES): report.yaml's cases, first rule first."""
    code = np.full(len(people), PROFILE_NAMES.index("Adult without children"), dtype=np.int8)
    parent = people.dependants > 0
    code[people.income > 150_000] = PROFILE_NAMES.index("High earner without children")
    code[parent] = PROFILE_NAMES.index("Established parent")
    code[parent & (people.age < 40)] = PROFILE_NAMES.index("Young parent")
    code[people.fam_status == FAM_STATUSES.index(FAM_PARENTS)] = PROFILE_NAMES.index(
        "Young adult at home"
    )
    code[people.age >= 65] = PROFILE_NAMES.index("Senior")
    return code


def _strong_profile_tilts() -> np.ndarray:
    """Department multipliers by profile: seniors mostly produce, the young snacks and drinks."""
    tilts = np.ones((len(PROFILE_NAMES), len(vocab.DEPARTMENTS)))
    for profile, multipliers in enumerate(
        (
            {PRODUCE: 3.0, BABIES: 0.1},
            {SNACKS: 3.0, BEVERAGES: 2.5, ALCOHOL: 0.0, BABIES: 0.1},
            {BABIES: 6.0},
            {BABIES: 3.0},
            {ALCOHOL: 4.0, MEAT: 2.0, BABIES: 0.1},
            {BABIES: 0.1},
        )
    ):
        for dept, factor in multipliers.items():
            tilts[profile, dept - 1] = factor
    return tilts


def _shaped_products(
    rng: np.random.Generator,
    orders: _Orders,
    people: _Customers,
    catalog: _Catalog,
    scenario: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lines for ``flat`` (nothing depends on who or when) and ``strong`` (much does)."""
    n_users = len(people)
    strong = scenario == "strong"
    if strong:
        region = _region_codes(people)
        profile = _profile_codes(people)
        tilts = _strong_profile_tilts()
        group = profile
        level = LEVEL_ZERO + STRONG_REGION_LEVEL[region] + STRONG_PROFILE_LEVEL[profile]
        prior_orders = orders.per_user - 1
        loyal_basket = np.where(prior_orders > 40, 1.5, np.where(prior_orders > 10, 1.0, 0.75))
        basket = STRONG_REGION_BASKET[region] * STRONG_PROFILE_BASKET[profile] * loyal_basket
        typical = BASKET * basket * rng.lognormal(0.0, 0.3, n_users)
    else:
        tilts = np.ones((1, len(vocab.DEPARTMENTS)))
        group = np.zeros(n_users, dtype=np.int8)
        level = np.array(FLAT_TASTES)[rng.choice(len(FLAT_TASTES), n_users, p=FLAT_TASTE_SHARES)]
        typical = np.full(n_users, BASKET)
    level = np.clip(level, 0, len(LEVELS) - 1)
    sampler = _ProductSampler(catalog, tilts, LEVELS)

    line_orders = np.flatnonzero(orders.eval_set != 2).astype(np.int32)
    mean = typical[orders.user[line_orders]]
    size = 1 + rng.poisson(rng.gamma(2.5, np.maximum(mean - 1, 0.2) / 2.5))
    size = np.minimum(size, MAX_BASKET).astype(np.int32)

    repertoire_size = np.clip(np.rint(typical * 2.5 + 5), 6, 120).astype(np.int32)
    rep_start = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(repertoire_size, out=rep_start[1:])
    rep_user = np.repeat(np.arange(n_users, dtype=np.int32), repertoire_size)
    repertoire = sampler.draw(rng, group[rep_user], level[rep_user])
    if strong:  # cheapest first, so that the hour can pick from either end
        repertoire = repertoire[np.lexsort((catalog.price_tenths[repertoire], rep_user))]
    del rep_user
    loyalty = rng.beta(9.0, 2.2, n_users)

    line_order = np.repeat(line_orders, size)
    line_user = orders.user[line_order]
    n_lines = len(line_order)
    from_repertoire = rng.random(n_lines, dtype=np.float32) < loyalty[line_user]
    product = np.empty(n_lines, dtype=np.int32)
    usual_user = line_user[from_repertoire]
    u = rng.random(len(usual_user))
    if strong:
        end = STRONG_HOUR_END[orders.hour[line_order[from_repertoire]]]
        position = np.where(end < 0, u ** np.abs(end), 1 - u ** np.abs(end))
        position = np.where(end == 1, u, position)
    else:
        position = u**1.6  # favourites first, as in the default
    slot = np.minimum(
        np.floor(repertoire_size[usual_user] * position), repertoire_size[usual_user] - 1
    ).astype(np.int64)
    product[from_repertoire] = repertoire[rep_start[usual_user] + slot]
    del usual_user, slot, u, position
    new_user = line_user[~from_repertoire]
    new_level = level[new_user]
    if strong:
        new_level = new_level + STRONG_HOUR_SHIFT[orders.hour[line_order[~from_repertoire]]]
    new_level = np.clip(new_level, 0, len(LEVELS) - 1)
    product[~from_repertoire] = sampler.draw(rng, group[new_user], new_level)
    return line_order, line_user, product


def _buy_campaign_goods(
    rng: np.random.Generator,
    orders: _Orders,
    catalog: _Catalog,
    line_order: np.ndarray,
    line_user: np.ndarray,
    product: np.ndarray,
) -> None:
    """empty: the first line of each customer's first order becomes a baby, pet or alcohol product.

    Only products the report keeps (a name, a sane price, written once under their own id).
    """
    excluded = set(EMPTY_NAME_IDS + EMPTY_NAME_IDS_LATE + DUPLICATED_IDS) | set(ABSURD_PRICES)
    excluded |= set(SHIFTED_IDS) | set(SHIFTED_IDS.values()) | {NAME_ERROR_ID}
    candidate = np.isin(catalog.department, (BABIES, PETS, ALCOHOL)) & (catalog.weight > 0)
    candidate[np.array(sorted(excluded)) - 1] = False
    ids = np.flatnonzero(candidate)
    weight = catalog.weight[ids] / catalog.weight[ids].sum()
    n_users = len(orders.per_user)
    chosen = ids[rng.choice(len(ids), n_users, p=weight)].astype(np.int32)
    first_line = np.ones(len(line_order), dtype=bool)
    first_line[1:] = line_order[1:] != line_order[:-1]
    first_line &= orders.number[line_order] == 1
    product[first_line] = chosen[line_user[first_line]]


def _deal_demographics(
    rng: np.random.Generator,
    people: _Customers,
    orders: _Orders,
    lines: _Lines,
    catalog: _Catalog,
) -> _Customers:
    """flat: hand the demographics to the generated customers so that every group gets alike ones.

    Customers are ranked by what the report measures (high spender or not, number of orders,
    order value); demographic rows are sorted by region, then profile; a Weyl sequence deals them
    so that every run of rows (a region, a profile within it) gets customers from all over the
    ranking in the same proportions. Nothing generated depends on demographics in ``flat``.
    """
    n_users = len(people)
    user_of_id = np.zeros(len(orders.order_id) + 1, dtype=np.int64)
    user_of_id[orders.order_id] = orders.user
    user = user_of_id[lines.order_id[lines.is_prior]]
    price = catalog.price_tenths[lines.product_id[lines.is_prior] - 1].astype(np.float64)
    sane = price <= 1000
    spent = np.bincount(user, weights=np.where(sane, price, 0.0), minlength=n_users)
    priced = np.bincount(user, weights=sane, minlength=n_users)
    high = spent >= 100 * np.maximum(priced, 1)  # mean item price of $10 or more
    prior_orders = orders.per_user - 1
    by_behaviour = np.lexsort((spent / prior_orders, prior_orders, high))
    by_demographics = np.lexsort(
        (rng.random(n_users), _profile_codes(people), _region_codes(people))
    )
    weyl = (np.arange(n_users) * ((np.sqrt(5.0) - 1) / 2) + rng.random()) % 1.0
    gets = np.empty(n_users, dtype=np.int64)  # gets[user] = the demographic row it is dealt
    gets[by_behaviour[np.argsort(np.argsort(weyl))]] = by_demographics
    holder = np.empty(n_users, dtype=np.int64)
    holder[gets] = np.arange(n_users)
    return _Customers(
        first_name=people.first_name[gets],
        surname=people.surname[gets],
        female=people.female[gets],
        state=people.state[gets],
        age=people.age[gets],
        joined=people.joined[gets],
        row_order=holder[people.row_order],
        dependants=people.dependants[gets],
        fam_status=people.fam_status[gets],
        income=people.income[gets],
    )


def _write_lines(f: IO[bytes], lines: _Lines, mask: np.ndarray) -> None:
    table = pa.table(
        {
            "order_id": pa.array(lines.order_id[mask], pa.int32()),
            "product_id": pa.array(lines.product_id[mask], pa.int32()),
            "add_to_cart_order": pa.array(lines.cart[mask], pa.int16()),
            "reordered": pa.array(lines.reordered[mask], pa.int8()),
        }
    )
    _write_table(f, table, CRLF)


# --------------------------------------------------------------------------- writing


def _labels(codes: np.ndarray, labels: tuple[str, ...]) -> pa.Array:
    """Small-integer codes → a string column, without building Python strings per row."""
    dictionary = pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(codes, dtype=np.int32)), pa.array(list(labels), pa.string())
    )
    return dictionary.cast(pa.string())


def _write_table(f: IO[bytes], table: pa.Table, eol: str) -> None:
    options = pa_csv.WriteOptions(
        quoting_style="none", quoting_header="none", eol=eol, batch_size=1 << 16
    )
    pa_csv.write_csv(table, f, options)


def _write_atomic(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            write(f)
        os.chmod(temp_name, 0o666 & ~_umask())  # mkstemp makes 0600; give a normal file's mode
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
