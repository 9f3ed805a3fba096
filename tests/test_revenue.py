import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.revenue import (calendar_overlap, china_share, fiscal_year_end,
                             nvidia_fiscal_year, projection_value, rmb_to_usd)


def test_fiscal_year_boundary_by_hand():
    # 2024-01-28 is the last Sunday of January 2024 -> last day of FY2024
    assert nvidia_fiscal_year("2024-01-28") == 2024
    # the Monday after starts FY2025
    assert nvidia_fiscal_year(dt.date(2024, 1, 29)) == 2025
    # mid-year: Aug 2023 is in FY2024 (Jan 30 2023 .. Jan 28 2024)
    assert nvidia_fiscal_year(pd.Timestamp("2023-08-15")) == 2024


def test_fiscal_year_end_known_dates():
    # 10-K cover pages: FY2021 ended Jan 31 2021 (53 weeks), FY2025 Jan 26 2025, FY2026 Jan 25 2026
    assert fiscal_year_end(2021) == dt.date(2021, 1, 31)
    assert fiscal_year_end(2024) == dt.date(2024, 1, 28)
    assert fiscal_year_end(2025) == dt.date(2025, 1, 26)
    assert fiscal_year_end(2026) == dt.date(2026, 1, 25)
    assert fiscal_year_end(2024).weekday() == 6


def test_fiscal_year_series():
    s = pd.Series(pd.to_datetime(["2024-01-28", "2024-01-29", "2021-01-31", "2021-02-01"]), index=list("abcd"))
    out = nvidia_fiscal_year(s)
    assert list(out) == [2024, 2025, 2021, 2022]
    assert list(out.index) == list("abcd")


def test_calendar_overlap():
    # FY2024 = 2023-01-30 .. 2024-01-28 = 364 days; 2023-01-30 .. 2023-12-31 = 336 days
    assert calendar_overlap(2024) == pytest.approx(336 / 364)


def test_rmb_conversion_by_hand():
    # 160e9 / 7.1 = 22.535e9 -> 22.54e9 USD
    assert rmb_to_usd(160e9, 7.1) == pytest.approx(22.54e9, rel=1e-3)
    np.testing.assert_allclose(rmb_to_usd(np.array([71.0, 142.0]), 7.1), [10.0, 20.0])


def test_rmb_inverted_rate_raises():
    with pytest.raises(ValueError, match="rmb_per_usd"):
        rmb_to_usd(160e9, 1 / 7.1)  # USD per RMB passed by mistake


def test_projection_ranges():
    # 1e6 H20 at 12,000-13,000 USD -> 12e9, 12.5e9, 13e9
    assert projection_value(1_000_000, (12_000, 13_000)) == pytest.approx((12e9, 12.5e9, 13e9))
    with pytest.raises(ValueError, match="price_usd"):
        projection_value(1, (2, 1))


def test_china_share_by_hand():
    df = pd.DataFrame({
        "fiscal_year": [2024, 2024, 2024, 2024],
        "fiscal_period": ["FY"] * 4,
        "region": ["china_incl_hk", "total", "china_incl_hk", "total"],
        "revenue_usd_m": [10306, 60922, 12330, 60922],
        "reported_in_fy": [2024, 2024, 2026, 2026],
    })
    out = china_share(df)
    # 10,306 / 60,922 = 0.16917 (first filing; the FY2026 recast row is ignored)
    assert len(out) == 1
    assert out.loc[0, "china_share"] == pytest.approx(0.16917, abs=1e-5)


DATA = Path(__file__).resolve().parents[1] / "data" / "nvidia_revenue.csv"


def test_revenue_table_consistent():
    df = pd.read_csv(DATA)
    fy = df[df.fiscal_period == "FY"]
    # regions sum to total for every filing/year
    for (y, rep, basis), g in fy.groupby(["fiscal_year", "reported_in_fy", "geo_basis"]):
        parts = g[g.region != "total"].revenue_usd_m.sum()
        total = g[g.region == "total"].revenue_usd_m.iloc[0]
        assert parts == total, (y, rep, basis)
    # period_end is the fiscal year end
    for _, r in fy.iterrows():
        assert r.period_end == fiscal_year_end(int(r.fiscal_year)).isoformat()
    cs = china_share(df)
    assert list(cs.fiscal_year) == list(range(2020, 2027))
    # quarters and nine-month totals add up: Q1 + Q2 + Q3 = 9M where all are filed
    q = df[df.fiscal_period.isin(["Q1", "Q2", "Q3", "9M"]) & (df.geo_basis == "billing_location")]
    w = q.groupby(["fiscal_year", "region", "fiscal_period"]).revenue_usd_m.first().unstack()
    full = w.dropna(subset=["Q1", "Q2", "Q3", "9M"])
    assert len(full) and (full.Q1 + full.Q2 + full.Q3 == full["9M"]).all()


def test_delivered_pflops_by_hand():
    from helpers.revenue import delivered_pflops

    # 500,000 Ascend x 20% yield x 320 TFLOPS / 1000 = 32,000 PFLOPS
    assert delivered_pflops(500_000, 320, 0.2) == pytest.approx((32_000, 32_000, 32_000))
    # ranges: low 500k x 0.2 x 280 / 1000 = 28,000; high 550k x 0.5 x 376 / 1000 = 103,400;
    # mid 525k x 0.35 x 320 / 1000 = 58,800
    lo, mid, hi = delivered_pflops((500_000, 550_000), (280, 320, 376), (0.2, 0.5))
    assert (lo, mid, hi) == pytest.approx((28_000, 58_800, 103_400))
    # 1M H20 x 148 TFLOPS = 148,000 PFLOPS (good_fraction defaults to 1)
    assert delivered_pflops(1_000_000, 148)[1] == pytest.approx(148_000)
    with pytest.raises(ValueError, match="good_fraction"):
        delivered_pflops(1, 1, 1.5)


# ----------------------------------------------------------------------------- the project's tables (notebook 04)
from helpers import chips, data, fmt, params, revenue  # noqa: E402
from conftest import notebook_def  # noqa: E402


def _bases(fy_first=None, fy_last=None):
    """Notebook 04's headline series: verified figures only, each basis on its own, by fiscal year."""
    s = revenue.share_series(fy_first, fy_last)
    return (s[s.verified & s.geo_basis.eq(b)].set_index("fiscal_year") for b in revenue.BASES)


def test_headline_numbers_at_the_defaults():
    # (notebook 04 composes these into its finding; its nbval-check cell prints them)
    assert params.defaults("04_nvidia_china_revenue")["fy_last"] is None
    bill, hq = _bases()
    # billing location: peak FY2022 7,111 / 26,914 = 0.2642; FY2025 17,108 / 130,497 = 0.1311
    assert (bill.china_share.idxmax(), bill.index.max()) == (2022, 2025)
    assert bill.china_share.max() == pytest.approx(7111 / 26914)
    assert bill.china_share.iloc[-1] == pytest.approx(17108 / 130497)
    # customer headquarters (FY2026 10-K): FY2025 25,048 / 130,497 = 19.2% -> FY2026 19,677 / 215,938 = 9.1%;
    # China revenue 19,677 / 25,048 - 1 = -21.4%, shown as "**9%** (FY2026) ... (China revenue -21%)"
    assert hq.index.max() == 2026 and hq.china_share[2026] == pytest.approx(19677 / 215938)
    assert hq.china_share[2025] == pytest.approx(25048 / 130497)
    assert hq.china_usd_bn[2026] / hq.china_usd_bn[2025] - 1 == pytest.approx(19677 / 25048 - 1)
    assert (fmt.pct(hq.china_share[2026]), f"{hq.china_usd_bn[2026] / hq.china_usd_bn[2025] - 1:+.0%}") == ("9%", "-21%")
    # FY2025: China +66% but share 16.9% -> 13.1%: the numerator adds, the denominator takes away more
    x = revenue.share_change(*bill.loc[2024, ["china_usd_bn", "total_usd_bn"]], *bill.loc[2025, ["china_usd_bn", "total_usd_bn"]])
    assert bill.china_usd_bn[2025] > bill.china_usd_bn[2024] and x["numerator"] > 0 > x["denominator"]
    assert x["share_after"] - x["share_before"] == pytest.approx(x["numerator"] + x["denominator"])


def test_headline_bytedance_range():
    # headline basis customer HQ (ByteDance is headquartered in China): two estimates in the range,
    # 2 / 25.048 = 7.98% (H20 orders 2024, FY2025) .. 1 / 12.330 = 8.11% (A100/H800 orders 2023, FY2024) -> "8%";
    # the same two by billing location: 1 / 10.306 = 9.70% .. 2 / 17.108 = 11.69% -> "10-12%".
    # Omdia's count rests on a relay of the FT alone (not primary or reputable) and the RMB 85 bn "spend" (61%) is not
    # orders: both stay out
    t = revenue.bytedance_share(*(params.defaults("04_nvidia_china_revenue")[k] for k in ("rate_id", "rmb_per_usd", "h20_price_usd")))
    inr = t[t.in_range]
    assert sorted(inr.item) == ["nvidia_spend_a100_h800", "nvidia_spend_h20"] and set(inr.geo_basis) == {"customer_hq"}
    assert (inr.share_low.min(), inr.share_high.max()) == pytest.approx((2 / 25.048, 1 / 12.330))
    assert (inr.share_hq_low.min(), inr.share_hq_high.max()) == pytest.approx((2 / 25.048, 1 / 12.330))
    assert (inr.share_billing_low.min(), inr.share_billing_high.max()) == pytest.approx((1 / 10.306, 2 / 17.108))
    assert fmt.rng(inr.share_hq_low.min(), inr.share_hq_high.max()) == "8%"
    assert fmt.rng(inr.share_billing_low.min(), inr.share_billing_high.max()) == "10–12%"
    # at the test parameters (USD 11,000 per H20, 7.25 RMB per USD) the range is the same (both estimates are in USD);
    # Omdia's, out of it, becomes 230,000 x 11,000 = 2.53 bn / 25.048 = 10.1% by HQ, / 17.108 = 14.8% by billing location
    t = revenue.bytedance_share(rmb_per_usd=7.25, h20_price_usd=11_000)
    assert fmt.rng(t[t.in_range].share_hq_low.min(), t[t.in_range].share_hq_high.max()) == "8%"
    omdia = t.set_index("item").loc["hopper_units_ordered"]
    assert (omdia.share_hq_low, omdia.share_billing_low) == pytest.approx((2.53 / 25.048, 2.53 / 17.108))


def test_share_grid_prices_each_pair_once():
    """One row per (pair, estimate), the pair as given (None as NaN): 230,000 Hopper units at USD 10,000 = USD 2.3 bn, at the
    forecast's price range (None) USD 230,000 x price low .. high; RMB 85 bn at 7.0 per USD = USD 12.14 bn at both prices."""
    n = len(revenue.bytedance_share())
    g = revenue.share_grid([None, 7.0], [None, 10_000])
    assert len(g) == 4 * n and g.groupby("pair").size().eq(n).all() and g.pair.nunique() == 4
    omdia = g[g.item.eq("hopper_units_ordered")].set_index(["rmb_per_usd", "h20_price_usd"], drop=False)
    assert omdia.spend_usd_bn_low.loc[(7.0, 10_000)] == pytest.approx(2.3)
    lo, hi = revenue.h20_price_range(None)
    assert omdia.loc[omdia.h20_price_usd.isna(), ["spend_usd_bn_low", "spend_usd_bn_high"]].to_numpy().ravel().tolist() == pytest.approx(
        [230_000 * lo / 1e9, 230_000 * hi / 1e9] * 2)
    spend = g[g.item.eq("nvidia_spend_total") & g.rmb_per_usd.eq(7.0)]
    assert spend.spend_usd_bn_low.tolist() == pytest.approx([85 / 7.0] * 2)


def test_headline_quarters_and_h20_disclosures():
    # the steepest quarterly fall by billing location is Q4 FY2024 (22.2% -> 1,946 / 22,103 = 8.8%)
    q = revenue.quarterly()
    worst = q.loc[q.china_share.diff().idxmin()]
    assert worst.label == "Q4 FY2024" and worst.china_share == pytest.approx(1946 / 22103)
    # same quarter a year apart by customer HQ: 8,142 / 35,082 = 23.2% (Q3 FY2025) -> 2,973 / 57,006 = 5.2% (Q3 FY2026)
    q3 = revenue.quarterly("customer_hq").query("quarter == 3")
    assert list(q3.label) == ["Q3 FY2025", "Q3 FY2026"]
    assert q3.china_share.tolist() == pytest.approx([8142 / 35082, 2973 / 57006])
    # Nvidia's H20 disclosures: USD 4.5 bn charge, 2.5 bn unshipped, no Q2 sales to China, about USD 60 M under licences in FY2026
    d = data.load("h20_disclosures").set_index("item").value_usd_m
    assert (d["h20_charge"], d["h20_unshipped"], d["h20_sales_china"], d["h20_revenue_under_licences"]) == (4500, 2500, 0, 60)


def test_headline_numbers_over_a_shorter_range():
    # up to FY2023: the latest share is 5,785 / 26,974 = 21.4%; no quarter of the data lies in it
    bill, _ = _bases(fy_last=2023)
    assert (bill.index.max(), bill.china_share.idxmax()) == (2023, 2022)
    assert bill.china_share.iloc[-1] == pytest.approx(5785 / 26974)
    assert not revenue.quarterly().fiscal_year.between(*revenue.fiscal_range(None, 2023)).any()
    bill, _ = _bases(2023, 2025)
    assert bill.china_share.idxmax() == 2023 and bill.china_share.max() == pytest.approx(5785 / 26974)


def test_fiscal_range_defaults_to_the_data():
    assert revenue.fiscal_range() == (2020, 2026)
    assert revenue.fiscal_range(2023) == (2023, 2026)
    with pytest.raises(ValueError, match="fy_first"):
        revenue.fiscal_range(2025, 2021)
    with pytest.raises(ValueError, match="no fiscal year"):
        revenue.fiscal_range(2050, 2060)


def test_share_series_by_basis_and_year_on_year():
    s = revenue.share_series().set_index(["geo_basis", "fiscal_year"])
    # FY2023 on billing location: 5,785 / 7,111 - 1 = -18.6%; FY2026 only on the HQ basis: 19,677 / 25,048 - 1
    bill, hq = s.loc["billing_location"], s.loc["customer_hq"]
    assert bill.loc[2023, "china_usd_bn"] / bill.loc[2022, "china_usd_bn"] - 1 == pytest.approx(5785 / 7111 - 1)
    assert 2026 not in bill.index
    assert hq.loc[2026, "china_usd_bn"] / hq.loc[2025, "china_usd_bn"] - 1 == pytest.approx(19677 / 25048 - 1)
    # the years on both bases: FY2024 10.306 vs 12.330 (+19.6%), FY2025 17.108 vs 25.048 (+46.4%)
    gap = s.china_usd_bn.unstack(0).dropna()
    assert list(gap.index) == [2024, 2025]
    assert gap.loc[2025].tolist() == pytest.approx([17.108, 25.048])
    assert s.loc[("billing_location", 2020), "period_start"] == pd.Timestamp("2019-01-28")


def test_control_events_fall_in_fiscal_years():
    ev = data.load("control_events").set_index("event_id")
    fy = revenue.nvidia_fiscal_year(ev["date"])
    # Oct 2022 rule -> FY2023 (2022-01-31..2023-01-29); the 2023-10-23 notice -> FY2024; H20 licence 2025-04-09 -> FY2026;
    # BIS rule effective 2026-01-15 is still FY2026 (ends 2026-01-25), Beijing's H200 approval of 2026-01-28 is FY2027;
    # FY2026 holds sixteen events (ev04-ev15, ev17-ev20), eight of them Beijing's (summons 2025-07-31, guidance 2025-08-12,
    # antitrust 2025-09-15, guidance 2025-09-17, customs 2025-10-10, guidance 2025-11-05 and 2025-11-26, customs 2026-01-14)
    assert (fy["ev02"], fy["ev16"], fy["ev04"], fy["ev09"], fy["ev21"]) == (2023, 2024, 2026, 2026, 2027)
    assert sorted(fy[fy == 2026].index) == [f"ev{i:02d}" for i in (*range(4, 16), *range(17, 21))]
    beijing = ev[ev.side == "beijing"]
    assert sorted(beijing.index) == ["ev11", "ev12", "ev13", "ev14", "ev17", "ev18", "ev19", "ev20", "ev21"]
    assert (fy[beijing.index] == 2026).sum() == 8


def test_rate_override_and_choice():
    # RMB 85 bn at 7.2807 (fx05, Dec 2024 average) = 11.675 bn USD -> / 19.677 = 0.5933
    t = revenue.bytedance_share(rate_id="fx05").query("year == 2025")
    assert t.share_low.iloc[0] == pytest.approx(85 / 7.2807 / 19.677)
    assert revenue.rate()["rmb_per_usd"] == 7.0572 and revenue.rate()["source_id"]
    assert revenue.rate(rmb_per_usd=7.0)["rmb_per_usd"] == 7.0
    with pytest.raises(ValueError, match="rmb_per_usd"):
        revenue.rate(rmb_per_usd=0.14)
    with pytest.raises(ValueError, match="rate_id"):
        revenue.rate(rate_id="nope")


def test_bytedance_share_every_estimate_with_its_basis():
    t = revenue.bytedance_share().set_index("estimate")
    # every non-denied estimate is listed, with what it measures and whose chips
    assert set(t.item) == set(revenue.ESTIMATES) and not t.status.str.contains("denied").any()
    # 2023: USD 1 bn A100/H800 orders / FY2024 China 12.330 bn by customer HQ (FY2026 10-K recast) = 8.11%,
    # / 10.306 bn by billing location (FY2024 10-K) = 9.70%
    r = t.loc["A100/H800 orders (2023)"]
    assert (r.fiscal_year, r.geo_basis, r.revenue_verified, r.estimate_verified, r.in_range) == (2024, "customer_hq", True, True, True)
    assert (r.share_low, r.share_hq_low, r.share_billing_low) == pytest.approx((1 / 12.330, 1 / 12.330, 1 / 10.306))
    assert (r.china_hq_usd_bn, r.china_billing_usd_bn) == pytest.approx((12.330, 10.306))
    # 2024: USD 2 bn H20 / 25.048 = 8.0% (HQ), / 17.108 = 11.7% (billing)
    r = t.loc["H20 orders (2024)"]
    assert (r.share_high, r.share_billing_high) == pytest.approx((2 / 25.048, 2 / 17.108))
    # Omdia 230,000 x 12,000-13,000 = 2.76-2.99 bn / 25.048 = 11.0-11.9% (HQ), / 17.108 = 16.1-17.5% (billing);
    # its one source relays the FT (sources.csv tier relay): it counts as verified but a relay may not shape a headline,
    # so it stays out of the range
    r = t.loc["Omdia's Hopper orders x H20 price (2024)"]
    assert (r.spend_usd_bn_low, r.spend_usd_bn_high) == pytest.approx((2.76, 2.99))
    assert (r.share_low, r.share_high) == pytest.approx((2.76 / 25.048, 2.99 / 25.048))
    assert (r.share_billing_low, r.share_billing_high) == pytest.approx((2.76 / 17.108, 2.99 / 17.108))
    assert (r.estimate_verified, r.revenue_verified, r.in_range) == (True, True, False)
    grid = revenue.share_grid([None], [None]).set_index("item").estimate_headline  # the rule, read where it is computed
    assert (grid["hopper_units_ordered"], grid["nvidia_spend_a100_h800"], grid["nvidia_spend_h20"]) == (False, True, True)
    # 2025: RMB 85 bn / 7.0572 = 12.04 bn against the FY2026 10-K's customer-HQ figure 19.677 bn = 61.2%: its
    # basis is unclear (spend, not orders), so out of the range; its source relays the SCMP; FY2026 has no billing figure
    r = t.loc["'Nvidia spend' (2025)"]
    assert r.as_reported == "RMB 85 bn" and r.share_low == pytest.approx(85 / 7.0572 / 19.677)
    assert (r.geo_basis, r.revenue_verified, r.estimate_verified, r.in_range) == ("customer_hq", True, True, False)
    assert np.isnan(r.share_billing_low)
    # 2026 budgets (all vendors RMB 85 bn, Nvidia RMB 100 bn) have no fiscal year to compare with
    assert t.loc[["AI-chip budget (2026)", "Nvidia budget (2026)"]].share_low.isna().all()
    assert t.loc["AI-chip budget (2026)"].vendors == "all vendors"
    # at 7.0 RMB per USD: 85 / 7 / 19.677 = 61.7%
    assert revenue.bytedance_share(rmb_per_usd=7.0).query("year == 2025").share_low.iloc[0] == pytest.approx(85 / 7 / 19.677)
    assert revenue.money(2, 3, "usd_bn") == "USD 2-3 bn"


def test_aggregator_rows_are_marked_unverified(monkeypatch):
    rev = data.load("nvidia_revenue")
    # every revenue row now rests on a filing (the FY2026 customer-HQ rows were read in the 10-K itself)
    assert len(revenue.verified(rev)) == len(rev)
    s = revenue.share_series(verified_only=True)
    assert set(s.geo_basis) == {"billing_location", "customer_hq"} and s.verified.all()
    # a row resting on an aggregator is dropped (no source of the data is aggregator-tier: one is graded so here)
    agg = data.load("sources").id.iloc[0]
    _planted(monkeypatch, tiers=[agg])
    assert revenue.verified(rev.assign(source_id=[agg] + list(rev.source_id[1:]))).index[0] == 1


def test_fiscal_quarters_by_hand():
    # FY2026 starts 2025-01-27; Q1 = 13 weeks to 2025-04-27, Q2 from 2025-04-28; Q4 ends 2026-01-25, FY2027 starts the day after
    assert revenue.quarter_bounds(2026, 1) == (dt.date(2025, 1, 27), dt.date(2025, 4, 27))
    assert revenue.quarter_bounds(2026, 2)[0] == dt.date(2025, 4, 28) and revenue.quarter_bounds(2026, 4)[1] == dt.date(2026, 1, 25)
    assert revenue.quarter_bounds(2027, 1)[0] == dt.date(2026, 1, 26)
    assert revenue.quarter_bounds(2024, 3) == (dt.date(2023, 7, 31), dt.date(2023, 10, 29))
    # FY2021 had 53 weeks: Q4 = 2020-10-26 .. 2021-01-31 = 98 days (14 weeks)
    start, end = revenue.quarter_bounds(2021, 4)
    assert (start, end) == (dt.date(2020, 10, 26), dt.date(2021, 1, 31)) and (end - start).days + 1 == 98
    with pytest.raises(ValueError, match="q must be"):
        revenue.quarter_bounds(2024, 5)


def test_quarterly_derives_missing_quarters_by_hand():
    q = revenue.quarterly().set_index("label")
    # Q4 FY2024 = FY 10,306 - nine months 8,360 = 1,946 (total 60,922 - 38,819 = 22,103)
    r = q.loc["Q4 FY2024"]
    assert (r.china_usd_m, r.total_usd_m, r.derived) == (1946, 22103, True)
    # every figure behind the quarters was read in a copy of its filing; Q1-Q3 are filed, Q4 derived
    assert q.verified.all() and list(q.derived) == [False, False, False, True] * 2 + [False, False]
    # FY2026 by billing location stops at Q2 (2,769 / 46,743 = 5.9%); by customer HQ Q3 FY2026 = 2,973 / 57,006 = 5.2%,
    # Q4 = FY 19,677 - nine months 16,617 = 3,060 (total 215,938 - 147,811 = 68,127)
    assert q.loc["Q2 FY2026"].china_share == pytest.approx(2769 / 46743) and "Q3 FY2026" not in q.index
    h = revenue.quarterly("customer_hq").set_index("label")
    assert list(h.index) == ["Q3 FY2025", "Q4 FY2025", "Q1 FY2026", "Q2 FY2026", "Q3 FY2026", "Q4 FY2026", "Q1 FY2027",
                             "Q2 FY2027"]
    assert (h.loc["Q4 FY2026"].china_usd_m, h.loc["Q4 FY2026"].total_usd_m, h.loc["Q4 FY2026"].derived) == (3060, 68127, True)
    assert h.loc["Q3 FY2025"].china_usd_m == 8142  # the recast of billing location's 5,416
    # the filed quarters and the derived one add up to each 10-K year
    for fy, g in q[q.fiscal_year < 2026].groupby("fiscal_year"):
        full = revenue.share_series().query("fiscal_year == @fy and geo_basis == 'billing_location'").iloc[0]
        assert g.china_usd_m.sum() == pytest.approx(1000 * full.china_usd_bn) and len(g) == 4


def test_q2_fy2027_10q_by_hand():
    # the Q2 FY2027 10-Q (customer HQ): China 7,880 of 96,221 = 8.2% in Q2; six months 12,430 of 177,837, so
    # Q1 FY2027 = 12,430 - 7,880 = 4,550 of 177,837 - 96,221 = 81,616 (5.6%), derived
    h = revenue.quarterly("customer_hq").set_index("label")
    q2, q1 = h.loc["Q2 FY2027"], h.loc["Q1 FY2027"]
    assert (q2.china_usd_m, q2.total_usd_m, q2.derived, q2.verified) == (7880, 96221, False, True)
    assert q2.china_share == pytest.approx(0.08189, abs=1e-5)
    assert (q1.china_usd_m, q1.total_usd_m, q1.derived) == (4550, 81616, True)
    assert q1.china_share == pytest.approx(4550 / 81616) and q1.china_share == pytest.approx(0.05575, abs=1e-5)
    # its recast comparative column: Q2 FY2026 3,985 (billing location gave 2,769) and six months 13,644, so
    # Q1 FY2026 = 13,644 - 3,985 = 9,659 of 90,805 - 46,743 = 44,062 (21.9%; billing location gave 5,522)
    assert (h.loc["Q2 FY2026"].china_usd_m, h.loc["Q1 FY2026"].china_usd_m, h.loc["Q1 FY2026"].total_usd_m) == (3985, 9659, 44062)
    # the recast six months plus the Q3 FY2026 10-Q's Q3 (2,973) give its nine months (16,617): the filings agree
    rev = data.load("nvidia_revenue").query("geo_basis == 'customer_hq' and fiscal_year == 2026 and region == 'china_incl_hk'")
    v = rev.set_index("fiscal_period").revenue_usd_m
    assert v["6M"] + v["Q3"] == v["9M"] == 16617
    # the four quarters of FY2026 by customer HQ add up to the 10-K year (19,677)
    assert h[h.fiscal_year == 2026].china_usd_m.sum() == 19677
    # FY2027 has no 10-K yet: the yearly series still ends at FY2026
    assert revenue.fiscal_range() == (2020, 2026)


def test_quarterly_derives_q1_from_six_months(monkeypatch):
    # without the Q1 rows: Q1 FY2025 = six months 6,158 - Q2 3,667 = 2,491 (total 56,084 - 30,040 = 26,044), derived
    load, rev = data.load, data.load("nvidia_revenue")
    monkeypatch.setattr(revenue.data, "load", lambda name: rev[rev.fiscal_period != "Q1"] if name == "nvidia_revenue" else load(name))
    r = revenue.quarterly().set_index("label").loc["Q1 FY2025"]
    assert (r.china_usd_m, r.total_usd_m, r.derived, r.verified) == (2491, 26044, True, True)


def test_share_change_splits_numerator_and_denominator_by_hand():
    # China 10 -> 12, total 100 -> 200: share 10% -> 6%; numerator 2/2 x (1/100 + 1/200) = +1.5 pts,
    # denominator 11 x (1/200 - 1/100) = -5.5 pts; together -4 pts
    x = revenue.share_change(10, 100, 12, 200)
    assert (x["numerator"], x["denominator"]) == pytest.approx((0.015, -0.055))
    assert x["numerator"] + x["denominator"] == pytest.approx(x["share_after"] - x["share_before"])
    # FY2024 (billing): China 5,785 -> 10,306 (+78%) while the share fell 21.4% -> 16.9%
    x = revenue.share_change(5785, 26974, 10306, 60922)
    assert x["numerator"] > 0 > x["share_after"] - x["share_before"] and x["denominator"] == pytest.approx(-0.1662, abs=1e-4)
    with pytest.raises(ValueError, match="positive"):
        revenue.share_change(1, 0, 1, 1)


def test_h20_projection_against_fiscal_years():
    t = notebook_def("04_nvidia_china_revenue", "h20_comparison")().set_index("label")
    # 1M units x 12,000-13,000 USD = 12-13 bn; vs FY2024 China 10.306 bn -> 1.164-1.261
    row = t.loc["China revenue FY2024, billing location (filings to Q2 FY2026)"]
    assert (row.ratio_low, row.ratio_high) == pytest.approx((12 / 10.306, 13 / 10.306))
    # FY2024 has 28 of its 364 days in 2024; FY2025 (2024-01-29..2025-01-26) has 338
    assert row.days_in_forecast_year == pytest.approx(28 / 364) and row.role == "year before"
    row = t.loc["China revenue FY2025, billing location (filings to Q2 FY2026)"]
    assert row.days_in_forecast_year == pytest.approx(338 / 364) and row.role == "matching year"
    # a price override: 1M x 11,000 = 11 bn
    assert notebook_def("04_nvidia_china_revenue", "h20_comparison")(h20_price_usd=11_000).loc[0, "usd_bn_mid"] == pytest.approx(11.0)
    assert revenue.h20_price_range() == pytest.approx((12_000, 13_000))


def test_ascend_against_h20_dense_compute_from_data():
    w = chips.specs()
    tf = {c: (w.loc[c, "dense_bf16_tflops_low"], w.loc[c, "dense_bf16_tflops"], w.loc[c, "dense_bf16_tflops_high"])
          for c in ("h20", "ascend_910b")}
    units = data.value_range(revenue.spending_rows("ascend_910b_units_projection"))
    good = data.value_range(revenue.spending_rows("ascend_910b_yield"))
    # H20: 1M x 148 TFLOPS dense BF16 = 148,000 PFLOPS
    h20 = data.value_range(revenue.spending_rows("h20_units_projection_market"))
    assert revenue.delivered_pflops(h20, tf["h20"])[1] == pytest.approx(148_000)
    # Ascend 910B: 500k-550k x yield 0.2-0.5 x 280-376 TFLOPS -> 28,000 .. 103,400 PFLOPS
    lo, _, hi = revenue.delivered_pflops(units, tf["ascend_910b"], good)
    assert (lo, hi) == pytest.approx((28_000, 103_400))
    # yield 0.3: mid 525k x 0.3 x 320 / 1000 = 50,400; one 910B = 320 / 148 = 2.16 H20
    assert revenue.delivered_pflops(units, tf["ascend_910b"], 0.3)[1] == pytest.approx(50_400)
    assert chips.chips_to_match(tf["ascend_910b"][1], tf["h20"][1]) == pytest.approx(320 / 148)


def test_caveat_numbers_from_data():
    rev = data.load("nvidia_revenue")
    bl = rev[(rev.fiscal_period == "FY") & (rev.geo_basis == "billing_location") & (rev.reported_in_fy == 2025)]
    by = bl.set_index(["fiscal_year", "region"]).revenue_usd_m
    # FY2024 as restated in the FY2025 10-K, which first shows Singapore; FY2025 Singapore 23,684 / 130,497 = 18.1%
    assert by[(2024, "singapore")] == 6831 and by[(2025, "singapore")] / by[(2025, "total")] == pytest.approx(23684 / 130497)
    # all 104 revenue rows read in copies of the filings (8 from the Q2 FY2027 10-Q); bytedance_spending: 38 rows, 19 reported, 14 forecast, 5 denied
    assert (len(rev), (~rev.seen_in_source_text.astype(bool)).sum()) == (104, 0)
    n = data.load("bytedance_spending").basis.value_counts()
    assert (n.sum(), n["reported"], n["forecast"], n["denied"]) == (38, 19, 14, 5)
    # FY2026 (2025-01-27..2026-01-25): 339 of 364 days in 2025
    assert calendar_overlap(2026) == pytest.approx(339 / 364)


def _planted(monkeypatch, rows=None, tiers=None):
    """``data.load`` with revenue rows (a boolean mask of nvidia_revenue) marked not seen in source text and
    sources (ids) graded aggregator."""
    load = data.load

    def planted(name):
        df = load(name)
        if name == "nvidia_revenue" and rows is not None:
            df.loc[rows(df), "seen_in_source_text"] = False
        if name == "sources" and tiers:
            df.loc[df.id.isin(tiers), "tier"] = "aggregator"
        return df
    monkeypatch.setattr(revenue.data, "load", planted)


def test_unverified_reason_from_the_tier_and_the_seen_column(monkeypatch):
    # a primary source seen in its text is verified; each failing column gives its reason, both together both
    sources = data.load("sources").set_index("id")
    prim, agg = sources.index[sources.tier == "primary"][:2]
    _planted(monkeypatch, tiers=[agg])  # no source of the data is aggregator-tier: one is graded so here
    df = pd.DataFrame({"source_id": [prim, agg, prim, agg], "seen_in_source_text": [True, True, False, False]})
    assert list(revenue.unverified_reason(df)) == ["", "aggregator source", "not seen in source text",
                                                   "aggregator source; not seen in source text"]
    assert list(revenue.verified(df).index) == [0]
    # a table without the seen column (bytedance_spending) is judged by its sources alone
    assert list(revenue.unverified_reason(df[["source_id"]])) == ["", "aggregator source", "", "aggregator source"]


def test_a_year_is_verified_only_when_its_china_and_total_figures_are(monkeypatch):
    # FY2025 by customer HQ: the China figure (25,048) not seen -> that year unverified, FY2024 and FY2026 stay verified;
    # FY2024 by billing location: only the total row (60,922) graded aggregator would be enough too
    _planted(monkeypatch, rows=lambda d: d.fiscal_year.eq(2025) & d.fiscal_period.eq("FY") & d.geo_basis.eq("customer_hq")
             & d.region.eq("china_incl_hk"))
    s = revenue.share_series().set_index(["geo_basis", "fiscal_year"]).verified
    assert (s[("customer_hq", 2024)], s[("customer_hq", 2025)], s[("customer_hq", 2026)]) == (True, False, True)
    assert ("customer_hq", 2025) not in revenue.share_series(verified_only=True).set_index(["geo_basis", "fiscal_year"]).index
    # ByteDance's 2024 H20 orders then meet no verified HQ figure: the lead falls back to billing location,
    # 2 / 17.108 = 11.7%, and the estimate leaves the headline range (which stays on customer HQ)
    r = revenue.bytedance_share().set_index("item").loc["nvidia_spend_h20"]
    assert (r.geo_basis, r.in_range) == ("billing_location", False) and np.isnan(r.share_hq_low)
    assert r.share_low == pytest.approx(2 / 17.108)


def test_a_total_row_from_an_aggregator_unverifies_the_year(monkeypatch):
    # the FY2022 10-K gives the billing-location years FY2020-FY2022 (China and total rows): graded aggregator, all three fail
    _planted(monkeypatch, tiers=["rev_nvda_10k_fy2022"])
    s = revenue.share_series().query("geo_basis == 'billing_location'").set_index("fiscal_year").verified
    assert list(s[~s].index) == [2020, 2021, 2022] and s[[2023, 2024, 2025]].all()


def test_a_quarter_is_verified_only_when_every_figure_behind_it_is(monkeypatch):
    # Q3 FY2024 is filed (China 4,030 in the Q3 10-Q): its China row not seen -> Q3 unverified; Q4 FY2024 = FY 10,306 -
    # nine months 8,360 uses the 9M row, not Q3, so it stays verified
    _planted(monkeypatch, rows=lambda d: d.fiscal_year.eq(2024) & d.fiscal_period.eq("Q3") & d.region.eq("china_incl_hk"))
    q = revenue.quarterly().set_index("label").verified
    assert (q["Q3 FY2024"], q["Q4 FY2024"], q["Q2 FY2024"]) == (False, True, True)


def test_bytedance_share_on_the_billing_basis():
    # the same rule on billing location: A100/H800 1 / 10.306 = 9.7% and H20 2 / 17.108 = 11.7% lead, in range;
    # 'Nvidia spend' 2025 has no billing-location FY2026 and falls back to customer HQ (19.677 bn), out of range either way
    t = revenue.bytedance_share(basis="billing_location").set_index("item")
    assert sorted(t.index[t.in_range]) == ["nvidia_spend_a100_h800", "nvidia_spend_h20"]
    assert (t.share_low["nvidia_spend_a100_h800"], t.share_low["nvidia_spend_h20"]) == pytest.approx((1 / 10.306, 2 / 17.108))
    assert t.geo_basis["nvidia_spend_total"] == "customer_hq"
    with pytest.raises(ValueError, match="basis"):
        revenue.bytedance_share(basis="shipping")
