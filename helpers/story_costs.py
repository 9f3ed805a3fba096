"""The economics of the cloud workaround, computed from data/ (shared by notebook 02 and the overview).

Every number comes from a table in ``data/`` or from a parameter (an assumption the reader may
change); the arithmetic is in :mod:`helpers.costs` and the chip throughput in :mod:`helpers.chips`.

Conventions (see :mod:`helpers.costs`): nominal USD of each quote's date; owned hardware pays
depreciation, power and hosting in every hour of the year and is charged per *useful* hour
(divided by utilisation); rented hardware is charged per hour used. Dense BF16 tensor TFLOP/s
is the common compute basis (the only precision every chip here publishes); decode throughput
uses the FP8 rate where a chip has one (weights at ``bytes_per_param`` from model_assumptions).
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from helpers import chips, costs, data

#: Notebook parameter defaults (the overview calls :func:`headline` with these).
DEFAULTS = dict(
    budget_usd=7e9,
    rental_price_usd_per_gpu_hour=2.65,
    utilisation=0.8,
    depreciation_years=5,
    electricity_usd_per_kwh=None,
    pue=1.56,
    hosting_share_per_year=0.0,
    h200_fee_pass_through=1.0,
    decode_batch=32,
)

#: Which electricity row applies to owned hardware in each region (row ids of running_costs).
#: China: the industrial average, because the subsidised western tariff is reserved for data
#: centres running domestic chips (see the row's note); Malaysia: TNB's July 2025 average tariff.
ELECTRICITY_ROW = {"china": "elec_cn_industrial_avg", "malaysia": "elec_my_tnb_rp4_avg"}

#: Rental rows for "rent H100 abroad": contracts and contract/spot indices since this date
#: (a ByteDance-scale deal is a contract, not an on-demand list price).
H100_RENT_SINCE = "2025-01-01"
H100_RENT_TYPES = ("long_term_contract", "index")

#: The routes to compute; ``regions`` filter purchase rows, ``where`` sets the electricity row.
ROUTES = [
    dict(route="Buy H20 in China", mode="buy", chips=("h20",), regions=("china",), where="china"),
    dict(route="Buy Ascend 910B in China", mode="buy", chips=("ascend_910b",), regions=("china",),
         where="china"),
    dict(route="Buy H200 in China under licence", mode="buy", chips=("h200_sxm",), regions=("china",),
         where="china", fee=True),
    dict(route="Buy H100 abroad (own in Malaysia)", mode="buy", chips=("h100_sxm",),
         regions=("us", "global"), where="malaysia"),
    dict(route="Rent H100 abroad", mode="rent", chips=("h100_sxm",)),
    dict(route="Rent H200 abroad", mode="rent", chips=("h200_sxm",)),
    dict(route="Rent B200/GB200 abroad", mode="rent", chips=("b200_hgx", "gb200_per_gpu")),
]

SEED_BUDGET_ROW = "cap_cloud_budget_7b_seed"
SEED_PRICE_ROW = "rent_h100_seed_longterm_2024"
SEED_COUNT_CLAIM = "c005"
MALAYSIA_ROW = "cap_malaysia_aolani_seed"
INDONESIA_ROW = "cap_indonesia_b200_seed"


# ----------------------------------------------------------------------------------- inputs
@data.memo
def specs() -> pd.DataFrame:
    """Chip specs, one row per chip_id (helpers.chips.wide_specs of chip_specs)."""
    return chips.wide_specs(data.load("chip_specs")).set_index("chip_id")


def running(item_id: str) -> pd.Series:
    return data.load("running_costs").set_index("item_id").loc[item_id]


def electricity(where: str, override=None) -> float:
    """USD/kWh for owned hardware in ``where`` (``override`` if given)."""
    return float(override) if override is not None else float(running(ELECTRICITY_ROW[where]).value)


def row_range(rows: pd.DataFrame, item: str, region: str | None = None) -> tuple[float, float]:
    """(min, max) over the low/central/high values of running_costs rows of one item."""
    r = rows[rows["item"] == item]
    if region is not None:
        r = r[r["region"] == region]
    vals = pd.concat([r.value, r.value_low, r.value_high]).dropna()
    return float(vals.min()), float(vals.max())


def h200_fee() -> dict:
    """Share of H200 China revenue the US takes: ``us_revenue_share`` of the H200 event in control_events."""
    ev = data.load("control_events")
    hit = ev[ev.chips_affected.fillna("").str.contains("H200") & ev.us_revenue_share.notna()]
    if len(hit) != 1:
        raise ValueError(f"expected one H200 event with a us_revenue_share in control_events, found {len(hit)}")
    row = hit.iloc[0]
    return {"share": float(row.us_revenue_share), "event_id": row.event_id, "date": row.date,
            "source_id": row.source_id}


def purchase_quotes(chip_ids, regions) -> pd.DataFrame:
    """Purchase rows of the chips in the regions, with per-GPU low / central / high USD."""
    p = data.load("purchase_prices")
    p = p[p.chip_id.isin(chip_ids) & p.region.isin(regions)].copy()
    n = p.gpus_per_item.astype(float)
    p["usd_per_gpu"] = p.price_usd / n
    p["usd_per_gpu_low"] = p.price_usd_low.fillna(p.price_usd) / n
    p["usd_per_gpu_high"] = p.price_usd_high.fillna(p.price_usd) / n
    return p


def rental_quotes(chip_ids, types=None, since=None) -> pd.DataFrame:
    """Rental rows of the chips (optionally of some provider types, since a date), low/high filled."""
    r = data.load("rental_prices")
    r = r[r.chip_id.isin(chip_ids)].copy()
    if types is not None:
        r = r[r.provider_type.isin(types)]
    if since is not None:
        r = r[r.date >= pd.Timestamp(since)]
    r["price_low"] = r.price_usd_per_gpu_hour_low.fillna(r.price_usd_per_gpu_hour)
    r["price_high"] = r.price_usd_per_gpu_hour_high.fillna(r.price_usd_per_gpu_hour)
    return r


def decode_rate(chip_id: str, batch: float, case: str = "") -> float:
    """Roofline decode tokens/s per GPU (helpers.chips) at the model_assumptions central values.

    ``case``: "" (central spec), "_low" or "_high" (spec low / high: bandwidth and compute).
    """
    s = specs().loc[chip_id]
    ma = data.load("model_assumptions").set_index("parameter").central
    fp8 = s.get(f"dense_fp8_tflops{case}", np.nan)
    tflops = fp8 if pd.notna(fp8) else s[f"dense_bf16_tflops{case}"]
    return chips.decode_tokens_per_s(s[f"memory_bandwidth_tbps{case}"], tflops, ma["active_params_b"],
                                     ma["bytes_per_param"], batch, ma["mbu_decode"], ma["mfu_prefill"])


# --------------------------------------------------------------------------- 1. the articles
def articles(budget_usd=DEFAULTS["budget_usd"],
             rental_price_usd_per_gpu_hour=DEFAULTS["rental_price_usd_per_gpu_hour"], **_) -> dict:
    """The seed's arithmetic: GPUs a budget rents for a year, and the price its count implies."""
    cap = data.load("bytedance_capacity").set_index("capacity_id").loc[SEED_BUDGET_ROW]
    seed_price = float(data.load("rental_prices").set_index("price_id").loc[SEED_PRICE_ROW].price_usd_per_gpu_hour)
    count = float(data.load("claims").set_index("claim_id").loc[SEED_COUNT_CLAIM].value)
    seed_budget = float(cap.value_usd)
    return {
        "seed_budget_usd": seed_budget, "seed_price": seed_price, "seed_count": count,
        "gpus_at_seed_price": costs.gpus_rentable(seed_budget, seed_price),
        "implied_price": costs.implied_price(seed_budget, count),
        "gpus_at_param_price": costs.gpus_rentable(budget_usd, rental_price_usd_per_gpu_hour),
    }


# ----------------------------------------------------------------------------- 3. the routes
def _owning_inputs(route: dict, p: dict) -> dict:
    """Base keyword arguments of costs.tco_per_gpu_hour for an owned route (price set later)."""
    chip = route["chips"][0]
    return dict(years=p["depreciation_years"], power_kw=float(specs().loc[chip, "tdp_w"]) / 1000.0,
                pue=p["pue"], electricity_usd_per_kwh=electricity(route["where"], p["electricity_usd_per_kwh"]),
                hosting_share_per_year=p["hosting_share_per_year"], utilisation=p["utilisation"])


def fee_markup(route: dict, p: dict) -> float:
    """Price multiplier of a route: 1 + fee x pass-through for the licensed H200, else 1."""
    return 1.0 + h200_fee()["share"] * p["h200_fee_pass_through"] if route.get("fee") else 1.0


def route_quotes(route: dict, **params) -> pd.DataFrame:
    """One row per price quote behind a route, with USD per useful GPU-hour low / central / high
    and the chip's dense BF16 TFLOP/s and decode tokens/s (spec low / central / high)."""
    p = {**DEFAULTS, **params}
    s = specs()
    if route["mode"] == "buy":
        q = purchase_quotes(route["chips"], route["regions"])
        base, k = _owning_inputs(route, p), fee_markup(route, p)
        for case, col in (("low", "usd_per_gpu_low"), ("central", "usd_per_gpu"), ("high", "usd_per_gpu_high")):
            q[f"gpu_hour_{case}"] = costs.tco_per_gpu_hour(q[col].to_numpy() * k, **base)
        q = q.rename(columns={"price_id": "quote_id"})
    else:
        hundred = route["chips"] == ("h100_sxm",)
        q = rental_quotes(route["chips"], H100_RENT_TYPES if hundred else None,
                          H100_RENT_SINCE if hundred else None)
        q["gpu_hour_low"], q["gpu_hour_central"], q["gpu_hour_high"] = (
            q.price_low, q.price_usd_per_gpu_hour, q.price_high)
        q = q.rename(columns={"price_id": "quote_id"})
    for case, suffix in (("low", "_low"), ("central", ""), ("high", "_high")):
        q[f"tflops{suffix}"] = q.chip_id.map(s[f"dense_bf16_tflops{suffix}"])
        q[f"tokens_s{suffix}"] = [decode_rate(c, p["decode_batch"], suffix) for c in q.chip_id]
    return q


def _summarise(route: dict, q: pd.DataFrame, central_override=None) -> dict:
    """Low / central / high of one route: low = cheapest quote on the best spec, high = dearest on
    the worst spec, central = median of the quotes' central values (or the override)."""
    out = {"route": route["route"], "mode": route["mode"], "quotes": len(q),
           "source_ids": sorted(set(q.source_id))}
    per = {
        "usd_per_gpu_hour": (q.gpu_hour_low, q.gpu_hour_central, q.gpu_hour_high),
        "usd_per_pflop_hour": (costs.cost_per_dense_pflop_hour(q.gpu_hour_low, q.tflops_high),
                               costs.cost_per_dense_pflop_hour(q.gpu_hour_central, q.tflops),
                               costs.cost_per_dense_pflop_hour(q.gpu_hour_high, q.tflops_low)),
        "usd_per_m_tokens": (costs.cost_per_million_tokens(q.gpu_hour_low, q.tokens_s_high),
                             costs.cost_per_million_tokens(q.gpu_hour_central, q.tokens_s),
                             costs.cost_per_million_tokens(q.gpu_hour_high, q.tokens_s_low)),
    }
    for name, (lo, mid, hi) in per.items():
        lo, mid, hi = (np.asarray(x, dtype=float) for x in (lo, mid, hi))
        centre = float(np.median(mid))
        if central_override is not None:  # one chip: scale the override by this metric's ratio
            centre = float(np.median(mid / q.gpu_hour_central.to_numpy()) * central_override)
        out[f"{name}_low"], out[name], out[f"{name}_high"] = (
            min(float(lo.min()), centre), centre, max(float(hi.max()), centre))
    return out


def routes(**params) -> pd.DataFrame:
    """One row per route: USD per useful GPU-hour, per dense BF16 PFLOP-hour and per million
    decode tokens, each low / central / high. The H100 rental's central value is the
    ``rental_price_usd_per_gpu_hour`` parameter."""
    p = {**DEFAULTS, **params}
    rows = []
    for r in ROUTES:
        q = route_quotes(r, **p)
        override = p["rental_price_usd_per_gpu_hour"] if r["route"] == "Rent H100 abroad" else None
        rows.append(_summarise(r, q, override))
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- 2. rent vs buy
def rent_vs_buy(**params) -> dict:
    """Owning an H100 abroad (route 'Buy H100 abroad') against renting at the parameter price."""
    p = {**DEFAULTS, **params}
    route = next(r for r in ROUTES if r["route"] == "Buy H100 abroad (own in Malaysia)")
    q = purchase_quotes(route["chips"], route["regions"])
    base = _owning_inputs(route, p)
    prices = {"low": float(q.usd_per_gpu_low.min()), "central": float(q.usd_per_gpu.median()),
              "high": float(q.usd_per_gpu_high.max())}
    own = {k: dict(base, purchase=v) for k, v in prices.items()}
    price = p["rental_price_usd_per_gpu_hour"]
    out = {"purchase_usd_per_gpu": prices, "quote_ids": list(q.price_id), "source_ids": sorted(set(q.source_id)),
           "electricity_usd_per_kwh": base["electricity_usd_per_kwh"], "power_kw": base["power_kw"]}
    for k, b in own.items():
        args = (b["purchase"], b["years"], b["power_kw"], b["pue"], b["electricity_usd_per_kwh"],
                b["hosting_share_per_year"])
        out[f"annual_{k}"] = costs.annual_owning_cost(*args)
        out[f"tco_{k}"] = costs.tco_per_gpu_hour(*args, b["utilisation"])
        out[f"breakeven_u_{k}"] = costs.breakeven_utilisation(price, *args)
        out[f"breakeven_months_{k}"] = costs.breakeven_months(price, b["purchase"], b["power_kw"], b["pue"],
                                                              b["electricity_usd_per_kwh"],
                                                              b["hosting_share_per_year"], b["utilisation"])
    n = costs.gpus_rentable(p["budget_usd"], price)
    out.update(cluster_gpus=n, cluster_capex=n * prices["central"], cluster_annual_own=n * out["annual_central"])
    return out


# ---------------------------------------------------------------------------- 4. Malaysia
def malaysia(**params) -> dict:
    """The Aolani cluster: value per GPU and rack, the market rent of the same capacity, payback."""
    p = {**DEFAULTS, **params}
    cap = data.load("bytedance_capacity").set_index("capacity_id")
    m, indo = cap.loc[MALAYSIA_ROW], cap.loc[INDONESIA_ROW]
    n, racks, value = float(m.gpu_count), float(m.racks), float(m.value_usd)
    rack_q = purchase_quotes(("gb200_per_gpu",), ("global",))
    rent = rental_quotes(("b200_hgx", "gb200_per_gpu"))
    r_lo, r_mid, r_hi = float(rent.price_low.min()), float(rent.price_usd_per_gpu_hour.median()), float(rent.price_high.max())
    kw = float(running("power_nvl72_per_gpu").value)
    elec = electricity("malaysia", p["electricity_usd_per_kwh"])
    per_gpu = value / n
    pay = {k: costs.breakeven_months(v, per_gpu, kw, p["pue"], elec, p["hosting_share_per_year"], p["utilisation"])
           for k, v in (("low", r_lo), ("central", r_mid), ("high", r_hi))}
    return {
        "gpus": n, "racks": racks, "value_usd": value, "gpus_per_rack": n / racks,
        "value_per_gpu": per_gpu, "value_per_rack": value / racks,
        "rack_price_low": float(rack_q.price_usd_low.min()), "rack_price_high": float(rack_q.price_usd_high.max()),
        "rack_quote_per_gpu_low": float(rack_q.usd_per_gpu_low.min()),
        "rack_quote_per_gpu_high": float(rack_q.usd_per_gpu_high.max()),
        "rent_price_low": r_lo, "rent_price": r_mid, "rent_price_high": r_hi,
        "rent_year_low": n * r_lo * costs.HOURS_PER_YEAR, "rent_year": n * r_mid * costs.HOURS_PER_YEAR,
        "rent_year_high": n * r_hi * costs.HOURS_PER_YEAR,
        "capex_per_gpu_hour": costs.implied_price(value, n, hours=p["depreciation_years"] * costs.HOURS_PER_YEAR),
        "payback_months_low": pay["high"], "payback_months": pay["central"], "payback_months_high": pay["low"],
        "power_kw": kw, "electricity_usd_per_kwh": elec,
        "indonesia_gpus": float(indo.gpu_count),
        "indonesia_rent_year_low": float(indo.gpu_count) * r_lo * costs.HOURS_PER_YEAR,
        "indonesia_rent_year_high": float(indo.gpu_count) * r_hi * costs.HOURS_PER_YEAR,
        "source_ids": sorted({m.source_id, indo.source_id, *rack_q.source_id, *rent.source_id, running("power_nvl72_per_gpu").source_id}),
    }


# ----------------------------------------------------------------------------- 5. tornado
def tornado(route_name: str, utilisation_range=(0.5, 1.0), hosting_range=(0.0, 0.1), **params) -> pd.DataFrame:
    """costs.tornado of one route's USD per dense BF16 PFLOP-hour. Ranges come from the data
    (quotes, spec low/high, depreciation, PUE and electricity rows, fee pass-through 0-1) except
    utilisation and hosting, which are assumptions passed in."""
    p = {**DEFAULTS, **params}
    route = next(r for r in ROUTES if r["route"] == route_name)
    q = route_quotes(route, **p)
    s = _summarise(route, q, p["rental_price_usd_per_gpu_hour"] if route_name == "Rent H100 abroad" else None)
    rc = data.load("running_costs")
    if route["mode"] == "rent":
        tf = q.tflops.median()
        def fn(price, tflops):
            return costs.cost_per_dense_pflop_hour(price, tflops)
        base = {"price": s["usd_per_gpu_hour"], "tflops": tf}
        ranges = {"price": (s["usd_per_gpu_hour_low"], s["usd_per_gpu_hour_high"]),
                  "tflops": (float(q.tflops_low.min()), float(q.tflops_high.max()))}
    else:
        b = _owning_inputs(route, p)
        chip = route["chips"][0]
        sp = specs().loc[chip]
        share = h200_fee()["share"] if route.get("fee") else 0.0
        def fn(price, years, power_kw, pue, electricity_usd_per_kwh, hosting_share_per_year, utilisation,
               tflops, pass_through):
            h = costs.tco_per_gpu_hour(price * (1 + share * pass_through), years, power_kw, pue,
                                       electricity_usd_per_kwh, hosting_share_per_year, utilisation)
            return costs.cost_per_dense_pflop_hour(h, tflops)
        base = dict(b, price=float(q.usd_per_gpu.median()), tflops=float(sp.dense_bf16_tflops),
                    pass_through=p["h200_fee_pass_through"])
        ranges = {"price": (float(q.usd_per_gpu_low.min()), float(q.usd_per_gpu_high.max())),
                  "years": row_range(rc, "depreciation_years"),
                  "pue": row_range(rc, "pue"),
                  "electricity_usd_per_kwh": row_range(rc, "electricity_price", route["where"]),
                  "utilisation": tuple(utilisation_range),
                  "hosting_share_per_year": tuple(hosting_range),
                  "tflops": (float(sp.dense_bf16_tflops_low), float(sp.dense_bf16_tflops_high))}
        if route.get("fee"):
            ranges["pass_through"] = (0.0, 1.0)
    out = costs.tornado(fn, base, ranges)
    out.insert(0, "route", route_name)
    return out


# ----------------------------------------------------------------------------- headline
def headline(**params) -> dict:
    """Cheapest route per dense PFLOP-hour (with range) and the H100 rent-vs-buy break-even."""
    p = {**DEFAULTS, **params}
    t = routes(**p).sort_values("usd_per_pflop_hour").reset_index(drop=True)
    best, second, rent = t.iloc[0], t.iloc[1], t[t["mode"] == "rent"].iloc[0]
    rvb = rent_vs_buy(**p)
    a = articles(**p)
    u_lo, u_mid, u_hi = sorted([rvb["breakeven_u_low"], rvb["breakeven_u_central"], rvb["breakeven_u_high"]])
    m_lo, m_mid, m_hi = sorted([rvb["breakeven_months_low"], rvb["breakeven_months_central"], rvb["breakeven_months_high"]])

    def rng(r):
        return (f"USD {r.usd_per_pflop_hour:.2f} ({r.usd_per_pflop_hour_low:.2f}–{r.usd_per_pflop_hour_high:.2f})")

    def name(r):
        return r.route[0].lower() + r.route[1:]

    life = p["depreciation_years"] * 12
    rental = ("" if best["mode"] == "rent" else f"; the cheapest rental, {name(rent)}, costs {rng(rent)}")
    payback = (f"pays for itself in about **{m_mid:.0f} months** ({m_lo:.0f}–{m_hi:.0f})"
               + (f", longer than its {life:.0f}-month life," if m_mid > life else "")
               + f" at {p['utilisation']:.0%} use")
    sentence = (
        f"Per unit of dense compute the cheapest route is to **{name(best)}**"
        + (" (where US licences and Chinese customs let the chips in)" if "licence" in best.route else "")
        + f": about **{rng(best)} per dense BF16 PFLOP-hour**, ahead of {name(second)} at {rng(second)}{rental}. "
        f"Owning an H100 beats renting one at USD {p['rental_price_usd_per_gpu_hour']:.2f} per GPU-hour once it is "
        f"busy more than **{u_mid:.0%}** of the time ({u_lo:.0%}–{u_hi:.0%} over the purchase quotes) and {payback}. "
        f"The seed's {a['seed_count']:,.0f} H100 for USD {a['seed_budget_usd'] / 1e9:.0f} bn imply "
        f"USD {a['implied_price']:.2f} per GPU-hour, not the USD {a['seed_price']:.2f} it quotes.")
    return {"sentence": sentence, "cheapest_route": best.route,
            "cheapest_usd_per_pflop_hour": float(best.usd_per_pflop_hour),
            "cheapest_usd_per_pflop_hour_low": float(best.usd_per_pflop_hour_low),
            "cheapest_usd_per_pflop_hour_high": float(best.usd_per_pflop_hour_high),
            "second_route": second.route, "second_usd_per_pflop_hour": float(second.usd_per_pflop_hour),
            "cheapest_rental_route": rent.route, "cheapest_rental_usd_per_pflop_hour": float(rent.usd_per_pflop_hour),
            "breakeven_utilisation": float(u_mid), "breakeven_utilisation_low": float(u_lo),
            "breakeven_utilisation_high": float(u_hi), "breakeven_months": float(m_mid),
            "breakeven_months_low": float(m_lo), "breakeven_months_high": float(m_hi),
            "implied_price": float(a["implied_price"]), "gpus_at_seed_price": float(a["gpus_at_seed_price"])}


def cite_short(source_ids, n: int = 3) -> str:
    """data.cite of the first ``n`` source ids, then how many more there are (keeps chart source lines short)."""
    ids = sorted(set(source_ids))
    more = len(ids) - n
    return data.cite(ids[:n]) + (f"; and {more} more sources (ids in the tooltips and tables)" if more > 0 else "")
