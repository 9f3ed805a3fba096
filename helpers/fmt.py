"""Formatting for people: numbers with ranges, escaped text from data/, source links, tables.

Text that comes from ``data/`` is untrusted: anything that puts it into Markdown or HTML goes
through :func:`md` (Markdown) or :func:`html` (HTML) first. :func:`table` formats a DataFrame for
reading and escapes every cell. Column titles (with units), labels of coded values and display
formats come from one place, the fields of ``data/datapackage.json`` (``title``, ``valueLabels``,
``displayFormat``; ``derivedFields`` for columns helpers compute): a reader never sees a code, a
boolean, NaN or scientific notation.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import html as _html
import json
import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

#: Page of the built site that lists every source (one anchor per source id).
SOURCES_PAGE = "sources.html"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()+\-.!|~>$])")


# ----------------------------------------------------------------------------- escaping
def html(text) -> str:
    """``text`` with &, <, >, " and ' escaped for HTML."""
    return _html.escape(str(text), quote=True)


def md(text) -> str:
    """``text`` safe inside Markdown: &, < and > escaped for HTML and Markdown punctuation
    backslash-escaped, so it shows literally (no markup, no links — bare URLs included —, no LaTeX); one line."""
    text = _html.escape(str(text), quote=False).replace("\n", " ")
    # '#' and ':' as entities: no heading, and no bare URL that the Markdown renderer would turn into a link
    return _MD_SPECIAL.sub(r"\\\1", text).replace("#", "&#35;").replace(":", "&#58;")


# ----------------------------------------------------------------------------- numbers
def pct(x: float, digits: int = 0) -> str:
    """0.1234 -> '12%' (``digits`` decimals)."""
    return "n/a" if x is None or x != x else f"{100 * x:.{digits}f}%"


def rng(lo: float, hi: float, fmt: str = ".0%") -> str:
    """A range: '28–38%', '1.2–3.4'; one value when both ends format alike ('96%')."""
    a, b = format(lo, fmt), format(hi, fmt)
    if a == b:
        return a
    if a.endswith("%") and b.endswith("%"):
        a = a[:-1]
    return f"{a}–{b}"


def bounded(lo: float, hi: float, *, low: float | None = 0.0, high: float | None = None, fmt: str = ".0%",
            spans: str = "", narrow: str = "") -> tuple[bool, str]:
    """A range checked against the physical bounds of its quantity (a share cannot pass 100%, a remainder
    cannot be negative): ``(True, '19–34%')`` when ``[lo, hi]`` lies within ``[low, high]``; otherwise
    ``(False, 'not determined by the data (the range, 19–340%, passes 100%); <narrow>')``, so a page
    reports the question as open instead of printing a headline number. ``spans`` says what the range
    spans ('two chips of one vendor', '5th–95th percentile of 10,000 draws') and is appended in brackets."""
    text = rng(lo, hi, fmt) + (f" ({spans})" if spans else "")
    crossed = [f"below {format(low, fmt)}" for _ in [0] if low is not None and lo < low] + \
              [f"past {format(high, fmt)}" for _ in [0] if high is not None and hi > high]
    if not crossed:
        return True, text
    return False, (f"not determined by the data (the range, {rng(lo, hi, fmt)}, runs {' and '.join(crossed)})"
                   + (f"; {narrow}" if narrow else ""))


def sig(x: float, digits: int = 2) -> str:
    """``x`` to ``digits`` significant figures with thousands separators: 7268 -> '7,300'.
    For estimates, where more digits would be false precision."""
    if x is None or x != x:
        return "n/a"
    if x == 0 or not math.isfinite(x):
        return f"{x:,.0f}"
    decimals = digits - 1 - int(math.floor(math.log10(abs(x))))
    return f"{round(x, decimals):,.{max(decimals, 0)}f}"


def num(x: float, digits: int = 4) -> str:
    """A reported figure as people write it: 614682 -> '614,682', 1.3275 -> '1.328', 0.05 -> '0.05'."""
    if x is None or x != x:
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 10 ** (digits - 1) else f"{x:,.{digits}g}"


def usd(x: float, digits: int = 2) -> str:
    """USD amounts with a scale word: 7e9 -> 'USD 7.0 bn', 2.65 -> 'USD 2.65'."""
    for size, word in ((1e9, "bn"), (1e6, "M")):
        if abs(x) >= size:
            return f"USD {x / size:,.{max(digits - 1, 1)}f} {word}"
    return f"USD {x:,.{digits}f}"


# ----------------------------------------------------------------------------- sources
def safe_url(url) -> str:
    """``url`` if it is an absolute http(s) URL with a host (checked by parsing, not by pattern), else ''.
    The one rule for every URL written into a page as a link: sources, archived copies, data text."""
    from urllib.parse import urlsplit

    text = str(url or "").strip()
    if not text or any(c.isspace() or ord(c) < 32 or c in "\"'<>`\\" for c in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return text if parts.scheme in ("http", "https") and parts.hostname else ""


def source_link(source_id: str) -> str:
    """Markdown/HTML link from a source id to its entry on the sources page."""
    sid = html(source_id)
    return f'<a href="{SOURCES_PAGE}#{sid}" class="source-id">{sid}</a>'


def source_links(ids) -> str:
    """Comma-separated links for the ids (a list or a 'a, b' / 'a;b' string), in order, once each."""
    if isinstance(ids, str):
        ids = re.split(r"[;,]\s*", ids)
    return ", ".join(source_link(i) for i in dict.fromkeys(i.strip() for i in ids if i and str(i).strip()))


def cite(source_ids, *, links: bool = False) -> str:
    """'Publisher (date); …' for the ids, in order, once each. Plain text for chart source lines;
    with ``links=True``, escaped HTML with each entry linked to the sources page."""
    from helpers import data

    src = data.load("sources").set_index("id")
    out = []
    for sid in dict.fromkeys(source_ids):
        row = src.loc[sid]
        date = row["published_date"]
        when = date.strftime("%Y-%m-%d") if hasattr(date, "strftime") and date == date else "n.d."
        text = f"{row['publisher']} ({when})"
        out.append(f'<a href="{SOURCES_PAGE}#{html(sid)}">{html(text)}</a>' if links else text)
    return "; ".join(out)


# ----------------------------------------------------------------------------- tables
#: What a reader sees for a missing value.
MISSING = "–"
#: Class of every table; wide tables also get :data:`STICKY_CLASS` (the site's CSS keeps their first
#: column in view while the rest scrolls sideways).
TABLE_CLASS = "data-table"
STICKY_CLASS = "sticky-first"
#: A table with at least this many columns (the index included when shown) counts as wide.
WIDE_COLUMNS = 5

_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")  # snake_case: a code, never shown raw
_BARE = re.compile(r"[a-z0-9][a-z0-9_]*")  # a lower-case token, a code in a coded column
_LIST_SEP = re.compile(r"(\s*[,;]\s*)")
_SCI = re.compile(r"(?<![\w.])([+-]?)(\d+(?:\.\d+)?)[eE]([+-]?\d+)(?![\w.])")
_NAN_WORD = re.compile(r"\b(?:nan|NaN|NAN)\b")
_INF_WORD = re.compile(r"([+-]?)\b(?:inf|Infinity)\b")
_NA_TEXT = {"nan", "NaN", "NAN", "None", "<NA>", "NaT", "null"}
_LONG_INT = re.compile(r"(?<![\d.,])(\d{5,})(?!\d)")
_SPEC = re.compile(r"(?P<head>(?:.?[<>=^])?(?P<sign>[+\- ]?)z?#?0?\d*)(?P<group>[,_]?)"
                   r"(?:\.(?P<prec>\d+))?(?P<type>[bcdeEfFgGnosxX%]?)")
_YEARS = (1990, 2100)
_YEAR_UNITS = {"year", "calendar year", "fiscal year", "nvidia fiscal year"}


def _humanize(code: str) -> str:
    """A code for people when no label is known: 'ordered_pending' -> 'Ordered pending'."""
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _missing(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, (float, np.floating)):
        return math.isnan(v)
    if isinstance(v, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(v))
    return False


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _plain(x: float, digits: int = 3, sign: str = "") -> str:
    """``x`` to ``digits`` significant figures, fixed-point with thousands separators and no trailing
    zeros, never in scientific notation: 614682 -> '615,000' (3), 1.2e-9 -> '0.0000000012'."""
    x = float(x)
    if not math.isfinite(x):
        return _infinity(x)
    if x == 0:
        return "0"
    digits = max(int(digits), 1)
    decimals = digits - 1 - int(math.floor(math.log10(abs(x))))
    r = round(x, decimals)
    if r == 0:
        return "0"
    text = f"{r:{sign},.{max(decimals, 0)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _infinity(x) -> str:
    return "∞" if x > 0 else "−∞"


def _fix_sci(text: str) -> str:
    """Every number in scientific notation in ``text`` written out: '6.147e+05' -> '614,700'."""
    def repl(m):
        sign, mantissa, exp = m.groups()
        digits = len(mantissa.replace(".", "").lstrip("0")) or 1
        return sign + _plain(float(f"{mantissa}e{exp}"), digits)
    return _SCI.sub(repl, text)


def _format_number(v, spec: str, yearly: bool = False) -> str:
    """A number through the format ``spec`` (a format spec, or a template such as 'FY{:.0f}'), the way
    people read it: no scientific notation (g/e/n formats become fixed-point with separators and the
    same significant digits), separators on long numbers, years as written (2026), ∞ for infinities."""
    if not math.isfinite(float(v)):
        return _infinity(v)
    if "{" in spec:
        return _clean(spec.format(v), yearly)
    year = yearly and _YEARS[0] <= float(v) <= _YEARS[1]
    if year and float(v).is_integer():
        return f"{float(v):.0f}"
    m = _SPEC.fullmatch(spec)
    if not m:
        text = _clean(format(v, spec), yearly)
    else:
        kind, prec, sign = m["type"], m["prec"], m["sign"].strip()
        if kind and kind in "eE":
            kind, prec = "g", str((int(prec) if prec else 6) + 1)
        if kind in ("g", "G", "n") or (kind == "" and prec and isinstance(v, (float, np.floating))):
            text = _plain(v, int(prec) if prec else 6, sign)
        else:
            if kind in ("", "d", "f", "F", "%") and not m["group"] and abs(float(v)) >= 10_000:
                spec = f"{m['head']},{'.' + prec if prec else ''}{kind}"
            text = _clean(format(v, spec), yearly)
    return text.replace(",", "") if year else text


def _clean(text: str, yearly: bool = False) -> str:
    """Formatted number text made safe for people: NaN -> '–', inf -> ∞, scientific notation written
    out, long runs of digits separated (not in year columns)."""
    text = str(text)
    if _NAN_WORD.search(text):
        return MISSING
    text = _INF_WORD.sub(lambda m: "−∞" if m.group(1) == "-" else "∞", text)
    text = _fix_sci(text)
    if not yearly:
        text = _LONG_INT.sub(lambda m: f"{int(m.group(1)):,}", text)
    return text


def _auto_format(values, yearly: bool = False) -> str:
    """A format spec for the numbers of one column: whole numbers with separators (years as written),
    else three significant figures (at least one decimal below 1,000)."""
    vals = np.array([float(v) for v in values if _is_number(v) and math.isfinite(float(v))])
    if len(vals) and (vals % 1 == 0).all():
        return ".0f" if yearly or ((vals >= _YEARS[0]) & (vals <= _YEARS[1])).all() else ",.0f"
    biggest = float(np.abs(vals).max()) if len(vals) else 0.0
    if biggest >= 1000:
        return ",.0f"
    if biggest >= 10:
        return ",.1f"
    smallest = float(np.abs(vals[vals != 0]).min()) if (vals != 0).any() else 0.0
    return ",.3g" if biggest < 0.1 or 0 < smallest < 0.1 else ",.2f"


# ----------------------------------------------------------------------------- column metadata
class _Meta:
    """Display metadata of data/datapackage.json: per resource and field name, the field (title,
    valueLabels, displayFormat, unit, constraints); ``derivedFields`` for columns helpers compute."""

    def __init__(self, pkg: dict):
        self.resources: dict[str, dict[str, dict]] = {}
        self.by_name: dict[str, list[dict]] = {}
        self.codes: dict[str, str] = {}  # every labelled code of the package -> its label
        for res in pkg.get("resources", []):
            fields = {f["name"]: f for f in res.get("schema", {}).get("fields", []) if "name" in f}
            self.resources[res.get("name")] = fields
            for name, f in fields.items():
                self.by_name.setdefault(name, []).append(f)
        for f in pkg.get("derivedFields", []):
            self.by_name.setdefault(f["name"], []).append(f)
        for fields in self.by_name.values():
            for f in fields:
                for code, label in (f.get("valueLabels") or {}).items():
                    self.codes.setdefault(code, label)
        snake = sorted((c for c in self.codes if _CODE.fullmatch(c)), key=len, reverse=True)
        #: a labelled snake_case code inside a sentence (not inside a URL, a path or a key=value filter)
        self.in_text = (re.compile(r"(?<![\w/.=#-])(" + "|".join(map(re.escape, snake)) + r")(?![\w/=#-]|\.\w)")
                        if snake else None)

    def best_resource(self, columns) -> str | None:
        """The resource sharing the most column names with ``columns`` (at least two, and no tie)."""
        names = {str(c) for c in columns}
        scores = sorted(((len(names & set(fields)), res) for res, fields in self.resources.items()), reverse=True)
        if not scores or scores[0][0] < 2 or (len(scores) > 1 and scores[1][0] == scores[0][0]):
            return None
        return scores[0][1]

    def column(self, name, resource: str | None) -> dict:
        """Title, labels, display format and kind of column ``name`` (first the field of ``resource``;
        labels of same-named fields elsewhere fill in)."""
        fields = list(self.by_name.get(str(name), []))
        own = self.resources.get(resource, {}).get(str(name)) if resource else None
        if own is not None:
            fields = [own] + [f for f in fields if f is not own]
        if not fields:
            return {}
        labels: dict[str, str] = {}
        for f in fields:
            for code, label in (f.get("valueLabels") or {}).items():
                labels.setdefault(code, label)
        first = fields[0]
        unit = str(first.get("unit", ""))
        return {"title": first.get("title"), "labels": labels, "format": first.get("displayFormat"),
                "coded": bool(labels) or any((f.get("constraints") or {}).get("enum") for f in fields),
                "yearly": "calendar year" in unit or "fiscal year" in unit}


@lru_cache(maxsize=4)
def _read_meta(path: str, mtime_ns: int, size: int) -> _Meta:
    return _Meta(json.loads(Path(path).read_text(encoding="utf-8")))


def package_meta() -> _Meta:
    """The display metadata of the data package (read once per version of the file)."""
    from helpers import data

    path = Path(data.DATA_DIR) / data.PACKAGE_FILE
    try:
        st = path.stat()
    except OSError:
        return _Meta({})
    return _read_meta(str(path), st.st_mtime_ns, st.st_size)


# ----------------------------------------------------------------------------- cells
def _text(v, labels: dict, coded: bool, codes: dict, in_text=None) -> str:
    """A text cell for people (not yet escaped): a code's label, else the code in words; labelled codes
    inside a sentence replaced by their labels; 'nan' -> '–'; numbers in scientific notation written out."""
    s = str(v)
    if s in labels:
        return str(labels[s])
    t = s.strip()
    if t in _NA_TEXT:
        return MISSING
    if t in labels:
        return str(labels[t])
    if _CODE.fullmatch(t) or (coded and _BARE.fullmatch(t)):
        return str(codes.get(t) or _humanize(t))
    parts = _LIST_SEP.split(t)
    words = parts[::2]
    if len(words) > 1 and all(_BARE.fullmatch(w) or w in labels for w in words) \
            and any(_CODE.fullmatch(w) or w in labels for w in words):
        return "".join(p if i % 2 else str(labels.get(p) or codes.get(p) or _humanize(p)) for i, p in enumerate(parts))
    if in_text is not None and "_" in s:
        s = in_text.sub(lambda m: str(labels.get(m.group(1)) or codes[m.group(1)]), s)
    return _fix_sci(s)


_TOKEN = re.compile(r"(?<![\w/.=#-])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w/=#-]|\.\w)")


def _source_ids() -> frozenset:
    """Every source id of ``sources.csv`` (empty if the data cannot be read)."""
    from helpers import data

    try:
        return frozenset(data.load("sources")["id"])
    except Exception:  # noqa: BLE001 - a table must render even when data/ is broken
        return frozenset()


def _link_ids(escaped: str, ids) -> str:
    """Source ids named inside escaped text become links to the sources page (not inside URLs)."""
    if "_" not in escaped:
        return escaped
    return _TOKEN.sub(lambda m: source_link(m.group(1)) if m.group(1) in ids() else m.group(0), escaped)


def _cell_formatter(col, info: dict, spec, auto: str, yearly: bool, meta: "_Meta", ids=frozenset):
    """The function that turns one value of column ``col`` into escaped HTML (``ids``: a callable giving
    the source ids to link where text names them)."""
    labels, coded, codes = info.get("labels") or {}, info.get("coded", False), meta.codes

    def cell(v):
        if _missing(v):
            return MISSING
        if callable(spec):
            return html(_clean(spec(v), yearly))
        if isinstance(v, (bool, np.bool_)):
            return "Yes" if v else "No"
        if _is_number(v):
            fmt_ = spec or info.get("format") or auto
            try:
                return html(_format_number(v, fmt_, yearly))
            except (ValueError, TypeError, KeyError, IndexError):
                return html(_format_number(v, auto, yearly))
        if isinstance(v, (pd.Timestamp, _dt.date, np.datetime64)):
            return html(pd.Timestamp(v).strftime("%Y-%m-%d"))
        if isinstance(v, str) and spec and "{" in spec:
            return html(_clean(spec.format(v), yearly))
        return _link_ids(html(_text(v, labels, coded, codes, meta.in_text)), ids)
    return cell


class _Table(Styler):
    """A Styler whose plain-text form carries no memory address (rebuilds give identical notebooks)."""

    def __repr__(self) -> str:
        return f"<table: {len(self.data)} rows x {len(self.data.columns)} columns>"

    def _repr_html_(self) -> str:
        """The table without pandas' per-cell ids, classes and style block (half the bytes of a page's
        tables; the site's stylesheet styles every ``data-table``), with the table's own classes."""
        attrs = self.table_attributes or ""
        return self.to_html(exclude_styles=True).replace("<table>", f"<table {attrs}>", 1)


def table(df: pd.DataFrame, formats: dict | None = None, columns: dict | None = None,
          sources: str | tuple = ("source_id", "source_ids"), index: bool = False, *, resource: str | None = None):
    """A pandas Styler of ``df`` for people, formatted from the metadata of ``data/datapackage.json``.

    Each column is looked up by name among the package's fields (``resource`` names the table to
    look in first; by default the table sharing the most column names with ``df``; then any table,
    then ``derivedFields`` for columns that helpers compute):

    - header: the ``columns`` rename if given, else the field's ``title``, else the name in words;
    - coded values (``valueLabels``) show their label; any other snake_case code its words
      ('ordered_pending' -> 'Ordered pending');
    - numbers: ``formats[col]`` (a format spec or a callable), else the field's ``displayFormat``,
      else a readable default; never scientific notation (g/e formats and callables' output are
      written out with separators), years without separators, infinities as ∞;
    - booleans 'Yes' / 'No'; missing values '–'; dates YYYY-MM-DD;
    - the ``sources`` columns become links to the sources page, and so do source ids named inside
      text; every other cell is HTML-escaped (callables' output too).

    The Styler's columns keep the ``columns`` renames (so ``.hide([...])`` and ``subset=`` work as
    before); titles are display text. The table id is derived from its content, so rebuilding gives
    the same HTML; wide tables get the class :data:`STICKY_CLASS` besides :data:`TABLE_CLASS`."""
    formats = dict(formats or {})
    columns = dict(columns or {})
    meta = package_meta()
    if resource is not None and resource not in meta.resources:
        raise KeyError(f"no table {resource!r} in the data package; known: {sorted(meta.resources)}")
    chosen = resource or meta.best_resource(df.columns)
    source_cols = {c for c in ([sources] if isinstance(sources, str) else sources) if c in df.columns}
    known: list = []

    def ids() -> frozenset:  # read sources.csv only if a cell names something like a source id
        if not known:
            known.append(_source_ids())
        return known[0]

    funcs, headers, autos = {}, {}, {}
    for col in df.columns:
        info = meta.column(col, chosen) if isinstance(col, str) else {}
        yearly = info.get("yearly", False) or any(w in str(col).lower() for w in ("year", "fiscal"))
        shown = columns.get(col, col)
        headers[shown] = columns[col] if col in columns else (info.get("title") or _humanize(col))
        if col in source_cols:
            funcs[shown] = lambda v: MISSING if _missing(v) else source_links(str(v))
            continue
        autos[col] = _auto_format(df[col].tolist(), yearly)
        funcs[shown] = _cell_formatter(col, info, formats.get(col), autos[col], yearly, meta, ids)

    out = df.rename(columns=columns) if columns else df.copy()
    digest = hashlib.sha1(pd.util.hash_pandas_object(df.astype(str), index=True).values.tobytes()
                          + "|".join(map(str, out.columns)).encode()).hexdigest()[:8]
    styler = _Table(out).format(funcs).set_uuid(f"t{digest}")
    if "unit" in df.columns:  # rows whose unit column says 'year': their numbers are years (2026, not 2,026)
        rows = df["unit"].astype(str).str.strip().str.lower().isin(_YEAR_UNITS).to_numpy()
        if rows.any():
            for col in df.columns:
                if col not in source_cols and col != "unit" and not callable(formats.get(col)):
                    info = meta.column(col, chosen) if isinstance(col, str) else {}
                    shown = columns.get(col, col)
                    styler = styler.format(_cell_formatter(col, info, formats.get(col), autos[col], True, meta, ids),
                                           subset=(rows, [shown]))

    def header(label):
        if label in headers:
            return html(headers[label])
        info = meta.column(label, chosen) if isinstance(label, str) else {}
        return html(info.get("title") or meta.codes.get(str(label)) or _humanize(label))

    styler = styler.format_index(header, axis=1)
    wide = len(out.columns) + (out.index.nlevels if index else 0) >= WIDE_COLUMNS
    styler = styler.set_table_attributes(f'class="{TABLE_CLASS} {STICKY_CLASS}"' if wide else f'class="{TABLE_CLASS}"')
    if index:
        name = out.index.name
        info = meta.column(name, chosen) if isinstance(name, str) else {}
        cell = _cell_formatter(name, info, None, _auto_format(out.index.tolist()), False, meta, ids)
        return styler.format_index(cell, axis=0)
    return styler.hide(axis="index")
