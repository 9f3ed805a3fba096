"""Formatting for people: numbers with ranges, escaped text from data/, source links, tables.

Text that comes from ``data/`` is untrusted: anything that puts it into Markdown or HTML goes
through :func:`md` (Markdown) or :func:`html` (HTML) first. :func:`table` formats a DataFrame for
reading (units in headers, thousands separators, no scientific notation, blanks for missing values,
source ids linked to the sources page) and escapes every cell.
"""
from __future__ import annotations

import hashlib
import html as _html
import math
import re

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
    backslash-escaped, so it shows literally (no markup, no links, no LaTeX); one line."""
    text = _html.escape(str(text), quote=False).replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("#", "&#35;")


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
def _number(fmt: str):
    def f(v):
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
            return "–"
        if isinstance(v, (int, float, np.integer, np.floating)):
            if not math.isfinite(float(v)):
                return "∞" if v > 0 else "−∞"
            return format(v, fmt)
        return html(v)
    return f


def _auto_format(series: pd.Series) -> str:
    """A format spec for a numeric column: years as written (2024), whole numbers with separators,
    else 3 significant figures."""
    vals = series.dropna()
    vals = vals[np.isfinite(vals.astype(float))] if len(vals) else vals
    if len(vals) and (vals.astype(float) % 1 == 0).all():
        yearly = "year" in str(series.name).lower() or vals.astype(float).between(1990, 2100).all()
        return ".0f" if yearly else ",.0f"
    biggest = float(vals.abs().max()) if len(vals) else 0.0
    if biggest >= 1000:
        return ",.0f"
    if biggest >= 10:
        return ",.1f"
    return ",.3g" if biggest < 0.1 else ",.2f"


class _Table(Styler):
    """A Styler whose plain-text form carries no memory address (rebuilds give identical notebooks)."""

    def __repr__(self) -> str:
        return f"<table: {len(self.data)} rows x {len(self.data.columns)} columns>"


def table(df: pd.DataFrame, formats: dict | None = None, columns: dict | None = None,
          sources: str | tuple = ("source_id", "source_ids"), index: bool = False):
    """A pandas Styler for people: ``columns`` renames (put units in the new names), ``formats``
    maps a column to a format spec ('.0%', ',.0f') or a callable; other numeric columns get a
    readable format; missing values show as '–'; the ``sources`` columns become links to the
    sources page; every other cell is HTML-escaped. The table id is derived from its content, so
    rebuilding gives the same HTML."""
    formats = dict(formats or {})
    out = df.copy()
    source_cols = [c for c in ([sources] if isinstance(sources, str) else sources) if c in out.columns]
    for col in out.columns:
        if col in source_cols:
            formats[col] = lambda v: "" if v is None or v != v else source_links(str(v))
        elif col not in formats and pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            formats[col] = _auto_format(out[col])
        elif col not in formats and pd.api.types.is_datetime64_any_dtype(out[col]):
            formats[col] = lambda v: "–" if v is pd.NaT or v != v else v.strftime("%Y-%m-%d")
    funcs = {c: (f if callable(f) else _number(f)) for c, f in formats.items()}
    for col in out.columns:  # text columns: escaped, blanks for missing
        funcs.setdefault(col, _number(""))
    if columns:
        out = out.rename(columns=columns)
        funcs = {columns.get(c, c): f for c, f in funcs.items()}
    digest = hashlib.sha1(pd.util.hash_pandas_object(df.astype(str), index=True).values.tobytes()
                          + "|".join(map(str, out.columns)).encode()).hexdigest()[:8]
    styler = _Table(out).format(funcs).set_uuid(f"t{digest}")
    styler = styler.set_table_attributes('class="data-table"')
    if index:
        return styler.format_index(escape="html")
    return styler.hide(axis="index")
