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
        is_series = isinstance(date, pd.Series)
        ts = pd.to_datetime(pd.Series(date) if not is_series else date, errors="raise")
        if ts.isna().any():
            raise ValueError("date contains missing values")
        ts = ts.dt.normalize()
        year = ts.dt.year
        jan31 = pd.to_datetime(year.astype(str) + "-01-31")
        end = jan31 - pd.to_timedelta((jan31.dt.day_of_week + 1) % 7, unit="D")
        fy = (year + (ts > end).astype(int)).astype(int)
        return fy if is_series else fy.to_numpy()
    try:
        ts = pd.Timestamp(date)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"date={date!r} is not a recognisable date") from exc
    if pd.isna(ts):
        raise ValueError("date is missing")
    d = ts.date()
    return d.year if d <= fiscal_year_end(d.year) else d.year + 1


def calendar_overlap(fy: int, by: str = "months") -> float:
    """Share of Nvidia fiscal year ``fy`` that falls in calendar year ``fy - 1``.

    ``by="months"``: fiscal months Feb..Dec of year fy-1 out of 12 -> 11/12.
    ``by="days"``: exact day count, e.g. FY2024 (2023-01-30..2024-01-28):
    336 of 364 days in 2023 -> 0.923.
    """
    fy = _check_fy(fy)
    if by == "months":
        return 11 / 12
    if by != "days":
        raise ValueError(f"by must be 'months' or 'days', got {by!r}")
    start, end = fiscal_year_start(fy), fiscal_year_end(fy)
    total = (end - start).days + 1
    in_prev = (_dt.date(fy - 1, 12, 31) - start).days + 1
    return in_prev / total


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
    out = amt / rate
    return float(out) if out.ndim == 0 else out


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


def share(part, whole):
    """Share ``part / whole`` with range support; returns ``(low, mid, high)``.

    ``low = part_low / whole_high`` and ``high = part_high / whole_low`` (widest
    band); ``mid = part_mid / whole_mid``.  Result is a fraction (0.5 = 50%).
    """
    p = _as_range(part, "part")
    w = _as_range(whole, "whole")
    if w[0] <= 0:
        raise ValueError(f"whole={whole!r} must be positive")
    if p[0] < 0:
        raise ValueError(f"part={part!r} must be non-negative")
    return (p[0] / w[2], p[1] / w[1], p[2] / w[0])


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
    """Per fiscal year China (incl. Hong Kong) share of total Nvidia revenue.

    ``df`` is shaped like ``nvidia_revenue.csv`` (needs ``fiscal_year``,
    ``fiscal_period``, ``region``, ``revenue_usd_m``).  Only ``FY`` rows are used.
    If ``reported_in_fy`` is present, each year uses the earliest filing that
    reports it (normally its own 10-K), i.e. the figures as first reported.
    Returns columns fiscal_year, china_usd_m, total_usd_m, china_share
    (fraction) and geo_basis when available, sorted by year.
    """
    need = {"fiscal_year", "fiscal_period", "region", "revenue_usd_m"}
    missing = need - set(df.columns)
    if missing:
        raise ValueError(f"df is missing columns {sorted(missing)}")
    d = df[df["fiscal_period"] == "FY"]
    if "reported_in_fy" in d.columns:
        # keep, for each year, the earliest filing that reports it (its own 10-K
        # when present, e.g. FY2024 from the FY2024 10-K; FY2020 from FY2022's)
        first = d.groupby("fiscal_year")["reported_in_fy"].transform("min")
        d = d[d["reported_in_fy"] == first]
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
