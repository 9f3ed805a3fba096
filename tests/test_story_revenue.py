"""Headline numbers of notebook 04 (Nvidia's China revenue), checked by hand against data/."""
import pandas as pd
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


def test_share_chart_title_events_and_panels():
    h = s.headline()
    # billing: 7,111 / 26,914 = 26.4% (FY2022) -> 17,108 / 130,497 = 13.1% (FY2025)
    # HQ: 12,330 / 60,922 = 20.2% (FY2024) -> 19,677 / 215,938 = 9.1% (FY2026)
    title = s.share_title(h)
    assert title == ("China's share of Nvidia revenue: 26% (FY2022) to 13% (FY2025) by billing location; "
                     "20% (FY2024) to 9% (FY2026) on the HQ basis")
    # up to FY2023 there is no HQ series: the billing move only, 26% -> 5,785 / 26,974 = 21.4%
    assert s.share_title(s.headline(fy_last=2023)) == (
        "China's share of Nvidia revenue: 26% (FY2022) to 21% (FY2023) by billing location")
    series, ev = s.share_series(), s.events()
    spec = s.chart_share(series, ev, h).to_dict()
    inner = spec["vconcat"][0]
    assert inner["title"]["text"] == title and "FY2026 10-K recast" in inner["title"]["subtitle"][0]
    assert spec["title"]["text"][0].startswith("Source: NVIDIA Corporation")
    strip, usd, share = inner["vconcat"]
    # FY2026 holds seven events (ev04-ev10): the label strip is 7 rows x 12 px
    assert strip["height"] == 84
    assert usd["layer"][0]["encoding"]["y"]["field"] == "china_usd_bn"
    assert share["layer"][0]["encoding"]["y"]["field"] == "share_pct"


def test_event_rows_stack_and_side():
    rows = s.event_rows(s.events(), s.share_series()).set_index("event_id")
    # FY2026 holds ev04..ev10: rows 0..6 in date order (ev10 2026-01-14 before ev09 2026-01-15)
    assert list(rows[rows.fiscal_year == 2026].row) == list(range(7))
    assert rows.loc["ev09", "row"] == 6 and rows.loc["ev02", "row"] == 1
    # FY2020-FY2026 (2019-01-28..2026-01-25): middle 2022-07-27, before the first event (2022-08-26)
    assert rows.right.all()
    # FY2023-FY2026 (2022-01-31..2026-01-25): middle 2024-01-28, so ev01-ev03 are labelled on the left
    rows = s.event_rows(s.events(2023), s.share_series(2023)).set_index("event_id")
    assert list(rows.index[~rows.right]) == ["ev01", "ev02", "ev03"]
    assert s.time_domain(s.share_series(2023))[0] == pd.Timestamp("2022-01-31")


def test_bytedance_sentences():
    bds, series, ev = s.bytedance_share(), s.share_series(), s.events()
    lines = {r.year: s.share_line(r) for r in s.reported_shares(bds).itertuples()}
    assert list(lines) == [2023, 2024, 2025]
    # 2024: USD 2 bn against FY2025 China 17.108 (billing) .. 25.048 (HQ) bn: 8.0%-11.7%
    assert lines[2024] == "2024: USD 2 bn against FY2025 China revenue of USD 17.1 bn–25.0 bn → **8%–12%**"
    # 2025: RMB 85 bn / 7.0572 = USD 12.04 bn against FY2026 19.677 bn (HQ only) = 61.2%
    assert lines[2025] == "2025: RMB 85 bn (USD 12.0 bn) against FY2026 China revenue of USD 19.7 bn → **61%**"
    # the H20 licence notice (ev04, 2025-04-09) falls in FY2026; latest China revenue is FY2026 on the HQ basis
    assert s.licence_fy(ev) == 2026
    last = s.latest_china(series)
    assert (last.fiscal_year, last.geo_basis) == (2026, "customer_hq")
    assert s.latest_china(s.share_series(fy_last=2023)).geo_basis == "billing_location"
    text = s.bytedance_text(bds, series, ev, s.bytedance_plan())
    assert text.count("\n- ") == 3
    assert "alone 61% of Nvidia's China revenue in FY2026, the year of the H20 licence requirement" in text
    # the 85 bn also appears as capex_ai_chips for 2026 (bd31, bd32)
    assert "give as `capex_ai_chips` for 2026" in text
    # 2026 plan: RMB 100 bn / 7.0572 = USD 14.17 bn = 72.0% of FY2026's 19.677 bn
    assert "2026 plan of RMB 100 bn (USD 14.2 bn) equals 72% of FY2026 China revenue" in text
    # at 7.0 RMB per USD: 85 / 7 / 19.677 = 61.7%
    bds7 = s.bytedance_share(rmb_per_usd=7.0)
    assert "alone 62% of" in s.bytedance_text(bds7, series, ev, s.bytedance_plan(rmb_per_usd=7.0))


def test_caveats_from_data():
    series, bds = s.share_series(), s.bytedance_share()
    gap = s.basis_gap(series)
    assert list(gap.index) == [2024, 2025]
    assert gap.loc[2025].tolist() == pytest.approx([17.108, 25.048])
    # FY2024 as restated in the FY2025 10-K, which first shows Singapore
    assert s.billing_regions().loc[2024, "singapore"] == 6831
    text = s.caveats(series, bds, s.rate(), 2026)
    assert text.startswith("- **Billing location, not destination.**") and text.count("\n- ") == 5
    # FY2025: Singapore 23,684 / 130,497 = 18.1%, Taiwan 20,573 / 130,497 = 15.8%
    assert "In FY2025 18% of revenue was billed to Singapore (USD 23.7 bn) and 16% to Taiwan" in text
    # HQ recast: 12.330 / 10.306 - 1 = +19.6%; 25.048 / 17.108 - 1 = +46.4%
    assert ("USD 12.3 bn instead of USD 10.3 bn in FY2024 (+20%) and USD 25.0 bn instead of USD 17.1 bn "
            "in FY2025 (+46%)") in text
    # FY2026 (2025-01-27..2026-01-25): 339 of 364 days in 2025
    assert "FY2026 has 93% of its days in calendar 2025" in text
    # bytedance_spending: 38 rows, 19 reported, 14 forecast, 5 denied; nvidia_revenue: 42 of 60 rows unseen
    assert "Of the 38 ByteDance/market rows, 19 are reported" in text and "14 are forecasts" in text
    assert "5 were denied" in text and "42 of the 60 revenue rows" in text
    assert "ByteDance's 2023 figure" in text and "7.0572 RMB per USD" in text
    # up to FY2023 no year is on both bases: no recast sentence; FY2023 has 335 of 364 days in 2022
    early = s.caveats(s.share_series(fy_last=2023), bds, s.rate(), 2023)
    assert "recast puts China" not in early and "FY2023 has 92% of its days in calendar 2022" in early
