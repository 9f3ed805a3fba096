"""Headline numbers of notebook 02 (cloud economics) at the notebook's defaults, checked by hand."""
import pytest

from helpers import data, story_costs


def test_defaults_match_the_data_rows_they_stand_for():
    rc = data.load("running_costs").set_index("item_id")
    assert story_costs.DEFAULTS["pue"] == rc.loc["pue_global_2024", "value"]
    rent = data.load("rental_prices").set_index("price_id")
    assert story_costs.DEFAULTS["rental_price_usd_per_gpu_hour"] == rent.loc["rent_h100_semianalysis_jun2026",
                                                                             "price_usd_per_gpu_hour"]
    cap = data.load("bytedance_capacity").set_index("capacity_id")
    assert story_costs.DEFAULTS["budget_usd"] == cap.loc["cap_cloud_budget_7b_seed", "value_usd"]


def test_seed_count_implies_1_30_per_hour():
    a = story_costs.articles()
    # 7e9 / (614,682 x 8760) = 7e9 / 5,384,614,320 = 1.29999...
    assert a["implied_price"] == pytest.approx(1.30, abs=1e-4)
    # 7e9 / (1.33 x 8760) = 600,817.1
    assert a["gpus_at_seed_price"] == pytest.approx(600_817.1, abs=0.1)
    # 7e9 / (2.65 x 8760) = 7e9 / 23,214 = 301,542.2
    assert a["gpus_at_param_price"] == pytest.approx(301_542.2, abs=0.1)


def test_h200_fee_is_read_from_the_policy_event():
    fee = story_costs.h200_fee()
    assert fee["share"] == pytest.approx(0.25) and fee["event_id"] == "ev08"


def test_rent_vs_buy_breakeven_at_defaults():
    r = story_costs.rent_vs_buy()
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


def test_licensed_h200_route_at_defaults():
    t = story_costs.routes().set_index("route")
    h200 = t.loc["Buy H200 in China under licence"]
    # China H200 quotes per GPU: 200,573/8 = 25,071.6; 215,000/8 = 26,875; 27,000; 35,000 -> median 26,937.5.
    # With the 25 % fee passed on: 33,671.875. Annual: 33,671.875/5 = 6,734.375
    # + 0.7 x 1.56 x 8760 x 0.088 = 841.80 -> 7,576.18 USD; / (8760 x 0.8) = 1.08108 USD per useful GPU-hour;
    # / 0.9895 dense BF16 PFLOP/s = 1.09255 USD per PFLOP-hour.
    assert h200["usd_per_gpu_hour"] == pytest.approx(1.08108, abs=1e-5)
    assert h200["usd_per_pflop_hour"] == pytest.approx(1.09255, abs=1e-5)
    # Rent H100 at the parameter price: 2.65 / 0.9895 = 2.6781 USD per PFLOP-hour.
    assert t.loc["Rent H100 abroad", "usd_per_pflop_hour"] == pytest.approx(2.6781, abs=1e-4)


def test_malaysia_cluster_values():
    m = story_costs.malaysia()
    # 2.5e9 / 36,000 = 69,444.4 per GPU; 2.5e9 / 500 = 5.0M per rack; 500 x 72 = 36,000.
    assert m["value_per_gpu"] == pytest.approx(69_444.44, abs=0.01)
    assert m["value_per_rack"] == pytest.approx(5.0e6)
    assert m["gpus_per_rack"] == 72
    # Payback at the median Blackwell rent 6.03 USD/h and 80 % use: revenue 730 x 0.8 x 6.03 = 3,521.52;
    # power 730 x 1.667 x 1.56 x 0.112 = 212.62; 69,444.44 / 3,308.90 = 20.987 months.
    assert m["payback_months"] == pytest.approx(20.987, abs=1e-3)


def test_headline_at_defaults():
    h = story_costs.headline()
    assert h["cheapest_route"] == "Buy H200 in China under licence"
    assert h["cheapest_usd_per_pflop_hour"] == pytest.approx(1.0926, abs=1e-4)
    assert h["breakeven_utilisation"] == pytest.approx(0.3585, abs=1e-4)
    assert "1.30" in h["sentence"] and "36%" in h["sentence"]


def test_other_parameters_change_the_headline():
    # Fee absorbed by Nvidia: 26,937.5/5 = 5,387.5 + 841.80 = 6,229.30 / 7,008 h = 0.88888 / 0.9895 = 0.89831.
    h = story_costs.headline(h200_fee_pass_through=0.0)
    assert h["cheapest_usd_per_pflop_hour"] == pytest.approx(0.89831, abs=1e-5)
    # A 3-year life makes owning dearer: 33,671.875/3 = 11,223.96 + 841.80 = 12,065.76 / 7,008 / 0.9895 = 1.73997.
    h = story_costs.headline(depreciation_years=3)
    assert h["cheapest_usd_per_pflop_hour"] == pytest.approx(1.7400, abs=1e-4)
