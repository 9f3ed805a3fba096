"""Tests for helpers.costs; every expected value is worked out by hand in a comment."""
import math

import numpy as np
import pandas as pd
import pytest

from helpers import costs
from conftest import notebook_def  # noqa: E402


# --- the seed's GPU count (art_cloud_rental_7b) ---------------------------------------------------

def test_seed_gpu_count_matches_1_30_not_1_33():
    # Seed: $7B rents 614,682 H100 for a year "from $1.33/h".
    # At $1.33: 1.33 x 8760 = 11,650.8 USD per GPU-year; 7e9 / 11,650.8 = 600,817.1 GPUs.
    assert costs.gpus_rentable(7e9, 1.33) == pytest.approx(600_817.1, abs=0.1)
    # At $1.30: 1.30 x 8760 = 11,388 ; 7e9 / 11,388 = 614,681.98 -> the seed's 614,682.
    assert round(costs.gpus_rentable(7e9, 1.30)) == 614_682
    # Reverse: 614,682 x 8760 = 5,384,614,320 GPU-h ; 7e9 / that = 1.2999... USD/GPU-h.
    assert costs.implied_price(7e9, 614_682) == pytest.approx(1.30, abs=1e-6)


def test_implied_price_malaysia_capex_per_gpu_hour():
    # $2.5B over 36,000 GPUs recovered over 4 years at 100 %:
    # 36,000 x 4 x 8760 = 1,261,440,000 GPU-h ; 2.5e9 / 1.26144e9 = 1.98186 USD/GPU-h.
    assert costs.implied_price(2.5e9, 36_000, hours=4 * 8760) == pytest.approx(1.98186, abs=1e-5)


def test_vectorised_over_prices():
    # 8,760,000 USD buys one year of 1000 GPUs at $1.00 and 500 GPUs at $2.00.
    out = costs.gpus_rentable(8_760_000, np.array([1.0, 2.0]))
    np.testing.assert_allclose(out, [1000.0, 500.0])


# --- owning -----------------------------------------------------------------------------------------

def test_tco_per_gpu_hour_by_hand():
    # capex 26,280 over 3 yr -> 8,760 /yr; power 1 kW x PUE 1.5 x 8760 h x $0.10 = 1,314 /yr;
    # hosting 0.05 x 26,280 = 1,314 /yr. Total 11,388 /yr. At 50 %: 11,388 / 4,380 h = 2.60.
    got = costs.tco_per_gpu_hour(26_280, 3, 1.0, 1.5, 0.10, 0.05, 0.5)
    assert got == pytest.approx(2.60, abs=1e-12)


def test_breakeven_utilisation_by_hand():
    # capex 26,280 over 3 yr, no power, no hosting -> 8,760 USD/yr.
    # Rent at $2.00: u* = 8,760 / (8,760 x 2.00) = 0.5 (rent_vs_buy's annual owning cost / (8,760 x price)).
    assert costs.annual_owning_cost(26_280, 3, 0.0, 1.0, 0.0, 0.0) / (costs.HOURS_PER_YEAR * 2.0) == pytest.approx(0.5)
    # Consistency: owning at u* costs exactly the rental price per useful hour.
    assert costs.tco_per_gpu_hour(26_280, 3, 0.0, 1.0, 0.0, 0.0, 0.5) == pytest.approx(2.0)


def test_breakeven_months_by_hand():
    # Rent $2.00 x 730 h = 1,460 USD/month. Purchase 26,280, nothing else: 26,280 / 1,460 = 18.
    assert costs.breakeven_months(2.0, 26_280, 0.0, 1.0, 0.0, 0.0) == pytest.approx(18.0)
    # Add power 1 kW x PUE 1.0 x 730 h x $0.50 = 365 /month -> 26,280 / (1,460 - 365) = 24.
    assert costs.breakeven_months(2.0, 26_280, 1.0, 1.0, 0.5, 0.0) == pytest.approx(24.0)


def test_breakeven_months_never():
    # Running cost 730 x 1 x 1 x 3.0 = 2,190 /month exceeds the rent saved (1,460): never.
    assert math.isinf(costs.breakeven_months(2.0, 26_280, 1.0, 1.0, 3.0, 0.0))


# --- unit costs --------------------------------------------------------------------------------------

def test_cost_per_dense_pflop_hour():
    # H100 SXM BF16 dense 989 TFLOP/s = 0.989 PFLOP/s at $2.00 -> 2 / 0.989 = 2.02224 USD.
    assert costs.cost_per_dense_pflop_hour(2.0, 989) == pytest.approx(2.02224, abs=1e-5)


def test_cost_per_million_tokens():
    # $3.60/h at 1,000 tok/s: 3.6e6 tokens per hour -> $1.00 per million tokens.
    assert costs.cost_per_million_tokens(3.6, 1000) == pytest.approx(1.0)


# --- bad input -----------------------------------------------------------------------------------------

def test_bad_inputs_raise_with_name():
    with pytest.raises(ValueError, match="price_usd_per_gpu_hour"):
        costs.gpus_rentable(7e9, 0)
    with pytest.raises(ValueError, match="utilisation"):
        costs.tco_per_gpu_hour(30_000, 4, 1.0, 1.5, 0.1, 0.05, 1.2)
    with pytest.raises(ValueError, match="pue"):
        costs.breakeven_months(2.0, 30_000, 1.0, 0.9, 0.1, 0.05)


# --- quotes and routes from data/ at notebook 02's defaults (moved from test_story_costs.py) ----------

from helpers import chips, data, params  # noqa: E402

P = params.defaults("02_cloud_economics")


def test_notebook_defaults_match_the_data_rows_they_stand_for():
    rc = data.load("running_costs").set_index("item_id")
    assert P["pue"] == rc.loc["pue_global_2024", "value"]
    assert P["budget_usd"] == costs.seed_figures()["budget_usd"]
    # None: the owning inputs come from their rows (central values)
    route = next(r for r in costs.ROUTES if r["route"].startswith("Own H100"))
    o = costs.owning_inputs(route, **P)
    assert (o["cost_of_capital"], o["networking_share"], o["colocation_usd_per_kw_month"]) == (0.11, 0.11, 184.06)
    # server power: 0.70 kW TDP x (1.275 / 0.70) = 1.275 kW
    assert o["power_kw"] == pytest.approx(1.275)


def test_seed_figures_imply_1_30_per_hour():
    s = costs.seed_figures()
    # 7e9 / (614,682 x 8760) = 7e9 / 5,384,614,320 = 1.29999...
    assert costs.implied_price(s["budget_usd"], s["count"]) == pytest.approx(1.30, abs=1e-4)
    # 7e9 / (1.33 x 8760) = 600,817.1; at 2.65 USD/h 7e9 / (2.65 x 8760) = 301,542.2
    assert costs.gpus_rentable(s["budget_usd"], s["price"]) == pytest.approx(600_817.1, abs=0.1)
    assert costs.gpus_rentable(P["budget_usd"], 2.65) == pytest.approx(301_542.2, abs=0.1)


def test_h200_fee_is_read_from_the_policy_event():
    fee = costs.h200_fee()
    assert fee["share"] == pytest.approx(0.25) and fee["event_id"] == "ev08"


def test_quotes_per_gpu_window_and_commitment():
    q = costs.purchase_quotes(("h100_sxm",), ("us", "global")).set_index("price_id")
    # 270,000 / 8 = 33,750 per GPU; the Raymond James range 25,000-30,000 for one GPU
    assert q.loc["buy_h100_dgx_semianalysis", "usd_per_gpu"] == pytest.approx(33_750)
    assert (q.loc["buy_h100_raymondjames", ["usd_per_gpu_low", "usd_per_gpu_high"]] == [25_000, 30_000]).all()
    r = costs.rental_quotes(("h100_sxm",), "reserved 1 yr")
    assert set(r.commitment) == {"reserved 1 yr"} and len(r) == 2
    assert (r.price_low <= r.price_usd_per_gpu_hour).all() and (r.price_usd_per_gpu_hour <= r.price_high).all()
    # the window: the 12 months to the end of March 2026 = 2025-04-01 .. 2026-03-31
    w = costs.in_window(r, "2026-03", 12)
    assert sorted(w.price_usd_per_gpu_hour) == [1.70, 2.35]  # Oct 2025 and Mar 2026
    assert list(costs.in_window(r, "2025-09", 12).price_usd_per_gpu_hour) == []  # both after Sep 2025


def test_capital_recovery_networking_and_colocation_by_hand():
    # 10,000 USD + 10% network = 11,000 over 5 years at 10%: 11,000 x 0.1 / (1 - 1.1^-5) = 11,000 x 0.263797 = 2,901.77
    # + 1 kW x 1.5 x 8760 x 0.1 = 1,314 + 1 kW x 100 USD x 12 = 1,200 -> 5,415.77 USD a year
    a = costs.annual_owning_cost(10_000, 5, 1.0, 1.5, 0.1, 0.0, cost_of_capital=0.1, networking_share=0.1,
                                 colocation_usd_per_kw_month=100)
    assert a == pytest.approx(5_415.77, abs=0.01)
    # no capital cost is straight-line: 11,000 / 5 = 2,200 + 1,314 + 1,200 = 4,714
    assert costs.annual_owning_cost(10_000, 5, 1.0, 1.5, 0.1, 0.0, networking_share=0.1,
                                    colocation_usd_per_kw_month=100) == pytest.approx(4_714)
    # cash months at 2 USD/h reserved: 11,000 / (730 x 2 - 730 x 1.5 x 0.1 - 100) = 11,000 / 1,250.5 = 8.7965
    assert costs.breakeven_months(2.0, 10_000, 1.0, 1.5, 0.1, 0.0, networking_share=0.1,
                                  colocation_usd_per_kw_month=100) == pytest.approx(8.7965, abs=1e-4)


def test_rent_vs_buy_at_equal_commitment_by_hand():
    r = costs.rent_vs_buy(**P)
    # The default window: the 12 months to the end of May 2026 (costs.latest_month) = 2025-06-01 .. 2026-05-31.
    # In the window, neocloud or marketplace class (the notebook's default): Spheron's posted 2.50 (reputable), the only
    # quote; contract class: SemiAnalysis 1-yr index 1.70 and 2.35, median 2.025.
    # Purchase: the latest earlier vetted quote (stale), Thinkmate node Aug 2024, 310,000 / 8 = 38,750 (high 317,000 / 8 = 39,625).
    assert r["provider_class"] == "neocloud_marketplace"
    assert r["stale"] == {"buy": True, "on-demand": False, "reserved 1 yr": False}
    assert r["purchase_usd_per_gpu"]["central"] == 38_750 and r["on_demand"] == 2.50 and r["reserved"] == pytest.approx(2.025)
    # Annual: 38,750 x 1.11 = 43,012.5 x 0.270570 = 11,637.9 + 1,951.45 + 2,816.12 = 16,405.47
    assert r["annual_central"] == pytest.approx(16_405.47, abs=0.01)
    # 16,405.47 / (8760 x 2.50) = 0.74911; a year of owning over a year reserved: 16,405.47 / (8760 x 2.025) = 0.92483
    assert r["breakeven_u_central"] == pytest.approx(0.74911, abs=1e-5)
    assert r["own_over_reserved_central"] == pytest.approx(0.92483, abs=1e-5)
    # Aug 2024 purchase against the latest rent used (Spheron, Mar 2026): 19 months apart
    assert r["gap_months"] == 19
    # a reservation price given as a parameter replaces the median
    assert costs.rent_vs_buy(**{**P, "rental_price_usd_per_gpu_hour": 2.65})["own_over_reserved_central"] == pytest.approx(
        16_405.47 / (8760 * 2.65), abs=1e-5)


def test_reliable_drops_aggregator_quotes_only():
    q = costs.purchase_quotes(("h100_sxm",), ("us", "global"))
    # no source of the data is aggregator-tier: every quote stays
    assert len(data.reliable(q)) == len(q)
    # the Raymond James range (TechSpot) graded aggregator goes; the Thinkmate node (a reputable cost model) stays, and
    # so would a relay naming its original
    tiers = data.load("sources").set_index("id").tier.copy()
    tiers["cost_techspot_h100_price"] = "aggregator"
    v = data.reliable(q, tiers)
    assert "buy_h100_thinkmate_node" in set(v.price_id) and set(q.price_id) - set(v.price_id) == {"buy_h100_raymondjames"}


def test_routes_like_for_like_by_hand():
    t = costs.routes(**P).set_index("route")
    assert list(t.index) == [r["route"] for r in costs.ROUTES]
    # Rent H100 abroad, neocloud or marketplace class, on demand, Jun 2025-May 2026: Spheron's 2.50 (reputable), the only
    # quote; 2.50 USD/h / 0.9895 dense BF16 PFLOPS = 2.5265 USD per PFLOP-hour
    h100 = t.loc["Rent H100 abroad"]
    assert (h100.quotes, h100.aggregator_quotes) == (1, 0) and h100.usd_per_pflop_hour == pytest.approx(2.50 / 0.9895, abs=1e-4)
    # Own H100 abroad: no purchase quote in the window (the latest US or global one is Thinkmate's, Aug 2024)
    own = t.loc["Own H100 abroad (Malaysia)"]
    assert own.quotes == 0 and own.aggregator_quotes == 0 and own.status == "blocked"
    # B200/GB200 on demand in the window, same class: 6.03 / 2.25 = 2.68 and 4.54 / 2.5 = 1.816 -> median 2.248, the cheapest open route;
    # the range spans the two chips of one provider, named by the route's quote ids
    b = t.loc["Rent B200/GB200 abroad"]
    assert (b.usd_per_pflop_hour_low, b.usd_per_pflop_hour, b.usd_per_pflop_hour_high) == pytest.approx((1.816, 2.248, 2.68))
    assert b.quote_ids == ["rent_b200_spheron_mar2026", "rent_gb200_spheron_mar2026"] and b.chips == ["b200_hgx", "gb200_per_gpu"]
    assert list(t[t.ranked].index) == ["Rent H100 abroad", "Rent H200 abroad", "Rent B200/GB200 abroad"]
    assert t.loc["Buy Ascend 910B in China"].quotes == 0 and t.loc["Buy H200 in China under licence", "status"] == "conditional"


def test_route_tokens_use_the_serving_replica():
    # Per chip of the H100's serving replica at its best batch (chips.replica, tested in test_chips.py)
    rate = chips.replica("h100_sxm", chips.serving_assumptions())["per_chip"]
    q = costs.route_quotes(costs.ROUTES[5], **P)
    assert (q.tokens_s == rate).all()
    # The window's neocloud or marketplace quote: Spheron's 2.50 USD/h; 2.50 / (rate x 3600) x 1e6 USD per million tokens
    assert list(q.price_usd_per_gpu_hour) == [2.50]
    got = costs.route_cost(costs.ROUTES[5], q)["usd_per_m_tokens"]
    assert got == pytest.approx(2.50 / (rate * 3600) * 1e6, rel=1e-9)


def test_malaysia_cluster_payback():
    m = notebook_def("02_cloud_economics", "cluster_payback")(**costs.MALAYSIA_CLUSTER, **P)
    # 2.5e9 / 36,000 = 69,444.4 per GPU; 36,000 / 500 racks = 72 per rack (NVL72)
    assert m["value_per_gpu"] == pytest.approx(69_444.44, abs=0.01) and m["gpus"] / m["racks"] == 72
    # Blackwell quotes of the neocloud or marketplace class (Spheron): 4.54 (GB200 per GPU), 6.03 (B200) -> median 5.285
    assert m["rent"] == pytest.approx({"low": 4.54, "central": 5.285, "high": 6.03})
    # power 730 x 1.667 kW x 1.56 x 0.112 USD/kWh = 212.62 USD per GPU-month. At 80 % of hours billed:
    # 5.285: 69,444.44 / (730 x 0.8 x 5.285 - 212.62) = 69,444.44 / 2,873.82 = 24.165 months;
    # 6.03: 69,444.44 / (3,521.52 - 212.62) = 20.987; 4.54: 69,444.44 / (2,651.36 - 212.62) = 28.476.
    assert m["payback_months"] == pytest.approx(24.165, abs=1e-3)
    assert (m["payback_months_low"], m["payback_months_high"]) == pytest.approx((20.987, 28.476), abs=1e-3)


def test_malaysia_cluster_payback_at_contract_prices():
    # A lease of the whole cluster is paid around the clock (utilisation 1) at a contract price: the only Blackwell quote of
    # the contract-or-index class is Inworld's cheapest reservation, 2.65 USD per GPU-hour.
    m = notebook_def("02_cloud_economics", "cluster_payback")(**costs.MALAYSIA_CLUSTER, **{**P, "provider_class": "contract_or_index", "utilisation": 1.0})
    assert m["quote_ids"] == ["rent_b200_inworld_reserved_apr2026"] and m["rent"]["central"] == 2.65
    # 730 x 2.65 = 1,934.50 - 212.62 = 1,721.88 USD a month -> 69,444.44 / 1,721.88 = 40.331 months
    assert m["payback_months"] == pytest.approx(40.331, abs=1e-3)
    # a class with no Blackwell quote prices nothing
    none = notebook_def("02_cloud_economics", "cluster_payback")("cap_malaysia_aolani_seed", ("gb200_per_gpu",), "power_nvl72_per_gpu",
                                 **{**P, "provider_class": "hyperscaler_list"})
    assert math.isnan(none["payback_months"]) and none["quote_ids"] == []


# --- provider classes: rents compared like for like ---------------------------------------------------------------

def test_every_rental_quote_has_one_provider_class():
    r = data.load("rental_prices").set_index("price_id")
    assert set(r.provider_class) == set(costs.PROVIDER_CLASSES) and r.provider_class.notna().all()
    # who sets the price: AWS's own list price, Spheron's posted price, SemiAnalysis's survey index, an aggregator's median
    assert r.loc["rent_h100_aws_od_post_cut", "provider_class"] == "hyperscaler_list"
    assert r.loc["rent_h100_spheron_mar2026", "provider_class"] == "neocloud_marketplace"
    assert r.loc["rent_h100_semianalysis_mar2026", "provider_class"] == "contract_or_index"
    assert r.loc["rent_h100_aimultiple_may2026", "provider_class"] == "contract_or_index"
    # a cross-provider range is split into its ends, each of its own class (no midpoint of a reservation and an on-demand rate)
    assert r.loc["rent_b200_inworld_reserved_apr2026", ["provider_class", "price_usd_per_gpu_hour"]].tolist() == ["contract_or_index", 2.65]
    assert r.loc["rent_b200_inworld_ondemand_apr2026", ["provider_class", "price_usd_per_gpu_hour"]].tolist() == ["hyperscaler_list", 14.24]


def test_rental_quotes_of_one_class():
    q = costs.in_window(costs.rental_quotes(("h100_sxm",), "on-demand", "hyperscaler_list"), "2026-03", 12)
    # AWS 6.88 (Jun 2025), the class's only quote in the window
    assert sorted(q.price_usd_per_gpu_hour) == [6.88] and set(q.provider_class) == {"hyperscaler_list"}
    with pytest.raises(ValueError, match="provider_class 'cheap' is not one of"):
        costs.rental_quotes(("h100_sxm",), provider_class="cheap")


def test_breakeven_within_each_class_by_hand():
    # The break-even utilisation within a class = annual owning cost / (8,760 h x that class's on-demand price), with the same
    # 16,405.47 USD a year of owning (Aug 2024 quote) in each:
    by = costs.rent_vs_buy(**P)["by_class"]
    # neocloud or marketplace: 16,405.47 / (8,760 x 2.50) = 16,405.47 / 21,900 = 0.74911
    assert by["neocloud_marketplace"]["on_demand"] == 2.50
    assert by["neocloud_marketplace"]["breakeven_u"]["central"] == pytest.approx(0.74911, abs=1e-5)
    # hyperscaler list: 16,405.47 / (8,760 x 6.88) = 16,405.47 / 60,268.8 = 0.27221
    assert by["hyperscaler_list"]["on_demand"] == 6.88
    assert by["hyperscaler_list"]["breakeven_u"]["central"] == pytest.approx(0.27221, abs=1e-5)
    # the same numbers from the owning model itself, with no data: 21,900 USD a year (capex 65,700 over 3 years) against
    # 2.50 USD/h -> 21,900 / 21,900 = 1.0 and against 6.88 USD/h -> 21,900 / 60,268.8 = 0.36337
    annual = costs.annual_owning_cost(65_700, 3, 0.0, 1.0, 0.0, 0.0)
    assert annual / (costs.HOURS_PER_YEAR * 2.50) == pytest.approx(1.0)
    assert annual / (costs.HOURS_PER_YEAR * 6.88) == pytest.approx(0.36337, abs=1e-5)


def test_routes_within_other_classes_by_hand():
    # Hyperscaler list class, Jun 2025-May 2026: only AWS's own 6.88 for the H100 -> 6.88 / 0.9895 = 6.9530 USD per
    # PFLOP-hour; one Blackwell list quote, the dearest on-demand B200 of Inworld's range (Apr 2026): 14.24 / 2.25 = 6.3289
    t = costs.routes(**{**P, "provider_class": "hyperscaler_list"}).set_index("route")
    assert t.loc["Rent H100 abroad", "usd_per_pflop_hour"] == pytest.approx(6.88 / 0.9895, abs=1e-4)
    assert t.loc["Rent B200/GB200 abroad", "quotes"] == 1
    assert t.loc["Rent B200/GB200 abroad", "usd_per_pflop_hour"] == pytest.approx(6.3289, abs=1e-4)
    # Contract or index class at any commitment: SemiAnalysis 1-yr 1.70 and 2.35, AIMultiple's on-demand median of
    # providers 2.95 (May 2026) -> median 2.35 / 0.9895 = 2.3749
    t = costs.routes(**{**P, "provider_class": "contract_or_index", "rental_commitment": "any"}).set_index("route")
    assert t.loc["Rent H100 abroad", "usd_per_pflop_hour"] == pytest.approx(2.3749, abs=1e-4)
    # Blackwell over H100 per PFLOP-hour: 2.248 / 2.5265 = 0.8898 in one class; 2.248 / 6.9530 = 0.3233 across classes
    assert 2.248 / (2.50 / 0.9895) == pytest.approx(0.8898, abs=1e-4) and 2.248 / (6.88 / 0.9895) == pytest.approx(0.3233, abs=1e-4)


def test_months_between():
    assert costs.months_between(pd.Timestamp("2024-08-22"), pd.Timestamp("2026-03-08")) == 19
    assert costs.months_between("2026-03-01", "2026-03-31") == 0


# --- notebook 02's findings (moved from headlines.cloud_costs): the helper calls its visible cells make ------------------
# (the text the notebook composes from them is covered by the stored output of its nbval-check-output cell)

def _cheapest_open(**given):
    """Notebook 02's routes at its defaults or with ``given`` parameters: (the table of costs.routes, the cheapest open
    and priced route per dense BF16 PFLOP-hour, ``{route: status}`` of the routes not open)."""
    t = costs.routes(**{**P, **given})
    ranked = t[t.ranked].sort_values("usd_per_pflop_hour", kind="stable")
    shut = t[t.status != "open"]
    return t.set_index("route"), ranked.iloc[0], dict(zip(shut.route, shut.status))


def test_nb02_cheapest_open_route_at_defaults():
    # as_of None: the latest month the legal rows (May 2026) and the reliable rental quotes (AIMultiple, 20 May 2026)
    # both cover; purchase quotes do not set it (the latest, Jan 2026, is not an H100's)
    assert P["as_of"] is None and costs.latest_month() == "2026-05" and P["provider_class"] == "neocloud_marketplace"
    assert f"{costs.as_of_end(P['as_of']):%b %Y}" == "May 2026"
    t, best, not_open = _cheapest_open()
    # B200/GB200 on demand in the window: 4.54 / 2.5 = 1.816 and 6.03 / 2.25 = 2.68 -> median 2.248 USD per PFLOP-hour
    assert best.route == "Rent B200/GB200 abroad"
    assert (best.usd_per_pflop_hour_low, best.usd_per_pflop_hour, best.usd_per_pflop_hour_high) == pytest.approx((1.816, 2.248, 2.68))
    # the H20 blocked by Beijing's guidance (Aug and Nov 2025); the H200 conditional on both sides (approval and licences, nothing
    # shipped); owning an H100 abroad under the presumption of denial that blocks the H800 in China
    assert not_open == {"Buy H800 in China": "blocked", "Buy H20 in China": "blocked",
                        "Buy H200 in China under licence": "conditional", "Own H100 abroad (Malaysia)": "blocked"}
    # the headline's "H100s rent at USD 2.53 per dense BF16 PFLOP-hour (USD 2.50 per GPU-hour) in the same class":
    # Spheron 2.50 / 0.9895 dense BF16 PFLOPS = 2.527, ranked (the hyperscaler list price 6.88 gives 6.95: another class)
    assert t.loc["Rent H100 abroad", "ranked"] and f"{t.loc['Rent H100 abroad', 'usd_per_pflop_hour']:.2f}" == "2.53"
    # "Owning an H100 (blocked) would beat ...": the owned route is not open
    assert t.loc["Own H100 abroad (Malaysia)", "status"] == "blocked"


def test_nb02_status_key_number_cites_primary_or_reputable_evidence():
    # per not-open route, the primary or reputable sources among those that hold it at its status: the H800's 10-Q notice;
    # the H20's Reuters report of the state-funded data-centre rule (the Mint and Al Jazeera relays are left out); the
    # H200's Q1 FY2027 10-Q (the Business Times relay left out); owning abroad: the 2023 and 2025 rules and Baker McKenzie;
    # the H800 and owning abroad: Covington's reading of the Jan 2026 rule (its case-by-case review reaches neither); owning
    # abroad at the end of May 2026 also: Hogan Lovells on BIS's guidance of that month (the clause now in 742.6(a)(6)(iii)(A))
    t = costs.routes(**P)
    assert costs.status_source_ids(t[t.status != "open"]) == [
        "chips_nvidia_10q_2026_04_26", "rev_nvda_10q_q3fy2024", "route_bakermckenzie_bis_may2025", "route_cov_h200_rule_2026_01",
        "route_hoganlovells_bis_guidance_2026_05", "route_reuters_state_dc_2025_11", "rule_fr_2023_23055", "rule_fr_2025_00636"]
    # a route whose status rests on relays alone keeps them (so a headline test sees them)
    only_relay = pd.DataFrame({"status_sources": [["route_bt_h200_approval_2026_01"]]})
    assert costs.status_source_ids(only_relay) == ["route_bt_h200_approval_2026_01"]


def test_nb02_own_against_rent_at_defaults():
    r = costs.rent_vs_buy(**P)
    # in-window H100 quotes: Spheron on demand 2.50 (neocloud or marketplace), AWS on demand 6.88 (hyperscaler list),
    # SemiAnalysis 1-yr index 1.70 and 2.35 (contract; median 2.025); a year of owning (Aug 2024 quote, the latest from a
    # primary or reputable source) costs 16,405.47 USD: break-even 16,405.47 / (8,760 x 2.50) = 74.9% in the class,
    # 16,405.47 / (8,760 x 6.88) = 27.2% against the list price; own over reserved 16,405.47 / (8,760 x 2.025) = 92.5%
    assert (r["on_demand"], r["reserved"]) == (2.50, pytest.approx(2.025))
    u = sorted(r[f"breakeven_u_{k}"] for k in ("low", "central", "high"))  # the notebook's median of the three cases
    ratio = sorted(r[f"own_over_reserved_{k}"] for k in ("low", "central", "high"))
    assert u[1] == r["breakeven_u_central"] == pytest.approx(16_405.47 / (8760 * 2.50), abs=1e-6)
    assert f"{u[1]:.0%}" == "75%" and f"{r['by_class']['hyperscaler_list']['breakeven_u']['central']:.0%}" == "27%"
    assert ratio[1] == pytest.approx(16_405.47 / (8760 * 2.025), abs=1e-4) and r["breakeven_months_central"] == pytest.approx(39.8, abs=0.1)
    # the headline's "purchase quote of Aug 2024, 19 months before the rents": no vetted purchase quote in the window
    assert r["stale"]["buy"] and f"{r['dates']['buy'][1]:%b %Y}" == "Aug 2024" and r["gap_months"] == 19
    # the seed's count implies 7e9 / (614,682 x 8,760) = 1.30 USD per GPU-hour, not its 1.33
    s = costs.seed_figures()
    assert f"{costs.implied_price(s['budget_usd'], s['count']):.2f}" == "1.30" and s["price"] == 1.33


def test_other_dates_change_the_open_routes():
    # Jun 2023: before the 2023 rule the H800 route is open and priced (278,552 / 8 = 34,819 per GPU in Feb 2023)
    _, best, not_open = _cheapest_open(as_of="2023-06")
    assert best.route == "Buy H800 in China" and "Own H100 abroad (Malaysia)" not in not_open
    # Jun 2024, quotes of any commitment: the H800 is blocked, the H20 and the Ascend 910B are open
    _, _, not_open = _cheapest_open(as_of="2024-06", rental_commitment="any")
    assert not_open["Buy H800 in China"] == "blocked" and "Buy H20 in China" not in not_open
