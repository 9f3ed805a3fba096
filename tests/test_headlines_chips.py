"""The chip-gap headline (notebook 01) at its defaults and with other parameters (hand computations in comments)."""
import pytest

from helpers import headlines


@pytest.fixture(scope="module")
def h():
    return headlines.chip_gap()


def test_dense_vs_sparse(h):
    # H100 dense FP8 1979 / H20 dense FP8 296 = 6.6858; sparse headline 3958 / 296 = 13.3716
    assert h["h100_over_h20_dense"] == pytest.approx(6.6858, abs=1e-4)
    assert h["h100_over_h20_mixed"] == pytest.approx(13.3716, abs=1e-4)
    # training share at training_mfu 0.4 on both: 148 / 989.5 = 0.14957
    assert h["h20_training_share"] == pytest.approx(0.14957, abs=1e-5)


def test_decode_uses_the_shared_serving_model(h):
    # decode MFU 0.6 (mfu_prefill central of data/model_assumptions.csv), not the training 0.4
    assert h["decode_mfu"] == 0.6
    # batch 32: memory-bound on both, 4.0 / 3.35; batch 256: H20 compute-bound 296e12 x 0.6 / 46e9 = 3,860.9
    # against the H100's memory-bound 256 x 2.01e12 / 87e9 = 5,914.5 -> 0.65278
    assert h["h20_decode_ratio"] == pytest.approx(4.0 / 3.35)
    assert h["h20_decode_ratio_max_batch"] == pytest.approx(0.65278, abs=1e-5)
    assert (h["h20_decode_bound_by"], h["h20_max_batch_bound_by"]) == ("memory bandwidth", "compute")
    # H20 ahead while 3,860.9 >= b x 2.01e12 / (23e9 + 0.25e9 b), i.e. b <= 84.9 -> batch 84
    assert h["h20_decode_ahead_up_to_batch"] == 84
    # Ascend rates carry the factor implied by the measured 910C/H100 inference ratio: 0.6 / 0.98593 = 0.60856
    u = h["ascend_utilisation"]
    assert u == pytest.approx(0.60856, abs=1e-5)
    assert h["ascend_910b_decode"] == pytest.approx((0.8 * u / 3.35, 1.6 * u / 3.35))
    assert h["ascend_910c_decode"] == pytest.approx((3.2 * u / 3.35, 3.2 * u / 3.35))
    assert h["ascend_910b_training"] == pytest.approx((280 * u / 989.5, 376 * u / 989.5))


def test_serving_replicas(h):
    # 4 H20s at batch 462, 3,860.87 tokens/s per chip, against 8 H100s at batch 1,384, 7,538.86 per chip: 0.51213
    assert h["h20_replica_ratio"] == pytest.approx(3_860.87 / 7_538.86, abs=1e-5)
    assert (h["h20_replica_chips"], h["h20_replica_batch"], h["h100_sxm_replica_chips"], h["h100_sxm_replica_batch"]) == (4, 462, 8, 1384)
    assert "**0.51×**" in h["headline"] and "4 H20s at batch 462 against 8 H100s at batch 1,384" in h["findings"][2]


def test_b200_equivalence_and_text(h):
    # 2250 / 148 = 15.2027 H20s; power 15.2027 x 400 W / 1000 W = 6.0811
    assert h["h20_per_b200_training"] == pytest.approx(15.2027, abs=1e-4)
    assert h["h20_per_b200_training_power_ratio"] == pytest.approx(6.0811, abs=1e-4)
    assert "**6.7×**" in h["headline"] and "1.19× at batch 32, 0.65× at batch 256 on one chip" in h["findings"][2]
    assert len(h["headline"].split()) <= 45 and 2 <= len(h["key_numbers"]) <= 4 and 3 <= len(h["findings"]) <= 5
    assert "15 H20s equal one B200, drawing 6.1× its board power" in h["findings"][1]
    assert "17–23% of an H100 for training and 15–29% for decode" in h["findings"][3]
    assert "at 61% of Nvidia's utilisation, implied by DeepSeek's measured" in h["findings"][3]


def test_headline_follows_parameters():
    # batch 1 with no KV cache, BF16 weights: memory-bound everywhere -> 4.0 / 3.35 again
    h2 = headlines.chip_gap(decode_batch=1, kv_cache_gb_per_seq=0.0, bytes_per_param=2.0)
    assert h2["h20_decode_ratio"] == pytest.approx(4.0 / 3.35)
    # a decode MFU override moves the compute ceiling: 296e12 x 0.3 / 46e9 = 1,930.4 < 2,477.4 at batch 32
    h3 = headlines.chip_gap(mfu=0.3)
    assert h3["decode_mfu"] == 0.3 and h3["h20_decode_bound_by"] == "compute"
    assert h3["h20_training_share"] == pytest.approx(0.14957, abs=1e-5)
    assert "at 50% of Nvidia's utilisation" in headlines.chip_gap(ascend_utilisation=0.5)["findings"][3]
