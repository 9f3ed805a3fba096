"""GPU compute costs: renting, owning, routes to compute (NumPy-vectorisable where numeric).

Units: nominal USD of each input's date; rented GPUs in USD per GPU-hour; purchases in USD per GPU (a
server or rack price over its GPU count); power in kW of IT load per GPU before PUE; electricity in USD
per kWh; colocation in USD per kW of IT load per month; hosting, networking and cost of capital as
shares (hosting and capital per year, networking of the purchase); utilisation in (0, 1]. A year is 8760
hours, a month 730. Owned hardware pays power, colocation and capital in every hour of the year; rent
on demand is paid per hour used, a reservation around the clock.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from helpers import chips, data, params

HOURS_PER_YEAR = 8760.0
HOURS_PER_MONTH = HOURS_PER_YEAR / 12.0


def _arr(name: str, value, *, positive: bool = False, nonnegative: bool = False,
         at_most_one: bool = False, at_least_one: bool = False) -> np.ndarray:
    """``value`` as a float array, or ValueError naming ``name`` (see :func:`helpers.params.array`)."""
    return params.array(name, value, positive=positive, nonnegative=nonnegative,
                        low=1 if at_least_one else None, high=1 if at_most_one else None)


# --- budgets and rental prices ------------------------------------------------------------------

def gpus_rentable(budget_usd, price_usd_per_gpu_hour, hours=HOURS_PER_YEAR):
    """Number of GPUs a budget keeps rented for ``hours`` hours (default one year, 24/7).

    ``budget_usd`` (USD) / (``price_usd_per_gpu_hour`` (USD/GPU-h) x ``hours`` (h)) -> GPUs.
    """
    b = _arr("budget_usd", budget_usd, nonnegative=True)
    p = _arr("price_usd_per_gpu_hour", price_usd_per_gpu_hour, positive=True)
    h = _arr("hours", hours, positive=True)
    return params.out(b / (p * h))


def implied_price(budget_usd, gpu_count, hours=HOURS_PER_YEAR):
    """Rental price (USD per GPU-hour) at which ``budget_usd`` pays ``gpu_count`` GPUs for ``hours``.

    Also gives capex per GPU-hour when ``budget_usd`` is a purchase value and ``hours`` the
    hours over which it must be recovered (e.g. 4 x 8760).
    """
    b = _arr("budget_usd", budget_usd, nonnegative=True)
    n = _arr("gpu_count", gpu_count, positive=True)
    h = _arr("hours", hours, positive=True)
    return params.out(b / (n * h))


# --- owning -------------------------------------------------------------------------------------

def annual_owning_cost(purchase_usd_per_gpu, years, power_kw, pue, electricity_usd_per_kwh,
                       hosting_share_per_year, cost_of_capital=0.0, networking_share=0.0,
                       colocation_usd_per_kw_month=0.0):
    """Yearly cost of owning one GPU, USD per GPU-year: capex = purchase x (1 + networking_share), repaid
    over ``years`` as an annuity at ``cost_of_capital`` (capex x r / (1 - (1 + r)^-years); capex / years
    at r = 0; no resale) + power_kw x PUE x 8760 h x electricity + power_kw x colocation x 12
    + hosting_share_per_year x capex."""
    c = _arr("purchase_usd_per_gpu", purchase_usd_per_gpu, nonnegative=True) * (
        1 + _arr("networking_share", networking_share, nonnegative=True))
    y = _arr("years", years, positive=True)
    r = _arr("cost_of_capital", cost_of_capital, nonnegative=True)
    kw = _arr("power_kw", power_kw, nonnegative=True)
    pue_ = _arr("pue", pue, at_least_one=True)
    e = _arr("electricity_usd_per_kwh", electricity_usd_per_kwh, nonnegative=True)
    s = _arr("hosting_share_per_year", hosting_share_per_year, nonnegative=True)
    colo = _arr("colocation_usd_per_kw_month", colocation_usd_per_kw_month, nonnegative=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        crf = np.where(r > 0, r / (1 - (1 + r) ** -y), 1 / y)
    return params.out(c * crf + kw * pue_ * HOURS_PER_YEAR * e + kw * colo * 12 + s * c)


def tco_per_gpu_hour(purchase_usd_per_gpu, years, power_kw, pue, electricity_usd_per_kwh,
                     hosting_share_per_year, utilisation, **owning):
    """Cost of owning one GPU per *useful* GPU-hour, USD: :func:`annual_owning_cost` (``owning``: its
    cost_of_capital, networking_share, colocation_usd_per_kw_month) / (8760 x utilisation)."""
    u = _arr("utilisation", utilisation, positive=True, at_most_one=True)
    annual = annual_owning_cost(purchase_usd_per_gpu, years, power_kw, pue, electricity_usd_per_kwh,
                                hosting_share_per_year, **owning)
    return params.out(np.asarray(annual) / (HOURS_PER_YEAR * u))


def breakeven_months(price_usd_per_gpu_hour, purchase_usd_per_gpu, power_kw, pue,
                     electricity_usd_per_kwh, hosting_share_per_year, utilisation=1.0,
                     networking_share=0.0, colocation_usd_per_kw_month=0.0):
    """Months of renting (``utilisation`` of the hours paid; 1 for a reservation) whose bill equals the
    cash spent owning: solves m x 730 x u x price = capex + m x (730 x power_kw x PUE x electricity
    + power_kw x colocation + hosting_share x capex / 12), capex = purchase x (1 + networking_share);
    ``inf`` where rent never exceeds the running cost. Cash payback: no interest, no resale."""
    p = _arr("price_usd_per_gpu_hour", price_usd_per_gpu_hour, positive=True)
    c = _arr("purchase_usd_per_gpu", purchase_usd_per_gpu, nonnegative=True) * (
        1 + _arr("networking_share", networking_share, nonnegative=True))
    kw = _arr("power_kw", power_kw, nonnegative=True)
    e = _arr("electricity_usd_per_kwh", electricity_usd_per_kwh, nonnegative=True)
    s = _arr("hosting_share_per_year", hosting_share_per_year, nonnegative=True)
    u = _arr("utilisation", utilisation, positive=True, at_most_one=True)
    running = HOURS_PER_MONTH * kw * _arr("pue", pue, at_least_one=True) * e + kw * _arr(
        "colocation_usd_per_kw_month", colocation_usd_per_kw_month, nonnegative=True) + s * c / 12.0
    margin = HOURS_PER_MONTH * u * p - running
    with np.errstate(divide="ignore", invalid="ignore"):
        return params.out(np.where(margin > 0, c / np.where(margin > 0, margin, 1.0), np.inf))


def breakeven_utilisation(annual_usd_per_gpu, on_demand_usd_per_gpu_hour):
    """Utilisation above which owning beats on-demand rent: annual owning cost / (8760 h x on-demand price);
    above 1 owning never wins; NaN without a price (NaN or not above 0)."""
    a = _arr("annual_usd_per_gpu", annual_usd_per_gpu, nonnegative=True)
    p = np.asarray(on_demand_usd_per_gpu_hour, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return params.out(np.where(p > 0, a / (HOURS_PER_YEAR * np.where(p > 0, p, 1.0)), np.nan))


# --- unit costs ---------------------------------------------------------------------------------

def cost_per_dense_pflop_hour(price_usd_per_gpu_hour, dense_tflops):
    """USD per hour of one dense PFLOP/s: price / (dense TFLOP/s / 1000).

    Use dense (not 2:4-sparse) tensor TFLOP/s and state the precision (BF16, FP8...) alongside.
    """
    p = _arr("price_usd_per_gpu_hour", price_usd_per_gpu_hour, nonnegative=True)
    t = _arr("dense_tflops", dense_tflops, positive=True)
    return params.out(p / (t / 1000.0))


def cost_per_million_tokens(price_usd_per_gpu_hour, tokens_per_s):
    """USD per million tokens for one GPU producing ``tokens_per_s`` tokens per second.

    price / (tokens_per_s x 3600) x 1e6.
    """
    p = _arr("price_usd_per_gpu_hour", price_usd_per_gpu_hour, nonnegative=True)
    r = _arr("tokens_per_s", tokens_per_s, positive=True)
    return params.out(p / (r * 3600.0) * 1e6)


# --- quotes and routes from data/ ----------------------------------------------------------------
# Dense BF16 TFLOP/s is the common compute basis; per-token costs use the shared serving model at each
# chip's best batch (chips.replica). Whether a route is open on a date: chips.route_status.

#: Electricity row (running_costs) of owned hardware per site: China's industrial average (the
#: subsidised western tariff is for data centres running domestic chips); Malaysia's TNB average.
ELECTRICITY_ROW = {"china": "elec_cn_industrial_avg", "malaysia": "elec_my_tnb_rp4_avg"}
#: running_costs rows behind the owning parameters left at None, and the server-power ratio (DGX H100
#: power per GPU over the H100's board TDP) applied to every chip's TDP.
OWNING_ROWS = {"cost_of_capital": "capital_coreweave_2025", "networking_share": "network_share_h100_cluster",
               "colocation_usd_per_kw_month": "colo_cbre_h2_2024"}
SERVER_POWER = ("power_dgx_h100_per_gpu", "power_h100_tdp")
#: The seed's cloud-budget arithmetic: capacity row, rental price row, claimed GPU count (claims).
SEED_ROWS = dict(budget="cap_cloud_budget_7b_seed", price="rent_h100_seed_longterm_2024", count="c005")
#: Who sets a rental price (rental_prices ``provider_class``): a hyperscaler's published list price, a neocloud's or GPU
#: marketplace's own posted price, or a negotiated contract / a survey, median or range across providers. Quotes are
#: compared like for like within one class; a class's on-demand rents are paid per hour used, a contract around the clock.
PROVIDER_CLASSES = ("hyperscaler_list", "neocloud_marketplace", "contract_or_index")
#: The classes that post on-demand prices (the rent-or-own break-even is computed for each); the contract class is
#: compared through its 1-year reservation, paid around the clock.
ON_DEMAND_CLASSES = ("hyperscaler_list", "neocloud_marketplace")
CONTRACT_CLASS = "contract_or_index"
#: The Malaysian cluster: capacity row, the chips whose rental quotes price it, its power per GPU.
MALAYSIA_CLUSTER = dict(capacity_id="cap_malaysia_aolani_seed", rent_chips=("b200_hgx", "gb200_per_gpu"),
                        power_row="power_nvl72_per_gpu")
#: Routes to compute: ``regions`` filter purchase rows; ``where`` picks the electricity row; ``legal`` is
#: the route of data/route_rules.csv that decides whether a China-headquartered firm may take it.
ROUTES = [
    dict(route="Buy H800 in China", mode="buy", chips=("h800_sxm",), regions=("china",), where="china", legal="buy_h800_china"),
    dict(route="Buy H20 in China", mode="buy", chips=("h20",), regions=("china",), where="china", legal="buy_h20_china"),
    dict(route="Buy Ascend 910B in China", mode="buy", chips=("ascend_910b",), regions=("china",), where="china",
         legal="buy_ascend_china"),
    dict(route="Buy H200 in China under licence", mode="buy", chips=("h200_sxm",), regions=("china",), where="china",
         fee=True, legal="buy_h200_china"),
    dict(route="Own H100 abroad (Malaysia)", mode="buy", chips=("h100_sxm",), regions=("us", "global"), where="malaysia",
         legal="own_abroad"),
    dict(route="Rent H100 abroad", mode="rent", chips=("h100_sxm",), legal="rent_abroad"),
    dict(route="Rent H200 abroad", mode="rent", chips=("h200_sxm",), legal="rent_abroad"),
    dict(route="Rent B200/GB200 abroad", mode="rent", chips=("b200_hgx", "gb200_per_gpu"), legal="rent_abroad"),
]


def latest_month() -> str:
    """The latest month ('YYYY-MM') that both the legal rows (chips.latest_legal_month) and the reliable rental quotes
    (:func:`helpers.data.reliable`) cover: the earlier of their latest months. The default ``as_of``. Purchase quotes do
    not set it: where the window has none, owning takes the latest earlier reliable one, flagged stale (:func:`rent_vs_buy`)."""
    rent = data.reliable(data.load("rental_prices")).date.max().strftime("%Y-%m")
    return min(chips.latest_legal_month(), rent)


def as_of_end(as_of: str | None) -> pd.Timestamp:
    """Last day of month ``as_of`` ('YYYY-MM'; None: :func:`latest_month`)."""
    return _month_end(as_of or latest_month())


@functools.lru_cache(maxsize=256)
def _month_end(month: str) -> pd.Timestamp:
    """Last day of ``month`` ('YYYY-MM'): asked for every route and quote window of every month of a history."""
    return pd.Period(month, "M").end_time.normalize()


def in_window(df: pd.DataFrame, as_of: str, months: int) -> pd.DataFrame:
    """Rows of ``df`` dated in the ``months`` months up to the end of month ``as_of``."""
    start, end = _window(as_of or latest_month(), int(months))
    d = df["date"].to_numpy()  # compared as an array: a history asks for every route and month
    return df[(d > start) & (d <= end)]


@functools.lru_cache(maxsize=256)
def _window(month: str, months: int) -> tuple:
    """(exclusive start, inclusive end) of the ``months`` months up to the end of ``month``, as datetime64."""
    end = _month_end(month)
    return (end - pd.DateOffset(months=months)).to_datetime64(), end.to_datetime64()


def running(item_id: str, override=None, col: str = "value") -> float:
    """``col`` of running_costs row ``item_id``, or ``override`` if not None."""
    return float(override) if override is not None else float(_running()[col][item_id])


@data.memo
def _running() -> dict:
    """running_costs as {column: {item_id: value}}, indexed once per version of the data (every owned route asks)."""
    return data.load("running_costs").set_index("item_id").to_dict()


def electricity(where: str, override=None) -> float:
    """USD/kWh of owned hardware at ``where`` (ELECTRICITY_ROW), or ``override`` if not None."""
    return running(ELECTRICITY_ROW[where], override)


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
    p = data.load("purchase_prices")
    p = p[p.chip_id.isin(list(chip_ids)) & p.region.isin(list(regions))]
    n = p.gpus_per_item.astype(float)
    return p.assign(usd_per_gpu=p.price_usd / n, usd_per_gpu_low=p.price_usd_low.fillna(p.price_usd) / n,
                    usd_per_gpu_high=p.price_usd_high.fillna(p.price_usd) / n)


def rental_quotes(chip_ids, commitment: str = "any", provider_class: str = "any") -> pd.DataFrame:
    """Rental rows of the chips (of one ``commitment`` and one ``provider_class`` of PROVIDER_CLASSES unless 'any'),
    with ``price_low`` / ``price_high`` (USD per GPU-hour; the quote where a row has no range)."""
    if provider_class != "any" and provider_class not in PROVIDER_CLASSES:
        raise ValueError(f"provider_class {provider_class!r} is not one of {PROVIDER_CLASSES} or 'any'")
    r = data.load("rental_prices")
    r = r[r.chip_id.isin(chip_ids) & ((r.commitment == commitment) if commitment != "any" else True)
          & ((r.provider_class == provider_class) if provider_class != "any" else True)]
    return r.assign(price_low=r.price_usd_per_gpu_hour_low.fillna(r.price_usd_per_gpu_hour),
                    price_high=r.price_usd_per_gpu_hour_high.fillna(r.price_usd_per_gpu_hour))


def owning_inputs(route: dict, *, depreciation_years, pue, electricity_usd_per_kwh, hosting_share_per_year,
                  utilisation, cost_of_capital, networking_share, colocation_usd_per_kw_month, **_) -> dict:
    """Keyword arguments of :func:`tco_per_gpu_hour` for an owned route, except the purchase price; an
    owning parameter left at None takes the central value of its OWNING_ROWS row."""
    ratio = running(SERVER_POWER[0]) / running(SERVER_POWER[1])
    given = dict(cost_of_capital=cost_of_capital, networking_share=networking_share,
                 colocation_usd_per_kw_month=colocation_usd_per_kw_month)
    return dict(years=depreciation_years, power_kw=float(chips.specs().loc[route["chips"][0], "tdp_w"]) / 1e3 * ratio,
                pue=pue, electricity_usd_per_kwh=electricity(route["where"], electricity_usd_per_kwh),
                hosting_share_per_year=hosting_share_per_year, utilisation=utilisation,
                **{k: running(OWNING_ROWS[k], v) for k, v in given.items()})


def route_quotes(route: dict, *, as_of, quote_window_months, **p) -> pd.DataFrame:
    """One row per quote of a route dated in the window (a rented route: of ``rental_commitment`` and
    ``provider_class``): USD per useful GPU-hour ``gpu_hour_<case>``, the chip's dense BF16 ``tflops`` and decode
    ``tokens_s`` per chip of a serving replica at its best batch (:func:`helpers.chips.replica`; suffix ``_low`` /
    ``_high``: spec low / high) and ``aggregator`` (True: an aggregator-tier source, which :func:`route_cost` leaves out)."""
    return in_window(_route_table(_key(route), _key(p)), as_of, quote_window_months)


def _key(d: dict) -> tuple:
    """A dict of plain values as a hashable, ordered key (for :func:`helpers.data.memo`)."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in d.items()))


@data.memo
def _route_table(route: tuple, p: tuple) -> pd.DataFrame:
    """Every quote of a route, of every date, priced as in :func:`route_quotes`: nothing here depends on the date,
    so a history of many months (notebook 02) windows one table instead of pricing every quote again."""
    route, p = dict(route), dict(p)
    if route["mode"] == "buy":
        q, base = purchase_quotes(route["chips"], route["regions"]), owning_inputs(route, **p)
        k = 1 + h200_fee()["share"] * p["h200_fee_pass_through"] if route.get("fee") else 1.0
        for case, sfx in chips.BOUNDS.items():
            q[f"gpu_hour_{case}"] = tco_per_gpu_hour(q[f"usd_per_gpu{sfx}"].to_numpy() * k, **base)
    else:
        q = rental_quotes(route["chips"], p["rental_commitment"], p.get("provider_class", "any"))
        q = q.assign(gpu_hour_low=q.price_low, gpu_hour_central=q.price_usd_per_gpu_hour, gpu_hour_high=q.price_high)
    a = tuple(sorted(chips.serving_assumptions(tokens_per_s_per_user=p.get("tokens_per_s_per_user")).items()))
    ids, cols = q.chip_id.unique(), [f"{u}{sfx}" for sfx in chips.BOUNDS.values() for u in ("tflops", "tokens_s")]
    q = q.join(pd.DataFrame([_per_chip(c, a) for c in ids], index=ids, columns=cols, dtype=float),  # per chip, not per quote
               on="chip_id").rename(columns={"price_id": "quote_id"})
    return q.assign(aggregator=~q.index.isin(data.reliable(q).index))  # each quote graded once, not in every window


@data.memo
def _per_chip(chip_id: str, assumptions: tuple) -> dict:
    """Dense BF16 TFLOP/s (``tflops``) and decode tokens/s per chip of the serving replica at its best batch (``tokens_s``,
    chips.replica) of ``chip_id`` at each bound (suffix of chips.BOUNDS), Ascend chips at the one utilisation factor of
    every page (chips.efficiency; 1 for Nvidia's) on both units: the same for every quote and date."""
    a, w = dict(assumptions), chips.specs()
    eff = chips.efficiency(chip_id, a)
    return {k: v for case, sfx in chips.BOUNDS.items() for k, v in (
        (f"tflops{sfx}", w.loc[chip_id, f"dense_bf16_tflops{sfx}"] * eff),
        (f"tokens_s{sfx}", chips.replica(chip_id, a, bound=case, efficiency=eff)["per_chip"]))}


def route_cost(route: dict, q: pd.DataFrame) -> dict:
    """USD per useful GPU-hour, per dense BF16 PFLOP-hour and per million decode tokens of one route
    (``usd_per_<unit>`` with ``_low`` / ``_high``): low = cheapest quote on the best spec, high = dearest
    on the worst, central = median quote; NaN without a quote. ``q``: rows of :func:`route_quotes`, whose
    aggregator-tier quotes (column ``aggregator``, :func:`helpers.data.reliable`) are left out (counted in
    ``aggregator_quotes``); ``quote_ids`` and ``chips`` name what the low–high range spans."""
    return _cost(route, _columns(q))


def _columns(q: pd.DataFrame) -> dict:
    """The columns of quotes :func:`_cost` reads, as arrays (read once; a history windows them for every month)."""
    return {**{c: q[c].to_numpy(dtype=float) for c in q if c.startswith(("gpu_hour_", "tflops", "tokens_s"))},
            **{c: q[c].to_numpy() for c in ("date", "aggregator", "source_id", "quote_id", "chip_id")}}


def _cost(route: dict, cols: dict, within=True) -> dict:
    """:func:`route_cost` of the quotes ``within`` (a boolean mask; default all) of quotes given as :func:`_columns`."""
    keep = ~cols["aggregator"] & within
    col = {c: v[keep] for c, v in cols.items()}
    n = len(col["quote_id"])
    out = {"route": route["route"], "mode": route["mode"], "quotes": n,
           "aggregator_quotes": int(np.count_nonzero(cols["aggregator"] & within)),
           "source_ids": sorted(set(col["source_id"])), "quote_ids": list(col["quote_id"]), "chips": list(dict.fromkeys(col["chip_id"]))}
    per = {"usd_per_gpu_hour": lambda h, s: h,
           "usd_per_pflop_hour": lambda h, s: cost_per_dense_pflop_hour(h, col[f"tflops{s}"]),
           "usd_per_m_tokens": lambda h, s: cost_per_million_tokens(h, col[f"tokens_s{s}"])}
    for name, f in per.items():
        lo, mid, hi = (np.asarray(f(col[f"gpu_hour_{c}"], s), dtype=float) if n else np.array([np.nan])
                       for c, s in (("low", "_high"), ("central", ""), ("high", "_low")))
        out[f"{name}_low"], out[name], out[f"{name}_high"] = lo.min(), float(np.median(mid)), hi.max()
    return out


def routes(**p) -> pd.DataFrame:
    """:func:`route_cost` of every route in ROUTES (keywords: notebook 02's parameters), one row each, with
    its legal status for a China-headquartered firm at the end of month ``as_of`` (chips.route_status:
    ``status``, ``condition``, ``rule_id``, ``rule_source``, ``status_sources``, and ``pending``: bills or proposed
    rules beside the status, never changing it) and ``ranked`` (open and priced)."""
    end, (start, stop) = as_of_end(p["as_of"]), _window(p["as_of"] or latest_month(), int(p["quote_window_months"]))
    rows = []
    for r, cols in zip(ROUTES, _route_columns(_key({k: v for k, v in p.items() if k not in ("as_of", "quote_window_months")}))):
        st, d = chips.route_status(r["legal"], end), cols["date"]
        rows.append({**_cost(r, cols, (d > start) & (d <= stop)),  # the quotes of the window, as in_window picks them
                     "status": st["status"], "condition": st["condition"], "rule_id": st["rule_id"],
                     "rule_source": st["source_id"], "status_sources": st["status_sources"], "pending": st["pending"]})
    t = pd.DataFrame(rows)
    return t.assign(ranked=(t.status == "open") & t.usd_per_pflop_hour.notna())


@data.memo
def _route_columns(p: tuple) -> tuple:
    """:func:`_columns` of every route's quotes of every date (:func:`route_quotes` before its window), in ROUTES' order."""
    return tuple(_columns(_route_table(_key(r), p)) for r in ROUTES)


def status_source_ids(rows: pd.DataFrame) -> list:
    """The sources a headline cites for the legal status of ``rows`` (of :func:`routes`): per route the primary or
    reputable ones among its ``status_sources`` (data.headline_sources), or all of them where it has none."""
    return sorted({i for ids in rows.status_sources for i in (data.headline_sources(ids) or ids)})


def _latest_quotes(q: pd.DataFrame, as_of, quote_window_months) -> tuple[pd.DataFrame, bool]:
    """Reliable quotes of ``q`` (:func:`helpers.data.reliable`) dated in the window to ``as_of``, else the latest
    earlier ones, else the earliest later ones; and whether they are ``stale`` (none in the window)."""
    q = data.reliable(q)
    w = in_window(q, as_of, quote_window_months)
    if len(w):
        return w, False
    before = q[q.date <= as_of_end(as_of)]
    nearest = before if len(before) else q[q.date == q.date.min()]  # none before as_of: the earliest after it
    return nearest[nearest.date == nearest.date.max()], True


def months_between(earlier, later) -> int:
    """Whole calendar months from the month of ``earlier`` to the month of ``later`` (Aug 2024 -> Mar 2026: 19)."""
    return (pd.Period(later, "M") - pd.Period(earlier, "M")).n


def rent_vs_buy(*, as_of, quote_window_months, rental_price_usd_per_gpu_hour=None, provider_class="neocloud_marketplace",
                **p) -> dict:
    """Own an H100 abroad or rent it, at equal commitment and within one provider class, with quotes of the window to
    ``as_of`` (the latest earlier ones, flagged in ``stale``, where the window has none). Per purchase quote ``<case>``
    (low / central / high: cheapest / median / dearest): ``annual_`` (USD per GPU-year), ``tco_`` (per useful
    GPU-hour), ``breakeven_u_`` (annual / (8760 x price): the utilisation above which owning wins; above 1 never)
    against the median on-demand price of ``provider_class`` (paid per hour used; ``on_demand``),
    ``own_over_reserved_`` (a year of owning over a year of a 1-yr reservation of the contract class paid around the
    clock, ``rental_price_usd_per_gpu_hour`` or the median quote) and ``breakeven_months_`` (cash).
    ``by_class`` repeats the on-demand comparison for each of ON_DEMAND_CLASSES (``on_demand``, ``quotes``, ``dates``,
    ``stale``, ``source_ids``, ``breakeven_u``: {case: u}); ``reserved_source_ids`` the sources of the reservation quotes.
    ``gap_months``: months from the latest purchase quote used to the latest rental quote used. Where no quote precedes
    ``as_of`` the earliest later one is used (also ``stale``); aggregator-tier quotes are left out
    (:func:`helpers.data.reliable`), ``dates`` gives the quotes' date span and a price without a quote is NaN."""
    route = next(r for r in ROUTES if r["route"].startswith("Own H100"))
    base = owning_inputs(route, **p)
    own = {k: v for k, v in base.items() if k != "utilisation"}
    cash = {k: v for k, v in own.items() if k not in ("years", "cost_of_capital")}
    raw = {"buy": purchase_quotes(route["chips"], route["regions"]),
           "on-demand": rental_quotes(route["chips"], "on-demand", provider_class),
           "reserved 1 yr": rental_quotes(route["chips"], "reserved 1 yr", CONTRACT_CLASS)}
    raw.update({f"on-demand {c}": rental_quotes(route["chips"], "on-demand", c) for c in ON_DEMAND_CLASSES})
    quotes, stale = {}, {}
    for k, q in raw.items():
        quotes[k], stale[k] = _latest_quotes(q, as_of, quote_window_months)
    dates = {k: (q.date.min(), q.date.max()) for k, q in quotes.items()}
    q, od, res = quotes["buy"], quotes["on-demand"], quotes["reserved 1 yr"]
    price = {"low": float(q.usd_per_gpu_low.min()), "central": float(q.usd_per_gpu.median()), "high": float(q.usd_per_gpu_high.max())}
    median = lambda d: float(d.price_usd_per_gpu_hour.median()) if len(d) else float("nan")  # noqa: E731
    on_demand = median(od)
    reserved = median(res) if rental_price_usd_per_gpu_hour is None else rental_price_usd_per_gpu_hour
    annual = {k: annual_owning_cost(c, **own) for k, c in price.items()}
    u = lambda rent: {k: breakeven_utilisation(a, rent) for k, a in annual.items()}  # noqa: E731
    by_class = {c: {"on_demand": median(quotes[f"on-demand {c}"]), "quotes": len(quotes[f"on-demand {c}"]),
                    "dates": dates[f"on-demand {c}"], "stale": stale[f"on-demand {c}"],
                    "source_ids": sorted(set(quotes[f"on-demand {c}"].source_id))} for c in ON_DEMAND_CLASSES}
    for c in by_class.values():
        c["breakeven_u"] = u(c["on_demand"])
    rented = [dates[k][1] for k in ("on-demand", "reserved 1 yr") if len(quotes[k])]  # latest rental quote of each kind
    out = {"power_kw": base["power_kw"], "electricity_usd_per_kwh": base["electricity_usd_per_kwh"],
           "provider_class": provider_class, "stale": {k: stale[k] for k in ("buy", "on-demand", "reserved 1 yr")},
           "dates": {k: dates[k] for k in ("buy", "on-demand", "reserved 1 yr")}, "purchase_usd_per_gpu": price,
           "on_demand": on_demand, "reserved": reserved, "quotes": {k: len(quotes[k]) for k in ("buy", "on-demand", "reserved 1 yr")},
           "source_ids": sorted(set(q.source_id) | set(od.source_id) | set(res.source_id)),
           "reserved_source_ids": sorted(set(res.source_id)), "owning": own, "by_class": by_class,
           "gap_months": months_between(dates["buy"][1], max(rented)) if rented and len(q) else float("nan")}
    for k, c in price.items():
        out[f"annual_{k}"] = annual[k]
        out[f"tco_{k}"] = tco_per_gpu_hour(c, **base)
        out[f"breakeven_u_{k}"] = u(on_demand)[k] if on_demand == on_demand else float("nan")
        out[f"own_over_reserved_{k}"] = annual[k] / (HOURS_PER_YEAR * reserved) if reserved == reserved else float("nan")
        out[f"breakeven_months_{k}"] = breakeven_months(reserved, c, **cash) if reserved > 0 else float("nan")
    return out


