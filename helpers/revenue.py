"""Nvidia fiscal calendar, RMB conversion and share/projection helpers.

Conventions
-----------
* Nvidia fiscal year N ends on the last Sunday of January of calendar year N
  (FY2024 ended 2024-01-28; FY2021 was a 53-week year ending 2021-01-31).
* Money is nominal; USD and RMB amounts keep whatever scale the caller uses
  (units, millions, billions) - functions never rescale.
* Exchange rates are RMB (CNY) per one USD.
* Ranges are given as ``(low, high)`` tuples; functions returning ranges give
  ``(low, mid, high)``.
"""
from __future__ import annotations

import datetime as _dt
from numbers import Real

import numpy as np
import pandas as pd

from helpers import data, params

_FY_MIN, _FY_MAX = 1990, 2100
RMB_PER_USD_RANGE = (5.0, 10.0)


# --------------------------------------------------------------------------- #
# fiscal calendar
# --------------------------------------------------------------------------- #
def _check_fy(fy) -> int:
    if isinstance(fy, bool) or not isinstance(fy, (int, np.integer)):
        raise ValueError(f"fy must be an integer fiscal year, got {fy!r}")
    if not _FY_MIN <= int(fy) <= _FY_MAX:
        raise ValueError(f"fy={fy} outside {_FY_MIN}-{_FY_MAX}")
    return int(fy)


def fiscal_year_end(fy: int) -> _dt.date:
    """Last day of Nvidia fiscal year ``fy``: the last Sunday of January of year ``fy``."""
    fy = _check_fy(fy)
    jan31 = _dt.date(fy, 1, 31)
    # weekday(): Monday=0 .. Sunday=6; step back to the Sunday on or before Jan 31
    return jan31 - _dt.timedelta(days=(jan31.weekday() + 1) % 7)


def fiscal_year_start(fy: int) -> _dt.date:
    """First day of Nvidia fiscal year ``fy`` (the Monday after the previous year's end)."""
    return fiscal_year_end(_check_fy(fy) - 1) + _dt.timedelta(days=1)


def nvidia_fiscal_year(date):
    """Nvidia fiscal year containing ``date``.

    Accepts a date/datetime/Timestamp/ISO string (returns ``int``) or a pandas
    Series / DatetimeIndex / array-like of dates (returns an integer Series with
    the same index, or a numpy array).  A date on the last Sunday of January of
    year N belongs to FY N; the next day belongs to FY N+1.
    """
    if isinstance(date, (pd.Series, pd.Index, np.ndarray, list, tuple)):
        fy = pd.Series(date).map(nvidia_fiscal_year).astype(int)
        return fy if isinstance(date, pd.Series) else fy.to_numpy()
    try:
        ts = pd.Timestamp(date)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"date={date!r} is not a recognisable date") from exc
    if pd.isna(ts):
        raise ValueError("date is missing")
    d = ts.date()
    return d.year if d <= fiscal_year_end(d.year) else d.year + 1


def calendar_overlap(fy: int) -> float:
    """Share of the days of Nvidia fiscal year ``fy`` in calendar year ``fy - 1`` (FY2024: 336 of 364 days in 2023)."""
    fy = _check_fy(fy)
    start, end = fiscal_year_start(fy), fiscal_year_end(fy)
    total = (end - start).days + 1
    in_prev = (_dt.date(fy - 1, 12, 31) - start).days + 1
    return in_prev / total


def quarter_bounds(fy: int, q: int) -> tuple[_dt.date, _dt.date]:
    """First and last day of Nvidia fiscal quarter ``q`` (1-4) of ``fy``."""
    if q not in (1, 2, 3, 4):
        raise ValueError(f"q must be 1, 2, 3 or 4, got {q!r}")
    start = fiscal_year_start(fy) + _dt.timedelta(weeks=13 * (q - 1))
    return start, fiscal_year_end(fy) if q == 4 else start + _dt.timedelta(days=90)


def _first_filed(rev: pd.DataFrame, by=("fiscal_year",)) -> pd.DataFrame:
    """Rows of ``rev`` (shaped like ``nvidia_revenue``) from the earliest filing (``reported_in_fy``) of each group ``by``."""
    return rev[rev.reported_in_fy == rev.groupby(list(by)).reported_in_fy.transform("min")]


def quarterly(basis: str = "billing_location") -> pd.DataFrame:
    """China (incl. HK) and total revenue (USD m) and China's share by fiscal quarter on one basis, each
    period from its earliest filing. A quarter not filed on its own is derived (``derived`` True): Q1 or
    Q2 = six months - the other; one missing quarter of three = nine months - the other two; Q4 = full
    year - nine months (10-Ks give no Q4), nine months being six months + Q3 where no 10-Q gives it.
    Never mixes bases. ``verified`` is False when a figure behind the quarter is not (:func:`unverified_reason`).
    """
    rev = data.load("nvidia_revenue")
    rev = rev[rev.geo_basis.eq(basis) & rev.region.isin(["china_incl_hk", "total"])]
    rev = _first_filed(rev, ["fiscal_year", "fiscal_period", "region"])
    v = {(r.fiscal_year, r.fiscal_period, r.region): r.revenue_usd_m for r in rev.itertuples()}
    unseen = {(r.fiscal_year, r.fiscal_period, r.region) for r in rev.loc[rev.index.difference(verified(rev).index)].itertuples()}
    rows = []
    for fy in sorted(rev.fiscal_year.unique()):
        out = {}
        for region in ("china_incl_hk", "total"):
            q, derived = {k: v.get((fy, f"Q{k}", region)) for k in (1, 2, 3)}, set()
            used = {k: {f"Q{k}"} for k in q}  # the filed periods behind each quarter
            six, nine, full = (v.get((fy, p, region)) for p in ("6M", "9M", "FY"))
            n_used = {"9M"}
            for k, other in ((1, 2), (2, 1)):
                if q[k] is None and six is not None and q[other] is not None:
                    q[k], derived, used[k] = six - q[other], derived | {k}, {"6M", f"Q{other}"}
            if nine is None and six is not None and q[3] is not None:
                nine, n_used = six + q[3], {"6M", "Q3"}
            missing = [k for k, x in q.items() if x is None]
            if len(missing) == 1 and nine is not None:
                q[missing[0]], derived = nine - sum(x for x in q.values() if x is not None), derived | {missing[0]}
                used[missing[0]] = n_used | {f"Q{k}" for k in q if k != missing[0]}
            if nine is None and None not in q.values():
                nine, n_used = sum(q.values()), {"Q1", "Q2", "Q3"}
            if full is not None and nine is not None:
                q[4], derived, used[4] = full - nine, derived | {4}, n_used | {"FY"}
            out[region] = {k: (x, k in derived, not any((fy, p, region) in unseen for p in used[k]))
                           for k, x in q.items() if x is not None}
        for k in sorted(set(out["china_incl_hk"]) & set(out["total"])):
            (c, dc, sc), (tot, dt, st) = out["china_incl_hk"][k], out["total"][k]
            start, end = quarter_bounds(int(fy), k)
            rows.append({"fiscal_year": int(fy), "quarter": k, "label": f"Q{k} FY{fy}", "china_usd_m": c, "total_usd_m": tot,
                         "china_share": c / tot, "derived": dc or dt, "verified": sc and st, "period_start": pd.Timestamp(start),
                         "period_end": pd.Timestamp(end), "source_id": ", ".join(sorted(rev[rev.fiscal_year == fy].source_id.unique()))})
    return pd.DataFrame(rows)


def share_change(china_before, total_before, china_after, total_after) -> dict:
    """China's share change split exactly into a numerator effect (China revenue) and a denominator effect
    (total revenue), each evaluated at the mean of the other (Shapley): share_after - share_before =
    numerator + denominator. Shares and effects are fractions (0.01 = 1 point)."""
    c0, t0, c1, t1 = (float(x) for x in (china_before, total_before, china_after, total_after))
    if min(t0, t1) <= 0:
        raise ValueError("total revenue must be positive")
    return {"share_before": c0 / t0, "share_after": c1 / t1, "numerator": (c1 - c0) / 2 * (1 / t0 + 1 / t1),
            "denominator": (c0 + c1) / 2 * (1 / t1 - 1 / t0)}


# --------------------------------------------------------------------------- #
# currency
# --------------------------------------------------------------------------- #
def rmb_to_usd(amount_rmb, rmb_per_usd):
    """Convert RMB to USD: ``amount_rmb / rmb_per_usd`` (same scale in and out).

    ``rmb_per_usd`` must lie in 5-10 RMB per USD; a value like 0.14 (USD per
    RMB, i.e. an inverted rate) raises ValueError.  Works elementwise on arrays.
    """
    rate = np.asarray(rmb_per_usd, dtype=float)
    amt = np.asarray(amount_rmb, dtype=float)
    lo, hi = RMB_PER_USD_RANGE
    if not np.all(np.isfinite(rate)) or np.any((rate < lo) | (rate > hi)):
        raise ValueError(
            f"rmb_per_usd={rmb_per_usd!r} outside plausible {lo}-{hi} RMB per USD "
            "(inverted rate?)")
    if not np.all(np.isfinite(amt)):
        raise ValueError(f"amount_rmb={amount_rmb!r} must be finite")
    return params.out(amt / rate)


# --------------------------------------------------------------------------- #
# ranges
# --------------------------------------------------------------------------- #
def _as_range(x, name):
    """Return (low, mid, high) from a number, (low, high) or (low, mid, high)."""
    if isinstance(x, Real) and not isinstance(x, bool):
        vals = (float(x),) * 3
    elif isinstance(x, (tuple, list)) and len(x) in (2, 3):
        v = [float(t) for t in x]
        vals = (v[0], (v[0] + v[1]) / 2, v[1]) if len(v) == 2 else tuple(v)
    else:
        raise ValueError(f"{name} must be a number, (low, high) or (low, mid, high); got {x!r}")
    if not all(np.isfinite(vals)):
        raise ValueError(f"{name}={x!r} must be finite")
    if not vals[0] <= vals[1] <= vals[2]:
        raise ValueError(f"{name}={x!r} must satisfy low <= mid <= high")
    return vals


def _nonneg_range(value, name):
    r = _as_range(value, name)
    if r[0] < 0:
        raise ValueError(f"{name}={value!r} must be non-negative")
    return r


def projection_value(units, price_usd):
    """Value of ``units`` chips at ``price_usd`` each; returns ``(low, mid, high)`` in USD.

    Both arguments accept a number or a (low, high) range, e.g. 1M H20 at
    (12_000, 13_000) USD -> (12e9, 12.5e9, 13e9).
    """
    u = _nonneg_range(units, "units")
    p = _nonneg_range(price_usd, "price_usd")
    return (u[0] * p[0], u[1] * p[1], u[2] * p[2])


# --------------------------------------------------------------------------- #
# revenue table
# --------------------------------------------------------------------------- #
def china_share(df: pd.DataFrame) -> pd.DataFrame:
    """China (incl. HK) share of total revenue per fiscal year from the ``FY`` rows of a table shaped like
    ``nvidia_revenue`` (each year from its earliest filing when ``reported_in_fy`` is there). Columns
    fiscal_year, china_usd_m, total_usd_m, china_share (fraction) and geo_basis when available."""
    need = {"fiscal_year", "fiscal_period", "region", "revenue_usd_m"}
    missing = need - set(df.columns)
    if missing:
        raise ValueError(f"df is missing columns {sorted(missing)}")
    d = df[df["fiscal_period"] == "FY"]
    if "reported_in_fy" in d.columns:
        d = _first_filed(d)
    keys = ["fiscal_year", "region"]
    if d.duplicated(keys).any():
        raise ValueError("df has several FY rows per fiscal_year and region; filter it first")
    wide = d.pivot(index="fiscal_year", columns="region", values="revenue_usd_m")
    for col in ("china_incl_hk", "total"):
        if col not in wide.columns:
            raise ValueError(f"df has no region '{col}' rows")
    out = pd.DataFrame({
        "fiscal_year": wide.index.astype(int),
        "china_usd_m": wide["china_incl_hk"].to_numpy(dtype=float),
        "total_usd_m": wide["total"].to_numpy(dtype=float),
    })
    if (out["total_usd_m"] <= 0).any():
        raise ValueError("total revenue must be positive")
    out["china_share"] = out["china_usd_m"] / out["total_usd_m"]
    if "geo_basis" in d.columns:
        basis = d[d["region"] == "total"].set_index("fiscal_year")["geo_basis"]
        out["geo_basis"] = out["fiscal_year"].map(basis)
    return out.dropna(subset=["china_share"]).reset_index(drop=True)


def delivered_pflops(units, dense_tflops, good_fraction=1.0):
    """Dense compute delivered by a batch of chips, in PFLOPS; returns ``(low, mid, high)``.

    ``units x good_fraction x dense_tflops / 1000``.  ``units``: chips started or
    shipped; ``good_fraction``: share that works (yield, in (0, 1]; 1 when
    ``units`` already counts good chips); ``dense_tflops``: dense (no sparsity)
    TFLOPS per chip at one precision.  Each argument is a number, ``(low, high)``
    or ``(low, mid, high)``; low multiplies the lows, high the highs.
    """
    u = _nonneg_range(units, "units")
    t = _nonneg_range(dense_tflops, "dense_tflops")
    g = _as_range(good_fraction, "good_fraction")
    if g[0] <= 0 or g[2] > 1:
        raise ValueError(f"good_fraction={good_fraction!r} must lie in (0, 1]")
    return tuple(u[i] * g[i] * t[i] / 1000 for i in range(3))


# --------------------------------------------------------------------------- #
# the project's tables: China share by basis, RMB rate, ByteDance, H20 forecast
# --------------------------------------------------------------------------- #
#: The two geography bases of ``nvidia_revenue``, never chained: billing location (10-Ks up to
#: FY2025) and customer headquarters (the FY2026 10-K's recast of FY2024-FY2026).
BASES = ("billing_location", "customer_hq")
BASIS_LABEL = {"billing_location": "billing location (filings to Q2 FY2026)", "customer_hq": "customer headquarters (from Q3 FY2026, earlier years recast)"}
#: basis -> its short name in the columns of :func:`bytedance_share`
BASIS_SHORT = {"billing_location": "billing", "customer_hq": "hq"}
#: ``bytedance_spending`` items that are ByteDance's reported Nvidia purchases (USD or RMB bn)
SPEND_ITEMS = ("nvidia_spend_a100_h800", "nvidia_spend_h20", "nvidia_spend_total")
#: every ByteDance chip-spending estimate -> (what it measures, whose chips); only verified Nvidia orders set
#: against a verified China revenue of the headline basis enter the headline range (``in_range``)
ESTIMATES = {"nvidia_spend_a100_h800": ("A100/H800 orders", "orders", "Nvidia"),
             "nvidia_spend_h20": ("H20 orders", "orders", "Nvidia"),
             "hopper_units_ordered": ("Omdia's Hopper orders x H20 price", "orders (units x H20 price)", "Nvidia"),
             "nvidia_spend_total": ("'Nvidia spend'", "spend, basis unclear (equals the 2026 all-vendor budget)", "Nvidia as reported"),
             "nvidia_spend_plan": ("Nvidia budget", "budget", "Nvidia"), "capex_ai_chips": ("AI-chip budget", "budget", "all vendors")}


def spending_rows(item: str) -> pd.DataFrame:
    """Rows of ``bytedance_spending`` for ``item`` (ValueError if none)."""
    out = data.load("bytedance_spending")
    out = out[out["item"].eq(item)]
    if out.empty:
        raise ValueError(f"bytedance_spending has no item {item!r}")
    return out


def fiscal_range(fy_first=None, fy_last=None) -> tuple[int, int]:
    """(first, last) fiscal year; None = the earliest / latest full year in ``nvidia_revenue``.
    ValueError if first > last or the range holds no year of the data."""
    rev = data.load("nvidia_revenue")
    fy = rev.loc[rev.fiscal_period.eq("FY"), "fiscal_year"]
    lo = int(fy.min()) if fy_first is None else int(fy_first)
    hi = int(fy.max()) if fy_last is None else int(fy_last)
    if lo > hi:
        raise ValueError(f"fy_first={lo} is after fy_last={hi}")
    if not fy.between(lo, hi).any():
        raise ValueError(f"no fiscal year of nvidia_revenue lies in FY{lo}-FY{hi} (data: FY{fy.min()}-FY{fy.max()})")
    return lo, hi


def unverified_reason(df: pd.DataFrame) -> pd.Series:
    """Why each row of ``df`` is not verified, from the data alone: 'aggregator source' when :func:`helpers.data.reliable`
    drops it, 'not seen in source text' when ``df`` has a ``seen_in_source_text`` column that is False for it, both
    joined by '; '; '' when verified."""
    agg = ~pd.RangeIndex(len(df)).isin(data.reliable(df.reset_index(drop=True)).index)  # by position: labels may repeat
    seen = df["seen_in_source_text"].astype(bool) if "seen_in_source_text" in df.columns else pd.Series(True, index=df.index)
    return pd.Series(["; ".join(w for w, bad in (("aggregator source", a), ("not seen in source text", not s)) if bad)
                      for a, s in zip(agg, seen)], index=df.index, dtype=object)


def verified(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``df`` that are verified: no :func:`unverified_reason`."""
    return df[unverified_reason(df).eq("")]


def share_series(fy_first=None, fy_last=None, verified_only: bool = False) -> pd.DataFrame:
    """China (incl. HK) revenue (USD bn) and share of total by fiscal year, one row per (year, basis),
    each basis from its earliest filing per year (:func:`china_share`); ``verified`` is True when the year's
    China and total figures both are (:func:`verified`); ``verified_only`` drops unverified rows first.
    Columns: fiscal_year, geo_basis, china_usd_bn, total_usd_bn, china_share, period_start, period_end,
    period_mid, source_id, verified."""
    return _share_series(data.load, fy_first, fy_last, verified_only)


@data.memo
def _share_series(loader, fy_first, fy_last, verified_only: bool) -> pd.DataFrame:
    """:func:`share_series`, computed once per version of data/ (a page and its range-end runs ask several times);
    ``loader`` (the ``data.load`` in force) is part of the key only, so a test's stand-in gets results of its own."""
    lo, hi = fiscal_range(fy_first, fy_last)
    rev = data.load("nvidia_revenue")
    rev = rev[rev.fiscal_period.eq("FY") & rev.fiscal_year.between(lo, hi)]
    rev = rev.assign(verified=rev.index.isin(verified(rev).index))
    rev = rev[rev.verified] if verified_only else rev
    parts = []
    for basis in BASES:
        if (sub := rev[rev.geo_basis == basis]).empty:
            continue
        first = _first_filed(sub)
        meta = first[first.region == "total"].set_index("fiscal_year")
        both = first[first.region.isin(["china_incl_hk", "total"])].groupby("fiscal_year").verified.all()
        cs = china_share(sub).assign(geo_basis=basis, verified=lambda d: d.fiscal_year.map(both))
        for col in ("period_start", "period_end", "source_id"):
            cs[col] = cs.fiscal_year.map(meta[col])
        parts.append(cs)
    out = pd.concat(parts, ignore_index=True)
    out["period_mid"] = out.period_start + (out.period_end - out.period_start) / 2
    out["china_usd_bn"] = out.pop("china_usd_m") / 1000
    out["total_usd_bn"] = out.pop("total_usd_m") / 1000
    return out[["fiscal_year", "geo_basis", "china_usd_bn", "total_usd_bn", "china_share", "period_start",
                "period_end", "period_mid", "source_id", "verified"]]


def rate(rate_id="fx10", rmb_per_usd=None) -> dict:
    """The RMB per USD rate used: ``{rmb_per_usd, label, source_id}`` of the override or of row
    ``rate_id`` of ``exchange_rates``."""
    if rmb_per_usd is not None:
        rmb_to_usd(1.0, rmb_per_usd)  # validates the range
        return {"rmb_per_usd": float(rmb_per_usd), "label": f"{rmb_per_usd} RMB per USD (override)", "source_id": None}
    fx = data.load("exchange_rates").set_index("rate_id")
    if rate_id not in fx.index:
        raise ValueError(f"rate_id={rate_id!r} is not a row of exchange_rates")
    r = fx.loc[rate_id]
    return {"rmb_per_usd": float(r.rmb_per_usd), "source_id": r.source_id,
            "label": f"{r.rmb_per_usd} RMB per USD ({r.basis.replace('_', ' ')}, {r.date:%Y-%m-%d})"}


def money(low, high, unit: str) -> str:
    """'RMB 85 bn', 'USD 2-3 bn' from a value range and a ``usd_bn`` / ``rmb_bn`` unit."""
    cur, scale = unit.split("_", 1)
    return f"{cur.upper()} {low:g}" + ("" if high == low else f"-{high:g}") + f" {scale}"


def h20_price_range(h20_price_usd=None) -> tuple[float, float]:
    """USD per H20: the override, or the China forecast's value / units (bytedance_spending)."""
    if h20_price_usd is not None:
        return float(h20_price_usd), float(h20_price_usd)
    value = data.value_range(spending_rows("h20_revenue_projection_market"))   # USD bn
    units = data.value_range(spending_rows("h20_units_projection_market"))[0]  # units
    return value[0] * 1e9 / units, value[1] * 1e9 / units


def _estimates(basis: str) -> pd.DataFrame:
    """The part of :func:`bytedance_share` no parameter moves: one row per estimate with its reported ``value_low/high``
    in its ``unit``, and the China revenue it is set against on each basis and on the lead basis."""
    return _estimates_of(data.load, basis)


@data.memo
def _estimates_of(loader, basis: str) -> pd.DataFrame:
    """:func:`_estimates`, computed once per version of data/ and ``loader`` (as :func:`_share_series`)."""
    if basis not in BASES:
        raise ValueError(f"basis={basis!r} is not one of {BASES}")
    bd = data.load("bytedance_spending")
    bd = bd[bd["item"].isin(list(ESTIMATES)) & (bd.basis != "denied")].assign(year=lambda d: d.period.str[:4].astype(int))
    ok, rows = unverified_reason(bd).eq(""), []  # each row's verdict, read once
    for (year, item, unit), g in bd.groupby(["year", "item", "unit"]):
        lo, hi = data.value_range(g)
        if unit not in ("usd_bn", "rmb_bn", "units"):
            raise ValueError(f"unit={unit!r} is not usd_bn, rmb_bn or units")
        rows.append({"year": year, "item": item, "estimate": f"{ESTIMATES[item][0]} ({year})", "measures": ESTIMATES[item][1],
                     "vendors": ESTIMATES[item][2], "status": ", ".join(sorted(g.basis.unique())),
                     "as_reported": f"{lo:,.0f} units" if unit == "units" else money(lo, hi, unit), "unit": unit,
                     "value_low": lo, "value_high": hi, "estimate_verified": bool(ok[g.index].any()),
                     "estimate_headline": len(data.headline_sources(g.source_id)) == g.source_id.nunique(),
                     "source_id": ", ".join(sorted(g.source_id.unique()))})
    out = pd.DataFrame(rows)
    out["fiscal_year"] = nvidia_fiscal_year(pd.to_datetime(out.year.astype(str) + "-07-01").to_numpy())
    s = share_series()
    for b, short in BASIS_SHORT.items():
        out[f"china_{short}_usd_bn"] = out.fiscal_year.map(s[s.geo_basis.eq(b) & s.verified].set_index("fiscal_year").china_usd_bn)
    s["rank"] = [0 if v and g == basis else 1 if v else 2 for g, v in zip(s.geo_basis, s.verified)]
    s = s.sort_values(["fiscal_year", "rank"], kind="stable").drop_duplicates("fiscal_year").set_index("fiscal_year")
    return out.join(s[["china_usd_bn", "geo_basis", "verified"]].rename(columns={"verified": "revenue_verified"}), on="fiscal_year")


def _priced(est: pd.DataFrame, basis: str) -> pd.DataFrame:
    """:func:`bytedance_share`'s columns from rows of :func:`_estimates` that carry the assumptions in columns
    ``rmb_per_usd``, ``price_low`` and ``price_high`` (USD per H20): units x price, RMB / rate, USD as reported
    (vectorised: one call prices a whole grid)."""
    lo, hi = est.value_low.to_numpy(float), est.value_high.to_numpy(float)
    units, rmb = est.unit.eq("units").to_numpy(), est.unit.eq("rmb_bn").to_numpy()
    if (lo[units] < 0).any() or (est.price_low < 0).any():
        raise ValueError("units and USD per H20 must be non-negative")
    low, high = lo.copy(), hi.copy()
    low[units], high[units] = lo[units] * est.price_low.to_numpy(float)[units] / 1e9, hi[units] * est.price_high.to_numpy(float)[units] / 1e9
    fx = est.rmb_per_usd.to_numpy(float)[rmb]
    low[rmb], high[rmb] = rmb_to_usd(lo[rmb], fx), rmb_to_usd(hi[rmb], fx)
    out = est.assign(spend_usd_bn_low=low, spend_usd_bn_high=high)
    for short in BASIS_SHORT.values():
        china = out[f"china_{short}_usd_bn"]
        out[f"share_{short}_low"], out[f"share_{short}_high"] = out.spend_usd_bn_low / china, out.spend_usd_bn_high / china
    out["share_low"], out["share_high"] = out.spend_usd_bn_low / out.china_usd_bn, out.spend_usd_bn_high / out.china_usd_bn
    out["in_range"] = (out.measures.str.startswith("orders") & out.vendors.eq("Nvidia") & out.estimate_verified
                       & out.estimate_headline & out.revenue_verified.eq(True) & out.geo_basis.eq(basis))
    return out


#: :func:`bytedance_share`'s columns, in order
SHARE_COLUMNS = ["year", "item", "estimate", "measures", "vendors", "status", "as_reported", "spend_usd_bn_low", "spend_usd_bn_high",
                 "estimate_verified", "source_id", "fiscal_year", *(f"{c}_{s}{e}" for s in BASIS_SHORT.values() for c, e in
                                                                   (("china", "_usd_bn"), ("share", "_low"), ("share", "_high"))),
                 "china_usd_bn", "geo_basis", "revenue_verified", "share_low", "share_high", "in_range"]


def bytedance_share(rate_id="fx10", rmb_per_usd=None, h20_price_usd=None, basis: str = "customer_hq") -> pd.DataFrame:
    """Every ByteDance chip-spending estimate of :data:`ESTIMATES` (denied rows left out) for calendar year Y,
    in USD bn, with ``measures`` and ``vendors``, as a share of Nvidia's China revenue in fiscal year Y+1
    (``nvidia_fiscal_year(Y-07-01)``).

    On each basis of :data:`BASES` (short names :data:`BASIS_SHORT`): ``china_<b>_usd_bn`` and ``share_<b>_low/high``
    against that basis's verified figure (NaN where it has none). The lead columns ``china_usd_bn``, ``geo_basis``,
    ``share_low/high`` take ``basis``'s verified figure, else the other basis's verified one, else an unverified one
    (``revenue_verified`` False). ``estimate_verified``: at least one of the estimate's rows rests on a source that is
    not an aggregator (:func:`verified`). ``in_range`` (the headline range, all on ``basis``): Nvidia orders, the
    estimate and the revenue figure verified, every source of the estimate primary or reputable (a relay names its
    original but is not it: :func:`helpers.data.headline_sources`), the revenue on ``basis``."""
    est = _estimates(basis)
    fx = rate(rate_id, rmb_per_usd)["rmb_per_usd"]
    price = h20_price_range(h20_price_usd)
    out = _priced(est.assign(rmb_per_usd=fx, price_low=price[0], price_high=price[1]), basis)
    return out[SHARE_COLUMNS].sort_values(["year", "item"]).reset_index(drop=True)


def share_grid(rmb_values, price_values, rate_id="fx10", basis: str = "customer_hq") -> pd.DataFrame:
    """:func:`bytedance_share` at every pair of ``rmb_values`` (RMB per USD; None: ``rate_id``'s rate) and ``price_values``
    (USD per H20; None: the forecast's range), one row per (pair, estimate), with the pair in columns ``rmb_per_usd`` and
    ``h20_price_usd`` as given (None as NaN) and its number in ``pair``. The data are read once and the pairs priced together (a grid of 50 pairs costs about
    one call). ``headline_<b>_low/high``: the headline range on each basis short name ``b`` (lowest low and highest high
    of the estimates ``in_range``, as the notebook's finding), NaN when no estimate is in it."""
    est = _estimates(basis)
    fx = {r: rate(rate_id, r)["rmb_per_usd"] for r in dict.fromkeys(rmb_values)}  # each value read once
    price = {p: h20_price_range(p) for p in dict.fromkeys(price_values)}
    pairs = pd.DataFrame([{"rmb_per_usd": r, "h20_price_usd": p, "fx": fx[r], "price": price[p]} for r in rmb_values for p in price_values])
    pairs["pair"] = range(len(pairs))
    pairs["price_low"], pairs["price_high"] = zip(*pairs.pop("price"))
    grid = est.merge(pairs, how="cross")
    out = _priced(grid.rename(columns={"rmb_per_usd": "rmb_given"}).rename(columns={"fx": "rmb_per_usd"}), basis)
    out = out.drop(columns="rmb_per_usd").rename(columns={"rmb_given": "rmb_per_usd"})
    inr = out[out.in_range].groupby("pair")
    for short in BASIS_SHORT.values():
        out[f"headline_{short}_low"] = out.pair.map(inr[f"share_{short}_low"].min())
        out[f"headline_{short}_high"] = out.pair.map(inr[f"share_{short}_high"].max())
    return out.sort_values(["pair", "year", "item"]).reset_index(drop=True)


