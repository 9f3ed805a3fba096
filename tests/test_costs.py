"""Tests for helpers.costs; every expected value is worked out by hand in a comment."""
import math

import numpy as np
import pandas as pd
import pytest

from helpers import costs


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
    # Rent at $2.00: u* = 8,760 / (8,760 x 2.00) = 0.5.
    u = costs.breakeven_utilisation(2.0, 26_280, 3, 0.0, 1.0, 0.0, 0.0)
    assert u == pytest.approx(0.5)
    # Consistency: owning at u* costs exactly the rental price per useful hour.
    assert costs.tco_per_gpu_hour(26_280, 3, 0.0, 1.0, 0.0, 0.0, u) == pytest.approx(2.0)


def test_breakeven_utilisation_above_one_means_never():
    # Same hardware rented at $0.50: u* = 8,760 / (8,760 x 0.5) = 2.0 > 1.
    assert costs.breakeven_utilisation(0.5, 26_280, 3, 0.0, 1.0, 0.0, 0.0) == pytest.approx(2.0)


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


# --- tornado -------------------------------------------------------------------------------------------

def test_tornado_rows_and_order():
    base = {"purchase_usd_per_gpu": 26_280, "years": 3, "power_kw": 0.0, "pue": 1.0,
            "electricity_usd_per_kwh": 0.0, "hosting_share_per_year": 0.0, "utilisation": 0.5}
    # years 2 -> 13,140/4,380 = 3.0 ; years 6 -> 4,380/4,380 = 1.0 ; swing 2.0
    # utilisation 0.25 -> 8,760/2,190 = 4.0 ; 1.0 -> 8,760/8,760 = 1.0 ; swing 3.0
    df = costs.tornado(costs.tco_per_gpu_hour, base,
                       {"years": (2, 6), "utilisation": (0.25, 1.0)})
    assert isinstance(df, pd.DataFrame)
    assert list(df["parameter"]) == ["utilisation", "years"]
    assert df.loc[0, "output_low"] == pytest.approx(4.0)
    assert df.loc[1, "output_high"] == pytest.approx(1.0)
    np.testing.assert_allclose(df["output_base"], 2.0)


# --- bad input -----------------------------------------------------------------------------------------

def test_bad_inputs_raise_with_name():
    with pytest.raises(ValueError, match="price_usd_per_gpu_hour"):
        costs.gpus_rentable(7e9, 0)
    with pytest.raises(ValueError, match="utilisation"):
        costs.tco_per_gpu_hour(30_000, 4, 1.0, 1.5, 0.1, 0.05, 1.2)
    with pytest.raises(ValueError, match="pue"):
        costs.breakeven_utilisation(2.0, 30_000, 4, 1.0, 0.9, 0.1, 0.05)
    with pytest.raises(ValueError, match="absent from base"):
        costs.tornado(costs.gpus_rentable, {"budget_usd": 1.0, "price_usd_per_gpu_hour": 1.0},
                      {"hours": (1, 2)})


# --- quotes and routes from data/ at notebook 02's defaults (moved from test_story_costs.py) ----------

from helpers import chips, data, headlines, params  # noqa: E402

P = params.defaults("02_cloud_economics")


def test_notebook_defaults_match_the_data_rows_they_stand_for():
    rc = data.load("running_costs").set_index("item_id")
    assert P["pue"] == rc.loc["pue_global_2024", "value"]
    rent = data.load("rental_prices").set_index("price_id")
    assert P["rental_price_usd_per_gpu_hour"] == rent.loc["rent_h100_semianalysis_jun2026", "price_usd_per_gpu_hour"]
    assert P["budget_usd"] == costs.seed_figures()["budget_usd"]


def test_seed_figures_imply_1_30_per_hour():
    s = costs.seed_figures()
    # 7e9 / (614,682 x 8760) = 7e9 / 5,384,614,320 = 1.29999...
    assert costs.implied_price(s["budget_usd"], s["count"]) == pytest.approx(1.30, abs=1e-4)
    # 7e9 / (1.33 x 8760) = 600,817.1; at the parameter price 7e9 / (2.65 x 8760) = 301,542.2
    assert costs.gpus_rentable(s["budget_usd"], s["price"]) == pytest.approx(600_817.1, abs=0.1)
    assert costs.gpus_rentable(P["budget_usd"], P["rental_price_usd_per_gpu_hour"]) == pytest.approx(301_542.2, abs=0.1)


def test_h200_fee_is_read_from_the_policy_event():
    fee = costs.h200_fee()
    assert fee["share"] == pytest.approx(0.25) and fee["event_id"] == "ev08"


def test_quotes_per_gpu_and_rental_filters():
    q = costs.purchase_quotes(("h100_sxm",), ("us", "global")).set_index("price_id")
    # 270,000 / 8 = 33,750 per GPU; the Raymond James range 25,000-30,000 for one GPU
    assert q.loc["buy_h100_dgx_semianalysis", "usd_per_gpu"] == pytest.approx(33_750)
    assert (q.loc["buy_h100_raymondjames", ["usd_per_gpu_low", "usd_per_gpu_high"]] == [25_000, 30_000]).all()
    r = costs.rental_quotes(("h100_sxm",), **costs.H100_RENT)
    assert set(r.provider_type) <= {"long_term_contract", "index"} and (r.date >= "2025-01-01").all()
    assert (r.price_low <= r.price_usd_per_gpu_hour).all() and (r.price_usd_per_gpu_hour <= r.price_high).all()


def test_rent_vs_buy_breakeven_at_defaults():
    r = costs.rent_vs_buy(**P)
    # H100 quotes outside China per GPU: 44,489.88; 270,000/8 = 33,750; 27,500; 310,000/8 = 38,750.
    # Median = (33,750 + 38,750) / 2 = 36,250.
    assert r["purchase_usd_per_gpu"]["central"] == pytest.approx(36_250)
    # Annual: 36,250/5 = 7,250 + 0.7 kW x 1.56 x 8760 h x 0.112 USD/kWh = 1,071.38 -> 8,321.38.
    assert r["annual_central"] == pytest.approx(8_321.383, abs=1e-3)
    # Break-even utilisation vs 2.65 USD/h: 8,321.38 / (8760 x 2.65) = 8,321.38 / 23,214 = 0.35846.
    assert r["breakeven_u_central"] == pytest.approx(0.35846, abs=1e-5)
    # Months at 80 %: rent 730 x 0.8 x 2.65 = 1,547.6 /month; power 730 x 0.7 x 1.56 x 0.112 = 89.28;
    # 36,250 / (1,547.6 - 89.28) = 36,250 / 1,458.32 = 24.857.
    assert r["breakeven_months_central"] == pytest.approx(24.857, abs=1e-3)


def test_routes_per_dense_pflop_hour_at_defaults():
    t = costs.routes(**P).set_index("route")
    assert list(t.index) == [r["route"] for r in costs.ROUTES]
    h200 = t.loc["Buy H200 in China under licence"]
    # China H200 quotes per GPU: 200,573/8 = 25,071.6; 215,000/8 = 26,875; 27,000; 35,000 -> median 26,937.5.
    # With the 25 % fee passed on: 33,671.875. Annual: 33,671.875/5 = 6,734.375
    # + 0.7 x 1.56 x 8760 x 0.088 = 841.80 -> 7,576.18 USD; / (8760 x 0.8) = 1.08108 USD per useful GPU-hour;
    # / 0.9895 dense BF16 PFLOP/s = 1.09255 USD per PFLOP-hour.
    assert h200["usd_per_gpu_hour"] == pytest.approx(1.08108, abs=1e-5)
    assert h200["usd_per_pflop_hour"] == pytest.approx(1.09255, abs=1e-5)
    # Rent H100 at the parameter price: 2.65 / 0.9895 = 2.6781; quotes since 2025 span 1.33 to 2.95 USD/h:
    # 1.33 / 0.9895 = 1.34411 and 2.95 / 0.9895 = 2.98130.
    h100 = t.loc["Rent H100 abroad"]
    assert (h100.usd_per_pflop_hour_low, h100.usd_per_pflop_hour, h100.usd_per_pflop_hour_high) == pytest.approx(
        (1.34411, 2.6781, 2.98130), abs=1e-4)
    # B200/GB200 rent from 2.65 on the best spec (2.25 PFLOP/s) = 1.17778 to 14.24 / 2.25 = 6.32889.
    b = t.loc["Rent B200/GB200 abroad"]
    assert (b.usd_per_pflop_hour_low, b.usd_per_pflop_hour_high) == pytest.approx((1.17778, 6.32889), abs=1e-5)
    assert (t.usd_per_pflop_hour_low <= t.usd_per_pflop_hour).all() and (t.usd_per_pflop_hour <= t.usd_per_pflop_hour_high).all()


def test_route_decode_uses_the_shared_serving_model():
    # The bug fix: decode tokens/s are chips.decode_rate (KV cache included), as in notebook 01.
    # H20 at batch 32: memory-bound, 32 x 4.0 TB/s x 0.6 / (23 GB weights + 32 x 0.25 GB KV) = 2,477.42 tokens/s.
    q = costs.route_quotes(costs.ROUTES[0], **P)
    assert set(q.chip_id) == {"h20"}
    assert q.tokens_s.iloc[0] == pytest.approx(chips.decode_rate("h20", 32)) == pytest.approx(2_477.42, abs=0.01)
    # USD per million tokens: 0.518390 USD per useful GPU-hour / (2,477.42 x 3600) x 1e6 = 0.058124.
    h20 = costs.routes(**P).set_index("route").loc["Buy H20 in China"]
    assert h20.usd_per_gpu_hour == pytest.approx(0.518390, abs=1e-6)
    assert h20.usd_per_m_tokens == pytest.approx(0.058124, abs=1e-6)
    # A larger batch reads the weights once for more tokens: cheaper per token.
    assert costs.routes(**{**P, "decode_batch": 64}).set_index("route").loc["Buy H20 in China", "usd_per_m_tokens"] < 0.058


def test_malaysia_cluster_payback():
    m = costs.cluster_payback(**costs.MALAYSIA_CLUSTER, **P)
    # 2.5e9 / 36,000 = 69,444.4 per GPU; 36,000 / 500 racks = 72 per rack (NVL72)
    assert m["value_per_gpu"] == pytest.approx(69_444.44, abs=0.01) and m["gpus"] / m["racks"] == 72
    # Blackwell quotes: 2.65 (low), median 6.03, 14.24 (high) USD per GPU-hour
    assert m["rent"] == pytest.approx({"low": 2.65, "central": 6.03, "high": 14.24})
    # At 6.03 USD/h and 80 % use: revenue 730 x 0.8 x 6.03 = 3,521.52; power 730 x 1.667 x 1.56 x 0.112 = 212.62;
    # 69,444.44 / 3,308.90 = 20.987 months. At 14.24: 69,444.44 / (730 x (0.8 x 14.24 - 0.2912)) = 8.57;
    # at 2.65: 69,444.44 / (730 x (0.8 x 2.65 - 0.2912)) = 52.02.
    assert m["payback_months"] == pytest.approx(20.987, abs=1e-3)
    assert (m["payback_months_low"], m["payback_months_high"]) == pytest.approx((8.57, 52.02), abs=0.01)


def test_cloud_costs_headline_at_defaults():
    h = headlines.cloud_costs(**P)
    assert h["cheapest_route"] == "Buy H200 in China under licence"
    assert (h["cheapest_usd_per_pflop_hour_low"], h["cheapest_usd_per_pflop_hour"], h["cheapest_usd_per_pflop_hour_high"]
            ) == pytest.approx((1.02528, 1.09255, 1.56348), abs=1e-5)
    assert h["breakeven_utilisation"] == pytest.approx(0.3585, abs=1e-4)
    assert (h["breakeven_months_low"], h["breakeven_months"], h["breakeven_months_high"]) == pytest.approx((17.14, 24.86, 30.51), abs=0.01)
    assert h["implied_price"] == pytest.approx(1.30, abs=1e-4)
    assert "1.30" in " ".join(h["findings"]) and "36%" in h["headline"]
    assert 3 <= len(h["findings"]) <= 5 and 2 <= len(h["key_numbers"]) <= 4 and len(h["headline"].split()) <= 45


def test_other_parameters_change_the_headline():
    # Fee absorbed by Nvidia: 26,937.5/5 = 5,387.5 + 841.80 = 6,229.30 / 7,008 h = 0.88888 / 0.9895 = 0.89831.
    assert headlines.cloud_costs(**{**P, "h200_fee_pass_through": 0.0})["cheapest_usd_per_pflop_hour"] == pytest.approx(
        0.89831, abs=1e-5)
    # A 3-year life makes owning dearer: 33,671.875/3 = 11,223.96 + 841.80 = 12,065.76 / 7,008 / 0.9895 = 1.73997.
    assert headlines.cloud_costs(**{**P, "depreciation_years": 3})["cheapest_usd_per_pflop_hour"] == pytest.approx(
        1.7400, abs=1e-4)
