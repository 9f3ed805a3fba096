"""Load the curated tables in ``data/``, validated against ``data/datapackage.json``.

The package file is a Frictionless Data Package. This module checks the subset of it the
project uses (field types, ``required``, ``minimum``/``maximum``, ``enum``, ``pattern``,
``unique``, primary keys, foreign keys) with the standard library only, so that a bad file
stops the build with one readable message naming the file, the line, the column and the rule,
and so that loading stays fast inside a notebook kernel.
"""
from __future__ import annotations

import csv
import datetime as _dt
import json
import re
from functools import lru_cache, wraps
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PACKAGE_FILE = "datapackage.json"
MAX_REPORTED = 20


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


def _parse(value: str, ftype: str):
    """Convert one CSV cell to the field's type; raise ValueError if it does not fit."""
    if ftype == "number":
        out = float(value)
        if out != out or out in (float("inf"), float("-inf")):
            raise ValueError
        return out
    if ftype == "integer":
        return int(value)
    if ftype == "date":
        return _dt.date.fromisoformat(value)
    if ftype == "boolean":
        if value in ("true", "false"):
            return value == "true"
        raise ValueError
    return value


def _check_cell(raw: str, field: dict, where: str) -> tuple[object, str | None]:
    name, ftype = field["name"], field.get("type", "string")
    cons = field.get("constraints", {})
    if raw == "":
        if cons.get("required"):
            return None, f"{where}, column '{name}': value is missing (rule: required)"
        return None, None
    try:
        value = _parse(raw, ftype)
    except ValueError:
        hint = {"date": " (expected YYYY-MM-DD)", "boolean": " (expected true/false)"}.get(ftype, "")
        return None, f"{where}, column '{name}': {raw!r} is not a {ftype}{hint} (rule: type)"
    if "enum" in cons and value not in cons["enum"]:
        allowed = ", ".join(map(str, cons["enum"]))
        return None, f"{where}, column '{name}': {raw!r} is not one of [{allowed}] (rule: enum)"
    if "minimum" in cons and value < _parse(str(cons["minimum"]), ftype):
        return None, (f"{where}, column '{name}': {raw} is below the minimum {cons['minimum']}"
                      f"{_unit(field)} (rule: minimum; a unit slip?)")
    if "maximum" in cons and value > _parse(str(cons["maximum"]), ftype):
        return None, (f"{where}, column '{name}': {raw} is above the maximum {cons['maximum']}"
                      f"{_unit(field)} (rule: maximum; a unit slip?)")
    if "pattern" in cons and not re.fullmatch(cons["pattern"], raw):
        return None, f"{where}, column '{name}': {raw!r} does not match {cons['pattern']!r} (rule: pattern)"
    return value, None


def _unit(field: dict) -> str:
    return f" {field['unit']}" if field.get("unit") else ""


def _as_list(x) -> list[str]:
    return [x] if isinstance(x, str) else list(x)


def _read_resource(res: dict, data_dir: Path) -> tuple[dict[str, list], list[str]]:
    """Read and type-check one resource. Returns (columns, problems)."""
    path = data_dir / res["path"]
    rel = _rel(path)
    fields = res["schema"]["fields"]
    names = [f["name"] for f in fields]
    cols: dict[str, list] = {n: [] for n in names}
    problems: list[str] = []
    try:
        handle = path.open(newline="", encoding="utf-8")
    except FileNotFoundError:
        return cols, [f"{rel}: file listed in {PACKAGE_FILE} is missing"]
    with handle:
        try:
            rows = list(csv.reader(handle, strict=True))
        except (csv.Error, UnicodeDecodeError) as exc:
            return cols, [f"{rel}: cannot be read as UTF-8 CSV ({exc})"]
    if not rows:
        return cols, [f"{rel}: file is empty (expected a header row)"]
    header = rows[0]
    if header != names:
        missing = [n for n in names if n not in header]
        extra = [h for h in header if h not in names]
        if missing or extra:
            detail = "; ".join(filter(None, [
                f"missing column(s) {missing}" if missing else "",
                f"unexpected column(s) {extra}" if extra else ""]))
        else:
            detail = f"columns are out of order: expected {names}"
        return cols, [f"{rel}, line 1 (header): {detail} (rule: schema fields)"]
    unique = {f["name"]: {} for f in fields if f.get("constraints", {}).get("unique")}
    for lineno, row in enumerate(rows[1:], start=2):
        where = f"{rel}, line {lineno}"
        if len(row) != len(names):
            problems.append(f"{where}: {len(row)} cells where the header has {len(names)} columns "
                            "(malformed CSV: an unquoted comma or a missing cell?)")
            for n in names:
                cols[n].append(None)
            continue
        for field, raw in zip(fields, row):
            value, problem = _check_cell(raw.strip(), field, where)
            if problem:
                problems.append(problem)
            cols[field["name"]].append(value)
            seen = unique.get(field["name"])
            if seen is not None and value is not None:
                if value in seen:
                    problems.append(f"{where}, column '{field['name']}': {raw!r} repeats line "
                                    f"{seen[value]} (rule: unique)")
                else:
                    seen[value] = lineno
    pk = res["schema"].get("primaryKey")
    if pk:
        keys = _as_list(pk)
        seen_pk: dict[tuple, int] = {}
        for i, key in enumerate(zip(*(cols[k] for k in keys))):
            if key in seen_pk:
                problems.append(f"{rel}, line {i + 2}, column '{', '.join(keys)}': "
                                f"{key if len(key) > 1 else key[0]!r} repeats line {seen_pk[key]} "
                                "(rule: primary key)")
            else:
                seen_pk[key] = i + 2
    return cols, problems


def _check_foreign_keys(resources: dict, tables: dict, data_dir: Path) -> list[str]:
    problems = []
    for name, res in resources.items():
        rel = _rel(data_dir / res["path"])
        for fk in res["schema"].get("foreignKeys", []):
            fields = _as_list(fk["fields"])
            ref = fk["reference"]
            target = ref.get("resource") or name
            if target not in tables:
                problems.append(f"{rel}: foreign key points to unknown resource {target!r}")
                continue
            ref_fields = _as_list(ref["fields"])
            known = set(zip(*(tables[target][f] for f in ref_fields)))
            for i, key in enumerate(zip(*(tables[name][f] for f in fields))):
                if any(k is None for k in key):
                    continue
                if key not in known:
                    shown = key[0] if len(key) == 1 else key
                    problems.append(
                        f"{rel}, line {i + 2}, column '{', '.join(fields)}': {shown!r} is not "
                        f"an {'/'.join(ref_fields)} in {resources[target]['path']} "
                        "(rule: foreign key; a missing source?)")
    return problems


def _fingerprint(data_dir: Path) -> tuple:
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                        for p in data_dir.iterdir() if p.is_file()))


@lru_cache(maxsize=8)
def _validated(data_dir: Path, fingerprint: tuple) -> tuple[dict, dict, list[str]]:
    pkg = read_package(data_dir)
    resources = {r["name"]: r for r in pkg.get("resources", [])}
    tables, problems = {}, []
    for name, res in resources.items():
        cols, probs = _read_resource(res, data_dir)
        tables[name] = cols
        problems += probs
    if not problems:
        problems += _check_foreign_keys(resources, tables, data_dir)
    return resources, tables, problems


def validate(data_dir: Path | str | None = None) -> list[str]:
    """Every problem found in the data package (an empty list when it is valid)."""
    data_dir = Path(data_dir).resolve() if data_dir else DATA_DIR
    try:
        return list(_validated(data_dir, _fingerprint(data_dir))[2])
    except DataError as exc:
        return exc.problems


def load(name: str, data_dir: Path | str | None = None):
    """Table ``name`` as a pandas DataFrame with typed columns; raises DataError if the package is invalid.

    Each call returns a fresh copy (callers may modify it); the typed frame is built once per
    version of the files.
    """
    data_dir = Path(data_dir).resolve() if data_dir else DATA_DIR
    return _frame(name, data_dir, _fingerprint(data_dir)).copy()


def memo(fn):
    """Cache ``fn(*args)`` (hashable args) until a file in ``data/`` changes; DataFrame and Series
    results are returned as copies, so a caller cannot alter the cached value."""
    cache: dict = {}

    @wraps(fn)
    def wrapper(*args):
        key = (_fingerprint(DATA_DIR), args)
        if key not in cache:
            if len(cache) > 64:
                cache.clear()
            cache[key] = fn(*args)
        value = cache[key]
        return value.copy() if hasattr(value, "copy") and hasattr(value, "iloc") else value

    wrapper.cache_clear = cache.clear
    return wrapper


@lru_cache(maxsize=64)
def _frame(name: str, data_dir: Path, fingerprint: tuple):
    import pandas as pd

    resources, tables, problems = _validated(data_dir, fingerprint)
    if problems:
        raise DataError(problems)
    if name not in resources:
        raise KeyError(f"no table {name!r} in {PACKAGE_FILE}; known: {sorted(resources)}")
    frame = {}
    for field in resources[name]["schema"]["fields"]:
        values, ftype = tables[name][field["name"]], field.get("type", "string")
        if ftype == "integer":
            frame[field["name"]] = pd.array(values, dtype="Int64")
        elif ftype == "number":
            frame[field["name"]] = pd.array([float("nan") if v is None else v for v in values], dtype="float64")
        elif ftype == "date":
            frame[field["name"]] = pd.to_datetime(pd.Series(values, dtype="object"))
        else:
            frame[field["name"]] = pd.Series(values, dtype="object")
    return pd.DataFrame(frame)


def field_units(name: str, data_dir: Path | str | None = None) -> dict[str, str]:
    """Unit of each numeric field of table ``name``, as the schema states it."""
    data_dir = Path(data_dir).resolve() if data_dir else DATA_DIR
    resources = _validated(data_dir, _fingerprint(data_dir))[0]
    return {f["name"]: f["unit"] for f in resources[name]["schema"]["fields"] if f.get("unit")}


def cite(source_ids, data_dir: Path | str | None = None) -> str:
    """A short source line ("Publisher (date); …") for the given source ids, in order, without repeats."""
    src = load("sources", data_dir).set_index("id")
    out = []
    for sid in dict.fromkeys(source_ids):
        row = src.loc[sid]
        date = row["published_date"]
        when = date.strftime("%Y-%m-%d") if hasattr(date, "strftime") and date == date else "n.d."
        out.append(f"{row['publisher']} ({when})")
    return "; ".join(out)
