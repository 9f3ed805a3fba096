"""Headline and tables of the chip-gap story, at the notebook's defaults (hand computations in comments)."""
import math

import pytest

from helpers import story_chips


@pytest.fixture(scope="module")
def h():
    return story_chips.headline()


def test_dense_vs_sparse(h):
    # H100 dense FP8 1979 / H20 dense FP8 296 = 6.6858; sparse headline 3958 / 296 = 13.3716
    assert h["h100_over_h20_dense"] == pytest.approx(6.6858, abs=1e-4)
    assert h["h100_over_h20_mixed"] == pytest.approx(13.3716, abs=1e-4)
    # training share: 148 / 989.5 = 0.14957
    assert h["h20_training_share"] == pytest.approx(0.14957, abs=1e-5)


def test_decode_ratios(h):
    # batch 32, 23B active, FP8, KV 0.25 GB/seq, mbu 0.6: both memory-bound, so the ratio is the
    # bandwidth ratio 4.0 / 3.35 = 1.19403 (H20 compute ceiling 296e12 x 0.4 / 46e9 = 2,573.9 tok/s is
    # above its memory-bound 32 x 2.4e12 / 31e9 = 2,477.4)
    assert h["h20_decode_ratio"] == pytest.approx(1.19403, abs=1e-5)
    # batch 256: H20 compute-bound 2,573.9; H100 256 x 2.01e12 / (23e9 + 64e9) = 5,914.5 -> 0.43519
    assert h["h20_decode_ratio_max_batch"] == pytest.approx(0.43519, abs=1e-5)
    # Ascend 910B training 280..376 / 989.5; decode bandwidth 0.8..1.6 / 3.35
    assert h["ascend_910b_training"] == pytest.approx((280 / 989.5, 376 / 989.5))
    assert h["ascend_910b_decode"] == pytest.approx((0.8 / 3.35, 1.6 / 3.35))
    # 910C decode 3.2 / 3.35 = 0.95522 (no range in the data)
    assert h["ascend_910c_decode"] == pytest.approx((0.95522, 0.95522), abs=1e-5)


def test_equivalence_b200(h):
    # 2250 / 148 = 15.2027 H20s; power 15.2027 x 400 W / 1000 W = 6.0811
    assert h["h20_per_b200_training"] == pytest.approx(15.2027, abs=1e-4)
    assert h["h20_per_b200_training_power_ratio"] == pytest.approx(6.0811, abs=1e-4)
    assert "6.7×" in h["sentence"] and "15 H20s" in h["sentence"]


def test_headline_follows_parameters():
    # batch 1 with no KV cache: memory-bound everywhere -> 4.0 / 3.35 again; at bf16 weights too
    h2 = story_chips.headline(decode_batch=1, kv_cache_gb_per_seq=0.0, bytes_per_param=2.0)
    assert h2["h20_decode_ratio"] == pytest.approx(4.0 / 3.35)
    assert "BF16 (2 bytes per weight)" in h2["sentence"]
    with pytest.raises(ValueError, match="unknown parameter"):
        story_chips.headline(batch=3)


def test_classification():
    c = story_chips.classification().set_index("chip_id")
    assert c.loc["h20", "oct2022"] == "not controlled" and c.loc["h20", "oct2023"] == "not controlled"
    # H20 misses 3A090.b.1 by (2400 - 2368) / 2400 = 1.33 %
    assert c.loc["h20", "oct2023_shortfall"] == pytest.approx(32 / 2400)
    # A800/H800: under the 2022 I/O line (400 < 600 GB/s), caught in 2023
    for chip in ("a800_sxm", "h800_sxm"):
        assert c.loc[chip, "oct2022"] == "not controlled" and c.loc[chip, "oct2023"] == "3A090.a"
        assert c.loc[chip, "oct2022_shortfall"] == pytest.approx(1 / 3)
    # L20: PD 1912 / 609 = 3.1396 < 3.2
    assert c.loc["l20", "oct2023_shortfall"] == pytest.approx((3.2 - 1912 / 609) / 3.2)
    # Ascend 910B: TPP 4480..6016, PD >= 5.92 at every point -> 3A090.a; 2022 I/O unknown
    assert c.loc["ascend_910b", "oct2023"] == "3A090.a"
    assert "undetermined" in c.loc["ascend_910b", "oct2022"]
    # B200 has no die area, but TPP 36,000 alone puts it in 3A090.a
    assert c.loc["b200_hgx", "oct2023"] == "3A090.a" and math.isnan(c.loc["b200_hgx", "pd"])


def test_fmt_range():
    assert story_chips.fmt_range(0.283, 0.38) == "28–38%"
    assert story_chips.fmt_range(0.955, 0.955) == "96%"


def test_rule_map_data():
    cls = story_chips.classification()
    pts, rects, xdom, ydom = story_chips.rule_map_data(cls, story_chips.data.load("export_rules"), "oct2023",
                                                       "performance_density", "pd", "pd_low", "pd_high")
    # TPP 1,912..40,000 -> 10^3..10^5; PD 2.91..19.45 -> 10^0..10^1.5, floor half a decade lower
    assert xdom == pytest.approx((1000, 100000))
    assert ydom == pytest.approx((10 ** -0.5, 10 ** 1.5))
    # H100, H800 and H200 share one point and one label
    assert "H100 / H800 / H200" in set(pts.label)
    # B200 and GB200 (no die area) sit on the floor, labels merged (log10(40000/36000) < 0.15)
    floor = pts[pts.plotted == story_chips.FLOOR_LABEL]
    assert "B200 / GB200" in set(floor.label) and (floor.y == ydom[0]).all()
    assert set(rects.label) == {"a.1", "a.2", "b.1", "b.2"}
