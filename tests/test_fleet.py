"""ByteDance's fleet (notebook 06): H100-equivalents on two bases, batches, years, and the need against it."""
import numpy as np
import pytest

from helpers import chips, data, demand as d, params

# the shared serving model: 23B active parameters, 1 byte per weight, MFU = MBU = 0.6, 0.25 GB KV cache per sequence
A = {"active_params_b": 23.0, "bytes_per_param": 1.0, "mfu": 0.6, "mbu": 0.6, "kv_cache_gb_per_seq": 0.25}


def test_h100e_dense_bf16_by_hand():
    # H20: 148 / 989.5 dense BF16 TFLOPS -> 100,000 H20 = 14,957 H100e; A100 312 / 989.5 = 0.3153
    assert float(d.h100e(100_000, "h20")) == pytest.approx(100_000 * 148 / 989.5)
    assert float(d.h100e(1, "a100_sxm")) == pytest.approx(312 / 989.5)
    assert float(d.h100e(7, "h100_sxm")) == pytest.approx(7)


def test_h100e_decode_by_hand():
    # batch 32, memory-bound on both chips: bytes per step 23e9 weights + 32 x 0.25e9 KV = 31e9;
    # H100 3.35 TB/s x 0.6 / 31e9 x 32 = 2,074.8 tok/s, H20 4.0 TB/s -> 2,477.4: ratio 4.0 / 3.35 = 1.194
    assert float(d.h100e(1, "h100_sxm", "decode", 32, A)) == pytest.approx(1.0)
    assert float(d.h100e(100_000, "h20", "decode", 32, A)) == pytest.approx(100_000 * 4.0 / 3.35)
    # the H20 is compute-bound far later: at FP8 296 x 0.6 / 46e9 = 3,861 tok/s > 2,477 (still memory-bound)
    assert float(chips.decode_rate("h20", 32, assumptions=A)) == pytest.approx(32 * 4.0e12 * 0.6 / 31e9)
    with pytest.raises(ValueError, match="basis"):
        d.h100e(1, "h20", "training")


def test_fleet_batches_by_hand():
    f = d.fleet(32).set_index("group_id")
    # 2024 H20: 100,000 held (TrendForce) .. 230,000 Hopper incl. H20 (Omdia): range, not sum
    g = f.loc["g2024_china_h20"]
    assert (g.units_low, g.units_high) == (100_000, 230_000)
    assert g.h100e_dense_bf16_high == pytest.approx(230_000 * 148 / 989.5)
    # 2023: 100,000 A100 (low end) .. H800 (high end): dense 31,531 .. 100,000 H100e
    g = f.loc["g2023_china_nvidia"]
    assert (g.h100e_dense_bf16_low, g.h100e_dense_bf16_high) == pytest.approx((100_000 * 312 / 989.5, 100_000))
    # 2025 H20: Nvidia's USD 4.6 bn of H20 in Q1 FY2026 / USD 12,000 = 383,333 chips at most, 0 at least
    g = f.loc["g2025_china_h20"]
    assert (g.units_low, g.units_high) == pytest.approx((0, 4.6e9 / 12_000))
    assert d.fleet(32, h20_price_usd=10_000).set_index("group_id").loc["g2025_china_h20"].units_high == pytest.approx(460_000)
    # rows not counted (no count, low-reliability outlet, denial) stay out
    assert "g2026_in_house" not in f.index and f.loc["g2026_china_h200"].units_high == 20_000


def test_fleet_by_year_is_cumulative_by_hand():
    y = d.fleet_by_year(d.fleet(32)).set_index(["year", "route"])
    assert set(y.index.get_level_values("route")) == set(d.ROUTES)
    # bought in China by end-2024: 100,000 (2023) + 100,000 H20 + 30,000 Ascend = 230,000 low; 100,000 + 230,000 + 100,000 high
    r = y.loc[(2024, "bought_in_china")]
    assert (r.units_low, r.units_high) == (230_000, 430_000)
    # nothing retired: each route never shrinks
    for route, g in y.groupby(level="route"):
        assert (np.diff(g.units_high.to_numpy()) >= 0).all()


def test_traffic_need_by_hand():
    per_chip = {"h100_sxm": np.array([10.0, 20.0, 30.0])}
    app = np.array([1e12, 1e12, 1e12])  # 10-30 H100s per trillion tokens a day
    x = d.traffic_need(per_chip, app, 50e12, 1_000, 3_000)
    assert x["need_p50"] == pytest.approx(1_000)  # 20 x 50
    assert x["share"] == pytest.approx(1_000 / 2_000)
    assert x["share_low"] == pytest.approx(np.percentile([500, 1000, 1500], 5) / 3_000)
    assert x["share_high"] == pytest.approx(np.percentile([500, 1000, 1500], 95) / 1_000)


def test_fleet_finding_numbers():
    """The numbers notebook 06 records, from the helper calls its cells make, at its defaults."""
    p = params.defaults("06_bytedance_fleet")
    fl = d.fleet(p["decode_batch"], p["h20_price_usd"])
    yr = d.fleet_by_year(fl)
    end = yr[yr.year == yr.year.max()].sum(numeric_only=True)
    assert yr.year.max() == 2026 and end.units_low < end.units_high
    assert end.h100e_dense_bf16_low < end.h100e_decode_low  # H20s weigh more in decode than in dense compute
    # 2024 Hopper orders vs Microsoft (Omdia): 230,000 / 485,000 = 47% of the chips; dense 230,000 x 148 / 989.5 / 485,000 = 7.1%
    peers = data.load("peer_fleets").query("measure == 'bought_in_year'")
    bd, top = peers[peers.owner == "ByteDance"].iloc[0], peers[peers.owner != "ByteDance"].sort_values("units").iloc[-1]
    assert top.owner == "Microsoft" and bd.units / top.units == pytest.approx(230 / 485)
    dense = d.h100e(bd.units, bd.chip_id, "dense_bf16") / d.h100e(top.units, top.chip_id, "dense_bf16")
    assert float(dense) == pytest.approx(230_000 * 148 / 989.5 / 485_000)
    assert fl.loc[(fl.h100e_decode_high - fl.h100e_decode_low).idxmax()].group_id == "g2025_china_h20"
