"""Tests for helpers.chips. Expected values are computed by hand in the comments."""
import math

import numpy as np
import pandas as pd
import pytest

from conftest import notebook_def
from helpers import chips, params


def _rules() -> pd.DataFrame:
    """The 3A090 thresholds of 87 FR 62186 (oct2022) and 88 FR 73458 (oct2023)."""
    rows = [
        # rule_set, eccn, clause, metric, operator, threshold
        ("oct2022", "3A090.a", 1, "io_bandwidth_gbps", ">=", 600),
        ("oct2022", "3A090.a", 1, "tpp", ">=", 4800),
        ("oct2023", "3A090.a", 1, "tpp", ">=", 4800),
        ("oct2023", "3A090.a", 2, "tpp", ">=", 1600),
        ("oct2023", "3A090.a", 2, "performance_density", ">=", 5.92),
        ("oct2023", "3A090.b", 1, "tpp", ">=", 2400),
        ("oct2023", "3A090.b", 1, "tpp", "<", 4800),
        ("oct2023", "3A090.b", 1, "performance_density", ">=", 1.6),
        ("oct2023", "3A090.b", 1, "performance_density", "<", 5.92),
        ("oct2023", "3A090.b", 2, "tpp", ">=", 1600),
        ("oct2023", "3A090.b", 2, "performance_density", ">=", 3.2),
        ("oct2023", "3A090.b", 2, "performance_density", "<", 5.92),
    ]
    return pd.DataFrame(rows, columns=["rule_set", "eccn", "clause", "metric", "operator", "threshold"])


RULES = _rules()


# --- TPP and performance density -------------------------------------------------------------

def test_tpp_h100_and_h20():
    # H100 SXM dense FP8 1979 TFLOPS x 8 bits = 15,832
    assert chips.tpp(1979, 8) == pytest.approx(15832)
    # H20 dense FP8 296 x 8 = 2,368; BF16 148 x 16 = 2,368 (same)
    assert chips.tpp(296, 8) == pytest.approx(2368)
    assert chips.tpp(148, 16) == pytest.approx(2368)


def test_tpp_vectorised():
    # A100 BF16 312 x 16 = 4,992 ; L20 FP8 239 x 8 = 1,912
    out = chips.tpp(np.array([312, 239]), np.array([16, 8]))
    np.testing.assert_allclose(out, [4992, 1912])


def test_performance_density():
    # H20: 2,368 / 814 mm2 = 2.909...
    assert chips.performance_density(2368, 814) == pytest.approx(2.9091, abs=1e-4)
    # unpublished die area -> NaN
    assert math.isnan(chips.performance_density(36000, np.nan))


def test_max_tpp():
    # H100: FP8 1979 x 8 = 15,832 ; BF16 989.5 x 16 = 15,832 -> 15,832
    assert chips.max_tpp({"dense_fp8_tflops": 1979, "dense_bf16_tflops": 989.5,
                          "memory_gb": 80}) == pytest.approx(15832)
    # NaN skipped: max(FP8 300 x 8 = 2400, BF16 100 x 16 = 1600) = 2400
    assert chips.max_tpp({"dense_fp8_tflops": 300, "dense_bf16_tflops": 100, "dense_int8_tops": float("nan")}) == pytest.approx(2400)


# --- classification: one chip each side of every threshold ------------------------------------

@pytest.mark.parametrize("tpp,pd_,io,expected", [
    # oct2022: TPP >= 4800 AND I/O >= 600
    (4992, None, 600, "3A090.a"),      # A100: 4,992 and 600 GB/s -> controlled (both at/over)
    (4992, None, 400, "not controlled"),  # A800: I/O 400 < 600
    (4799, None, 900, "not controlled"),  # just under TPP
    (15832, None, 599, "not controlled"),  # just under I/O (H800-like)
    (2368, None, 900, "not controlled"),  # H20
])
def test_classify_oct2022(tpp, pd_, io, expected):
    assert chips.classify(tpp, pd_, io, RULES, "oct2022") == expected


@pytest.mark.parametrize("tpp,pd_,expected", [
    # 3A090.a clause 1: TPP >= 4800
    (4800, 1.0, "3A090.a"),
    (4992, 6.04, "3A090.a"),          # A800: 4,992 / 826 = 6.04
    (15832, 19.45, "3A090.a"),        # H100 / H800: 15,832 / 814 = 19.45
    (36000, float("nan"), "3A090.a"),  # B200: die area unknown, TPP alone suffices
    # 4799: a.1 fails; PD 1.0 < 1.6 -> nothing
    (4799, 1.0, "not controlled"),
    # 3A090.a clause 2: TPP >= 1600 and PD >= 5.92
    (1600, 5.92, "3A090.a"),
    (1599, 5.92, "not controlled"),   # TPP below 1600: no clause can hold
    (1600, 5.91, "3A090.b"),          # PD just under 5.92 -> b.2 (PD >= 3.2)
    # 3A090.b clause 1: 2400 <= TPP < 4800 and 1.6 <= PD < 5.92
    (2400, 1.6, "3A090.b"),
    (2399, 1.6, "not controlled"),    # b.1 TPP fails, b.2 PD 1.6 < 3.2 fails
    (2400, 1.59, "not controlled"),   # b.1 PD fails
    (4799, 5.91, "3A090.b"),          # upper edges of b.1
    # 3A090.b clause 2: TPP >= 1600 and 3.2 <= PD < 5.92
    (1600, 3.2, "3A090.b"),
    (1600, 3.19, "not controlled"),
    # real chips
    (2368, 2368 / 814, "not controlled"),  # H20: TPP 2,368 < 2,400 and PD 2.91 < 3.2
    (1912, 1912 / 609, "not controlled"),  # L20: PD 3.14 < 3.2
])
def test_classify_oct2023(tpp, pd_, expected):
    assert chips.classify(tpp, pd_, None, RULES, "oct2023") == expected


def test_classify_bad_rule_set():
    with pytest.raises(ValueError, match="rule_set"):
        chips.classify(1000, 1.0, 100, RULES, "oct2099")


# --- throughput models --------------------------------------------------------------------------

def test_training_tokens_per_s():
    # H100 989.5 TFLOPS x 0.4 MFU / (6 x 70e9) = 395.8e12 / 420e9 = 942.38 tokens/s
    assert chips.training_tokens_per_s(989.5, 70, 0.4) == pytest.approx(942.381, rel=1e-5)


def test_decode_roofline_by_hand():
    # H20: 4.0 TB/s, 148 TFLOPS; 8B dense model in BF16 (2 bytes); mbu 0.8, mfu 0.5.
    # batch 1: memory = 1 x 4e12 x 0.8 / (8e9 x 2) = 3.2e12 / 1.6e10 = 200 tok/s;
    #          compute = 148e12 x 0.5 / (2 x 8e9) = 7.4e13 / 1.6e10 = 4,625 -> min = 200
    assert chips.decode_tokens_per_s(4.0, 148, 8, 2, 1, 0.8, 0.5) == pytest.approx(200)
    # batch 64: memory = 64 x 200 = 12,800 > compute 4,625 -> 4,625
    assert chips.decode_tokens_per_s(4.0, 148, 8, 2, 64, 0.8, 0.5) == pytest.approx(4625)
    # with 0.1 GB KV per sequence, batch 8: 8 x 3.2e12 / (1.6e10 + 8 x 1e8) = 2.56e13 / 1.68e10
    #   = 1,523.81 tok/s (< 4,625)
    assert chips.decode_tokens_per_s(4.0, 148, 8, 2, 8, 0.8, 0.5, kv_bytes_per_seq=1e8) \
        == pytest.approx(1523.8095, rel=1e-6)


def test_chips_to_match():
    # H100 FP8 1979 vs H20 FP8 296: 1979 / 296 = 6.6858
    assert chips.chips_to_match(1979, 296) == pytest.approx(6.6858, abs=1e-4)


# --- bad arguments --------------------------------------------------------------------------------

def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="bit_length"):
        chips.tpp(296, 0)
    with pytest.raises(ValueError, match="mfu"):
        chips.training_tokens_per_s(989.5, 70, 1.5)
    with pytest.raises(ValueError, match="chip_rate"):
        chips.chips_to_match(1979, 0)
    with pytest.raises(ValueError, match="specs"):
        chips.max_tpp({"memory_gb": 80})


# --- wide_specs -------------------------------------------------------------------------------------

def test_wide_specs_fills_low_high():
    long = pd.DataFrame({
        "chip_id": ["h20", "h20", "ascend_910b"],
        "spec": ["dense_fp8_tflops", "memory_gb", "memory_gb"],
        "value": [296, 96, 64],
        "value_low": [None, None, 32],
        "value_high": [None, None, 64],
    })
    w = chips.wide_specs(long).set_index("chip_id")
    assert w.loc["h20", "dense_fp8_tflops_low"] == 296
    assert w.loc["h20", "memory_gb_high"] == 96
    assert w.loc["ascend_910b", "memory_gb_low"] == 32
    assert math.isnan(w.loc["ascend_910b", "dense_fp8_tflops"])
    with pytest.raises(ValueError, match="duplicate"):
        chips.wide_specs(pd.concat([long, long.iloc[:1]]))


# --- precision fallback, decode crossover, closest miss, rule regions ---------------------------

def test_dense_tflops_at():
    # H100 fp8 1979 ; Ascend 910B has no FP8 figure -> its BF16 320
    np.testing.assert_allclose(chips.dense_tflops_at([989.5, 320], [1979, np.nan], "fp8"), [1979, 320])
    assert chips.dense_tflops_at(148, 296, "bf16") == pytest.approx(148)
    with pytest.raises(ValueError, match="precision"):
        chips.dense_tflops_at(148, 296, "fp4")


def test_decode_crossover_batch_by_hand():
    # H20 at FP8: 4.0 TB/s, 296 TFLOPS, 23B active, 1 byte/param, mbu 0.6, mfu 0.4.
    # C = 296e12 x 0.4 / (2 x 23e9) = 2,573.91 tok/s. No KV: b* = C x 23e9 x 1 / (4e12 x 0.6)
    #   = 5.92e13 / 2.4e12 = 24.667
    assert chips.decode_crossover_batch(4.0, 296, 23, 1, 0.6, 0.4) == pytest.approx(24.6667, rel=1e-4)
    # KV 0.25 GB/seq: denominator 2.4e12 - 0.25e9 x 2,573.91 = 1.756522e12 -> b* = 5.92e13 / 1.756522e12
    #   = 33.703
    b = chips.decode_crossover_batch(4.0, 296, 23, 1, 0.6, 0.4, kv_bytes_per_seq=0.25e9)
    assert b == pytest.approx(33.703, rel=1e-4)
    # at b* both bounds are equal: the roofline gives C there
    assert chips.decode_tokens_per_s(4.0, 296, 23, 1, b, 0.6, 0.4, 0.25e9) == pytest.approx(2573.913, rel=1e-5)
    # KV 1 GB/seq: 1e9 x 2,573.9 = 2.57e12 > 2.4e12 -> never compute-bound
    assert chips.decode_crossover_batch(4.0, 296, 23, 1, 0.6, 0.4, kv_bytes_per_seq=1e9) == math.inf


# --- the serving model: dense and mixture-of-experts weight reads, by hand --------------------------------
# A test chip: 2 TB/s, 1,000 dense FP8 TFLOPS; 1 byte per weight, MBU = MFU = 0.5 (1e12 bytes/s read), no KV cache.

def test_experts_a_batch_touches_by_hand():
    # T = 16B in E = 16 routed experts of 1B, k = 2 per token, nothing always read (A = T k/E = 2B): a step reads 1B per
    # expert the batch touches. k/E = 1/8: batch 1 touches 2; batch 2: 16 x (1 - (7/8)^2) = 16 x 0.234375 = 3.75;
    # batch 1,024: 16 x (1 - (7/8)^1024), (7/8)^1024 = e^-136.7 -> all 16
    assert chips.params_read_b(2, 16, 1, 2, 16) == pytest.approx(2)
    assert chips.params_read_b(2, 16, 2, 2, 16) == pytest.approx(3.75)
    assert chips.params_read_b(2, 16, 1024, 2, 16) == pytest.approx(16)
    assert chips.params_read_b(1, 4, 3, 8, 4) == pytest.approx(4)  # k >= E: every expert


def test_dense_model_reads_everything_at_any_batch():
    # dense, 20B: every step reads all 20e9 bytes. Batch 1: 1e12 / 20e9 = 50 tok/s.
    # Batch 1,024: memory 1,024 x 1e12 / 20e9 = 51,200 > compute 1e15 x 0.5 / (2 x 20e9) = 12,500 -> 12,500
    assert chips.params_read_b(20, 20, 1) == chips.params_read_b(20, 20, 1024) == 20
    assert chips.decode_tokens_per_s(2.0, 1000, 20, 1, 1, 0.5, 0.5, total_params_b=20) == pytest.approx(50)
    assert chips.decode_tokens_per_s(2.0, 1000, 20, 1, 1024, 0.5, 0.5, total_params_b=20) == pytest.approx(12_500)
    # no expert layout given: a dense model of its total, whatever the active count (max(A, T) read every step)
    assert chips.params_read_b(20, 100, 7) == 100


def test_moe_reads_more_experts_as_the_batch_grows():
    # MoE: T = 100B total, A = 20B active, k = 2 of E = 16 experts per layer (k/E = 1/8).
    # Always-read part S = (A - T k/E) / (1 - k/E) = (20 - 12.5) / 0.875 = 8.5714B; routed R = 91.4286B.
    moe = dict(total_params_b=100, experts_per_token=2, routed_experts=16)
    read = lambda b: chips.params_read_b(20, 100, b, 2, 16)  # noqa: E731
    # batch 1: S + R / 8 = 8.5714 + 11.4286 = 20 (exactly the active parameters) -> 1e12 / 20e9 = 50 tok/s
    assert read(1) == pytest.approx(20)
    assert chips.decode_tokens_per_s(2.0, 1000, 20, 1, 1, 0.5, 0.5, **moe) == pytest.approx(50)
    # batch 8: (7/8)^8 = 0.343609 -> S + R x 0.656391 = 8.5714 + 60.0129 = 68.5843 -> 8e12 / 68.5843e9 = 116.65 tok/s
    assert read(8) == pytest.approx(68.5843, abs=1e-3)
    assert chips.decode_tokens_per_s(2.0, 1000, 20, 1, 8, 0.5, 0.5, **moe) == pytest.approx(116.645, abs=1e-2)
    # batch 1,024: every expert read, 100B -> 1,024e12 / 100e9 = 10,240 tok/s, memory-bound (compute 12,500); reading
    # only the 20B active weights would have given min(51,200, 12,500) = 12,500
    assert read(1024) == pytest.approx(100)
    assert chips.decode_tokens_per_s(2.0, 1000, 20, 1, 1024, 0.5, 0.5, **moe) == pytest.approx(10_240)
    # crossover: b x 1e12 / 100e9 = 12,500 -> b = 1,250 (all experts read by then), not 20e9 x 12,500 / 1e12 = 250
    assert chips.decode_crossover_batch(2.0, 1000, 20, 1, 0.5, 0.5, **moe) == pytest.approx(1250, rel=1e-6)
    # A < T k/E (5 < 12.5): no always-read part, each token reads the share A / T = 5% of the experts
    assert chips.params_read_b(5, 100, 1, 2, 16) == pytest.approx(5)
    assert chips.params_read_b(5, 100, 2, 2, 16) == pytest.approx(100 * (1 - 0.95 ** 2))


def test_closest_miss_h20_a800_l20():
    # H20 oct2023: b.1 misses only TPP 2,368 < 2,400 -> (2400 - 2368) / 2400 = 0.013333;
    # b.2 misses PD 2.909 < 3.2 -> 0.0909; a.2 misses PD vs 5.92 -> 0.509 -> b.1 closest
    m = chips.closest_miss(2368, 2368 / 814, None, RULES, "oct2023")
    assert (m["eccn"], m["clause"], m["metric"]) == ("3A090.b", 1, "tpp")
    assert m["shortfall"] == pytest.approx(32 / 2400)
    # A800 oct2022: TPP 4,992 passes, I/O 400 < 600 -> (600 - 400) / 600 = 0.3333
    m = chips.closest_miss(4992, 6.04, 400, RULES, "oct2022")
    assert (m["metric"], m["threshold"]) == ("io_bandwidth_gbps", 600)
    assert m["shortfall"] == pytest.approx(1 / 3)
    # L20 oct2023: b.2 misses PD 1912/609 = 3.1396 vs 3.2 -> 0.01888; b.1 misses TPP 1,912 vs 2,400 -> 0.2033
    m = chips.closest_miss(1912, 1912 / 609, None, RULES, "oct2023")
    assert (m["eccn"], m["clause"], m["metric"]) == ("3A090.b", 2, "performance_density")
    assert m["shortfall"] == pytest.approx((3.2 - 1912 / 609) / 3.2)
    # controlled chip -> None
    assert chips.closest_miss(15832, 19.45, 900, RULES, "oct2022") is None


def test_rule_rects():
    rule_rects = notebook_def("01_chip_gap", "rule_rects")  # (notebook 01 draws the rule map with it)
    r = rule_rects(RULES, "oct2023", "tpp", "performance_density", (1000, 50000), (1, 30))
    r = r.set_index(["eccn", "clause"])
    # a.1: TPP >= 4800, any PD
    assert tuple(r.loc[("3A090.a", 1)]) == (4800, 50000, 1, 30)
    # a.2: TPP >= 1600, PD >= 5.92
    assert tuple(r.loc[("3A090.a", 2)]) == (1600, 50000, 5.92, 30)
    # b.1: 2400 <= TPP < 4800, 1.6 <= PD < 5.92
    assert tuple(r.loc[("3A090.b", 1)]) == (2400, 4800, 1.6, 5.92)
    # b.2: TPP >= 1600, 3.2 <= PD < 5.92
    assert tuple(r.loc[("3A090.b", 2)]) == (1600, 50000, 3.2, 5.92)
    # oct2022 tests I/O: not drawable in the TPP-PD plane
    with pytest.raises(ValueError, match="io_bandwidth_gbps"):
        rule_rects(RULES, "oct2022", "tpp", "performance_density", (1000, 50000), (1, 30))


# --- per-chip tables on data/ (moved from test_story_chips.py; the shared serving model's central values:
# 23B active, 1 byte per weight, KV 0.25 GB per sequence, MBU 0.6, decode MFU 0.6) -------------------------

ROOFLINE = ["h20", "h100_sxm", "h200_sxm", "b200_hgx", "ascend_910b", "ascend_910c"]


workload_rates = notebook_def("01_chip_gap", "workload_rates")  # (written for that page, in it)


def _rates(**kw):
    args = dict(decode_batch=32, training_mfu=0.4, training_precision="bf16")
    return workload_rates(ROOFLINE, **{**args, **kw}).set_index(["chip_id", "workload"])


def test_classification_on_data():
    c = chips.classification().set_index("chip_id")
    assert c.loc["h20", "oct2022"] == "not controlled" and c.loc["h20", "oct2023"] == "not controlled"
    # H20 misses 3A090.b.1 by (2400 - 2368) / 2400 = 1.33 %
    assert c.loc["h20", "oct2023_shortfall"] == pytest.approx(32 / 2400)
    assert c.loc["h20", "oct2023_closest_miss"] == "3A090.b clause 1: tpp 2,368 vs 2,400 (1.3% under)"
    # A800/H800: under the 2022 I/O line (A800 400, H800 300 < 600 GB/s), caught in 2023
    for chip, shortfall in (("a800_sxm", (600 - 400) / 600), ("h800_sxm", (600 - 300) / 600)):
        assert c.loc[chip, "oct2022"] == "not controlled" and c.loc[chip, "oct2023"] == "3A090.a"
        assert c.loc[chip, "oct2022_shortfall"] == pytest.approx(shortfall)
    # L20: PD 1912 / 609 = 3.1396 < 3.2
    assert c.loc["l20", "oct2023_shortfall"] == pytest.approx((3.2 - 1912 / 609) / 3.2)
    # Ascend 910B: TPP 4480..6016, PD >= 5.92 at every point -> 3A090.a; in 2022 the low TPP 4,480 is under
    # the 4,800 line whatever the I/O, the central/high TPP pass it and the unpublished I/O decides
    assert c.loc["ascend_910b", "oct2023"] == "3A090.a"
    assert c.loc["ascend_910b", "oct2022"] == "not controlled to undetermined (I/O bandwidth not published)"
    assert c.loc["ascend_910b", ["tpp_low", "tpp_high"]].tolist() == pytest.approx([280 * 16, 376 * 16])
    # B200 has no die area, but TPP 36,000 alone puts it in 3A090.a (the missing PD cannot change it)
    assert c.loc["b200_hgx", "oct2023"] == "3A090.a" and math.isnan(c.loc["b200_hgx", "pd"])


def test_classify_or_undetermined():
    # TPP 5,000 with no I/O: 3A090.a at I/O >= 600, not controlled below -> undetermined
    assert chips.classify_or_undetermined(5000, 6.0, math.nan, RULES, "oct2022") == \
        "undetermined (I/O bandwidth not published)"
    # TPP 1,000 fails every clause whatever the I/O
    assert chips.classify_or_undetermined(1000, math.nan, math.nan, RULES, "oct2022") == chips.NOT_CONTROLLED


def test_workload_rates_training():
    r = _rates()
    # training share 148 / 989.5 = 0.14957 (BF16, the same training MFU on both)
    assert r.loc[("h20", "training"), "ratio_to_h100"] == pytest.approx(0.14957, abs=1e-5)
    # H20 training 148e12 x 0.4 / (6 x 23e9) = 428.99 tok/s; per W of its 400 W TDP 1.0725
    assert r.loc[("h20", "training"), "tokens_per_s"] == pytest.approx(148e12 * 0.4 / 138e9)
    assert r.loc[("h20", "training"), "tokens_per_joule"] == pytest.approx(148e12 * 0.4 / 138e9 / 400)
    # Ascend 910B training 280..376 / 989.5; no FP8 figure, so FP8 training keeps its BF16 rate
    assert r.loc[("ascend_910b", "training"), ["ratio_to_h100_low", "ratio_to_h100_high"]].tolist() == \
        pytest.approx([280 / 989.5, 376 / 989.5])
    fp8 = _rates(training_precision="fp8")
    assert fp8.loc[("ascend_910b", "training"), "tokens_per_s"] == pytest.approx(r.loc[("ascend_910b", "training"), "tokens_per_s"])
    # ascend_utilisation scales Ascend rates, not Nvidia's
    half = _rates(ascend_utilisation=0.5)
    assert half.loc[("ascend_910b", "training"), "tokens_per_s"] == pytest.approx(r.loc[("ascend_910b", "training"), "tokens_per_s"] / 2)
    assert half.loc[("h20", "decode"), "tokens_per_s"] == pytest.approx(r.loc[("h20", "decode"), "tokens_per_s"])


def test_workload_rates_decode():
    # The shared model: 23B active of 230B, 8 of 128 experts per token -> always-read S = (23 - 230/16) / (15/16) = 9.2B,
    # routed 220.8B. One chip at batch 32 (the small-batch bound): (15/16)^32 = 0.126803, weights read
    # 9.2 + 220.8 x 0.873197 = 202.0B, + 32 x 0.25 GB KV = 210.0 GB per step.
    r = _rates()
    # both memory-bound at batch 32 and reading the same bytes, so the ratio is the bandwidth ratio 4.0 / 3.35 = 1.19403
    assert r.loc[("h20", "decode"), "ratio_to_h100"] == pytest.approx(1.19403, abs=1e-5)
    read = 9.2 + 220.8 * (1 - (15 / 16) ** 32) + 32 * 0.25
    assert r.loc[("h20", "decode"), "tokens_per_s"] == pytest.approx(32 * 2.4e12 / (read * 1e9))  # 365.7 tok/s
    assert r.loc[("h20", "decode"), "decode_bound_by"] == "memory bandwidth"
    # H20 crossover (all experts read by then): 3,860.87 x 230e9 / (2.4e12 - 3,860.87 x 0.25e9) = 618.91
    assert r.loc[("h20", "decode"), "crossover_batch"] == pytest.approx(618.91, abs=0.01)
    # batch 2,048: H20 compute-bound 296e12 x 0.6 / 46e9 = 3,860.9; H100 2,048 x 2.01e12 / (230e9 + 512e9) = 5,547.8 -> 0.69593
    big = _rates(decode_batch=2048)
    assert big.loc[("h20", "decode"), "ratio_to_h100"] == pytest.approx(0.69593, abs=1e-5)
    assert big.loc[("h20", "decode"), "decode_bound_by"] == "compute"
    # Ascend decode at batch 32: memory-bound, bandwidth 0.8..1.6 / 3.35; 910C 3.2 / 3.35 = 0.95522 (no range)
    assert r.loc[("ascend_910b", "decode"), ["ratio_to_h100_low", "ratio_to_h100_high"]].tolist() == \
        pytest.approx([0.8 / 3.35, 1.6 / 3.35])
    assert r.loc[("ascend_910c", "decode"), "ratio_to_h100"] == pytest.approx(0.95522, abs=1e-5)
    # decode_rate is the same number, batch by batch (the shared serving model)
    assert chips.decode_rate("h20", 32) == pytest.approx(r.loc[("h20", "decode"), "tokens_per_s"])
    # no batch: decode per chip of the serving replicas (see test_replica_on_data_h20_against_h100)
    served = _rates(decode_batch=None)
    assert served.loc[("h20", "decode"), "ratio_to_h100"] == pytest.approx(3_860.87 / 4_829.58, abs=1e-5)
    assert served.loc[("h20", "decode"), "decode_bound_by"] == "compute"  # batch 1,544 > 618.9


def test_equivalence_on_data():
    r = _rates().reset_index()
    eq = notebook_def("01_chip_gap", "equivalence")(r, ["h100_sxm", "h200_sxm", "b200_hgx"], ["h20", "ascend_910b", "ascend_910c"])
    e = eq.set_index(["target", "substitute", "workload"])
    # 2250 / 148 = 15.2027 H20s per B200 in training; power 15.2027 x 400 W / 1000 W = 6.0811
    assert e.loc[("b200_hgx", "h20", "training"), "chips_needed"] == pytest.approx(15.2027, abs=1e-4)
    assert e.loc[("b200_hgx", "h20", "training"), "power_ratio"] == pytest.approx(6.0811, abs=1e-4)
    # H100 training: 989.5 / 148 = 6.686 H20s at 6.686 x 400 / 700 W = 3.82x the power
    assert e.loc[("h100_sxm", "h20", "training"), "power_ratio"] == pytest.approx(989.5 / 148 * 400 / 700)
    # range: 910B training against an H100, 989.5 / 376 .. 989.5 / 280
    assert e.loc[("h100_sxm", "ascend_910b", "training"), ["chips_needed_low", "chips_needed_high"]].tolist() == \
        pytest.approx([989.5 / 376, 989.5 / 280])
    # the H20 count per controlled chip: 0.8-2.0 for decode, 6.7-15.2 for training; no TDP for the 910C
    hd = eq[(eq.substitute == "h20") & (eq.workload == "decode")].chips_needed
    assert (round(hd.min(), 1), round(hd.max(), 1)) == (0.8, 2.0)
    assert eq[eq.substitute == "ascend_910c"].power_ratio.isna().all()


# --- legal routes by date (data/route_rules.csv) ------------------------------------------------------

@pytest.mark.parametrize("route, before, after, was, now, rule", [
    # the Oct 2023 headquarters clause: an entity abroad owned by a China-headquartered firm needs a licence, reviewed under
    # the presumption of denial that blocks the H800 in China (one status for both)
    ("own_abroad", "2023-11-16", "2023-11-17", "open", "blocked", "rr_2023_11_own_abroad"),
    # the H800 passed the 2022 I/O test, not the 2023 TPP test; Nvidia was told on 2023-10-23 the requirement applied at once
    ("buy_h800_china", "2023-10-22", "2023-10-23", "open", "blocked", "rr_2023_10_h800"),
    # the April 2025 letter on the H20
    ("buy_h20_china", "2025-04-08", "2025-04-09", "open", "licence required", "rr_2025_04_h20"),
    # the H20 from August 2025: Beijing's guidance (halt new orders), not Washington's licence, binds
    ("buy_h20_china", "2025-08-11", "2025-08-12", "licence required", "blocked", "rr_2025_08_h20_cn"),
    # the H200: announced in Dec 2025 (hypothetical), then Chinese customs stop it a day before the US rule
    ("buy_h200_china", "2026-01-13", "2026-01-14", "hypothetical", "blocked", "rr_2026_01_h200_cn"),
    ("buy_h200_china", "2025-12-07", "2025-12-08", "blocked", "hypothetical", "rr_2025_12_h200"),
    # Beijing's approval of 2026-01-28 lifts the customs stop; the US layer (licence required, case-by-case) now decides
    ("buy_h200_china", "2026-01-27", "2026-01-28", "blocked", "licence required", "rr_2026_01_h200"),
])
def test_route_status_each_side_of_a_rule(route, before, after, was, now, rule):
    assert chips.route_status(route, before)["status"] == was
    s = chips.route_status(route, after)
    assert (s["status"], s["rule_id"]) == (now, rule)


def test_conditional_status_when_both_sides_granted_and_nothing_shipped():
    # Feb 2026: US licences for small amounts (conditional) and Beijing's conditional approval of 2026-01-28: conditional on
    # both sides, so both layers bind; the most restrictive row is the later-dated US one
    s = chips.route_status("buy_h200_china", "2026-03-31")
    assert (s["status"], s["binding"]) == ("conditional", "china, us_export")
    assert "400,000" in s["condition"] and "small amounts" in s["condition"]
    # one side conditional, the other still requiring a licence: the licence requirement is the more restrictive
    rules = pd.DataFrame({"rule_id": ["us", "cn"], "date": pd.to_datetime(["2026-01-15", "2026-01-28"]), "route": "r",
                          "layer": ["us_export", "china"], "status": ["licence required", "conditional"],
                          "condition": ["case by case", "approved"], "source_id": "s", "pending": [False, False]})
    assert chips.route_status("r", "2026-02-01", rules)["status"] == "licence required"
    rules.loc[0, "status"] = "conditional"
    assert chips.route_status("r", "2026-02-01", rules)["status"] == "conditional"
    assert chips.STATUSES.index("open") < chips.STATUSES.index("conditional") < chips.STATUSES.index("licence required")


def test_pending_flag_is_shown_beside_the_status_and_never_changes_it():
    # the Remote Access Security Act passed the House on 2026-01-12: renting abroad stays open, the bill is listed as pending
    before, after = chips.route_status("rent_abroad", "2026-01-11"), chips.route_status("rent_abroad", "2026-01-12")
    assert before["status"] == after["status"] == "open" and before["rule_id"] == after["rule_id"]
    assert before["pending"] == "" and "H.R. 2683" in after["pending"] and after["pending_ids"] == "rr_2026_01_rent_abroad_bill"
    # a pending row would block the route if it counted: it does not
    rules = pd.DataFrame({"rule_id": ["law", "bill"], "date": pd.to_datetime(["2025-01-01", "2025-06-01"]), "route": "r",
                          "layer": "us_export", "status": ["open", "blocked"], "condition": ["in force", "a bill"],
                          "source_id": "s", "pending": [False, True]})
    s = chips.route_status("r", "2025-12-31", rules)
    assert (s["status"], s["rule_id"], s["pending"]) == ("open", "law", "a bill")


def test_status_sources_are_the_evidence_since_the_layer_reached_its_status():
    # the H20 has been blocked by Beijing since Aug 2025: three steps hold it there (guidance, state-funded data centres,
    # the ByteDance bar), the July summons (open) does not
    s = chips.route_status("buy_h20_china", "2026-03-31")
    assert s["status_sources"] == ["route_livemint_h20_guidance_2025", "route_reuters_state_dc_2025_11",
                                   "route_aljazeera_bytedance_nvidia_2025_11"]
    # both layers conditional: the later step (US licences, Feb 2026) is the deciding row; both layers' steps are evidence
    s = chips.route_status("buy_h200_china", "2026-03-31")
    assert s["rule_id"] == "rr_2026_02_h200" and s["status_sources"] == ["route_bt_h200_approval_2026_01", "chips_nvidia_10q_2026_04_26"]


def test_binding_periods_name_which_side_bound():
    # H20: Washington's licence letter binds April-July 2025, Beijing's guidance from August 2025
    b = chips.binding_periods("buy_h20_china", "2025-03", "2026-03").set_index("from")
    assert list(b.binding) == ["us_export", "us_export", "china"] and list(b.status) == ["open", "licence required", "blocked"]
    assert b.loc["2025-08-01", "to"] == pd.Timestamp("2026-03-01")
    # the latest month the legal data supports: BIS's guidance of 2026-05-31
    assert chips.latest_legal_month() == "2026-05"


def test_route_status_layers_and_conditions():
    # the US case-by-case rule of 2026-01-15 did not reopen the H200 in January: China's customs layer blocked it until 2026-01-28
    s = chips.route_status("buy_h200_china", "2026-01-27")
    assert s["status"] == "blocked" and "case-by-case" in s["condition"].lower() and "customs" in s["condition"]
    # renting abroad stays open through the AI Diffusion rule and its rescission; Malaysia's permit rule adds a condition
    assert chips.route_status("rent_abroad", "2025-05-12")["rule_id"] == "rr_2025_01_rent_abroad"
    s = chips.route_status("rent_abroad", "2025-07-14")
    assert s["status"] == "open" and "Malaysia" in s["condition"]
    # the Ascend stays open; the May 2025 GP10 guidance changes the condition, not the status
    assert chips.route_status("buy_ascend_china", "2025-05-13")["status"] == "open"
    assert "General Prohibition 10" in chips.route_status("buy_ascend_china", "2025-05-13")["condition"]
    # a 3A090.b chip needs a notification, not a licence; before any row a route is hypothetical
    assert "notifies BIS" in chips.route_status("buy_3a090b_china", "2024-01-01")["condition"]
    assert chips.route_status("buy_h20_china", "2023-12-31")["status"] == "hypothetical"


# --- serving replicas ------------------------------------------------------------------------------------

# A test chip: 80 GB (72 GB usable at 90%), 2 TB/s, 1,000 dense FP8 TFLOPS; 1 byte per weight, MFU = MBU = 0.5
# (1e12 bytes/s read per chip), 1 GB of KV cache per sequence, 20 tokens/s per user.
X = pd.DataFrame({"memory_gb": [80.0], "memory_bandwidth_tbps": [2.0], "dense_bf16_tflops": [500.0],
                  "dense_fp8_tflops": [1000.0]}, index=["x"])
BASE = {"bytes_per_param": 1, "mfu": 0.5, "mbu": 0.5, "kv_cache_gb_per_seq": 1.0, "tokens_per_s_per_user": 20}


def test_replica_by_hand_dense():
    # Dense 50B (A = T = 50). Fewest chips: (50 + 1) / 72 -> 1. One chip at batch b: min(b x 1e12 / (50e9 + 1e9 b),
    # 1e15 x 0.5 / 100e9 = 5,000) = 1,000 b / (50 + b) tokens/s (memory-bound). n chips: per user n x 1,000 / (50 + b) >= 20
    # -> b <= 50 n - 50.
    #   n = 1: 1,000 / 51 = 19.6 < 20 at batch 1 -> no replica; n = 2: fits 94, speed allows 50 -> 500 per chip;
    #   n = 4: fits 238, speed 150 -> 750; n = 8: fits 526, speed 350 -> 1,000 x 350 / 400 = 875 per chip, 7,000 per replica
    a = {**BASE, "active_params_b": 50, "total_params_b": 50}
    r = chips.replica("x", a, w=X)
    assert (r["chips"], r["batch"]) == (8, 350)
    assert (r["tokens_per_s"], r["per_chip"], r["per_user"]) == pytest.approx((7_000, 875, 20))
    # A faster per-user target shrinks the batch: 40 tokens/s -> b <= 25 n - 50; n = 8: 150, 1,000 x 150 / 200 = 750
    assert chips.replica("x", {**a, "tokens_per_s_per_user": 40}, w=X)["batch"] == 150


def test_replica_by_hand_moe():
    # MoE: 100B total, 10B active, k = 1 of E = 10 experts (k/E = 0.1): S = (10 - 10) / 0.9 = 0, so a step at batch b reads
    # W(b) = 100 x (1 - 0.9^b) B. Per user with n chips: n x 1e12 / ((W(b) + b) x 1e9) >= 20 -> W(b) + b <= 50 n.
    #   n = 8 (fits (576 - 100) / 1 = 476): W(300) = 100 - 1.9e-12 -> 400 <= 400; W(301) + 301 > 400 -> batch 300,
    #   300e12 / 400e9 = 750 per chip. n = 4: W + b <= 200 -> batch 100, 100e12 / 200e9 = 500. n = 2: b <= 16 -> 164 per chip.
    # Reading only the 10B active weights (the old model): W + b = 10 + b <= 400 -> batch 390, 975 per chip.
    a = {**BASE, "active_params_b": 10, "total_params_b": 100, "experts_per_token": 1, "routed_experts": 10}
    r = chips.replica("x", a, w=X)
    assert (r["chips"], r["batch"]) == (8, 300)
    assert (r["per_chip"], r["per_user"]) == pytest.approx((750, 20), rel=1e-9)
    # batch 1 on one chip reads exactly the 10B active: 1e12 / (10e9 + 1e9) = 90.9 tok/s
    assert chips.decode_rate("x", 1, assumptions=a, w=X) == pytest.approx(1e12 / 11e9)
    # draws as arrays (the Monte Carlo): one replica per draw, the same numbers as one call each
    draws = chips.replica("x", {**a, "mbu": np.array([0.5, 0.25])}, w=X)
    assert draws["batch"].tolist() == [300, chips.replica("x", {**a, "mbu": 0.25}, w=X)["batch"]]


def test_replica_by_hand_moe_where_few_experts_are_read():
    # The MoE above (W(b) = 100 x (1 - 0.9^b) B) at 50 tokens/s per user: n chips need W(b) + b <= 1,000 n / 50 = 20 n.
    #   n = 8: W(60) + 60 = 159.82 <= 160, W(61) + 61 = 160.84 > 160 -> batch 60, 60e12 / 159.82e9 = 375.42 per chip;
    #   n = 4: W(11) + 11 = 79.62 <= 80, W(12) + 12 = 83.76 > 80 (a batch that reads 69% of the experts) -> 138 per chip.
    a = {**BASE, "active_params_b": 10, "total_params_b": 100, "experts_per_token": 1, "routed_experts": 10,
         "tokens_per_s_per_user": 50}
    r = chips.replica("x", a, w=X)
    assert (r["chips"], r["batch"]) == (8, 60)
    assert (r["per_chip"], r["per_user"]) == pytest.approx((375.4216, 50.0562), abs=1e-4)
    # 4 chips (5 x 72 GB usable leaves out 8): 10 chips are the fewest that fit 100 GB of weights at 9 GB a chip
    small = X.assign(memory_gb=[10.0])
    assert chips.replica("x", {**a, "tokens_per_s_per_user": 100}, w=small)["chips"] == 12


def _largest_fast_batch(chip_id, a, w, usable_memory=0.9):
    """(chips, batch, per_chip) of :func:`chips.replica` by brute force: every batch from 1 to the cap, one draw a row."""
    mem = float(w.loc[chip_id, "memory_gb"]) * usable_memory
    weights = np.maximum(a["total_params_b"], a["active_params_b"]) * a["bytes_per_param"]
    kv, target = a["kv_cache_gb_per_seq"], np.asarray(a["tokens_per_s_per_user"])[:, None]
    b = np.arange(1.0, (np.floor((8 * mem - np.min(weights)) / kv) if kv > 0 else chips.MAX_BATCH) + 1)
    rate = chips.decode_rate(chip_id, b, assumptions={k: np.asarray(v)[:, None] if np.ndim(v) else v for k, v in a.items()},
                             w=w)
    best = np.zeros((3, len(target)))
    for n in (1, 2, 4, 8):
        cap = np.floor((n * mem - np.asarray(weights)[:, None]) / kv) if kv > 0 else chips.MAX_BATCH
        fits = n >= np.ceil((np.asarray(weights)[:, None] + kv) / mem)  # the weights and one sequence's KV cache
        fast = (n * rate / b >= target) & (b <= cap) & fits
        batch = np.where(fast[:, 0], fast.shape[1] - np.argmax(fast[:, ::-1], axis=1), 0)  # the largest fast batch
        per_chip = np.where(batch > 0, rate[np.arange(len(batch)), np.maximum(batch, 1) - 1], 0.0)
        better = per_chip > best[2]
        best = np.where(better, [np.full(len(batch), n), batch, per_chip], best)
    return best


@pytest.mark.parametrize("kv, total", [(0.25, 230.0), (0.05, 230.0), (2.0, 230.0), (0.0, 230.0), (0.5, None)])
def test_replica_batch_is_the_largest_fast_batch_on_random_draws(kv, total):
    # Random draws of the per-user speed, MFU, MBU and active weights: the batch of every draw is exactly the one a
    # scan of every batch finds (the largest with n x rate(b) / b >= target, none above it up to the cap; off by one
    # at the boundary would show), on every chip, for a mixture of experts, a dense model (total = active) and no KV cache.
    rng = np.random.default_rng(11)
    d = 80
    active = rng.uniform(5, 60, d)
    a = {**chips.serving_assumptions(kv_cache_gb_per_seq=kv), "active_params_b": active, "mfu": rng.uniform(0.1, 1, d),
         "mbu": rng.uniform(0.1, 1, d), "tokens_per_s_per_user": rng.uniform(5, 120, d),
         "total_params_b": active if total is None else total}
    w = chips.specs()
    for chip in ("h20", "h100_sxm", "ascend_910b", "b200_hgx"):
        r = chips.replica(chip, a, w=w)
        n, batch, per_chip = _largest_fast_batch(chip, a, w)
        b_cap = chips.MAX_BATCH  # no KV cache: the cap of every replica
        assert (r["batch"] == batch).all() and (r["per_chip"] == per_chip).all()
        assert (r["chips"][batch > 0] == n[batch > 0]).all()
        assert (batch > 0).any() and (batch < b_cap).any() and ((batch == b_cap).any() or kv > 0)


def test_replica_on_data_h20_against_h100():
    # The shared model (230B total, 23B active, 8 of 128 experts, 1 byte, KV 0.25 GB, MFU = MBU = 0.6, 20 tokens/s per user).
    # H100: 72 GB usable, 8 chips fit (576 - 230) / 0.25 = 1,384 sequences; at that batch every expert is read:
    #   1,384 x 2.01e12 / (230e9 + 346e9) = 4,829.58 per chip, 27.9 tokens/s per user (memory fit binds).
    # H20: compute-bound at 296e12 x 0.6 / 46e9 = 3,860.87 per chip; 8 chips fit 1,844 but 8 x 3,860.87 / b >= 20 -> b <= 1,544
    #   (memory-bound there 1,544 x 2.4e12 / 616e9 = 6,015 > 3,860.87); 4 chips fit 462, memory-bound 3,209 -> 8 chips.
    h20, h100 = chips.replica("h20"), chips.replica("h100_sxm")
    assert (h20["chips"], h20["batch"], h100["chips"], h100["batch"]) == (8, 1544, 8, 1384)
    assert h20["per_chip"] == pytest.approx(3_860.87, abs=0.01) and h100["per_chip"] == pytest.approx(4_829.58, abs=0.01)


def test_one_ascend_factor_calibrated_on_the_measured_ratio():
    # Small-batch basis: one chip at batch 32, both memory-bound, so the 910C/H100 ratio is u x 3.2 / 3.35 and
    # u = 0.6 x 3.35 / 3.2 = 0.628125.
    assert chips.ascend_utilisation(basis="small_batch") == pytest.approx(0.6 * 3.35 / 3.2, abs=1e-6)
    # Replica basis (the central value): the factor at which the 910C replica decodes 0.6 of the H100's 4,829.58 per chip
    u = chips.ascend_utilisation()
    assert chips.replica("ascend_910c", efficiency=u)["per_chip"] / 4_829.58 == pytest.approx(0.6, abs=1e-4)
    assert u == pytest.approx(0.67682, abs=1e-4)
    assert chips.ascend_utilisation_range() == pytest.approx((0.628125, u), abs=1e-5)
    # every page takes it through chips.efficiency: Ascend chips only
    assert chips.efficiency("ascend_910b") == u and chips.efficiency("h20") == 1.0
    with pytest.raises(ValueError, match="basis"):
        chips.ascend_utilisation(basis="training")


# --- notebook 01's findings (moved from test_headlines_chips.py): the helper calls its visible cells make, with the
# notebook's own defaults (23B active of 230B, 8 of 128 experts, 1 byte per weight, KV 0.25 GB per sequence, MBU 0.6,
# decode MFU 0.6; training MFU 0.4 in BF16, per-chip decode at the small-batch bound of batch 32, sweep to 2,048) ----------

def _nb01(**given):
    """Notebook 01's serving assumptions, Ascend factor and per-chip rates (indexed by chip and workload), as its cells
    compute them, at its defaults or with ``given`` parameters."""
    p = {**params.defaults("01_chip_gap"), **given}
    a = chips.serving_assumptions(active_params_b=p["model_active_params_b"], bytes_per_param=p["bytes_per_param"],
                                  mfu=p["mfu"], mbu=p["mbu"], kv_cache_gb_per_seq=p["kv_cache_gb_per_seq"],
                                  tokens_per_s_per_user=p["tokens_per_s_per_user"])
    util = chips.ascend_utilisation(a) if p["ascend_utilisation"] is None else p["ascend_utilisation"]
    batch = chips.SMALL_BATCH if p["decode_batch"] is None else p["decode_batch"]
    rates = workload_rates(ROOFLINE, decode_batch=batch, training_mfu=p["training_mfu"],
                           training_precision=p["training_precision"], assumptions=a, ascend_utilisation=util)
    return p, a, util, rates


@pytest.fixture(scope="module")
def nb01():
    return _nb01()


def test_nb01_dense_vs_sparse(nb01):
    # H100 dense FP8 1979 / H20 dense FP8 296 = 6.6858; sparse headline 3958 / 296 = 13.3716
    w = chips.specs()
    assert w.loc["h100_sxm", "dense_fp8_tflops"] / w.loc["h20", "dense_fp8_tflops"] == pytest.approx(6.6858, abs=1e-4)
    assert w.loc["h100_sxm", "sparse_fp8_tflops"] / w.loc["h20", "dense_fp8_tflops"] == pytest.approx(13.3716, abs=1e-4)
    # training share at training_mfu 0.4 on both: 148 / 989.5 = 0.14957
    r = nb01[3].set_index(["chip_id", "workload"])
    assert r.loc[("h20", "training"), "ratio_to_h100"] == pytest.approx(0.14957, abs=1e-5)


def test_nb01_decode_uses_the_shared_serving_model(nb01):
    p, a, util, rates = nb01
    r = rates.set_index(["chip_id", "workload"])
    # decode MFU 0.6 (mfu_prefill central of data/model_assumptions.csv), not the training 0.4; the expert layout of the data
    assert (a["mfu"], a["experts_per_token"], a["routed_experts"]) == (0.6, 8, 128)
    # batch 32: memory-bound on both, 4.0 / 3.35
    assert r.loc[("h20", "decode"), "ratio_to_h100"] == pytest.approx(4.0 / 3.35)
    assert r.loc[("h20", "decode"), "decode_bound_by"] == "memory bandwidth"
    # the sweep's end, batch 2,048: H20 compute-bound 3,860.9 against the H100's memory-bound 5,547.8 -> 0.69593
    big = p["max_decode_batch"]
    assert chips.decode_rate("h20", big, assumptions=a) / chips.decode_rate("h100_sxm", big, assumptions=a) \
        == pytest.approx(0.69593, abs=1e-5)
    assert chips.decode_crossover("h20", assumptions=a) <= big < chips.decode_crossover("h100_sxm", assumptions=a)
    # H20 ahead while 3,860.87 >= b x 2.01e12 / (230e9 + 0.25e9 b) (every expert read by then), i.e. b <= 849.99 -> 1 to 849
    every = np.arange(1, 4097)
    ahead = every[chips.decode_rate("h20", every, assumptions=a) >= chips.decode_rate("h100_sxm", every, assumptions=a)]
    assert ahead.max() == 849 and ahead.tolist() == list(range(1, 850))


def test_nb01_ascend_at_the_calibrated_utilisation(nb01):
    _, _, u, rates = nb01
    r = rates.set_index(["chip_id", "workload"])
    # Ascend rates carry the one factor (0.67682, calibrated in the serving replicas); memory-bound at batch 32 they scale with it
    assert u == pytest.approx(0.67682, abs=1e-4)
    lo_hi = lambda chip, wl: r.loc[(chip, wl), ["ratio_to_h100_low", "ratio_to_h100_high"]].tolist()  # noqa: E731
    assert lo_hi("ascend_910b", "decode") == pytest.approx([0.8 * u / 3.35, 1.6 * u / 3.35])
    assert lo_hi("ascend_910c", "decode") == pytest.approx([3.2 * u / 3.35, 3.2 * u / 3.35])
    assert lo_hi("ascend_910b", "training") == pytest.approx([280 * u / 989.5, 376 * u / 989.5])


def test_nb01_serving_replicas_and_b200(nb01):
    _, a, _, rates = nb01
    # 8 H20s at batch 1,544, 3,860.87 tokens/s per chip, against 8 H100s at batch 1,384, 4,829.58 per chip: 0.79942
    h20, h100 = chips.replica("h20", a), chips.replica("h100_sxm", a)
    assert h20["per_chip"] / h100["per_chip"] == pytest.approx(3_860.87 / 4_829.58, abs=1e-5)
    # 2250 / 148 = 15.2027 H20s per B200 in training; power 15.2027 x 400 W / 1000 W = 6.0811
    e = notebook_def("01_chip_gap", "equivalence")(rates, ["b200_hgx"], ["h20"]).set_index("workload").loc["training"]
    assert e.chips_needed == pytest.approx(15.2027, abs=1e-4) and e.power_ratio == pytest.approx(6.0811, abs=1e-4)


def test_nb01_follows_its_parameters():
    # batch 1 with no KV cache, BF16 weights: memory-bound everywhere, both read the 23B active -> 4.0 / 3.35 again
    _, a, _, rates = _nb01(decode_batch=1, kv_cache_gb_per_seq=0.0, bytes_per_param=2.0)
    assert (a["kv_cache_gb_per_seq"], a["bytes_per_param"]) == (0.0, 2.0)
    r = rates.set_index(["chip_id", "workload"])
    assert r.loc[("h20", "decode"), "ratio_to_h100"] == pytest.approx(4.0 / 3.35)
    assert r.loc[("h20", "decode"), "tokens_per_s"] == pytest.approx(2.4e12 / (2 * 23e9))
    # a decode MFU override moves the compute ceiling: 296e12 x 0.05 / 46e9 = 321.7 < 365.7 memory-bound at batch 32
    _, a, _, rates = _nb01(mfu=0.05)
    r = rates.set_index(["chip_id", "workload"])
    assert a["mfu"] == 0.05 and r.loc[("h20", "decode"), "decode_bound_by"] == "compute"
    assert r.loc[("h20", "decode"), "tokens_per_s"] == pytest.approx(296e12 * 0.05 / 46e9)
    assert r.loc[("h20", "training"), "ratio_to_h100"] == pytest.approx(0.14957, abs=1e-5)
    # ascend_utilisation 0.5 is the factor used as given: the Ascend rates are half their full-utilisation values,
    # 910B decode 0.4..0.8 / 3.35, training 140..188 / 989.5
    _, _, u, rates = _nb01(ascend_utilisation=0.5)
    r = rates.set_index(["chip_id", "workload"])
    assert u == 0.5
    assert r.loc[("ascend_910b", "decode"), ["ratio_to_h100_low", "ratio_to_h100_high"]].tolist() == \
        pytest.approx([0.4 / 3.35, 0.8 / 3.35])
    assert r.loc[("ascend_910b", "training"), ["ratio_to_h100_low", "ratio_to_h100_high"]].tolist() == \
        pytest.approx([140 / 989.5, 188 / 989.5])
