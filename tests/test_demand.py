"""Tests for helpers.demand: hand-computed cases, inverse, Monte Carlo reproducibility, errors."""
import numpy as np
import pytest

from helpers import demand as d, fleet, fmt


def test_tokens_to_gpus_by_hand():
    # 100,000,000 users x 5 queries/day x 1,728 tokens/query = 864,000,000,000 tokens/day
    # 864e9 / 86,400 s = 10,000,000 tokens/s on average; x 2 (peak) = 20,000,000 tokens/s
    # each GPU: 5,000 tokens/s x 0.5 utilisation = 2,500 tokens/s -> 20e6 / 2,500 = 8,000 GPUs
    tokens = d.tokens_per_day(100_000_000, 5, 1_728)
    assert tokens == pytest.approx(864e9)
    assert d.gpus_needed(tokens, 5_000, peak_to_average=2, utilisation=0.5) == pytest.approx(8_000)


def test_flops_per_token_is_two_n_in_both_phases():
    # 23B active parameters -> 2 x 23e9 = 4.6e10 FLOP per token, prefill and decode alike
    assert d.flops_per_token(23) == pytest.approx(4.6e10)


def test_compute_bound_rate_by_hand():
    # 989e12 FLOP/s x 0.1 / (2 x 37e9 FLOP/token) = 98.9e12 / 74e9 = 1,336.486... tokens/s
    assert d.compute_bound_rate(989e12, 37, 0.1) == pytest.approx(98.9e12 / 74e9)


def test_vectorised_broadcasting():
    gpus = d.gpus_needed(np.array([86_400.0, 172_800.0]), 1.0)
    # 1 and 2 tokens/s on average at 1 token/s per GPU -> 1 and 2 GPUs
    np.testing.assert_allclose(gpus, [1.0, 2.0])


def test_monte_carlo_is_reproducible_with_a_seed():
    ranges = {"users": (5e7, 1e8, 2e8), "queries": (2, 6, 19, "log_triangular"),
              "tokens": (769, 2_300, 11_500, "log_triangular")}

    def fn(users, queries, tokens):
        return d.gpus_needed(d.tokens_per_day(users, queries, tokens), 4_950, 1.5)

    a = d.monte_carlo(1_000, 42, ranges, fn)
    b = d.monte_carlo(1_000, 42, ranges, fn)
    c = d.monte_carlo(1_000, 43, ranges, fn)
    np.testing.assert_array_equal(a.result, b.result)
    for name in ranges:
        np.testing.assert_array_equal(a.draws[name], b.draws[name])
    assert not np.array_equal(a.result, c.result)
    assert a.result.shape == (1_000,)
    assert a.draws["queries"].min() >= 2 and a.draws["queries"].max() <= 19


def test_degenerate_range_gives_constant_draws():
    out = d.monte_carlo(10, 0, {"x": (3, 3, 3)}, lambda x: x * 2)
    np.testing.assert_array_equal(out.result, np.full(10, 6.0))


def test_percentiles_by_hand():
    # 0..100: the q-th percentile of 101 evenly spaced values is q itself
    assert d.percentiles(np.arange(101)) == {5.0: 5.0, 50.0: 50.0, 95.0: 95.0}
    # unsorted input: 0..4 shuffled; the 90th percentile lies 0.6 of the way from 3 to 4
    assert d.percentiles(np.array([4.0, 0.0, 2.0, 1.0, 3.0]), q=(25, 50, 90)) == pytest.approx({25.0: 1.0, 50.0: 2.0, 90.0: 3.6})


def test_ranks_by_hand_ties_in_order_of_appearance():
    assert list(d._ranks(np.array([0.5, 0.1, 0.9]))) == [1, 0, 2]
    # the two 3s tie: the first seen ranks lower (a stable sort), whichever sort found the order
    assert list(d._ranks(np.array([3.0, 1.0, 3.0, 2.0]))) == [2, 0, 3, 1]
    assert list(d._ranks(np.zeros(4))) == [0, 1, 2, 3]


def test_spread_drivers_ranks_the_wider_input_first():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0, 10, 5_000), rng.uniform(0, 1, 5_000)
    ranking = d.spread_drivers({"b": b, "a": a}, a + b)
    assert [name for name, _ in ranking] == ["a", "b"]
    assert ranking[0][1] > 0.9


@pytest.mark.parametrize("call, word", [
    (lambda: d.gpus_needed(1e12, 5_000, utilisation=0), "utilisation"),
    (lambda: d.gpus_needed(1e12, 5_000, utilisation=1.5), "utilisation"),
    (lambda: d.gpus_needed(1e12, 0), "tokens_per_s_per_gpu"),
    (lambda: d.gpus_needed(1e12, 5_000, peak_to_average=0.5), "peak_to_average"),
    (lambda: d.tokens_per_day(-1, 5, 100), "users"),
    (lambda: d.monte_carlo(0, 1, {"x": (1, 2, 3)}, lambda x: x), "n"),
    (lambda: d.monte_carlo(10, 1, {"x": (3, 2, 1)}, lambda x: x), "low <= central <= high"),
    (lambda: d.monte_carlo(10, 1, {"x": (0, 1, 2, "loguniform")}, lambda x: x), "low must be > 0"),
])
def test_bad_input_raises_value_error_naming_it(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_gpu_seconds_per_query_by_hand():
    # prefill: 1,000 prompt tokens, half cached -> 500 tokens at 250e12 x 0.5 / (2 x 25e9) = 2,500 tok/s -> 0.2 s
    # decode: 500 answer tokens at a chip's 2,000 tok/s (all the sequences it serves together) -> 0.25 s; total 0.45 GPU-s
    s = d.gpu_seconds_per_query(1_000, 500, 0.5, 25, 250, 0.5, 2_000)
    assert s == pytest.approx(0.45)
    # 86.4M users x 5 queries / 86,400 s = 5,000 queries/s; x 2 peak x 0.45 s = 4,500 GPUs
    assert d.gpus_for_users(86_400_000, 5, s, 2) == pytest.approx(4_500)
    with pytest.raises(ValueError, match="cache_hit_rate"):
        d.gpu_seconds_per_query(1_000, 500, 1.5, 25, 250, 0.5, 2_000)
    with pytest.raises(ValueError, match="decode_tokens_per_s"):
        d.gpu_seconds_per_query(1_000, 500, 0.5, 25, 250, 0.5, 0)


# ----------------------------------------------------------------------------- Doubao's app, on data/
# Values checked by hand from the CSVs.
SIM = ("h20", "fp8", None, 5_000, 1, None)  # chip, precision, KV (shared), draws, seed, DAU (reports)


def test_growth_pairs_by_hand():
    users = d.app_users()
    # tokens: 4T (Dec 2024, tv_003) -> 50T (Dec 2025, tv_007) = 12.5x
    assert d.growth(d.token_volumes(), "date", "tokens_per_day_trillions", "2024-12", "2025-12")["multiple"] == pytest.approx(12.5)
    # MAU: 75M (QuestMobile, Dec 2024) -> 167.91M (Aicpb, Nov 2025: the report nearest Dec 2025 since the content-farm
    # mirror of NBD's 226M is no longer cited) = 2.2388x
    mau = d.growth(users[users.metric == "mau"], "period", "value_millions", "2024-12", "2025-12")
    assert mau["multiple"] == pytest.approx(167.91 / 75)
    with pytest.raises(ValueError, match="before"):
        d.growth(d.token_volumes(), "date", "tokens_per_day_trillions", "2025-12", "2024-12")


def test_dau_range_from_recent_reports_or_parameter():
    r = d.dau_range()
    # reports within 92 days of 2026-02-16: 100 (Dec 2025) and 100 (Feb 2026), both "above 100M"
    assert (r["low"], r["central"], r["high"]) == pytest.approx((100e6, 100e6, 100e6))
    assert d.dau_range(150)["central"] == 150e6 and d.dau_range(150)["date"] is None
    # the reported token volume the app is compared with: the latest up to the latest DAU report (50T, Dec 2025)
    assert d.reported_tokens(r["date"]).tokens_per_day_trillions == 50


def test_ranges_share_the_serving_assumptions():
    from helpers import chips

    r, shared = d.ranges(), chips.serving_assumptions()
    assert list(r) == ["dau", *d.DRAWN.values()]
    for key in ("active_params_b", "mfu", "mbu"):  # one central value for every notebook
        assert r[key][1] == shared[key]
    assert r["peak"][1] == 1.5 and r["dau"][3] == "triangular"


def test_chip_model_matches_the_demand_chain_by_hand():
    # H20 FP8: 296 TFLOPS dense, 4.0 TB/s, 96 GB. 1,000 prompt tokens half cached, 500 answer tokens, 25B active of the
    # shared 230B (8 of 128 experts), MFU = MBU = 0.5, no KV cache, 20 tokens/s per user.
    #   prefill 500 / (296e12 x 0.5 / 50e9 = 2,960 tok/s) = 0.168919 s
    #   decode in the serving replica: compute-bound 2,960 tok/s per chip (8 chips: 8 x 2,960 / b >= 20 -> batch 1,184, where
    #   memory would allow 1,184 x 2e12 / 230e9 = 10,296), so 500 / 2,960 = 0.168919 s
    #   0.337838 GPU-s x (100M x 5 / 86,400 = 5,787.04 q/s) x 1.5 peak = 2,932.6 GPUs
    fn = d.chip_model("h20", "fp8", 0.0)
    out = fn(dau=100e6, queries=5, prompt=1_000, answer=500, cache_hit=0.5, active_params_b=25, peak=1.5, mfu=0.5, mbu=0.5)
    assert float(out) == pytest.approx((500 / 2_960 + 500 / 2_960) * 100e6 * 5 / 86_400 * 1.5)
    # 1 GB of KV cache per sequence: 8 chips fit (691.2 - 230) / 1 = 461 sequences, memory-bound there at
    # 461 x 2e12 / (230e9 + 461e9) = 1,334 tok/s per chip: slower decode, more GPUs
    assert float(d.chip_model("h20", "fp8", 1.0)(dau=100e6, queries=5, prompt=1_000, answer=500, cache_hit=0.5,
                                                  active_params_b=25, peak=1.5, mfu=0.5, mbu=0.5)) > float(out)


def test_simulation_orders_chips_on_the_same_draws_and_is_seeded():
    first, per_chip, app = d.simulate(*SIM)
    again = d.simulate.__wrapped__(*SIM)  # recomputed, not the cached result
    assert np.array_equal(per_chip["h20"], again[1]["h20"]) and np.array_equal(first.result, per_chip["h20"])
    p50 = {c: d.percentiles(g)[50.0] for c, g in per_chip.items()}
    assert all(d.percentiles(g)[5.0] < p50[c] < d.percentiles(g)[95.0] for c, g in per_chip.items())
    # same draws for every chip: faster chips need fewer GPUs
    assert p50["b200_hgx"] < p50["h200_sxm"] < p50["h100_sxm"] < p50["h20"] < p50["ascend_910b"]
    tokens = d.tokens_per_day(first.draws["dau"], first.draws["queries"], first.draws["prompt"] + first.draws["answer"])
    assert np.array_equal(app, tokens)


def _fleet_shares(per_chip, app):
    """Notebook 03's fleet comparison: the app's own traffic against ByteDance's fleet (H100e, decode in
    serving replicas, shared serving model) at the end of its DAU reports' year, the latest all-traffic
    report against the fleet at the end of that report's year."""
    fy = fleet.fleet_by_year(fleet.fleet()).groupby("year").sum(numeric_only=True)
    f, g = fy.loc[d.dau_range()["date"].year], fy.loc[d.reported_tokens().date.year]
    app_need = d.traffic_need(per_chip, app, app, f.h100e_decode_low, f.h100e_decode_high)
    all_need = d.traffic_need(per_chip, app, d.reported_tokens().tokens_per_day_trillions * 1e12, g.h100e_decode_low, g.h100e_decode_high)
    return app_need, all_need


def test_doubao_finding_numbers():
    """The numbers notebook 03 records, from the helper calls its cells make (a small Monte Carlo)."""
    from helpers import chips, params

    p = params.defaults("03_doubao_demand")
    first, per_chip, app = d.simulate(*SIM)
    n = d.percentiles(per_chip["h20"])
    assert chips.short_name("h20") == "H20" and n[5.0] < n[50.0] < n[95.0]
    # the app against the fleet of its DAU reports' year (2026), all traffic against the fleet of the latest token report's (2025)
    assert d.dau_range()["date"].year == 2026 and d.reported_tokens().date.year == 2025
    assert fleet.fleet_by_year(fleet.fleet()).year.max() == 2026
    app_need, all_need = _fleet_shares(per_chip, app)
    assert app_need["share_low"] < app_need["share"] < app_need["share_high"]
    assert all_need["share_low"] < all_need["share"] < all_need["share_high"]
    users = d.app_users()
    tok = d.growth(d.token_volumes(), "date", "tokens_per_day_trillions", p["growth_from"], p["growth_to"])
    mau = d.growth(users[users.metric == "mau"], "period", "value_millions", p["growth_from"], p["growth_to"])
    assert (tok["multiple"], mau["multiple"]) == pytest.approx((12.5, 167.91 / 75))
    r = d.ranges(p["dau_millions"])
    top = params.tornado(d.chip_model(p["chip_id"], p["precision"], p["kv_cache_gb_per_seq"]), {k: v[1] for k, v in r.items()},
                         {k: (v[0], v[2]) for k, v in r.items()}).parameter[0]
    assert d.LABELS[top] == "prompt tokens per query"


def test_defaults_are_the_notebooks_and_give_its_numbers():
    from helpers import params

    assert params.rules("03_doubao_demand")["chip_id"].choices == tuple(d.CHIPS)
    p = params.defaults("03_doubao_demand")  # the numbers the notebook's nbval cell prints, from the same calls
    first, per_chip, app = d.simulate(p["chip_id"], p["precision"], p["kv_cache_gb_per_seq"],
                                      p["n_draws"], p["seed"], p["dau_millions"])
    gpus_p50 = d.percentiles(per_chip[p["chip_id"]])[50.0]
    token_share = d.percentiles(app / 1e12)[50.0] / d.reported_tokens(d.dau_range(p["dau_millions"])["date"]).tokens_per_day_trillions
    app_need, all_need = _fleet_shares(per_chip, app)
    assert f"{gpus_p50:,.3g} {app_need['share']:,.3g} {token_share:,.3g}" == "6.15e+03 0.00213 0.0335"
    assert f"{all_need['share']:,.3g} {all_need['need_p50']:,.3g}" == "0.0902 6.05e+04"
    # the share of all traffic (50T/day, Dec 2025, against the 2025 fleet) stays under 100% at both ends
    ok, text = fmt.bounded(all_need["share_low"], all_need["share_high"], high=1.0, narrow="a count would narrow it")
    assert ok and text == "3–49%"


def test_hundred_thousand_draws_are_vectorised():
    r = d.monte_carlo(100_000, 0, d.ranges(), d.chip_model("h20", "fp8"))
    assert r.result.shape == (100_000,) and np.isfinite(r.result).all()


def test_ascend_demand_carries_the_one_utilisation_factor():
    # Ascend 910B, BF16 rate at FP8 weights (no FP8 figure): 320 TFLOPS. With the factor u on MFU and MBU:
    #   prefill 500 tokens / (320e12 x 0.5u / 50e9); decode 500 / the 910B replica's per-chip rate at efficiency u
    from helpers import chips

    u = chips.ascend_utilisation()
    a = {**chips.serving_assumptions(), "active_params_b": 25, "mfu": 0.5, "mbu": 0.5}
    decode = chips.replica("ascend_910b", a, efficiency=u)["per_chip"]
    out = d.chip_model("ascend_910b", "fp8")(dau=86_400, queries=1, prompt=1_000, answer=500, cache_hit=0.5,
                                              active_params_b=25, peak=1.0, mfu=0.5, mbu=0.5)
    assert float(out) == pytest.approx(500 / (320e12 * 0.5 * u / 50e9) + 500 / decode)  # 1 query a second
