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


# ----------------------------------------------------------------------------- notebook charts and text
def _title(chart):
    """(title, subtitle, source line) of a ``charts.sourced`` chart (Altair lifts its data to ``chart.data``)."""
    inner = chart.vconcat[0].title
    return inner.text, " ".join(inner.subtitle), " ".join(chart.title.text)


@pytest.fixture(scope="module")
def wl():
    return story_chips.workloads()


def test_cite_specs():
    long = story_chips.data.load("chip_specs")
    ids = long[(long.chip_id == "h20") & (long.spec == "dense_bf16_tflops")].source_id
    assert story_chips.cite_specs(["h20"], ["dense_bf16_tflops"]) == story_chips.data.cite(ids) != ""
    assert story_chips.cite_specs(["no_such_chip"], ["dense_bf16_tflops"]) == ""


def test_chart_sparse():
    chart = story_chips.chart_sparse(story_chips.sparse_vs_dense())
    title, subtitle, source = _title(chart)
    # BF16: H100 sparse 1979 / H20 dense 148 = 13.37; dense 989.5 / 148 = 6.69; FP8 ratios are the same
    assert title.endswith("an H100 is 13.4× an H20 on mixed bases, 6.7× like for like")
    assert subtitle == "BF16 tensor TFLOPS; the FP8 ratios are identical"
    assert source.startswith("Source: ")
    bars = chart.data
    h100 = bars[bars.chip == "H100"].set_index("basis").ratio
    assert h100["like for like: dense ÷ H20 dense"] == pytest.approx(989.5 / 148)
    assert h100["mixed: sparse headline ÷ H20 dense"] == pytest.approx(1979 / 148)
    assert len(bars) == 2 * bars.chip.nunique()


def test_chart_rule_panels():
    cls, rules = story_chips.classification(), story_chips.data.load("export_rules")
    panels = story_chips.chart_rule_panels(cls, rules).hconcat
    assert [p.title for p in panels] == ["oct2022: TPP against chip-to-chip I/O",
                                         "oct2023: TPP against performance density"]
    # the 2023 panel's points are rule_map_data's: H100, H800 and H200 share a label
    assert "H100 / H800 / H200" in set(panels[1].layer[3].data.label)


def test_chart_roofline(wl):
    chart = story_chips.chart_roofline(wl)
    title, subtitle, _ = _title(chart)
    # training 148 / 989.5 = 15 %; decode 4.0 / 3.35 = 119 % (both memory-bound at batch 32)
    assert title == "An H20 is worth 15% of an H100 for training but 119% for decoding"
    assert subtitle == ("23B active parameters; decode in FP8 (1 byte per weight), batch 32, MFU 0.4, MBU 0.6; "
                        "whiskers: spec ranges")
    bars = chart.data
    assert len(bars) == 2 * len(story_chips.ROOFLINE_CHIPS)
    assert bars.set_index(["chip", "workload"]).loc[("H20", "decode"), "ratio_to_h100_central"] == \
        pytest.approx(4.0 / 3.35)


def test_chart_decode(wl):
    chart = story_chips.chart_decode(story_chips.decode_curve(points=8), wl)
    title, subtitle, _ = _title(chart)
    # H20 compute ceiling 296e12 x 0.4 / 46e9 = 2,573.9 tok/s; memory-bound b x 2.4e12 / (23e9 + b x 0.25e9)
    # reaches it at b = 2,573.9 x 23e9 / (2.4e12 - 2,573.9 x 0.25e9) = 33.7
    assert title == "The H20 runs out of compute beyond batch 34; the H100 stays memory-bound"
    assert subtitle == "KV cache 0.25 GB per sequence; memory capacity not checked"
    # 20 GB of KV cache per sequence: the memory-bound rate never exceeds 2.4e12 / 20e9 = 120 tok/s
    big_kv = {"kv_cache_gb_per_seq": 20.0}
    chart = story_chips.chart_decode(story_chips.decode_curve(points=8, **big_kv), story_chips.workloads(**big_kv),
                                     **big_kv)
    assert _title(chart)[0] == "Decode stays memory-bound for every chip at these settings"


def test_roofline_text(wl):
    text = story_chips.roofline_text(wl)
    assert "where its 4 TB/s beats the H100's 3.35: at batch 32 it decodes **1.19×**" in text
    assert "(bound by memory bandwidth), and beyond a batch of about 34 its weak compute caps it." in text
    # Ascend 910B training 280..376 / 989.5 = 28..38 %; decode 0.8..1.6 / 3.35 = 24..48 %
    assert "The Ascend 910B reaches 28–38% of an H100 for training and 24–48% for decode" in text
    # B200 training 2250 / 989.5 = 2.27
    assert "a B200 is 2.3× an H100 for training" in text


def test_chart_equivalence():
    eq = story_chips.equivalence()
    chart = story_chips.chart_equivalence(eq)
    title, subtitle, _ = _title(chart)
    # 2250 / 148 = 15.2 H20s per B200 in training
    assert title.startswith("15 H20s equal one B200 in training, ")
    assert subtitle.startswith("Labels: power drawn by the substitutes")
    bars = chart.data
    assert len(bars) == len(story_chips.TARGETS) * len(story_chips.SUBSTITUTES) * len(story_chips.WORKLOADS)
    # no TDP for the Ascend 910C; B200 vs H20 training: 15.2 x 400 W / 1000 W = 6.1
    assert set(bars[bars.substitute == "ascend_910c"].power) == {"TDP n/a"}
    assert bars.set_index(["target", "substitute", "workload"]).loc[("b200_hgx", "h20", "training"), "power"] == \
        "6.1× power"


def test_equivalence_text():
    text = story_chips.equivalence_text(story_chips.equivalence())
    bullets = [line for line in text.splitlines() if line.startswith("- One **")]
    assert len(bullets) == len(story_chips.TARGETS)
    assert "- One **B200** = 15.2 H20s for training (6.1× the power)" in text
    # H100 training: 989.5 / 148 = 6.7 H20s at 6.686 x 400 / 700 W = 3.8× the power
    assert "- One **H100** = 6.7 H20s for training (3.8× the power)" in text
    assert "the H20 count is 0.8–2.0 for decode" in text and "6.7–15.2 for training at 3.8–6.1× the power" in text


def test_caveats_text():
    text = story_chips.caveats_text()
    assert "H20 900 GB/s (as H100 and H200), B200 1,800 GB/s, Ascend 910C 784–800 GB/s" in text
    assert "Ascend 910B memory_bandwidth_tbps 0.8–1.6 TB/s" in text
    assert "- **No TDP published** for Ascend 910C" in text
    assert len(text.splitlines()) == 4


def test_span():
    assert story_chips._span(story_chips.pd.Series([2.0, 0.8, 1.25])) == "0.8–2.0"
    assert story_chips._span(story_chips.pd.Series([0.5, 0.5]), ".0%") == "50%"
