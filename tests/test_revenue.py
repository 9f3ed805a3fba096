import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.revenue import (calendar_overlap, china_share, fiscal_year_end,
                             nvidia_fiscal_year, projection_value, rmb_to_usd,
                             share)


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
    assert calendar_overlap(2024) == pytest.approx(11 / 12)
    # FY2024 = 2023-01-30 .. 2024-01-28 = 364 days; 2023-01-30 .. 2023-12-31 = 336 days
    assert calendar_overlap(2024, by="days") == pytest.approx(336 / 364)


def test_rmb_conversion_by_hand():
    # 160e9 / 7.1 = 22.535e9 -> 22.54e9 USD
    assert rmb_to_usd(160e9, 7.1) == pytest.approx(22.54e9, rel=1e-3)
    np.testing.assert_allclose(rmb_to_usd(np.array([71.0, 142.0]), 7.1), [10.0, 20.0])


def test_rmb_inverted_rate_raises():
    with pytest.raises(ValueError, match="rmb_per_usd"):
        rmb_to_usd(160e9, 1 / 7.1)  # USD per RMB passed by mistake


def test_share_and_projection_ranges():
    # part 10, whole (40, 50): low 10/50 = 0.2, mid 10/45 = 0.2222, high 10/40 = 0.25
    lo, mid, hi = share(10, (40, 50))
    assert (lo, hi) == (pytest.approx(0.2), pytest.approx(0.25))
    assert mid == pytest.approx(10 / 45)
    # 1e6 H20 at 12,000-13,000 USD -> 12e9, 12.5e9, 13e9
    assert projection_value(1_000_000, (12_000, 13_000)) == pytest.approx((12e9, 12.5e9, 13e9))
    with pytest.raises(ValueError, match="whole"):
        share(1, 0)


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
