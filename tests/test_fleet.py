"""ByteDance's fleet (notebook 06, helpers.fleet): H100-equivalents on three bases, batches, years, and the need against it."""
import numpy as np
import pytest

from conftest import notebook_def

from helpers import chips, data, demand as d, fleet as f, params

# The shared serving model: 23B active of 230B, 8 of 128 experts per token, 1 byte per weight, MFU = MBU = 0.6,
# 0.25 GB KV cache per sequence, 20 tokens/s per user. Serving replicas (tests/test_chips.py): H100 4,829.58 tokens/s per
# chip (8 chips, batch 1,384), H20 3,860.87 (8 chips, batch 1,544, compute-bound). The one Ascend factor U = 0.67682.
U = 0.67682


def test_h100e_dense_bf16_by_hand():
    # H20: 148 / 989.5 dense BF16 TFLOPS -> 100,000 H20 = 14,957 H100e; A100 312 / 989.5 = 0.3153
    assert float(f.h100e(100_000, "h20")) == pytest.approx(100_000 * 148 / 989.5)
    assert float(f.h100e(1, "a100_sxm")) == pytest.approx(312 / 989.5)
    assert float(f.h100e(7, "h100_sxm")) == pytest.approx(7)
    # an Ascend 910B carries the one utilisation factor: 320 x 0.67682 / 989.5 = 0.2189
    assert float(f.h100e(1, "ascend_910b")) == pytest.approx(320 * U / 989.5, abs=1e-4)


def test_h100e_decode_by_hand():
    # the serving basis: per chip of each chip's replica, 3,860.87 / 4,829.58 = 0.79942
    assert float(f.h100e(1, "h100_sxm", "decode")) == pytest.approx(1.0)
    assert float(f.h100e(100_000, "h20", "decode")) == pytest.approx(100_000 * 3_860.87 / 4_829.58, rel=1e-5)
    # the small-batch bound: one chip at batch 32, both memory-bound on the same bytes -> 4.0 / 3.35 = 1.194
    assert float(f.h100e(100_000, "h20", "decode_small_batch")) == pytest.approx(100_000 * 4.0 / 3.35)
    # ... and at any other batch where both stay memory-bound
    assert float(f.h100e(1, "h20", "decode_small_batch", small_batch=256)) == pytest.approx(4.0 / 3.35)
    # 910B at the small-batch bound: 1.6 x U / 3.35 = 0.3233; in its replica it barely meets the per-user speed (0.0617)
    assert float(f.h100e(1, "ascend_910b", "decode_small_batch")) == pytest.approx(1.6 * U / 3.35, abs=1e-4)
    assert float(f.h100e(1, "ascend_910b", "decode")) == pytest.approx(
        chips.replica("ascend_910b", efficiency=chips.ascend_utilisation())["per_chip"] / 4_829.58, rel=1e-5)
    with pytest.raises(ValueError, match="basis"):
        f.h100e(1, "h20", "training")


def test_h100e_on_a_given_spec_table_matches_the_data():
    # the rates read once per set of assumptions are the ones computed afresh from a spec table passed in
    w = chips.specs()
    for basis in f.H100E_BASES:
        for chip in ("h20", "ascend_910b", "h200_sxm"):
            assert float(f.h100e(1, chip, basis)) == float(f.h100e(1, chip, basis, w=w))
    # a spec table of its own: an H20 with twice the dense BF16 TFLOPS counts twice as much on that basis
    w2 = w.copy()
    w2.loc["h20", "dense_bf16_tflops"] = 2 * w.loc["h20", "dense_bf16_tflops"]
    assert float(f.h100e(1, "h20", w=w2)) == pytest.approx(2 * 148 / 989.5)


def test_fleet_batches_by_hand():
    fl = f.fleet().set_index("group_id")
    # 2024 H20: 100,000 held (TrendForce) .. 230,000 Hopper incl. H20 (Omdia): range, not sum
    g = fl.loc["g2024_china_h20"]
    assert (g.units_low, g.units_high) == (100_000, 230_000)
    assert g.h100e_dense_bf16_high == pytest.approx(230_000 * 148 / 989.5)
    assert (g.h100e_decode_low, g.h100e_decode_high) == pytest.approx((100_000 * 0.79942, 230_000 * 0.79942), rel=1e-5)
    assert g.h100e_decode_small_batch_high == pytest.approx(230_000 * 4.0 / 3.35)
    # 2023: USD 1 bn buys 1e9 / 15,000 = 66,667 A100 (low end) .. the 100,000 reported, as H800s (high end)
    g = fl.loc["g2023_china_nvidia"]
    assert (g.units_low, g.units_high) == pytest.approx((1e9 / 15_000, 100_000))
    assert (g.h100e_dense_bf16_low, g.h100e_dense_bf16_high) == pytest.approx((1e9 / 15_000 * 312 / 989.5, 100_000))
    # 2025 H20: Nvidia's USD 4.6 bn of H20 in Q1 FY2026 / USD 12,000 = 383,333 chips at most, 0 at least
    g = fl.loc["g2025_china_h20"]
    assert (g.units_low, g.units_high) == pytest.approx((0, 4.6e9 / 12_000))
    assert f.fleet(h20_price_usd=10_000).set_index("group_id").loc["g2025_china_h20"].units_high == pytest.approx(460_000)
    # the 2026 H200 batch is the FT's 20,000-unit test order (the 32,000 of a content-farm page was dropped)
    assert fl.loc["g2026_china_h200"].units_high == 20_000
    # the 2025 cloud budgets abroad (USD 6.8-7 bn, denied): a year of H100 rental at 2025 prices, USD 1.70-6.88 an hour
    g = fl.loc["g2025_rented_abroad"]
    assert (g.units_low, g.units_high) == pytest.approx((6.8e9 / (6.88 * 8760), 7e9 / (1.70 * 8760)))
    # 60% of RMB 40 bn to Chinese vendors at 7.0572 RMB/USD and USD 16,713 per Ascend 910B: 0 .. 203,481
    assert fl.loc["g2025_china_domestic"].units_high == pytest.approx(0.6 * 40e9 / 7.0572 / 16_713)
    # the RMB 40 bn Ascend contract, delivered from 2026: 0 .. 339,135; the in-house chip (denied) 0 .. 350,000 at the H20 rate
    assert fl.loc["g2026_china_ascend"].units_high == pytest.approx(40e9 / 7.0572 / 16_713)
    assert fl.loc["g2026_in_house"].h100e_dense_bf16_high == pytest.approx(350_000 * 148 / 989.5)


def test_routes_keep_own_and_rent_apart():
    fl = f.fleet().set_index("group_id")
    # the Malaysian Blackwell cluster is owned and run by Aolani Cloud: rented, not owned
    assert fl.loc["g2026_malaysia_gb200", "route"] == "rented_abroad"
    assert fl.loc["g2024_operated_abroad", "route"] == "owned_abroad"  # a plan to buy H100s outside China
    assert set(fl.route) <= set(f.ROUTES) and f.ROUTES["rented_abroad"] != f.ROUTES["owned_abroad"]
    assert "own or partners" not in " ".join(f.ROUTES.values())


def test_unit_prices_by_hand():
    # per GPU: Tencent Technology's H200 module (a relay, so it counts) RMB 1.4 m at 6.98 = USD 200,573 / 8 = 25,071.6 ..
    # HotHardware's high quote USD 40,000; H800 server USD 278,552 / 8
    assert f.unit_price_range("h200_sxm") == pytest.approx((200_573 / 8, 40_000))
    assert f.unit_price_range("h800_sxm") == pytest.approx((278_552 / 8, 278_552 / 8))
    # a year of H100 rental in 2025: USD 1.70 (1-yr contract index) .. 6.88 (AWS on demand) x 8,760 h
    assert f.unit_price_range("h100_sxm", "rental_year", 2025) == pytest.approx((1.70 * 8760, 6.88 * 8760))
    with pytest.raises(ValueError, match="basis"):
        f.unit_price_range("h100_sxm", "lease")


def test_top_down_against_bottom_up_by_hand():
    # RMB 85 bn at 7.0572 = USD 12.044 bn of H200 at USD 25,071.6-40,000: 301,111 .. 480,401 chips (H200 = 1 H100e dense)
    td = notebook_def("06_bytedance_fleet", "top_down")(85e9 / 7.0572, "h200_sxm")  # (notebook 06's top-down scale)
    assert (td["units_low"], td["units_high"]) == pytest.approx((85e9 / 7.0572 / 40_000, 85e9 / 7.0572 / (200_573 / 8)))
    assert td["h100e_dense_bf16_high"] == pytest.approx(td["units_high"])
    # the 2026 batches a chip budget pays for: H200 test order 0..20,000 + Ascend contract 0..339,135 + in-house 0..350,000
    bu = f.bottom_up(f.fleet(), 2026, ["bought_in_china", "in_house_asic"])
    assert (bu["units_low"], bu["units_high"]) == pytest.approx((0, 20_000 + 40e9 / 7.0572 / 16_713 + 350_000))
    # dense: 20,000 H200 + 339,135 x 320 x U / 989.5 + 350,000 x 148 / 989.5 = 146,580 H100e, a third of the budget's low end
    dense = 20_000 + 40e9 / 7.0572 / 16_713 * 320 * U / 989.5 + 350_000 * 148 / 989.5
    assert bu["h100e_dense_bf16_high"] == pytest.approx(dense, rel=1e-4)
    assert td["h100e_dense_bf16_low"] / bu["h100e_dense_bf16_high"] == pytest.approx(2.05, abs=0.01)


def test_shares_are_by_compute_by_hand():
    # two routes: 100 chips of 0.1 H100e in China, 10 H100s abroad -> 91% of the chips but 50% of the compute
    cols = {f"{c}_{e}": [a, b] for c, (a, b) in {"units": (100, 10), **{f"h100e_{x}": (10, 10) for x in f.H100E_BASES}}.items()
            for e in ("low", "high")}
    import pandas as pd
    s = f.shares(pd.DataFrame({"route": ["bought_in_china", "rented_abroad"], **cols}))
    assert s["units"] == pytest.approx((100 / 110, 100 / 110)) and s["h100e_dense_bf16"] == pytest.approx((0.5, 0.5))


def test_fleet_by_year_is_cumulative_by_hand():
    y = f.fleet_by_year(f.fleet()).set_index(["year", "route"])
    assert set(y.index.get_level_values("route")) == set(f.ROUTES)
    # bought in China by end-2024: 66,667 (2023) + 100,000 H20 + 30,000 Ascend low; 100,000 + 230,000 + 100,000 high
    r = y.loc[(2024, "bought_in_china")]
    assert (r.units_low, r.units_high) == pytest.approx((1e9 / 15_000 + 130_000, 430_000))
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
    fl = f.fleet(p["h20_price_usd"])
    yr = f.fleet_by_year(fl)
    end = yr[yr.year == yr.year.max()].sum(numeric_only=True)
    assert yr.year.max() == 2026 and end.units_low < end.units_high
    assert end.h100e_dense_bf16_low < end.h100e_decode_low  # H20s weigh more in decode than in dense compute
    assert end.h100e_decode_high < end.h100e_decode_small_batch_high  # and more at the small-batch bound than in replicas
    # 2024 Hopper orders vs Microsoft (Omdia): 230,000 / 485,000 = 47% of the chips; dense 230,000 x 148 / 989.5 / 485,000 = 7.1%;
    # decode 230,000 x 0.79942 / 485,000 = 37.9% (serving replica) to 230,000 x 1.194 / 485,000 = 56.6% (small-batch bound)
    peers = data.load("peer_fleets").query("measure == 'bought_in_year'")
    bd, top = peers[peers.owner == "ByteDance"].iloc[0], peers[peers.owner != "ByteDance"].sort_values("units").iloc[-1]
    assert top.owner == "Microsoft" and bd.units / top.units == pytest.approx(230 / 485)
    ratio = {b: float(f.h100e(bd.units, bd.chip_id, b) / f.h100e(top.units, top.chip_id, b)) for b in f.H100E_BASES}
    assert ratio["dense_bf16"] == pytest.approx(230_000 * 148 / 989.5 / 485_000)
    assert (ratio["decode"], ratio["decode_small_batch"]) == pytest.approx((0.3791, 0.5662), abs=1e-4)
    # the widest unknown: the 2025 cloud budgets abroad, 112,828 .. 470,051 H100 (decode span 357,223 > the H20 cap's 306,445)
    assert fl.loc[(fl.h100e_decode_high - fl.h100e_decode_low).idxmax()].group_id == "g2025_rented_abroad"
    # bought in China: most of the chips but a minority of the compute
    share = f.shares(yr[yr.year == 2026])
    assert share["units"][0] > 0.5 and share["h100e_dense_bf16"][1] < 0.4 and share["h100e_decode"][1] < share["units"][0]
