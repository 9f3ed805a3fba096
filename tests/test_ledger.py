import math

import pandas as pd
import pytest

from helpers import ledger


def test_claim_range_reads_bounds():
    nan = math.nan
    assert ledger.claim_range(7, nan, nan) == (7, 7)
    assert ledger.claim_range(20, 20, nan) == (20, math.inf)       # "more than 20"
    assert ledger.claim_range(0.1, nan, 0.1) == (-math.inf, 0.1)   # "less than a tenth"


@pytest.mark.parametrize("claim, ref, tol, expected", [
    ((614682, 614682), (600817, 600817), 0.01, ("inconsistent", 614682 / 600817 - 1)),
    ((7, 7), (6.67, 6.67), 0.06, ("consistent", 0.0)),
    ((0.2, 0.2), (0.5, 0.5), 0.1, ("inconsistent", -0.6)),
    ((1, 1), (math.nan, math.nan), 0.1, ("unverifiable", math.nan)),
])
def test_verdict(claim, ref, tol, expected):
    result, gap = ledger.verdict(*claim, *ref, tol)
    assert result == expected[0]
    assert gap == pytest.approx(expected[1], nan_ok=True, rel=1e-6)


@pytest.mark.parametrize("reported, ref, unit, cause", [
    (850, 85, "rmb_bn", "a misread order of magnitude (x10)"),
    (3958, 1979, "tflops", "a different precision basis"),
    (160, 160 / 7.06, "usd_bn", "a unit or exchange-rate slip"),
    (1.1, 1.0, "usd_bn", "a different input or period"),
])
def test_likely_cause(reported, ref, unit, cause):
    assert ledger.likely_cause(reported, ref, ref, unit, 7.06).startswith(cause)


def test_select_filters_by_type_and_independent_drops_articles():
    t = pd.DataFrame({"a": ["x", "x", "y"], "d": pd.to_datetime(["2024-01-01", "2025-01-01", "2025-01-01"]),
                      "source_id": ["art_seed", "primary_1", "primary_2"]})
    assert list(ledger.select(t, "a=x;d>=2024-06-01").index) == [1]
    assert list(ledger.independent(t).source_id) == ["primary_1", "primary_2"]
    with pytest.raises(ValueError, match="has no ="):
        ledger.parse_where("a~x")


def test_ledger_on_project_data():
    table = ledger.verdicts()
    v = table.set_index("claim_id")
    # 7e9 / (1.33 x 8760) = 600,817 H100, not 614,682; the count implies 1.30 per hour
    assert v.loc["c005", "reference_low"] == pytest.approx(600_817, abs=1)
    assert v.loc["c005", "verdict"] == "inconsistent" and "USD 1.30 per GPU-hour" in v.loc["c005", "likely_cause"]
    # H100 3,958 FP8 is the sparse figure; dense is 1,979
    assert v.loc["c017", "likely_cause"].startswith("a different precision basis")
    # RMB 850 bn vs 85 bn
    assert v.loc["c037", "likely_cause"] == "a misread order of magnitude (x10)"
    # RMB 160 bn at 7.0572 RMB/USD (2025-12-22 central parity) = USD 22.67 bn, "about 23"
    assert v.loc["c028", "reference_low"] == pytest.approx(22.672, abs=0.001)
    assert v.loc["c028", "verdict"] == "consistent"
    assert set(table.verdict) <= set(ledger.VERDICTS) and len(table) == 51


def test_unknown_rate_is_named():
    with pytest.raises(ValueError, match="rate_id 'fx99'"):
        ledger.verdicts(rate_id="fx99")
