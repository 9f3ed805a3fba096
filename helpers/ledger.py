"""The claims ledger: check every numeric claim and give it a computed verdict that separates the
number from its use (see :data:`VERDICTS`; the notebook ``05_claims_ledger`` explains each), and the kind
of check it passed (:data:`LEVELS`): only an independent source makes a right number one that holds up.

How a claim is checked is data (``claim_checks.csv``): recomputed by a formula of ``RECOMPUTE`` from
the claims it depends on and from ``data/``, or looked up in another table. The articles' own rows
(source ids ``art_``) never count as evidence, nor do rows resting only on ``aggregator`` sources.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import pandas as pd

from helpers import costs, data, revenue

ARTICLE_PREFIX = "art_"
VERDICTS = ("consistent", "rounding", "superseded", "accurate quote, misleading comparison",
            "right number, wrong referent", "inconsistent", "unverifiable")
ERRORS = VERDICTS[3:6]  # verdicts that fault the article's use of a number
HOLDS = VERDICTS[:2]  # verdicts that find the number right
#: The kind of check a verdict passed, weakest first: arithmetic on the article's own numbers (``recompute``), a match
#: with the report the article relays (``lookup`` with ``same_report``), or a different primary or reputable source.
LEVELS = ("arithmetic", "original report", "independent")
LEVEL_WORDS = {"arithmetic": "arithmetic on the article's own numbers", "original report": "matching the original report",
               "independent": "independently corroborated"}
COLORS = dict(zip(VERDICTS, ["#66a182", "#9cc5a1", "#edae49", "#e07a5f", "#8e5572", "#d1495b", "#bbbbbb"]))


@dataclass(frozen=True)
class Context:
    """Inputs the recomputations take from data/ (built by :func:`context_from`)."""
    rmb_per_usd: float
    h20_price_usd: tuple[float, float]
    h200_price_usd: tuple[float, float]
    gpus_per_nvl72: float
    nvidia_china_fy2024_usd_bn: float
    hours_per_year: float = costs.HOURS_PER_YEAR


IMPLIED = {  # claim id -> explanation of a gap, from the input the article must have used
    "c005": lambda c, x: (f"a rounded input: the count implies USD "
                          f"{costs.implied_price(c['c001'] * 1e9, c['c005'], x.hours_per_year):.2f} "
                          f"per GPU-hour, not the USD {c['c004']:.2f} quoted"),
    "c052": lambda c, x: (f"units x price: {c['c036']:,.0f} H200 at USD {x.h200_price_usd[0]:,.0f}-"
                          f"{x.h200_price_usd[1]:,.0f} is " + "{:.0%}-{:.0%}".format(*RECOMPUTE["c052"](c, x))
                          + " of the budget beside it"),
}
RECOMPUTE = {  # claim id -> formula over claim values c and context x giving a value or (low, high)
    "c005": lambda c, x: costs.gpus_rentable(c["c001"] * 1e9, c["c004"], x.hours_per_year),
    "c022": lambda c, x: tuple(c["c019"] * p / 1e9 for p in x.h20_price_usd),
    "c027": lambda c, x: c["c034"] / c["c026"],
    "c028": lambda c, x: revenue.rmb_to_usd(c["c026"], x.rmb_per_usd),
    "c031": lambda c, x: 100 * (c["c026"] / c["c030"] - 1),
    "c033": lambda c, x: revenue.rmb_to_usd(c["c026"], x.rmb_per_usd) / c["c032"],
    "c035": lambda c, x: revenue.rmb_to_usd(c["c034"], x.rmb_per_usd),
    "c037": lambda c, x: c["c034"],
    "c038": lambda c, x: c["c034"] * 10,
    "c040": lambda c, x: c["c042"] * x.gpus_per_nvl72,
    # juxtapositions: units x price against the budget beside it; a forecast against the revenue beside it
    "c052": lambda c, x: tuple(c["c036"] * p / 1e9 / revenue.rmb_to_usd(c["c034"], x.rmb_per_usd) for p in x.h200_price_usd),
    "c053": lambda c, x: tuple(c["c019"] * p / 1e9 / x.nvidia_china_fy2024_usd_bn for p in x.h20_price_usd),
}


def claim_range(value: float, value_low: float, value_high: float) -> tuple[float, float]:
    """The range a claim asserts: 'about v' -> [v, v]; 'more than l' (low only) -> [l, inf);
    'up to h' (high only) -> (-inf, h]; both -> [l, h] (ValueError when l > h)."""
    has_low, has_high = value_low == value_low, value_high == value_high
    if has_low and has_high and value_low > value_high:
        raise ValueError(f"claim range is reversed: low {value_low} > high {value_high}")
    return (float(value_low) if has_low else -math.inf if has_high else float(value),
            float(value_high) if has_high else math.inf if has_low else float(value))


def half_digit(value: float) -> float:
    """Half a unit of the last significant digit a number is written with: 23 -> 0.5, 0.2 -> 0.05,
    500000 -> 50000 ('about half a million' covers 450,000 to 550,000)."""
    if not math.isfinite(value) or value == 0:
        return 0.0
    return next((0.5 * 10.0 ** -k for k in range(-12, 12) if round(value, k) == value), 0.0)


def parse_where(where: str) -> list[tuple[str, str, str]]:
    """'a=x;b>=2024-01-01' -> [('a', '=', 'x'), ('b', '>=', '2024-01-01')]."""
    out = []
    for part in filter(None, (p.strip() for p in (where or "").split(";"))):
        op = next((o for o in (">=", "<=", "=") if o in part), None)
        if op is None:
            raise ValueError(f"filter {part!r} has no =, >= or <=")
        col, val = part.split(op, 1)
        out.append((col.strip(), op, val.strip()))
    return out


COMPARE = {"=": operator.eq, ">=": operator.ge, "<=": operator.le}  # the operators of a filter


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
        mask &= COMPARE[op](series, value)
    return table[mask.fillna(False)]


def independent(rows: pd.DataFrame, tiers: dict | None = None) -> pd.DataFrame:
    """Rows that count as evidence: neither the articles' own (source ids ``art_``) nor aggregator-tier
    (:func:`helpers.data.reliable`; ``tiers``: source id -> tier, default sources.csv's)."""
    if "source_id" not in rows.columns:
        return rows
    return data.reliable(rows[~rows.source_id.astype(str).str.startswith(ARTICLE_PREFIX)], tiers)


def verdict(low: float, high: float, ref_low: float, ref_high: float, tolerance: float,
            digit: float = 0.0) -> tuple[str, float]:
    """Compare a claim's range [low, high] with a reference range.

    ``consistent`` when they overlap once the claim is widened by ``digit`` (half its last digit, for
    'about v' claims); ``rounding`` when the gap (relative distance from the claim to the nearest
    reference bound, positive when the claim is higher) is within ``tolerance``; else ``inconsistent``.
    """
    if math.isnan(ref_low) or math.isnan(ref_high):
        return "unverifiable", math.nan
    if low - digit <= ref_high and high + digit >= ref_low:
        return "consistent", 0.0
    gap = (low - ref_high) / ref_high if low > ref_high else (high - ref_low) / ref_low
    return ("rounding" if abs(gap) <= tolerance else "inconsistent"), gap


def referent_gap(claimed: str, reference: str) -> str:
    """'' when two referents ('product=h200;period=2026') agree on every key both name, else each
    disagreement: 'product: h200, not ai_processors; period: unstated, not 2024-q4'."""
    ref = {k: v for k, _, v in parse_where(reference)}
    return "; ".join(f"{k}: {v}, not {ref[k]}" for k, _, v in parse_where(claimed) if k in ref and v != ref[k])


def _words(referent: str) -> str:
    """A referent description for people: 'measured_by' -> 'who measured it', other codes in words."""
    return referent.replace("measured_by", "who measured it").replace("_", " ")


def likely_cause(reported: float, ref_low: float, ref_high: float, unit: str, rmb_per_usd: float) -> str:
    """A likely cause for a gap, from the ratio of the claim to the nearest reference bound."""
    ratio = reported / (ref_high if reported > ref_high else ref_low)
    decades = math.log10(abs(ratio))
    if abs(decades) >= 0.98 and abs(decades - round(decades)) < 0.01:
        return f"a misread order of magnitude (x{ratio:.2g})"
    if abs(ratio - 2) < 0.03 or abs(ratio - 0.5) < 0.01:
        return "a different precision basis: a 2:4-sparse figure set against dense ones (x2)"
    if unit in ("usd_bn", "rmb_bn") and abs(ratio / rmb_per_usd - 1) < 0.05:
        return "a unit or exchange-rate slip (RMB read as USD)"
    return f"a different input or period (claim / reference = {ratio:.2g})"


def _lookup(evidence, table, where, column, scale, aggregate=""):
    """The reference range of the rows of ``table`` matching ``where`` among ``evidence`` (table name -> its rows that
    count as evidence, :func:`independent`): their lowest and highest ``column`` (a date column counts as its year),
    or with ``aggregate`` 'sum' their total, times ``scale``."""
    rows = select(evidence[table], where)
    if pd.api.types.is_datetime64_any_dtype(rows[column]):
        rows = rows.assign(**{column: rows[column].dt.year})
    if aggregate == "sum":
        low = high = float(rows[column].sum()) if len(rows) else math.nan
    else:
        low, high = data.value_range(rows, column)
    return low * scale, high * scale, " ".join(dict.fromkeys(rows.get("source_id", pd.Series(dtype=str))))


def level(method: str, same_report) -> str:
    """The kind of check a claim passed (:data:`LEVELS`): 'arithmetic' for a recomputation from the claims it
    derives from, 'original report' for a lookup whose rows relay the article's own source, 'independent' for a
    lookup in other primary or reputable sources; '' when not checked."""
    if method == "recompute":
        return "arithmetic"
    if method == "lookup":
        return "original report" if same_report is True or str(same_report).lower() == "true" else "independent"
    return ""


def evaluate(claims: pd.DataFrame, checks: pd.DataFrame, tables: dict[str, pd.DataFrame],
             ctx: Context, tolerance_scale: float = 1.0) -> pd.DataFrame:
    """One row per claim: reference range, verdict, gap, the cause or reason, later figure and date."""
    values = {r.claim_id: r.value for r in claims.itertuples()}
    tiers = tables["sources"].set_index("id")["tier"].to_dict() if "sources" in tables else {}
    check_of, rows = {ck["claim_id"]: ck for ck in checks.to_dict("records")}, []  # each claim's check, as a dict
    named = set(checks.table) | set(checks.later_table)  # each table a check reads, its evidence rows found once
    evidence = {name: independent(t, tiers) for name, t in tables.items() if name in named}
    for cl in claims.itertuples():
        ck = check_of.get(cl.claim_id, {"method": "none"})
        get = lambda name: ck.get(name) if isinstance(ck.get(name), str) else ""  # noqa: E731
        low, high = claim_range(cl.value, cl.value_low, cl.value_high)
        ref_low = ref_high = later = math.nan
        later_date, sources, cause = pd.NaT, "", get("note")
        tol = float(ck["tolerance"]) * tolerance_scale if pd.notna(ck.get("tolerance")) else 0.0
        digit = half_digit(cl.value) if (low, high) == (cl.value, cl.value) else 0.0
        if ck["method"] == "recompute":
            out = RECOMPUTE[cl.claim_id](values, ctx)
            (ref_low, ref_high), sources = (out if isinstance(out, tuple) else (out, out)), "recomputed"
        elif ck["method"] == "lookup":
            ref_low, ref_high, sources = _lookup(evidence, ck["table"], ck["where"], ck["column"], ck["scale"], get("aggregate"))
        result, gap = verdict(low, high, ref_low, ref_high, tol, digit)
        referent = referent_gap(cl.referent if isinstance(cl.referent, str) else "", get("referent"))
        if ": unstated," in referent:
            unstated = [part.split(":")[0] for part in referent.split("; ") if ": unstated," in part]
            result, gap, cause = "unverifiable", math.nan, f"the claim states no {_words(' or '.join(unstated))}"
        elif result == "inconsistent" and get("quote_where"):
            q_low, q_high, _ = _lookup(evidence, ck["table"], ck["quote_where"], ck["column"], ck["scale"])
            if verdict(low, high, q_low, q_high, tol, digit)[0] in ("consistent", "rounding"):
                result = "accurate quote, misleading comparison"
        if result in ("consistent", "rounding") and referent:
            result, cause = "right number, wrong referent", f"a different referent ({_words(referent)})"
        elif result in ("inconsistent", "accurate quote, misleading comparison"):
            hint = IMPLIED.get(cl.claim_id)
            cause = hint(values, ctx) if hint else likely_cause(cl.value, ref_low, ref_high, cl.unit, ctx.rmb_per_usd)
            cause = f"a different referent ({_words(referent)}); " + cause if referent else cause
        elif result == "rounding":
            cause = IMPLIED[cl.claim_id](values, ctx) if cl.claim_id in IMPLIED else f"off by {gap:+.1%}"
        if get("later_table") and (result in ("consistent", "rounding") or (result == "unverifiable" and not referent)):
            newer = select(evidence[ck["later_table"]], ck["later_where"])
            newer = newer.dropna(subset=[ck["later_column"]]).sort_values(ck["later_date_column"])
            if len(newer):
                last = newer.iloc[-1]
                later, later_date = float(last[ck["later_column"]]), pd.Timestamp(last[ck["later_date_column"]])
                if abs(later / cl.value - 1) > max(tol, 0.05):
                    result, cause = "superseded", f"a later figure: {later:,.6g} ({last[ck['later_date_column']]})"
        rows.append({"claim_id": cl.claim_id, "source_id": cl.source_id, "claim": cl.claim, "value": cl.value,
                     "unit": cl.unit, "kind": cl.kind, "method": ck["method"], "reference_low": ref_low,
                     "reference_high": ref_high, "reference_sources": sources, "verdict": result, "gap": gap,
                     "likely_cause": cause, "later_value": later, "later_date": later_date,
                     "level": level(ck["method"], ck.get("same_report")) if result != "unverifiable" else ""})
    return pd.DataFrame(rows)


def cause_kind(cause: str) -> str:
    """'a rounded input: the count implies …' -> 'a rounded input' (the kind of error)."""
    return cause.split(":")[0].split(" (")[0].split(";")[0]


def findings(table: pd.DataFrame) -> pd.DataFrame:
    """One row per underlying error: an article's claims with the same verdict and kind of cause are one."""
    errors = table[table.verdict.isin(ERRORS)].assign(error=lambda d: d.likely_cause.map(cause_kind))
    return (errors.groupby(["source_id", "verdict", "error"], sort=False)
            .agg(claims=("claim_id", " ".join), gap=("gap", "first")).reset_index())


def context_from(tables: dict[str, pd.DataFrame], rate_id: str) -> Context:
    """The recomputation inputs from data/: a dated RMB rate, H20 and H200 GPU prices (rows that count as
    evidence, :func:`independent`), NVL72 size, Nvidia's China revenue in fiscal 2024 (the year before the H20
    forecast)."""
    fx = tables["exchange_rates"].set_index("rate_id")
    if rate_id not in fx.index:
        raise ValueError(f"rate_id {rate_id!r} is not in exchange_rates.csv; known: {list(fx.index)}")
    prices = tables["purchase_prices"]
    gpu_price = lambda chip: data.value_range(independent(prices[(prices.chip_id == chip) & (prices["item"] == "gpu")]), "price_usd")  # noqa: E731
    h200_order = independent(select(tables["bytedance_spending"], "item=h200_unit_price"))
    h200 = gpu_price("h200_sxm") + data.value_range(h200_order)
    china = select(tables["nvidia_revenue"], "fiscal_year=2024;fiscal_period=FY;region=china_incl_hk;reported_in_fy=2024")
    return Context(rmb_per_usd=float(fx.loc[rate_id, "rmb_per_usd"]), h20_price_usd=gpu_price("h20"),
                   h200_price_usd=(min(h200), max(h200)),
                   gpus_per_nvl72=float(prices.loc[prices["item"].astype(str).str.contains("nvl72"), "gpus_per_item"].iloc[0]),
                   nvidia_china_fy2024_usd_bn=float(china["revenue_usd_m"].iloc[0]) / 1e3)


TABLES = ["claims", "claim_checks", "sources", "bytedance_spending", "bytedance_capacity", "rental_prices",
          "app_users", "chip_specs", "nvidia_revenue", "exchange_rates", "purchase_prices", "hyperscaler_capex", "route_rules"]


def holds_up(table: pd.DataFrame) -> pd.Series:
    """Claims that hold up: a right number (:data:`HOLDS`) independently corroborated, not only recomputed from the
    article's own numbers or matched with the report it relays."""
    return table.verdict.isin(HOLDS) & (table.level == "independent")


def verdicts(rate_id: str = "fx10", tolerance_scale: float = 1.0) -> pd.DataFrame:
    """The verdict table of every claim in data/claims.csv (see :func:`evaluate`)."""
    tables = {name: data.load(name) for name in TABLES}
    return evaluate(tables["claims"], tables["claim_checks"], tables, context_from(tables, rate_id), tolerance_scale)

