"""Headline numbers of notebook 04 (Nvidia's China revenue), checked by hand against data/."""
import pytest

from helpers import story_revenue as s


def test_headline_defaults():
    h = s.headline()
    # billing location: peak FY2022 7,111 / 26,914 = 0.2642; FY2025 17,108 / 130,497 = 0.1311
    assert (h["peak_fy"], h["billing_last_fy"]) == (2022, 2025)
    assert h["peak_share"] == pytest.approx(7111 / 26914)
    assert h["billing_last_share"] == pytest.approx(17108 / 130497)
    # customer-HQ basis (FY2026 10-K recast): FY2024 12,330 / 60,922 = 0.2024; FY2026 19,677 / 215,938 = 0.0911
    assert (h["hq_first_fy"], h["latest_fy"]) == (2024, 2026)
    assert h["hq_first_share"] == pytest.approx(12330 / 60922)
    assert h["latest_share"] == pytest.approx(19677 / 215938)
    # ByteDance 2024: >2 bn USD H20 against FY2025 China 17.108 (billing) .. 25.048 (HQ) bn
    assert h["bd_share_by_year"][2024] == pytest.approx((2 / 25.048, 2 / 17.108))
    # 2025: RMB 85 bn at 7.0572 (fx10) = 12.044 bn USD; / FY2026 China 19.677 bn = 0.612
    assert h["bd_share_by_year"][2025] == pytest.approx((85 / 7.0572 / 19.677,) * 2)
    assert h["bd_share_low"] == pytest.approx(2 / 25.048)
    assert "26%" in h["sentence"] and "9% in FY2026" in h["sentence"]


def test_rate_override_and_choice():
    # RMB 85 bn at 7.2807 (fx05, Dec 2024 average) = 11.675 bn USD -> / 19.677 = 0.5933
    h = s.headline(rate_id="fx05")
    assert h["bd_share_by_year"][2025][0] == pytest.approx(85 / 7.2807 / 19.677)
    assert s.rate(rmb_per_usd=7.0)["rmb_per_usd"] == 7.0
    with pytest.raises(ValueError, match="rmb_per_usd"):
        s.rate(rmb_per_usd=0.14)
    with pytest.raises(ValueError, match="rate_id"):
        s.rate(rate_id="nope")


def test_h20_projection_against_fiscal_years():
    t = s.h20_comparison().set_index("label")
    # 1M units x 12,000-13,000 USD = 12-13 bn; vs FY2024 China 10.306 bn -> 1.164-1.261
    row = t.loc["China revenue FY2024, billing location (10-K)"]
    assert (row.ratio_low, row.ratio_high) == pytest.approx((12 / 10.306, 13 / 10.306))
    # FY2025 (2024-01-29..2025-01-26, 364 days) has 338 days in calendar 2024
    assert row.days_in_forecast_year == pytest.approx(28 / 364)
    row = t.loc["China revenue FY2025, billing location (10-K)"]
    assert row.days_in_forecast_year == pytest.approx(338 / 364)
    # a price override: 1M x 11,000 = 11 bn
    t2 = s.h20_comparison(h20_price_usd=11_000)
    assert t2.loc[0, "usd_bn_mid"] == pytest.approx(11.0)


def test_events_mapped_to_fiscal_years():
    ev = s.events().set_index("event_id")
    # Oct 2022 rule -> FY2023 (2022-01-31..2023-01-29); H20 licence 2025-04-09 -> FY2026;
    # BIS rule effective 2026-01-15 is still FY2026 (ends 2026-01-25)
    assert ev.loc["ev02", "fiscal_year"] == 2023
    assert ev.loc["ev04", "fiscal_year"] == 2026
    assert ev.loc["ev09", "fiscal_year"] == 2026
    steps = s.event_steps().set_index("fiscal_year")
    # FY2023 on billing location: 5,785 / 7,111 - 1 = -18.6%
    assert steps.loc[2023, "china_change"] == pytest.approx(5785 / 7111 - 1)
    # FY2026 only on the HQ basis: 19,677 / 25,048 - 1 = -21.4%
    assert steps.loc[2026, "geo_basis"] == "customer_hq"
    assert steps.loc[2026, "china_change"] == pytest.approx(19677 / 25048 - 1)


def test_ascend_against_h20_dense_compute():
    t = s.compute_comparison().set_index("label")
    # H20: 1M x 148 TFLOPS dense BF16 = 148,000 PFLOPS
    assert t.loc["H20 forecast for China, 2024", "pflops_mid"] == pytest.approx(148_000)
    # Ascend 910B: 500k-550k x yield 0.2-0.5 x 280-376 TFLOPS -> 28,000 .. 103,400 PFLOPS
    row = t.loc["Ascend 910B planned, after yield, 2024"]
    assert (row.pflops_low, row.pflops_high) == pytest.approx((28_000, 103_400))
    # override: 500k-550k x 0.3 x 320 -> mid 525k x 0.3 x 320 / 1000 = 50,400
    t2 = s.compute_comparison(ascend_yield=0.3).set_index("label")
    assert t2.loc["Ascend 910B planned, after yield, 2024", "pflops_mid"] == pytest.approx(50_400)
    # one 910B (320 dense BF16) = 320 / 148 = 2.16 H20
    assert s.h20_per_ascend() == pytest.approx(320 / 148)


def test_fiscal_range_is_checked():
    assert s.fiscal_range() == (2020, 2026)
    with pytest.raises(ValueError, match="fy_first"):
        s.fiscal_range(2025, 2021)
    h = s.headline(fy_first=2023, fy_last=2025)
    # billing peak within FY2023-FY2025 is FY2023: 5,785 / 26,974 = 0.2145
    assert h["peak_fy"] == 2023 and h["peak_share"] == pytest.approx(5785 / 26974)


def test_source_line_is_bounded():
    ids = ["rev_nvda_10k_fy2022", "rev_nvda_10k_fy2023", "rev_nvda_10k_fy2024", "rev_nvda_10k_fy2025",
           "rev_nvda_10k_fy2026_summary", "rev_fr_2022_21658", "rev_shacknews_8k_2022_08"]
    line = s.source_line(ids, limit=80)
    assert line.startswith("NVIDIA Corporation")
    assert "more (source ids in the tooltips)" in line
    assert s.source_line(["rev_shacknews_8k_2022_08"]) == "Shacknews (2022-08-31)"
