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


import altair as alt
import numpy as np
import pandas as pd

from helpers import charts, chips, costs, data, story_chips

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
PUE_ROW = "pue_global_2024"  # running_costs row of the default PUE


# ----------------------------------------------------------------------------------- inputs
def specs() -> pd.DataFrame:
    """Chip specs, one row per chip_id (the chip notebook's table: helpers.story_chips.specs)."""
    return story_chips.specs()


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
    tflops = chips.dense_tflops_at(s[f"dense_bf16_tflops{case}"], s.get(f"dense_fp8_tflops{case}", np.nan), "fp8")
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
        return lower_first(r.route)

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


def lower_first(text: str) -> str:
    """``text`` with its first letter in lower case ('Buy H20 in China' -> 'buy H20 in China')."""
    return text[0].lower() + text[1:]


# ------------------------------------------------------------------ notebook 02: charts and tables
def _labelled_rule(base, color: str, at: dict, text_at: dict | None = None, **text_mark) -> tuple:
    """(rule, text): a dashed rule of ``base`` placed by the ``at`` encodings and its ``label`` column beside it."""
    rule = base.mark_rule(strokeDash=[4, 3], color=color).encode(**at)
    text = base.mark_text(align="left", dx=4, color=color, **text_mark).encode(**at, **(text_at or {}), text="label:N")
    return rule, text


def h100_budget_quotes(budget_usd=DEFAULTS["budget_usd"]) -> pd.DataFrame:
    """Every H100 rental quote (USD per GPU-hour) with ``gpus``: how many the budget (USD) rents for a year."""
    return rental_quotes(("h100_sxm",)).assign(gpus=lambda d: costs.gpus_rentable(budget_usd, d.price_usd_per_gpu_hour))


def budget_curve(budget_usd, low_price, high_price, points: int = 60) -> pd.DataFrame:
    """GPUs rented all year (``gpus``) by a budget (USD) at ``points`` log-spaced prices (``price``, USD per GPU-hour)."""
    return pd.DataFrame({"price": np.geomspace(low_price, high_price, points)}).assign(
        gpus=lambda d: costs.gpus_rentable(budget_usd, d.price))


def chart_articles(a: dict, h100: pd.DataFrame, **params):
    """Section 1: H100s a budget rents for a year against the price (USD per GPU-hour, log-log), the
    quotes of ``h100_budget_quotes`` on the curve and the seed's count; ``a`` is :func:`articles`."""
    p = {**DEFAULTS, **params}
    budget, lo_p, hi_p = p["budget_usd"], h100.price_usd_per_gpu_hour.min(), h100.price_usd_per_gpu_hour.max()
    line = alt.Chart(budget_curve(budget, lo_p, hi_p)).mark_line(color="#999").encode(
        x=alt.X("price:Q", title="Rental price (USD per H100-hour, log scale)",
                scale=alt.Scale(type="log", domain=[lo_p, hi_p], nice=False)),
        y=alt.Y("gpus:Q", title=f"H100s rented all year (budget USD {budget / 1e9:g} bn)", scale=alt.Scale(type="log")))
    pts = alt.Chart(h100).mark_point(filled=True, size=70).encode(
        x="price_usd_per_gpu_hour:Q", y="gpus:Q", color=alt.Color("provider_type:N", title="Quote type"),
        tooltip=["date:T", "provider", "provider_type", alt.Tooltip("price_usd_per_gpu_hour:Q", title="USD/GPU-h"),
                 alt.Tooltip("gpus:Q", format=",.0f"), "source_id"])
    seed = alt.Chart(pd.DataFrame({"gpus": [a["seed_count"]], "label": [f"seed: {a['seed_count']:,.0f} GPUs"]}))
    rule, text = _labelled_rule(seed, "#d1495b", {"y": "gpus:Q"}, {"x": alt.value(4)}, dy=-6)
    return charts.sourced(
        line + pts + rule + text,
        f"USD {budget / 1e9:g} bn rents {a['gpus_at_param_price'] / 1e3:,.0f}k H100 for a year at "
        f"USD {p['rental_price_usd_per_gpu_hour']:.2f}/h; the seed's count needs USD {a['implied_price']:.2f}/h",
        source=cite_short(h100.source_id),
        subtitle=f"Every H100 rental quote in the data, {h100.date.min():%Y}-{h100.date.max():%Y}; "
                 f"the line is budget / (price x hours in a year)")


def owning_expression(rvb: dict, **params) -> str:
    """Vega expression of owning one H100 for a year (USD), in the slider parameter ``life_years``:
    central purchase / life + power + hosting share x purchase; ``rvb`` is :func:`rent_vs_buy`."""
    p = {**DEFAULTS, **params}
    c = rvb["purchase_usd_per_gpu"]["central"]
    power_year = rvb["power_kw"] * p["pue"] * costs.HOURS_PER_YEAR * rvb["electricity_usd_per_kwh"]
    return f"({c} / life_years + {power_year} + {p['hosting_share_per_year']} * {c})"


def chart_rent_vs_buy(rvb: dict, **params):
    """Section 2: USD per useful H100-hour owned or rented against utilisation, with sliders (Vega-Lite
    parameters ``rent_price``, USD per GPU-hour, and ``life_years``) and the break-even utilisation."""
    p = {**DEFAULTS, **params}
    c, H, annual = rvb["purchase_usd_per_gpu"]["central"], costs.HOURS_PER_YEAR, owning_expression(rvb, **p)
    price_p = alt.param(name="rent_price", value=p["rental_price_usd_per_gpu_hour"],
                        bind=alt.binding_range(min=0.5, max=8, step=0.05, name="Rental price, USD per GPU-hour "))
    years_p = alt.param(name="life_years", value=p["depreciation_years"],
                        bind=alt.binding_range(min=2, max=8, step=1, name="Depreciation life, years "))
    grid = pd.DataFrame({"utilisation": np.round(np.linspace(0.05, 1.0, 96), 4)})
    lines = alt.Chart(grid).transform_calculate(
        Own=f"{annual} / ({H} * datum.utilisation)", Rent="rent_price").transform_fold(
        ["Own", "Rent"], as_=["option", "usd"]).mark_line(clip=True).encode(
        x=alt.X("utilisation:Q", title="Utilisation (share of the year the GPU does useful work)", axis=alt.Axis(format="%")),
        y=alt.Y("usd:Q", title="USD per useful H100-hour", scale=alt.Scale(domain=[0, 8])),
        color=alt.Color("option:N", title=None), tooltip=[alt.Tooltip("utilisation:Q", format=".0%"), "option:N",
                                                          alt.Tooltip("usd:Q", format=".2f")])
    be = alt.Chart(pd.DataFrame({"k": [0]})).transform_calculate(
        u=f"{annual} / ({H} * rent_price)", label="'break-even ' + format(datum.u, '.0%')").transform_filter("datum.u <= 1")
    sources = rvb["source_ids"] + [running(ELECTRICITY_ROW["malaysia"]).source_id, running(PUE_ROW).source_id]
    return charts.sourced(
        (lines + alt.layer(*_labelled_rule(be, "#555", {"x": "u:Q"}, y=12))).add_params(price_p, years_p),
        f"Owning an H100 beats renting it at USD {p['rental_price_usd_per_gpu_hour']:.2f}/h above "
        f"{rvb['breakeven_u_central']:.0%} utilisation",
        source=cite_short(sources),
        subtitle=f"Central H100 price USD {c:,.0f} per GPU; power {rvb['power_kw']:g} kW x PUE {p['pue']:g} at "
                 f"{rvb['electricity_usd_per_kwh']:.3f} USD/kWh; hosting share {p['hosting_share_per_year']:g}/yr")


#: The two unit costs charted per route (column of routes(), panel title).
ROUTE_METRICS = (("usd_per_pflop_hour", "USD per dense BF16 PFLOP-hour"),
                 ("usd_per_m_tokens", "USD per million decode tokens"))


def routes_long(t: pd.DataFrame) -> pd.DataFrame:
    """:func:`routes` stacked once per ROUTE_METRICS entry, with ``metric`` (panel title) and that
    metric's ``low`` / ``mid`` / ``high`` (USD per PFLOP-hour or per million tokens)."""
    return pd.concat([t.assign(metric=label, low=t[f"{col}_low"], mid=t[col], high=t[f"{col}_high"])
                      for col, label in ROUTE_METRICS])


def routes_title(t: pd.DataFrame) -> str:
    """Finding of the route chart: the cheapest route per dense PFLOP-hour and how the cheapest rental
    compares with the cheapest purchase (ratio of USD per PFLOP-hour)."""
    t = t.sort_values("usd_per_pflop_hour", kind="stable")
    best = lower_first(t.iloc[0].route)
    ratio = t[t["mode"] == "rent"].usd_per_pflop_hour.min() / t[t["mode"] == "buy"].usd_per_pflop_hour.min()
    if t.iloc[0]["mode"] == "buy":
        return f"Per dense PFLOP-hour, {best} is cheapest; the cheapest rental costs {ratio:.1f}x as much"
    return f"Per dense PFLOP-hour, {best} is cheapest, at {ratio:.0%} of the cheapest purchase"


def chart_routes(t: pd.DataFrame, **params):
    """Section 3: each route's USD per dense BF16 PFLOP-hour and per million decode tokens (central
    point, low-high bar), one panel per metric; ``t`` is :func:`routes` ranked by the first."""
    p = {**DEFAULTS, **params}
    base = alt.Chart().encode(y=alt.Y("route:N", sort=list(t.route), title=None))
    rng = base.mark_rule(strokeWidth=3, opacity=0.5).encode(x=alt.X("low:Q", title="USD"), x2="high:Q",
                                                              color=alt.Color("mode:N", title="Route"))
    mid = base.mark_point(filled=True, size=80).encode(
        x="mid:Q", color="mode:N", tooltip=["route", "metric", alt.Tooltip("low:Q", format=".2f"),
                                            alt.Tooltip("mid:Q", format=".2f"), alt.Tooltip("high:Q", format=".2f"), "quotes"])
    panels = alt.layer(rng, mid, data=routes_long(t)).properties(width=300, height=230).facet(
        column=alt.Column("metric:N", title=None, sort=[ROUTE_METRICS[0][1]])).resolve_scale(x="independent")
    return charts.sourced(
        panels, routes_title(t), source=cite_short(sum(t.source_ids, []) + [h200_fee()["source_id"]]),
        subtitle=f"Point: central quote; bar: cheapest quote on best spec to dearest on worst. "
                 f"Owning at {p['utilisation']:.0%} use over {p['depreciation_years']:g} years; "
                 f"decode batch {p['decode_batch']}")


def payback_cash(mal: dict, months: int = 72, **params) -> pd.DataFrame:
    """Operator's cumulative cash per Malaysian GPU (``cash_k``, thousand USD) in months 0..``months``
    after buying it at the cluster's value and renting it out at the low / median / high Blackwell
    quote (``rent`` label, USD per GPU-hour), net of power and hosting; ``mal`` is :func:`malaysia`."""
    p = {**DEFAULTS, **params}
    m = np.arange(0, months + 1)
    rent_q = {"low quote": mal["rent_price_low"], "median quote": mal["rent_price"], "high quote": mal["rent_price_high"]}
    power = mal["power_kw"] * p["pue"] * mal["electricity_usd_per_kwh"]  # USD per GPU-hour
    margin = {k: costs.HOURS_PER_MONTH * (p["utilisation"] * v - power)
              - p["hosting_share_per_year"] * mal["value_per_gpu"] / 12 for k, v in rent_q.items()}
    return pd.concat([pd.DataFrame({"month": m, "rent": f"{k}: USD {rent_q[k]:.2f}/h",
                                    "cash_k": (-mal["value_per_gpu"] + m * margin[k]) / 1e3}) for k in rent_q])


def chart_payback(mal: dict, **params):
    """Section 4: :func:`payback_cash` as one line per Blackwell rent, with the zero line (paid back)."""
    p = {**DEFAULTS, **params}
    cash = payback_cash(mal, **p)
    lines = alt.Chart(cash).mark_line().encode(
        x=alt.X("month:Q", title="Months after purchase"),
        y=alt.Y("cash_k:Q", title="Operator's cumulative cash per GPU (thousand USD)"),
        color=alt.Color("rent:N", title="Blackwell rent", sort=list(cash.rent.unique())),
        tooltip=["rent", "month", alt.Tooltip("cash_k:Q", format=",.1f")])
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#555").encode(y="y:Q")
    return charts.sourced(
        lines + zero, f"Rented out at market rates, a USD {mal['value_per_gpu'] / 1e3:,.0f}k GPU pays back in "
        f"{mal['payback_months_low']:.0f}–{mal['payback_months_high']:.0f} months",
        source=cite_short(mal["source_ids"] + [running(ELECTRICITY_ROW["malaysia"]).source_id]),
        subtitle=f"USD {mal['value_usd'] / 1e9:g} bn / {mal['gpus']:,.0f} GPUs; {p['utilisation']:.0%} of hours billed; "
                 f"rack power {mal['power_kw']:g} kW per GPU x PUE {p['pue']:g} at "
                 f"{mal['electricity_usd_per_kwh']:.3f} USD/kWh")


#: Reader's names of the tornado's inputs (keys of the ``ranges`` in :func:`tornado`).
TORNADO_LABELS = {"price": "purchase or rental price", "years": "depreciation life", "pue": "PUE",
                  "electricity_usd_per_kwh": "electricity price", "utilisation": "utilisation",
                  "hosting_share_per_year": "hosting share", "tflops": "chip peak (spec range)",
                  "pass_through": "H200 fee passed on"}


def sensitivity(utilisation_range=(0.5, 1.0), hosting_range=(0.0, 0.1), **params) -> pd.DataFrame:
    """:func:`tornado` of every route (USD per dense BF16 PFLOP-hour), inputs that move it only, with
    ``lo`` / ``hi`` (the smaller / larger output) and ``parameter`` renamed by TORNADO_LABELS."""
    tor = pd.concat([tornado(r["route"], utilisation_range, hosting_range, **params) for r in ROUTES])
    return tor[tor.swing > 0].assign(lo=lambda d: d[["output_low", "output_high"]].min(axis=1),
                                     hi=lambda d: d[["output_low", "output_high"]].max(axis=1),
                                     parameter=lambda d: d.parameter.map(TORNADO_LABELS))


def largest_swings(tor: pd.DataFrame) -> pd.DataFrame:
    """The row of :func:`sensitivity` with the largest swing (USD per PFLOP-hour) of each route, routes in swing order."""
    return tor.sort_values("swing", ascending=False).groupby("route", sort=False).head(1)


def chart_sensitivity(tor: pd.DataFrame, t: pd.DataFrame):
    """Section 5: one tornado panel per route (rows in the order of ``t``, :func:`routes` ranked):
    bar from the low to the high result of each input, tick at the central result."""
    by_swing = alt.EncodingSortField("swing", order="descending")
    bars = alt.Chart().mark_bar(height=10).encode(
        y=alt.Y("parameter:N", sort=by_swing, title=None),
        x=alt.X("lo:Q", title="USD per dense BF16 PFLOP-hour"), x2="hi:Q",
        tooltip=["route", "parameter", "input_low", "input_high", alt.Tooltip("output_low:Q", format=".2f"),
                 alt.Tooltip("output_high:Q", format=".2f")])
    mid = alt.Chart().mark_tick(color="black", thickness=2, size=14).encode(
        y=alt.Y("parameter:N", sort=by_swing), x="output_base:Q")
    header = alt.Header(labelAngle=0, labelAlign="left", labelOrient="top")
    panel = alt.layer(bars, mid, data=tor).properties(width=420).facet(
        row=alt.Row("route:N", title=None, sort=list(t.route), header=header)).resolve_scale(y="independent")
    return charts.sourced(panel, "Utilisation and the purchase price move owned routes most; the quote moves rented ones",
                          source=cite_short(sum(t.source_ids, []) + list(data.load("running_costs").source_id)),
                          subtitle="Bar: result with the assumption at its low and high end; tick: central result")
