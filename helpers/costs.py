"""Rent-versus-buy arithmetic for GPU compute (pure functions, NumPy-vectorisable).

Units used throughout (all money is nominal USD of the date of the input figures):

- prices of rented GPUs: USD per GPU-hour;
- purchase prices: USD per GPU (divide a server or rack price by its GPU count first);
- power: kW of IT load per GPU (board TDP or server power / GPU count), before PUE;
- PUE: ratio of total facility power to IT power (>= 1);
- electricity: USD per kWh;
- hosting: share of the purchase price paid per year for space, cooling plant, staff,
  networking upkeep (a fraction, e.g. 0.08);
- utilisation: fraction of the hours of a year in which the GPU does useful work (0 < u <= 1).

A year is 8760 hours and a month 730 hours (8760 / 12). Owned hardware is charged for power in
every hour of the year (idle GPUs still draw power and occupy space), which is the conservative
reading of ``tco_per_gpu_hour``; rented hardware is paid only for the hours used.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

HOURS_PER_YEAR = 8760.0
HOURS_PER_MONTH = HOURS_PER_YEAR / 12.0

__all__ = [
    "HOURS_PER_YEAR",
    "HOURS_PER_MONTH",
    "gpus_rentable",
    "implied_price",
    "annual_owning_cost",
    "tco_per_gpu_hour",
    "breakeven_utilisation",
    "breakeven_months",
    "cost_per_dense_pflop_hour",
    "cost_per_million_tokens",
    "tornado",
]


def _arr(name: str, value, *, positive: bool = False, nonnegative: bool = False,
         at_most_one: bool = False, at_least_one: bool = False) -> np.ndarray:
    """Return ``value`` as a float array, or raise ValueError naming ``name``."""
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    if np.any(np.isnan(a)):
        raise ValueError(f"{name} must not be NaN")
    if positive and np.any(a <= 0):
        raise ValueError(f"{name} must be > 0, got {value!r}")
    if nonnegative and np.any(a < 0):
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    if at_most_one and np.any(a > 1):
        raise ValueError(f"{name} must be <= 1, got {value!r}")
    if at_least_one and np.any(a < 1):
        raise ValueError(f"{name} must be >= 1, got {value!r}")
    return a


def _out(a: np.ndarray):
    """Return a Python float for 0-d results, the array otherwise."""
    return float(a) if np.ndim(a) == 0 else a


# --- budgets and rental prices ------------------------------------------------------------------

def gpus_rentable(budget_usd, price_usd_per_gpu_hour, hours=HOURS_PER_YEAR):
    """Number of GPUs a budget keeps rented for ``hours`` hours (default one year, 24/7).

    ``budget_usd`` (USD) / (``price_usd_per_gpu_hour`` (USD/GPU-h) x ``hours`` (h)) -> GPUs.
    """
    b = _arr("budget_usd", budget_usd, nonnegative=True)
    p = _arr("price_usd_per_gpu_hour", price_usd_per_gpu_hour, positive=True)
    h = _arr("hours", hours, positive=True)
    return _out(b / (p * h))


def implied_price(budget_usd, gpu_count, hours=HOURS_PER_YEAR):
    """Rental price (USD per GPU-hour) at which ``budget_usd`` pays ``gpu_count`` GPUs for ``hours``.

    Also gives capex per GPU-hour when ``budget_usd`` is a purchase value and ``hours`` the
    hours over which it must be recovered (e.g. 4 x 8760).
    """
    b = _arr("budget_usd", budget_usd, nonnegative=True)
    n = _arr("gpu_count", gpu_count, positive=True)
    h = _arr("hours", hours, positive=True)
    return _out(b / (n * h))


# --- owning -------------------------------------------------------------------------------------

def annual_owning_cost(purchase_usd_per_gpu, years, power_kw, pue, electricity_usd_per_kwh,
                       hosting_share_per_year):
    """Yearly cost of owning one GPU, USD per GPU-year.

    purchase / years (straight-line depreciation, no resale value, no interest)
    + power_kw x PUE x 8760 h x electricity price
    + hosting_share_per_year x purchase.
    """
    c = _arr("purchase_usd_per_gpu", purchase_usd_per_gpu, nonnegative=True)
    y = _arr("years", years, positive=True)
    kw = _arr("power_kw", power_kw, nonnegative=True)
    pue_ = _arr("pue", pue, at_least_one=True)
    e = _arr("electricity_usd_per_kwh", electricity_usd_per_kwh, nonnegative=True)
    s = _arr("hosting_share_per_year", hosting_share_per_year, nonnegative=True)
    return _out(c / y + kw * pue_ * HOURS_PER_YEAR * e + s * c)


def tco_per_gpu_hour(purchase_usd_per_gpu, years, power_kw, pue, electricity_usd_per_kwh,
                     hosting_share_per_year, utilisation):
    """Cost of owning one GPU per *useful* GPU-hour, USD.

    (capex/years + power_kw x PUE x 8760 x electricity + hosting_share x capex) / (8760 x utilisation)
    """
    u = _arr("utilisation", utilisation, positive=True, at_most_one=True)
    annual = annual_owning_cost(purchase_usd_per_gpu, years, power_kw, pue,
                                electricity_usd_per_kwh, hosting_share_per_year)
    return _out(np.asarray(annual) / (HOURS_PER_YEAR * u))


def breakeven_utilisation(price_usd_per_gpu_hour, purchase_usd_per_gpu, years, power_kw, pue,
                          electricity_usd_per_kwh, hosting_share_per_year):
    """Utilisation at which owning costs the same per useful hour as renting at the given price.

    u* = annual owning cost / (8760 x rental price). Above u* owning is cheaper. A result above 1
    means owning never beats renting at that price, even at 100 % utilisation.
    """
    p = _arr("price_usd_per_gpu_hour", price_usd_per_gpu_hour, positive=True)
    annual = annual_owning_cost(purchase_usd_per_gpu, years, power_kw, pue,
                                electricity_usd_per_kwh, hosting_share_per_year)
    return _out(np.asarray(annual) / (HOURS_PER_YEAR * p))


def breakeven_months(price_usd_per_gpu_hour, purchase_usd_per_gpu, power_kw, pue,
                     electricity_usd_per_kwh, hosting_share_per_year, utilisation=1.0):
    """Months of renting whose bill equals buying the GPU plus running it for those months.

    Solves  m x 730 x u x price = purchase + m x (730 x power_kw x PUE x electricity
    + hosting_share x purchase / 12)  for m. Returns ``inf`` where the monthly rent saved does
    not exceed the monthly running cost (owning never catches up). No depreciation term: the
    purchase is paid once, up front; no resale value, no interest.
    """
    p = _arr("price_usd_per_gpu_hour", price_usd_per_gpu_hour, positive=True)
    c = _arr("purchase_usd_per_gpu", purchase_usd_per_gpu, nonnegative=True)
    kw = _arr("power_kw", power_kw, nonnegative=True)
    pue_ = _arr("pue", pue, at_least_one=True)
    e = _arr("electricity_usd_per_kwh", electricity_usd_per_kwh, nonnegative=True)
    s = _arr("hosting_share_per_year", hosting_share_per_year, nonnegative=True)
    u = _arr("utilisation", utilisation, positive=True, at_most_one=True)
    rent_per_month = HOURS_PER_MONTH * u * p
    running_per_month = HOURS_PER_MONTH * kw * pue_ * e + s * c / 12.0
    margin = rent_per_month - running_per_month
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.where(margin > 0, c / np.where(margin > 0, margin, 1.0), np.inf)
    return _out(m)


# --- unit costs ---------------------------------------------------------------------------------

def cost_per_dense_pflop_hour(price_usd_per_gpu_hour, dense_tflops):
    """USD per hour of one dense PFLOP/s: price / (dense TFLOP/s / 1000).

    Use dense (not 2:4-sparse) tensor TFLOP/s and state the precision (BF16, FP8...) alongside.
    """
    p = _arr("price_usd_per_gpu_hour", price_usd_per_gpu_hour, nonnegative=True)
    t = _arr("dense_tflops", dense_tflops, positive=True)
    return _out(p / (t / 1000.0))


def cost_per_million_tokens(price_usd_per_gpu_hour, tokens_per_s):
    """USD per million tokens for one GPU producing ``tokens_per_s`` tokens per second.

    price / (tokens_per_s x 3600) x 1e6.
    """
    p = _arr("price_usd_per_gpu_hour", price_usd_per_gpu_hour, nonnegative=True)
    r = _arr("tokens_per_s", tokens_per_s, positive=True)
    return _out(p / (r * 3600.0) * 1e6)


# --- sensitivity --------------------------------------------------------------------------------

def tornado(fn: Callable[..., float], base: Mapping[str, float],
            ranges: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    """One-at-a-time sensitivity of ``fn(**base)`` to each assumption in ``ranges``.

    ``ranges`` maps a keyword of ``fn`` (present in ``base``) to ``(low, high)`` input values.
    Returns one row per assumption with columns parameter, input_low, input_high, output_low
    (fn with that input at its low value, all others at base), output_high, output_base, swing
    (|output_high - output_low|), sorted by swing, largest first.
    """
    missing = [k for k in ranges if k not in base]
    if missing:
        raise ValueError(f"ranges names parameters absent from base: {missing}")
    for k, pair in ranges.items():
        if len(pair) != 2:
            raise ValueError(f"ranges[{k!r}] must be a (low, high) pair, got {pair!r}")
    y0 = float(fn(**base))
    rows = []
    for k, (lo, hi) in ranges.items():
        y_lo = float(fn(**{**base, k: lo}))
        y_hi = float(fn(**{**base, k: hi}))
        rows.append({"parameter": k, "input_low": lo, "input_high": hi, "output_low": y_lo,
                     "output_high": y_hi, "output_base": y0, "swing": abs(y_hi - y_lo)})
    cols = ["parameter", "input_low", "input_high", "output_low", "output_high", "output_base",
            "swing"]
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
