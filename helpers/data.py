"""Load the curated tables in ``data/``, validated against ``data/datapackage.json``.

The package file is a Frictionless Data Package; :func:`validate` runs the Frictionless
validator over it (types, constraints, primary and foreign keys) and turns every error into one
readable line naming the file, the line, the column and the rule. :func:`load` validates once per
version of the files (a stamp in the environment records a package already found valid, so
notebook kernels do not repeat the check; the stamp lives in ``build/cache/`` and is keyed by the
content of the data and of the validator) and returns a typed DataFrame.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sys
from contextlib import contextmanager
from functools import lru_cache, wraps
from pathlib import Path

#: The project's data/ (``PROJECT_DATA_DIR`` points the notebooks at another copy, e.g. in tests).
DATA_DIR = Path(os.environ.get("PROJECT_DATA_DIR") or Path(__file__).resolve().parent.parent / "data")
PACKAGE_FILE = "datapackage.json"
MAX_REPORTED = 20
#: Where a stamp records that one version of data/ passed one version of the validator (in build/, never
#: in the environment: ``make clean`` forgets it, and a new validator never trusts an old verdict).
STAMP_DIR = Path(__file__).resolve().parent.parent / "build" / "cache" / "data-validated"


class DataError(ValueError):
    """A data file breaks its schema. ``problems`` lists every problem found, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        shown = self.problems[:MAX_REPORTED]
        more = len(self.problems) - len(shown)
        text = "\n".join(f"  - {p}" for p in shown)
        if more:
            text += f"\n  - … and {more} more"
        super().__init__(f"data validation failed ({len(self.problems)} problem(s)):\n{text}")


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(DATA_DIR.parent))
    except ValueError:
        return str(path)


def read_package(data_dir: Path | str | None = None) -> dict:
    """The parsed ``datapackage.json`` of ``data_dir`` (default: the project's ``data/``)."""
    data_dir = Path(data_dir) if data_dir else DATA_DIR
    path = data_dir / PACKAGE_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError([f"{_rel(path)}: file is missing"]) from None
    except json.JSONDecodeError as exc:
        raise DataError([f"{_rel(path)}, line {exc.lineno}: not valid JSON ({exc.msg})"]) from None


def _resources(pkg: dict) -> dict[str, dict]:
    return {r["name"]: r for r in pkg.get("resources", []) if isinstance(r, dict) and "name" in r}


_NOTE = re.compile(r'constraint "(\w+)" is "(.*)"')
_FK = re.compile(r'for "([^"]+)": values "([^"]*)" not found in the lookup table "([^"]*)" as "([^"]+)"')
_HINT = {"date": " (expected YYYY-MM-DD)", "boolean": " (expected true/false)", "number": " (expected a plain decimal)",
         "integer": " (expected a whole number)"}


def _message(err: dict, rel: str, res: dict, resources: dict) -> str:
    """One readable line for one Frictionless error of resource ``res``."""
    kind, row, name, cell = err.get("type", ""), err.get("rowNumber"), err.get("fieldName"), err.get("cell")
    where = f"{rel}, line {row}, column '{name}'"
    field = next((f for f in res["schema"]["fields"] if f["name"] == name), {})
    if kind == "type-error":
        ftype = field.get("type", "string")
        return f"{where}: {cell!r} is not a {ftype}{_HINT.get(ftype, '')} (rule: type)"
    if kind == "constraint-error":
        m = _NOTE.search(err.get("note", ""))
        rule, value = (m.group(1), m.group(2)) if m else ("constraint", "")
        unit = f" {field['unit']}" if field.get("unit") else ""
        if rule == "required":
            return f"{where}: value is missing (rule: required)"
        if rule in ("minimum", "maximum"):
            word = "below" if rule == "minimum" else "above"
            return f"{where}: {cell} is {word} the {rule} {value}{unit} (rule: {rule}; a unit slip?)"
        if rule == "enum":
            allowed = ", ".join(map(str, field.get("constraints", {}).get("enum", [])))
            return f"{where}: {cell!r} is not one of [{allowed}] (rule: enum)"
        if rule == "pattern":
            return f"{where}: {cell!r} does not match {value!r} (rule: pattern)"
        return f"{where}: {cell!r} breaks {rule} {value} (rule: {rule})"
    if kind in ("primary-key", "unique-error"):
        label = name or ", ".join(res["schema"].get("primaryKey", []) if isinstance(res["schema"].get("primaryKey"), list)
                                  else [res["schema"].get("primaryKey", "")])
        return f"{rel}, line {row}, column '{label}': value repeats an earlier row (rule: {kind.replace('-error', '')})"
    if kind == "foreign-key":
        m = _FK.search(err.get("note", ""))
        if m:
            fields, value, target, ref = m.groups()
            path = resources.get(target or res["name"], {}).get("path", target)
            return (f"{rel}, line {row}, column '{fields}': {value!r} is not an {ref} in {path} "
                    "(rule: foreign key; a missing source?)")
    if kind.endswith("-label"):
        what = {"missing-label": "missing column", "extra-label": "unexpected column",
                "incorrect-label": "wrong column name", "duplicate-label": "repeated column",
                "blank-label": "blank column name"}.get(kind, kind)
        label = err.get("label") or name
        return f"{rel}, line 1 (header): {what} {label!r} (rule: schema fields)"
    if kind == "scheme-error" or "No such file" in err.get("note", "") or "does not exist" in err.get("note", ""):
        return f"{rel}: file listed in {PACKAGE_FILE} is missing or unreadable ({err.get('note', '')})"
    line = f", line {row}" if row else ""
    return f"{rel}{line}: {err.get('message', kind)} (rule: {kind})"


_STRICT = {"date": (re.compile(r"\d{4}-\d{2}-\d{2}"), "a date written YYYY-MM-DD"),
           "number": (re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?"), "a plain decimal number (e.g. 7.0809)"),
           "integer": (re.compile(r"-?\d+"), "a whole number written with digits only")}


def _raw_problems(res: dict, data_dir: Path) -> tuple[list[str], bool]:
    """What Frictionless reads past or reports without a line: a byte-order mark, bytes that are not
    UTF-8, an unterminated quote, and dates or numbers Python would accept but the project does not
    (``20230101``, ``2023-W01-1``, ``7_0809``). Returns (problems, fatal: the file cannot be read)."""
    import csv

    path = data_dir / str(res.get("path", ""))
    rel = _rel(path)
    try:
        raw = path.read_bytes()
    except OSError:
        return [], False  # Frictionless names a missing file
    if raw.startswith(b"\xef\xbb\xbf"):
        return [f"{rel}, line 1: the file starts with a UTF-8 byte-order mark (save it as UTF-8 without BOM)"], True
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [f"{rel}, line {line}: byte {raw[exc.start]:#04x} is not UTF-8 (save the file as UTF-8)"], True
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    types = [(f["name"], f.get("type", "string")) for f in res.get("schema", {}).get("fields", [])]
    problems, done = [], 0
    try:
        for row in reader:
            done = reader.line_num
            if reader.line_num == 1 or len(row) != len(types):
                continue
            for (name, ftype), cell in zip(types, row):
                rule = _STRICT.get(ftype)
                if rule and cell.strip() and not rule[0].fullmatch(cell.strip()) and _lenient(cell.strip(), ftype):
                    problems.append(f"{rel}, line {reader.line_num}, column '{name}': {cell!r} is not {rule[1]} "
                                    "(rule: type)")
                elif ftype == "number" and rule[0].fullmatch(cell.strip()) and not math.isfinite(float(cell)):
                    problems.append(f"{rel}, line {reader.line_num}, column '{name}': {cell!r} is not a finite "
                                    "number (rule: type)")
    except csv.Error as exc:
        return [f"{rel}, line {done + 1}: cannot be read as CSV ({exc}; an unterminated quote?)"], True
    return problems, False


def _lenient(cell: str, ftype: str) -> bool:
    """True if Python's own parsers (which Frictionless uses) would accept ``cell``."""
    import datetime
    import decimal

    try:
        (datetime.date.fromisoformat if ftype == "date" else decimal.Decimal)(cell)
        return True
    except (ValueError, decimal.InvalidOperation):
        return False


@contextmanager
def _plain_csv():
    """Frictionless guesses every CSV file's dialect with ``csv.Sniffer``, whose quote-guessing pattern takes time
    quadratic in a line's quotes (text with markup in every field took 28 s to sniff). The package's files are plain
    CSV (comma, double quote; :func:`_raw_problems` reads them so), so while Frictionless reads them the guess is that."""
    import csv

    sniff = csv.Sniffer.sniff
    csv.Sniffer.sniff = lambda self, sample, delimiters=None: csv.excel
    try:
        yield
    finally:
        csv.Sniffer.sniff = sniff


def _problems(pkg: dict, data_dir: Path) -> list[str]:
    import frictionless

    resources = _resources(pkg)
    problems, unreadable = [], set()
    for name, res in resources.items():
        found, fatal = _raw_problems(res, data_dir)
        problems += found
        if fatal:
            unreadable.add(name)
    own_fks = _single_field_keys(pkg)
    with _plain_csv():
        try:  # single-field foreign keys are checked below, in one pass; Frictionless checks everything else
            report = frictionless.Package(_without(pkg, own_fks), basepath=str(data_dir)).validate()
        except frictionless.FrictionlessException:  # the descriptor itself is wrong: Frictionless says how
            report, own_fks = frictionless.validate(str(data_dir / PACKAGE_FILE)), {}
    for task in report.tasks:
        if task.name in unreadable:
            continue
        res = resources.get(task.name) or {"name": task.name, "path": task.name, "schema": {"fields": []}}
        rel = _rel(data_dir / res.get("path", task.name))
        errors = [e.to_dict() for e in task.errors]
        header = [e for e in errors if e.get("type", "").endswith("-label")]
        if header:  # a wrong header makes every row look wrong: report the header only
            errors = header
        malformed = {}
        for e in errors:
            if e.get("type") in ("missing-cell", "extra-cell"):
                malformed.setdefault(e.get("rowNumber"), e)
        for row, e in malformed.items():
            n = len(e.get("cells") or [])
            problems.append(f"{rel}, line {row}: {n} cells where the schema has {len(res['schema']['fields'])} "
                            "columns (malformed CSV: an unquoted comma or a missing cell?)")
        problems += [_message(e, rel, res, resources) for e in errors if e.get("rowNumber") not in malformed
                     or e.get("rowNumber") is None]
        if task.valid and not task.stats.get("rows") and res.get("path"):
            problems.append(f"{rel}: no data rows (rule: a table the notebooks need cannot be empty)")
    for e in report.errors:  # package-level errors
        problems.append(f"{_rel(data_dir / PACKAGE_FILE)}: {e.message}")
    unchecked = unreadable | {t.name for t in report.tasks if not t.valid and any(
        e.type.endswith("-label") or e.type in ("missing-cell", "extra-cell", "scheme-error") for e in t.errors)}
    return (problems + _foreign_key_problems(resources, own_fks, data_dir, unchecked)
            + _row_rule_problems(resources, data_dir, unchecked | {t.name for t in report.tasks if not t.valid}))


#: The firm the collection is about: notebook 06 sets its purchases against its peers' (data/peer_fleets.csv).
FOCUS_OWNER = "ByteDance"


def _peer_fleet_problems(rows: list[dict], rel: str) -> list[str]:
    """peer_fleets.csv as notebook 06 compares it: the rows measured ``bought_in_year`` are of one year, exactly one
    of them is :data:`FOCUS_OWNER`'s and at least one is another firm's."""
    rule = f"(rule: notebook 06 compares {FOCUS_OWNER}'s chips bought in a year with the largest other firm's that year)"
    bought = [(i, r) for i, r in enumerate(rows, start=2) if r.get("measure") == "bought_in_year"]
    own = [(i, r) for i, r in bought if r.get("owner") == FOCUS_OWNER]
    if not own:
        return [f"{rel}, column 'owner': no row of {FOCUS_OWNER!r} measured 'bought_in_year' {rule}"]
    first, year = own[0][0], int(own[0][1]["year"])  # an integer: the schema held
    out = [f"{rel}, line {i}, column 'owner': a second row of {FOCUS_OWNER!r} measured 'bought_in_year' (the first is "
           f"line {first}) {rule}" for i, _r in own[1:]]
    out += [f"{rel}, line {i}, column 'year': {r['year']} where {FOCUS_OWNER}'s row measured 'bought_in_year' "
            f"(line {first}) has {year} {rule}" for i, r in bought if int(r["year"]) != year]
    if not any(r.get("owner") != FOCUS_OWNER for _i, r in bought):
        out.append(f"{rel}, column 'owner': no firm besides {FOCUS_OWNER!r} has a row measured 'bought_in_year' {rule}")
    return out


#: Rules across the rows of one table that the code relies on and a Table Schema cannot state: table -> check.
ROW_RULES = {"peer_fleets": _peer_fleet_problems}


def _row_rule_problems(resources: dict, data_dir: Path, unchecked: set) -> list[str]:
    """Problems found by :data:`ROW_RULES` in the tables that passed their schema (and are in the package)."""
    import csv

    out = []
    for name, check in ROW_RULES.items():
        if name in resources and name not in unchecked:
            path = data_dir / resources[name]["path"]
            text = path.read_text(encoding="utf-8-sig", errors="replace")
            out += check(list(csv.DictReader(text.splitlines())), _rel(path))
    return out


def _single_field_keys(pkg: dict) -> dict[str, list[tuple[str, str, str]]]:
    """resource -> [(field, referenced resource, referenced field)] of its single-field foreign keys."""
    one = lambda f: f if isinstance(f, str) else f[0] if isinstance(f, list) and len(f) == 1 else None  # noqa: E731
    out = {}
    for name, res in _resources(pkg).items():
        for fk in (res.get("schema") or {}).get("foreignKeys", []) or []:
            ref = fk.get("reference") or {}
            if one(fk.get("fields")) and one(ref.get("fields")):
                out.setdefault(name, []).append((one(fk["fields"]), ref.get("resource") or name, one(ref["fields"])))
    return out


def _without(pkg: dict, keys: dict) -> dict:
    """``pkg`` without the foreign keys of ``keys`` (checked by :func:`_foreign_key_problems`)."""
    def strip(res):
        fks = [fk for fk in res["schema"].get("foreignKeys", [])
               if not any(fk.get("fields") in (f, [f]) for f, _r, _rf in keys.get(res["name"], []))]
        return {**res, "schema": {**res["schema"], "foreignKeys": fks}}
    return {**pkg, "resources": [strip(r) if r.get("name") in keys and isinstance(r.get("schema"), dict) else r
                                 for r in pkg["resources"]]}


def _foreign_key_problems(resources: dict, keys: dict, data_dir: Path, unchecked: set) -> list[str]:
    """Each row's single-field foreign keys, with each referenced table read once (Frictionless reads a referenced
    table again for every table that points at it: with 100,000 sources, the 22 tables citing them took 52 s)."""
    import csv

    rows, values, problems = {}, {}, []

    def read(name):
        if name not in rows:
            text = (data_dir / resources[name]["path"]).read_text(encoding="utf-8-sig", errors="replace")
            rows[name] = list(csv.DictReader(text.splitlines()))
        return rows[name]

    for name, fks in keys.items():
        for field, target, target_field in fks:
            if name in unchecked or target in unchecked or target not in resources:
                continue
            key = (target, target_field)
            if key not in values:
                values[key] = {r.get(target_field) for r in read(target)}
            rel, path = _rel(data_dir / resources[name]["path"]), resources[target]["path"]
            problems += [f"{rel}, line {i}, column '{field}': {v!r} is not an {target_field} in {path} "
                         "(rule: foreign key; a missing source?)"
                         for i, r in enumerate(read(name), start=2) for v in [r.get(field)] if v and v not in values[key]]
    return problems


#: data_dir -> (the IPython cell run it was taken in, fingerprint): see :func:`_fingerprint`
_SEEN_IN_RUN: dict = {}


def _cell_run():
    """The execution count of the IPython cell being run; None outside IPython (a test, a script)."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return shell.execution_count if shell is not None else None


def _fingerprint(data_dir: Path) -> str:
    """Hash of the package file and every file it declares (contents, not times; recomputed only
    when a file's size or modification time changes). In a notebook the files are looked at once per cell run (a
    chart-heavy notebook loads tables a thousand times; no cell writes to data/); elsewhere at every call."""
    run = _cell_run()
    if run is not None and _SEEN_IN_RUN.get(data_dir, (None,))[0] == run:
        return _SEEN_IN_RUN[data_dir][1]
    found = _fingerprint_now(data_dir)
    if run is not None:
        _SEEN_IN_RUN[data_dir] = (run, found)
    return found


def _fingerprint_now(data_dir: Path) -> str:
    try:
        with os.scandir(data_dir) as entries:  # one stat per file: this runs on every load()
            key = (data_dir, tuple(sorted((e.name, st.st_mtime_ns, st.st_size) for e in entries for st in [e.stat()])))
    except OSError:
        key = (data_dir, None)
    return _content_hash(key) if key[1] is not None else _hash_files(data_dir)


@lru_cache(maxsize=16)
def _content_hash(key: tuple) -> str:
    return _hash_files(key[0])


def _hash_files(data_dir: Path) -> str:
    h = hashlib.sha256()
    try:
        pkg_text = (data_dir / PACKAGE_FILE).read_bytes()
        pkg = json.loads(pkg_text)
    except (OSError, ValueError):
        return "unreadable"
    h.update(pkg_text)
    for res in pkg.get("resources", []):
        path = data_dir / str(res.get("path", ""))
        h.update(str(res.get("path")).encode())
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"<missing>")
    return h.hexdigest()[:20]


@lru_cache(maxsize=1)
def _validator_key() -> str:
    """Hash of what decides validity besides the data: this module's code and the Frictionless version."""
    from importlib import metadata

    try:
        version = metadata.version("frictionless")
    except metadata.PackageNotFoundError:
        version = "?"
    return hashlib.sha256(Path(__file__).read_bytes() + version.encode()).hexdigest()[:12]


@lru_cache(maxsize=8)
def _validated(data_dir: Path, fingerprint: str) -> tuple[dict, list[str]]:
    pkg = read_package(data_dir)
    stamp = STAMP_DIR / f"{fingerprint}-{_validator_key()}"
    if stamp.exists():
        return pkg, []
    problems = _problems(pkg, data_dir)
    if not problems:
        try:
            STAMP_DIR.mkdir(parents=True, exist_ok=True)
            stamp.touch()
        except OSError:
            pass
    return pkg, problems


def validate(data_dir: Path | str | None = None) -> list[str]:
    """Every problem found in the data package (an empty list when it is valid)."""
    data_dir = Path(data_dir).resolve() if data_dir else DATA_DIR
    try:
        return list(_validated(data_dir, _fingerprint(data_dir))[1])
    except DataError as exc:
        return exc.problems


def load(name: str, data_dir: Path | str | None = None):
    """Table ``name`` as a pandas DataFrame with typed columns; raises DataError if the package is invalid.

    Each call returns a fresh copy (callers may modify it: under pandas' copy-on-write a change copies
    what it changes, so the copy shares the data until then); the typed frame is built once per version
    of the files.
    """
    data_dir = Path(data_dir).resolve() if data_dir else DATA_DIR
    return _frame(name, data_dir, _fingerprint(data_dir)).copy(deep=False)


#: the tiers a headline's key number may cite (a relay names its original but is not it; an aggregator never counts)
HEADLINE_TIERS = ("primary", "reputable")


def headline_sources(ids, tiers=None) -> list:
    """The ids of ``ids`` a headline may cite: primary or reputable in ``tiers`` (source id -> tier; default sources.csv),
    in order, without repeats."""
    tiers = _tiers(load) if tiers is None else tiers
    return [i for i in dict.fromkeys(ids) if tiers.get(i) in HEADLINE_TIERS]


def reliable(rows, tiers=None):
    """The rows of ``rows`` that may be ranked or counted as evidence: those whose ``source_id`` is not
    ``aggregator``-tier (summaries, mirrors, machine-written pages) in ``tiers`` (source id -> tier; default
    the ``tier`` column of sources.csv); a relay (a syndication or rewrite naming its original) is kept. A source
    without a tier is kept. Key numbers of a headline cite only :func:`headline_sources`."""
    tiers = _tiers(load) if tiers is None else tiers
    return rows[rows.source_id.map(tiers) != "aggregator"]


def value_range(rows, column: str = "value") -> tuple[float, float]:
    """(lowest, highest) ``column`` of ``rows``, its ``_low`` / ``_high`` columns included (``value_low_millions``
    beside ``value_millions``); (NaN, NaN) without a value."""
    import pandas as pd

    names = {column + s for s in ("", "_low", "_high")} | {column.replace("value", "value" + s) for s in ("_low", "_high")}
    values = [float(v) for n in names & set(rows.columns) for v in pd.to_numeric(rows[n], errors="coerce") if v == v]
    return (min(values), max(values)) if values else (float("nan"), float("nan"))


def memo(fn):
    """Cache ``fn(*args)`` (hashable args) until a file in ``data/`` changes; DataFrame and Series
    results, alone or in a tuple, are returned as copies, so a caller cannot alter the cached value."""
    cache: dict = {}

    @wraps(fn)
    def wrapper(*args):
        key = (_fingerprint(DATA_DIR), args)
        if key not in cache:
            if len(cache) > 64:
                cache.clear()
            cache[key] = fn(*args)
        return _copied(cache[key])

    wrapper.cache_clear = cache.clear
    return wrapper


def _copied(value):
    """``value`` with each DataFrame or Series in it (itself, or an item of a tuple) a copy (copy-on-write: cheap)."""
    if isinstance(value, tuple):
        return tuple(map(_copied, value))
    return value.copy(deep=False) if hasattr(value, "copy") and hasattr(value, "iloc") else value


@memo
def _tiers(loader):
    """The ``tier`` column of sources.csv by source id, as ``loader`` (:func:`load`, or a stand-in a test puts in its
    place, which gets a table of its own) reads it: built once per version of data/, not on every call."""
    return loader("sources").set_index("id").tier


@lru_cache(maxsize=64)
def _frame(name: str, data_dir: Path, fingerprint: str):
    import pandas as pd

    pkg, problems = _validated(data_dir, fingerprint)
    if problems:
        raise DataError(problems)
    resources = _resources(pkg)
    if name not in resources:
        raise KeyError(f"no table {name!r} in {PACKAGE_FILE}; known: {sorted(resources)}")
    raw = pd.read_csv(data_dir / resources[name]["path"], dtype=object, keep_default_na=False, encoding="utf-8")
    frame = {}
    for field in resources[name]["schema"]["fields"]:
        # (in plain Python: pandas' string methods cost a millisecond or two a column, paid at every first load)
        col, ftype = pd.Series([v.strip() or None for v in raw[field["name"]]], dtype=object), field.get("type", "string")
        if ftype == "integer":
            frame[field["name"]] = pd.to_numeric(col).astype("Int64")
        elif ftype == "number":
            frame[field["name"]] = pd.to_numeric(col).astype("float64")
        elif ftype == "date":
            frame[field["name"]] = pd.to_datetime(col, format="%Y-%m-%d").astype("datetime64[s]")
        elif ftype == "boolean":
            frame[field["name"]] = col.map({"true": True, "false": False}).astype("object")
        else:
            frame[field["name"]] = col
    return pd.DataFrame(frame)
