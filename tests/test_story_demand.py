"""Tests for helpers.story_demand on the real data/ (values checked by hand from the CSVs)."""
import numpy as np
import pytest

from helpers import demand, story_demand as s

SMALL = dict(n_draws=5_000, seed=1)


def test_growth_pairs_by_hand():
    g = s.growth("2024-12", "2025-12").set_index("series")
    # tokens: 4T (Dec 2024, tv_003) -> 50T (Dec 2025, tv_007) = 12.5x
    assert g.loc["tokens per day, all Doubao-model traffic (trillions)", "multiple"] == pytest.approx(12.5)
    # MAU: 75M (QuestMobile, Dec 2024) -> 226M (Dec 2025) = 3.0133x
    assert g.loc["Doubao MAU (millions)", "multiple"] == pytest.approx(226 / 75)
    with pytest.raises(ValueError, match="growth_from"):
        s.growth("2025-12", "2024-12")


def test_dau_range_from_recent_reports_or_parameter():
    d = s.dau_range()
    # reports within 92 days of 2026-02-16: 100 (Dec 2025), 78.71, 100, 120 (Feb 2026)
    assert (d["low"], d["central"], d["high"]) == pytest.approx((78.71e6, 100e6, 120e6))
    assert s.dau_range(150)["central"] == 150e6


def test_model_matches_the_demand_chain_by_hand():
    # H20 FP8: 296 TFLOPS dense, 4.0 TB/s. 1,000 prompt tokens half cached, 500 answer tokens, 25B active,
    # MFU = MBU = 0.5, batch 32, no KV cache:
    #   prefill 500 / (296e12 x 0.5 / 50e9 = 2,960 tok/s) = 0.168919 s
    #   decode min(32 x 4e12 x 0.5 / 25e9 = 2,560, 2,960) = 2,560 tok/s -> 500 / 2,560 = 0.195313 s
    #   0.364231 GPU-s x (100M x 5 / 86,400 = 5,787.04 q/s) x 1.5 peak = 3,161.7 GPUs
    chip = s.chip_table("fp8").set_index("chip_id").loc["h20"]
    fn = s.model(chip, "fp8", 32, 0.0)
    out = fn(dau=100e6, queries=5, prompt=1_000, answer=500, cache_hit=0.5, active_params_b=25, peak=1.5, mfu=0.5, mbu=0.5)
    assert float(out) == pytest.approx((500 / 2_960 + 500 / 2_560) * 100e6 * 5 / 86_400 * 1.5)


def test_need_orders_chips_and_is_seeded():
    a = s.need(**SMALL).set_index("chip_id")
    b = s.need(**SMALL).set_index("chip_id")
    assert a.p50.equals(b.p50)
    assert (a.p5 < a.p50).all() and (a.p50 < a.p95).all()
    # same draws for every chip: faster chips need fewer GPUs
    assert a.loc["b200_hgx", "p50"] < a.loc["h200_sxm", "p50"] < a.loc["h100_sxm", "p50"] < a.loc["h20", "p50"]
    assert a.loc["h20", "p50"] < a.loc["ascend_910b", "p50"]


def test_token_check_and_realised_cross_check():
    tc = s.token_check(**SMALL).iloc[0]
    assert tc.reported_t == 50 and tc.app_share_p50 == pytest.approx(tc.app_tokens_t_p50 / 50)
    rc = s.realised_check(**SMALL).set_index("bound")
    # central: p50 tokens/day / 86,400 x 1.5 (central peak) / 4,950 tokens/s per H800
    assert rc.loc["central", "h800_needed"] == pytest.approx(tc.app_tokens_t_p50 * 1e12 / 86_400 * 1.5 / 4_950)
    assert rc.loc["low", "h800_needed"] < rc.loc["central", "h800_needed"] < rc.loc["high", "h800_needed"]


def test_capacity_keeps_bytedance_counts_only():
    c = s.capacity()
    assert "cap_h200_approval_3firms" not in set(c.capacity_id)  # three firms combined
    assert not c.status.eq("denied").any() and c.gpu_count.notna().all()
    cap = s.against_capacity(**SMALL).set_index("capacity_id")
    h20 = cap.loc["cap_h20_stock_2024"]
    n = s.need(**SMALL).set_index("chip_id").loc["h20"]
    assert h20.app_share_p50 == pytest.approx(n.p50 / 100_000)


def test_drivers_and_headline():
    d = s.drivers(**SMALL)
    assert set(d.keyword) == set(s.ranges())
    assert (d.width.diff().dropna() <= 1e-9).all()  # sorted, widest first
    h = s.headline(**SMALL)
    assert h["chip"] == "H20" and h["gpus_p5"] < h["gpus_p50"] < h["gpus_p95"]
    assert h["token_growth"] == pytest.approx(12.5)
    assert "H20s" in h["sentence"]
    with pytest.raises(ValueError, match="unknown parameter"):
        s.headline(users=1)


def test_charts_build():
    for fn in (s.chart_need, s.chart_drivers, s.chart_capacity):
        assert "vconcat" in fn(**SMALL).to_dict()
    assert "vconcat" in s.chart_growth().to_dict()


def test_hundred_thousand_draws_are_fast_enough_to_be_vectorised():
    r = demand.monte_carlo(100_000, 0, s.ranges(), s.model(s.chip_table().set_index("chip_id").loc["h20"], "fp8", 32, 0.25e9))
    assert r.result.shape == (100_000,) and np.isfinite(r.result).all()


def test_sig_rounds_to_significant_figures():
    assert s.sig(7268.1) == "7,300" and s.sig(2536.3) == "2,500" and s.sig(22044) == "22,000"
    assert s.sig(0.0734) == "0.073" and s.sig(5.4) == "5.4" and s.sig(0) == "0"
