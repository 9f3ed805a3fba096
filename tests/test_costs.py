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
