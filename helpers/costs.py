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

from helpers import chips, data, params

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
    """``value`` as a float array, or ValueError naming ``name`` (see :func:`helpers.params.array`)."""
    return params.array(name, value, positive=positive, nonnegative=nonnegative,
                        low=1 if at_least_one else None, high=1 if at_most_one else None)


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


# --- quotes and routes from data/ ----------------------------------------------------------------
# Dense BF16 TFLOP/s is the common compute basis; decode uses the shared serving model (chips.decode_rate).
# Whether a route is open to a China-headquartered buyer on a date is not modelled here.

#: Electricity row (running_costs) of owned hardware per site: China's industrial average (the
#: subsidised western tariff is for data centres running domestic chips); Malaysia's TNB average.
ELECTRICITY_ROW = {"china": "elec_cn_industrial_avg", "malaysia": "elec_my_tnb_rp4_avg"}
#: "Rent H100 abroad" uses contracts and contract/spot indices since the cloud budget's year.
H100_RENT = dict(types=("long_term_contract", "index"), since="2025-01-01")
#: The seed's cloud-budget arithmetic: capacity row, rental price row, claimed GPU count (claims).
SEED_ROWS = dict(budget="cap_cloud_budget_7b_seed", price="rent_h100_seed_longterm_2024", count="c005")
#: The Malaysian cluster: capacity row, the chips whose rental quotes price it, its power per GPU.
MALAYSIA_CLUSTER = dict(capacity_id="cap_malaysia_aolani_seed", rent_chips=("b200_hgx", "gb200_per_gpu"),
                        power_row="power_nvl72_per_gpu")
#: Routes to compute: ``regions`` filter purchase rows; ``where`` picks the electricity row.
ROUTES = [
    dict(route="Buy H20 in China", mode="buy", chips=("h20",), regions=("china",), where="china"),
    dict(route="Buy Ascend 910B in China", mode="buy", chips=("ascend_910b",), regions=("china",), where="china"),
    dict(route="Buy H200 in China under licence", mode="buy", chips=("h200_sxm",), regions=("china",), where="china", fee=True),
    dict(route="Buy H100 abroad (own in Malaysia)", mode="buy", chips=("h100_sxm",), regions=("us", "global"), where="malaysia"),
    dict(route="Rent H100 abroad", mode="rent", chips=("h100_sxm",), **H100_RENT),
    dict(route="Rent H200 abroad", mode="rent", chips=("h200_sxm",)),
    dict(route="Rent B200/GB200 abroad", mode="rent", chips=("b200_hgx", "gb200_per_gpu")),
]


def electricity(where: str, override=None) -> float:
    """USD/kWh of owned hardware at ``where`` (ELECTRICITY_ROW), or ``override`` if not None."""
    rc = data.load("running_costs").set_index("item_id")
    return float(override) if override is not None else float(rc.loc[ELECTRICITY_ROW[where], "value"])


def h200_fee() -> dict:
    """The US share of China H200 revenue: the one control_events row on H200 with a us_revenue_share."""
    ev = data.load("control_events")
    hit = ev[ev.chips_affected.fillna("").str.contains("H200") & ev.us_revenue_share.notna()]
    if len(hit) != 1:
        raise ValueError(f"expected one H200 event with a us_revenue_share in control_events, found {len(hit)}")
    r = hit.iloc[0]
    return {"share": float(r.us_revenue_share), "event_id": r.event_id, "date": r.date, "source_id": r.source_id}


def seed_figures() -> dict:
    """The seed's ``budget_usd``, ``price`` (USD per GPU-hour) and claimed GPU ``count`` (SEED_ROWS)."""
    budget = data.load("bytedance_capacity").set_index("capacity_id").loc[SEED_ROWS["budget"]]
    price = data.load("rental_prices").set_index("price_id").loc[SEED_ROWS["price"]]
    count = data.load("claims").set_index("claim_id").loc[SEED_ROWS["count"]]
    return {"budget_usd": float(budget.value_usd), "price": float(price.price_usd_per_gpu_hour),
            "count": float(count.value), "source_ids": [budget.source_id, price.source_id, count.source_id]}


def purchase_quotes(chip_ids, regions) -> pd.DataFrame:
    """Purchase rows of the chips in the regions, with ``usd_per_gpu`` and its ``_low`` / ``_high``."""
    p = data.load("purchase_prices").query("chip_id in @chip_ids and region in @regions")
    n = p.gpus_per_item.astype(float)
    return p.assign(usd_per_gpu=p.price_usd / n, usd_per_gpu_low=p.price_usd_low.fillna(p.price_usd) / n,
                    usd_per_gpu_high=p.price_usd_high.fillna(p.price_usd) / n)


def rental_quotes(chip_ids, types=None, since=None) -> pd.DataFrame:
    """Rental rows of the chips (of provider ``types``, dated ``since`` or later, if given), with
    ``price_low`` / ``price_high`` (USD per GPU-hour; the quote where a row has no range)."""
    r = data.load("rental_prices")
    r = r[r.chip_id.isin(chip_ids) & (r.provider_type.isin(types) if types else True)
          & (r.date >= pd.Timestamp(since) if since else True)]
    return r.assign(price_low=r.price_usd_per_gpu_hour_low.fillna(r.price_usd_per_gpu_hour),
                    price_high=r.price_usd_per_gpu_hour_high.fillna(r.price_usd_per_gpu_hour))


def owning_inputs(route: dict, *, depreciation_years, pue, electricity_usd_per_kwh, hosting_share_per_year,
                  utilisation, **_) -> dict:
    """Keyword arguments of :func:`tco_per_gpu_hour` for an owned route, except the purchase price."""
    return dict(years=depreciation_years, power_kw=float(chips.specs().loc[route["chips"][0], "tdp_w"]) / 1e3,
                pue=pue, electricity_usd_per_kwh=electricity(route["where"], electricity_usd_per_kwh),
                hosting_share_per_year=hosting_share_per_year, utilisation=utilisation)


def route_quotes(route: dict, *, decode_batch, h200_fee_pass_through, **p) -> pd.DataFrame:
    """One row per quote of a route: USD per useful GPU-hour ``gpu_hour_<case>`` and the chip's dense
    BF16 ``tflops`` and decode ``tokens_s`` (suffix ``_low`` / ``_high``: spec low / high)."""
    if route["mode"] == "buy":
        q, base = purchase_quotes(route["chips"], route["regions"]), owning_inputs(route, **p)
        k = 1 + h200_fee()["share"] * h200_fee_pass_through if route.get("fee") else 1.0
        for case, sfx in chips.BOUNDS.items():
            q[f"gpu_hour_{case}"] = tco_per_gpu_hour(q[f"usd_per_gpu{sfx}"].to_numpy() * k, **base)
    else:
        q = rental_quotes(route["chips"], route.get("types"), route.get("since"))
        q = q.assign(gpu_hour_low=q.price_low, gpu_hour_central=q.price_usd_per_gpu_hour, gpu_hour_high=q.price_high)
    for case, sfx in chips.BOUNDS.items():
        q[f"tflops{sfx}"] = q.chip_id.map(chips.specs()[f"dense_bf16_tflops{sfx}"])
        q[f"tokens_s{sfx}"] = [chips.decode_rate(c, decode_batch, case) for c in q.chip_id]
    return q.rename(columns={"price_id": "quote_id"})


def route_cost(route: dict, q: pd.DataFrame, central=None) -> dict:
    """USD per useful GPU-hour, per dense BF16 PFLOP-hour and per million decode tokens of one route
    (``usd_per_<unit>`` with ``_low`` / ``_high``): low = cheapest quote on the best spec, high = dearest
    on the worst; central = median quote, or ``central`` (USD per GPU-hour) scaled to each unit."""
    out = {"route": route["route"], "mode": route["mode"], "quotes": len(q), "source_ids": sorted(set(q.source_id))}
    per = {"usd_per_gpu_hour": lambda h, s: h,
           "usd_per_pflop_hour": lambda h, s: cost_per_dense_pflop_hour(h, q[f"tflops{s}"]),
           "usd_per_m_tokens": lambda h, s: cost_per_million_tokens(h, q[f"tokens_s{s}"])}
    for name, f in per.items():
        lo, mid, hi = (np.asarray(f(q[f"gpu_hour_{c}"], s), dtype=float)
                       for c, s in (("low", "_high"), ("central", ""), ("high", "_low")))
        centre = float(np.median(mid if central is None else mid / q.gpu_hour_central.to_numpy() * central))
        out[f"{name}_low"], out[name], out[f"{name}_high"] = min(lo.min(), centre), centre, max(hi.max(), centre)
    return out


def routes(*, rental_price_usd_per_gpu_hour, **p) -> pd.DataFrame:
    """:func:`route_cost` of every route in ROUTES (keywords: a notebook's parameters), one row each;
    the H100 rental's central value is ``rental_price_usd_per_gpu_hour``."""
    return pd.DataFrame([route_cost(r, route_quotes(r, **p), rental_price_usd_per_gpu_hour
                                    if r["route"] == "Rent H100 abroad" else None) for r in ROUTES])


def rent_vs_buy(*, rental_price_usd_per_gpu_hour, **p) -> dict:
    """Own an H100 abroad (route 'Buy H100 abroad') or rent it at ``rental_price_usd_per_gpu_hour``: at the
    cheapest / median / dearest quote per GPU (``<case>`` low / central / high) ``annual_<case>`` (USD per
    GPU-year), ``tco_`` (USD per useful GPU-hour), ``breakeven_u_`` (utilisation), ``breakeven_months_``."""
    route = next(r for r in ROUTES if r["route"].startswith("Buy H100 abroad"))
    q, base = purchase_quotes(route["chips"], route["regions"]), owning_inputs(route, **p)
    own = {k: v for k, v in base.items() if k != "utilisation"}
    price = {"low": float(q.usd_per_gpu_low.min()), "central": float(q.usd_per_gpu.median()), "high": float(q.usd_per_gpu_high.max())}
    out = {"purchase_usd_per_gpu": price, "source_ids": sorted(set(q.source_id)),
           "electricity_usd_per_kwh": base["electricity_usd_per_kwh"], "power_kw": base["power_kw"]}
    for k, c in price.items():
        out[f"annual_{k}"] = annual_owning_cost(c, **own)
        out[f"tco_{k}"] = tco_per_gpu_hour(c, **base)
        out[f"breakeven_u_{k}"] = breakeven_utilisation(rental_price_usd_per_gpu_hour, c, **own)
        out[f"breakeven_months_{k}"] = breakeven_months(rental_price_usd_per_gpu_hour, c, **{
            key: v for key, v in base.items() if key != "years"})
    return out


def cluster_payback(capacity_id: str, rent_chips, power_row: str, *, pue, electricity_usd_per_kwh,
                    hosting_share_per_year, utilisation, **_) -> dict:
    """A reported cluster (``bytedance_capacity`` row) bought at its value and rented out at the
    cheapest / median / dearest quote of ``rent_chips`` (``rent``, USD per GPU-hour): value per GPU and
    the months it takes to pay back (``payback_months``; ``_low`` at the dearest rent, ``_high`` at the
    cheapest), with power per GPU from running_costs ``power_row`` at the site's electricity price."""
    c = data.load("bytedance_capacity").set_index("capacity_id").loc[capacity_id]
    r, power = rental_quotes(rent_chips), data.load("running_costs").set_index("item_id").loc[power_row]
    rent = {"low": float(r.price_low.min()), "central": float(r.price_usd_per_gpu_hour.median()), "high": float(r.price_high.max())}
    run = dict(power_kw=float(power.value), pue=pue, electricity_usd_per_kwh=electricity(c.country, electricity_usd_per_kwh),
               hosting_share_per_year=hosting_share_per_year, utilisation=utilisation)
    per_gpu = float(c.value_usd) / float(c.gpu_count)
    months = {k: breakeven_months(v, per_gpu, **run) for k, v in rent.items()}
    return {"gpus": float(c.gpu_count), "racks": float(c.racks), "value_usd": float(c.value_usd),
            "value_per_gpu": per_gpu, "rent": rent, **run, "payback_months": months["central"],
            "payback_months_low": months["high"], "payback_months_high": months["low"],
            "source_ids": sorted({c.source_id, power.source_id, *r.source_id})}
