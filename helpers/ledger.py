"""The claims ledger: recompute or look up every numeric claim and give it a computed verdict.

Verdicts: ``consistent``; ``inconsistent`` (with the gap and its likely cause); ``unverifiable``
(nothing independent to compare with); ``superseded`` (consistent when made, but a later figure
differs). How each claim is checked is data (``claim_checks.csv``); derived figures are
recomputed by the formulas in ``RECOMPUTE`` from the claims they depend on and from ``data/``.
The articles' own rows (source ids starting ``art_``) never count as independent evidence.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from helpers import costs, revenue

ARTICLE_PREFIX = "art_"
VERDICTS = ("consistent", "inconsistent", "unverifiable", "superseded")


@dataclass(frozen=True)
class Context:
    """Inputs the recomputations take from data/ (each documented where it is built)."""
    rmb_per_usd: float
    h20_price_usd_low: float
    h20_price_usd_high: float
    gpus_per_nvl72: float
    hours_per_year: float = costs.HOURS_PER_YEAR


# claim id -> explanation of a recomputed gap, from the inputs the article must have used
IMPLIED = {
    "c005": lambda c, x: (f"a different price: the count implies USD "
                          f"{costs.implied_price(c['c001'] * 1e9, c['c005'], x.hours_per_year):.2f} "
                          f"per GPU-hour, not the USD {c['c004']:.2f} quoted"),
}

# claim id -> (formula over claim values c and context x giving (low, high), note on the formula)
RECOMPUTE = {
    "c005": (lambda c, x: costs.gpus_rentable(c["c001"] * 1e9, c["c004"], x.hours_per_year),
             "budget / (price x hours in a year)"),
    "c022": (lambda c, x: (c["c019"] * x.h20_price_usd_low / 1e9, c["c019"] * x.h20_price_usd_high / 1e9),
             "H20 units x H20 price (GPU-only quotes, low to high)"),
    "c027": (lambda c, x: c["c034"] / c["c026"], "chip budget / total budget"),
    "c028": (lambda c, x: revenue.rmb_to_usd(c["c026"], x.rmb_per_usd), "RMB bn / (RMB per USD)"),
    "c031": (lambda c, x: 100 * (c["c026"] / c["c030"] - 1), "(160 / 150 - 1) x 100"),
    "c033": (lambda c, x: revenue.rmb_to_usd(c["c026"], x.rmb_per_usd) / c["c032"],
             "budget in USD bn / US big-four capex in USD bn"),
    "c035": (lambda c, x: revenue.rmb_to_usd(c["c034"], x.rmb_per_usd), "RMB bn / (RMB per USD)"),
    "c037": (lambda c, x: c["c034"], "the chip budget stated in the same article's body"),
    "c038": (lambda c, x: c["c034"], "the chip budget stated in the same article's body"),
    "c040": (lambda c, x: c["c042"] * x.gpus_per_nvl72, "racks x GPUs per NVL72 rack"),
}


def _pair(value) -> tuple[float, float]:
    if isinstance(value, tuple):
        return float(value[0]), float(value[1])
    return float(value), float(value)


def claim_range(value: float, value_low: float, value_high: float) -> tuple[float, float]:
    """The range a claim asserts: 'about v' -> [v, v]; 'more than l' (low only) -> [l, inf);
    'up to h' / 'less than h' (high only) -> (-inf, h]; both -> [l, h]."""
    has_low, has_high = value_low == value_low, value_high == value_high
    if has_low and has_high:
        return float(value_low), float(value_high)
    if has_low:
        return float(value_low), math.inf
    if has_high:
        return -math.inf, float(value_high)
    return float(value), float(value)


def parse_where(where: str) -> list[tuple[str, str, str]]:
    """'a=x;b>=2024-01-01' -> [('a', '=', 'x'), ('b', '>=', '2024-01-01')]."""
    out = []
    for part in filter(None, (p.strip() for p in (where or "").split(";"))):
        for op in (">=", "<=", "="):
            if op in part:
                col, val = part.split(op, 1)
                out.append((col.strip(), op, val.strip()))
                break
        else:
            raise ValueError(f"filter {part!r} has no =, >= or <=")
    return out


def select(table: pd.DataFrame, where: str) -> pd.DataFrame:
    """Rows of ``table`` matching ``where`` (values compared as the column's type)."""
    mask = pd.Series(True, index=table.index)
    for col, op, raw in parse_where(where):
        if col not in table.columns:
            raise KeyError(f"filter column {col!r} is not in the table; columns: {list(table.columns)}")
        series = table[col]
        if pd.api.types.is_datetime64_any_dtype(series):
            value = pd.Timestamp(raw)
        elif pd.api.types.is_numeric_dtype(series):
            value = float(raw)
        else:
            series, value = series.astype(str), raw
        mask &= {"=": series == value, ">=": series >= value, "<=": series <= value}[op]
    return table[mask.fillna(False)]


def independent(rows: pd.DataFrame) -> pd.DataFrame:
    """Drop rows whose source is one of the articles being checked."""
    if "source_id" not in rows.columns:
        return rows
    return rows[~rows["source_id"].astype(str).str.startswith(ARTICLE_PREFIX)]


def reference_range(rows: pd.DataFrame, column: str, scale: float) -> tuple[float, float]:
    """Lowest and highest value of the matched rows, using ``<column>_low``/``_high`` or value_low/high."""
    values = []
    for suffix in ("", "_low", "_high"):
        for name in {column + suffix, column.replace("value", "value" + suffix)}:
            if name in rows.columns:
                values += [v for v in pd.to_numeric(rows[name], errors="coerce") if v == v]
    if not values:
        return math.nan, math.nan
    return min(values) * scale, max(values) * scale


def verdict(low: float, high: float, ref_low: float, ref_high: float, tolerance: float) -> tuple[str, float]:
    """Compare a claim's range [low, high] with a reference range; return (verdict, relative gap).

    Consistent when the two ranges overlap once the reference is widened by ``tolerance``; else
    the gap is the relative distance from the claim to the nearest reference bound (signed:
    positive when the claim is higher).
    """
    if any(map(math.isnan, (ref_low, ref_high))):
        return "unverifiable", math.nan
    if low <= ref_high * (1 + tolerance) and high >= ref_low * (1 - tolerance):
        return "consistent", 0.0
    if low > ref_high:
        return "inconsistent", (low - ref_high) / ref_high
    return "inconsistent", (high - ref_low) / ref_low


def likely_cause(reported: float, ref_low: float, ref_high: float, unit: str, rmb_per_usd: float) -> str:
    """A likely cause for a gap, from the ratio of the claim to the nearest reference bound."""
    ref = ref_high if reported > ref_high else ref_low
    ratio = reported / ref
    decades = math.log10(abs(ratio))
    if abs(decades) >= 0.98 and abs(decades - round(decades)) < 0.01:
        return f"a misread order of magnitude (x{ratio:.0f})" if ratio > 1 else f"a misread order of magnitude (x{ratio:.2g})"
    if abs(ratio - 2) < 0.03 or abs(ratio - 0.5) < 0.01:
        return "a different precision basis: a 2:4-sparse figure set against dense ones (x2)"
    if unit in ("usd_bn", "rmb_bn") and abs(ratio / rmb_per_usd - 1) < 0.05:
        return "a unit or exchange-rate slip (RMB read as USD)"
    return f"a different input or period (claim / reference = {ratio:.2f})"


def evaluate(claims: pd.DataFrame, checks: pd.DataFrame, tables: dict[str, pd.DataFrame],
             ctx: Context, tolerance_scale: float = 1.0) -> pd.DataFrame:
    """One row per claim: reference range, verdict, gap, likely cause, later figure."""
    values = {r.claim_id: r.value for r in claims.itertuples()}
    check_of = checks.set_index("claim_id")
    rows = []
    for cl in claims.itertuples():
        ck = check_of.loc[cl.claim_id] if cl.claim_id in check_of.index else None
        low, high = claim_range(cl.value, cl.value_low, cl.value_high)
        ref_low = ref_high = math.nan
        basis, ref_sources, later, later_date = "", "", math.nan, pd.NaT
        method = "none" if ck is None else ck["method"]
        tol = 0.0 if ck is None or ck["tolerance"] != ck["tolerance"] else ck["tolerance"] * tolerance_scale
        if method == "recompute":
            formula, basis = RECOMPUTE[cl.claim_id]
            ref_low, ref_high = _pair(formula(values, ctx))
            ref_sources = "recomputed"
        elif method == "lookup":
            matched = independent(select(tables[ck["table"]], ck["where"]))
            ref_low, ref_high = reference_range(matched, ck["column"], ck["scale"])
            basis = f"{ck['table']}: {ck['where']}"
            ref_sources = " ".join(dict.fromkeys(matched.get("source_id", pd.Series(dtype=str)).astype(str)))
        result, gap = verdict(low, high, ref_low, ref_high, tol) if method != "none" else ("unverifiable", math.nan)
        cause = ""
        if result == "inconsistent":
            hint = IMPLIED.get(cl.claim_id)
            cause = hint(values, ctx) if hint else likely_cause(cl.value, ref_low, ref_high, cl.unit, ctx.rmb_per_usd)
        if ck is not None and isinstance(ck["later_table"], str) and ck["later_table"]:
            newer = independent(select(tables[ck["later_table"]], ck["later_where"]))
            newer = newer.dropna(subset=[ck["later_column"]]).sort_values(ck["later_date_column"])
            if len(newer):
                last = newer.iloc[-1]
                later, later_date = float(last[ck["later_column"]]), pd.Timestamp(last[ck["later_date_column"]])
                if result == "consistent" and abs(later / cl.value - 1) > max(tol, 0.05):
                    result = "superseded"
        rows.append({"claim_id": cl.claim_id, "source_id": cl.source_id, "claim": cl.claim, "value": cl.value,
                     "unit": cl.unit, "kind": cl.kind, "method": method, "reference_low": ref_low,
                     "reference_high": ref_high, "checked_against": basis, "reference_sources": ref_sources,
                     "verdict": result, "gap": gap, "likely_cause": cause,
                     "later_value": later, "later_date": later_date})
    return pd.DataFrame(rows)


def context_from(tables: dict[str, pd.DataFrame], rate_id: str) -> Context:
    """Build the recomputation inputs from data/: a dated RMB rate, H20 GPU prices, NVL72 size."""
    fx = tables["exchange_rates"].set_index("rate_id")
    if rate_id not in fx.index:
        raise ValueError(f"rate_id {rate_id!r} is not in exchange_rates.csv; known: {list(fx.index)}")
    prices = tables["purchase_prices"]
    h20 = independent(prices[(prices.chip_id == "h20") & (prices["item"] == "gpu")])
    lo, hi = reference_range(h20, "price_usd", 1.0)
    racks = prices[prices["item"].astype(str).str.contains("nvl72")]
    return Context(rmb_per_usd=float(fx.loc[rate_id, "rmb_per_usd"]), h20_price_usd_low=lo,
                   h20_price_usd_high=hi, gpus_per_nvl72=float(racks["gpus_per_item"].iloc[0]))


#: Tables the checks read (claims, their check rules and the tables they look up).
TABLES = ["claims", "claim_checks", "bytedance_spending", "bytedance_capacity", "rental_prices",
          "app_users", "chip_specs", "nvidia_revenue", "exchange_rates", "purchase_prices"]


def verdicts(rate_id: str = "fx10", tolerance_scale: float = 1.0) -> pd.DataFrame:
    """The verdict table of every claim in data/claims.csv (see :func:`evaluate`)."""
    from helpers import data

    tables = {name: data.load(name) for name in TABLES}
    return evaluate(tables["claims"], tables["claim_checks"], tables, context_from(tables, rate_id),
                    tolerance_scale)


def cause_kind(cause: str) -> str:
    """'a different price: the count implies …' -> 'a different price' (the kind of error)."""
    return cause.split(":")[0].split(" (")[0]
