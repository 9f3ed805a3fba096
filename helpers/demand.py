"""Inference demand: from chatbot users to tokens, FLOPs and GPUs, with a seeded Monte Carlo.

Units used throughout
---------------------
- users: people (not millions); queries: per user per day; tokens: per query or per day.
- active parameters: billions (``active_params_b``), as in ``model_assumptions.csv``.
- throughput: tokens per second per GPU; utilisation and peak-to-average are plain ratios.
- one day = 86,400 s.

The model functions are pure (no I/O, no printing) and accept NumPy arrays, which broadcast, so
the same call serves one central case or 100,000 Monte Carlo draws. Bad input raises ValueError
naming the argument. The last section applies them to Doubao's app with the rows of data/.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, Mapping, NamedTuple

import numpy as np
import pandas as pd

from helpers import chips, data, params

SECONDS_PER_DAY = 86_400
DISTRIBUTIONS = ("triangular", "log_triangular", "loguniform")


def _arr(name: str, value, *, positive: bool = False) -> np.ndarray:
    return params.array(name, value, positive=positive, inf=False)


def _ratio(name: str, value, lo: float, hi: float, *, lo_open: bool) -> np.ndarray:
    return params.array(name, value, inf=False, low=lo, high=hi, low_open=lo_open)


def tokens_per_day(users, queries_per_user_per_day, tokens_per_query):
    """Tokens processed per day: users × queries per user per day × tokens per query.

    ``tokens_per_query`` is prompt + answer tokens (both are processed once per query).
    Use DAU with queries per daily user, or MAU with queries per monthly user per day.
    Returns tokens/day (float array, or a 0-d array for scalar input).
    """
    return (_arr("users", users) * _arr("queries_per_user_per_day", queries_per_user_per_day)
            * _arr("tokens_per_query", tokens_per_query))


def flops_per_token(active_params_b):
    """Forward-pass FLOPs per token: 2 × active parameters (one multiply + one add per weight).

    ``active_params_b`` is in billions; for a mixture-of-experts model use the parameters active
    per token, not the total. The same 2·N holds for prefill (prompt tokens, processed in parallel)
    and decode (answer tokens, one at a time): the phases differ in how well the hardware is used
    (compute-bound vs memory-bound), not in FLOPs per token. The attention term
    (about 2 × layers × context × attention width per token) is left out; it matters only for
    contexts of tens of thousands of tokens. Returns FLOP per token.
    """
    return 2.0 * _arr("active_params_b", active_params_b, positive=True) * 1e9


def compute_bound_rate(peak_flop_per_s, active_params_b, utilisation):
    """Tokens per second per GPU when FLOP-limited: peak FLOP/s × utilisation / (2 × N).

    ``peak_flop_per_s`` is per GPU (state dense vs sparse and the number format in the notebook).
    """
    util = _ratio("utilisation", utilisation, 0.0, 1.0, lo_open=True)
    return _arr("peak_flop_per_s", peak_flop_per_s, positive=True) * util / flops_per_token(active_params_b)


def gpus_needed(tokens_per_day, tokens_per_s_per_gpu, peak_to_average=1.0, utilisation=1.0):
    """GPUs needed to serve a daily token volume at its peak rate.

    = tokens_per_day / 86,400 × peak_to_average / (tokens_per_s_per_gpu × utilisation).
    ``tokens_per_s_per_gpu`` is the rate of one fully busy GPU; ``utilisation`` (0, 1] is the share
    of that rate achieved on average. Pass ``utilisation=1`` when the rate is already a realised
    fleet average (e.g. DeepSeek's published tokens per deployed H800). ``peak_to_average`` >= 1.
    """
    tokens = _arr("tokens_per_day", tokens_per_day)
    rate = _arr("tokens_per_s_per_gpu", tokens_per_s_per_gpu, positive=True)
    peak = _ratio("peak_to_average", peak_to_average, 1.0, np.inf, lo_open=False)
    util = _ratio("utilisation", utilisation, 0.0, 1.0, lo_open=True)
    return tokens / SECONDS_PER_DAY * peak / (rate * util)


def gpu_seconds_per_query(prompt_tokens, answer_tokens, cache_hit_rate, active_params_b, dense_tflops,
                          mfu_prefill, decode_tokens_per_s):
    """GPU-seconds one query occupies on one chip: prefill (compute-bound) + decode.

    - prefill: the uncached prompt tokens, ``prompt × (1 − cache_hit_rate)``, at the compute-bound rate
      ``dense_tflops × mfu_prefill / (2 × active_params)``;
    - decode: the answer tokens at ``decode_tokens_per_s``, the tokens/s one chip produces for all the
      sequences it serves together (per chip of a serving replica at its best batch,
      :func:`helpers.chips.replica`, the one serving basis): the batch shares the chip, so one answer costs
      answer / rate GPU-seconds.
    Units: tokens; ``dense_tflops`` dense at the serving precision; ``active_params_b`` in billions.
    Returns GPU-seconds per query.
    """
    prompt = _arr("prompt_tokens", prompt_tokens)
    answer = _arr("answer_tokens", answer_tokens)
    cache = _ratio("cache_hit_rate", cache_hit_rate, 0.0, 1.0, lo_open=False)
    prefill_rate = compute_bound_rate(_arr("dense_tflops", dense_tflops, positive=True) * 1e12,
                                      active_params_b, mfu_prefill)
    return prompt * (1 - cache) / prefill_rate + answer / _arr("decode_tokens_per_s", decode_tokens_per_s, positive=True)


def gpus_for_users(users, queries_per_user_per_day, gpu_seconds_per_query_, peak_to_average=1.0):
    """GPUs needed at peak: users × queries / 86,400 s × peak-to-average × GPU-seconds per query."""
    q = _arr("users", users) * _arr("queries_per_user_per_day", queries_per_user_per_day)
    peak = _ratio("peak_to_average", peak_to_average, 1.0, np.inf, lo_open=False)
    return q / SECONDS_PER_DAY * peak * _arr("gpu_seconds_per_query", gpu_seconds_per_query_)


def _check_range(name: str, spec) -> tuple[float, float, float, str | None]:
    if not isinstance(spec, (tuple, list)) or len(spec) not in (3, 4):
        raise ValueError(f"ranges[{name!r}] must be (low, central, high) or (low, central, high, "
                         f"distribution), got {spec!r}")
    low, central, high = (float(_arr(f"ranges[{name!r}]", v)) for v in spec[:3])
    dist = spec[3] if len(spec) == 4 else None
    if not low <= central <= high:
        raise ValueError(f"ranges[{name!r}] must satisfy low <= central <= high, got {spec!r}")
    return low, central, high, dist


def draw(rng: np.random.Generator, low: float, central: float, high: float, n: int,
         distribution: str = "triangular") -> np.ndarray:
    """``n`` draws between ``low`` and ``high``.

    - "triangular": density rises linearly from low to a mode at ``central`` and falls to high.
    - "log_triangular": triangular in log space (mode at log central); suits ranges spanning
      several-fold, where a plain triangle would put most draws near the high end. Needs low > 0.
    - "loguniform": uniform in log space between low and high; ignores ``central``. Needs low > 0.
    A degenerate range (low == high) returns a constant array; it still takes ``n`` numbers from ``rng``, so the
    draws of the assumptions after it are the same whether it is fixed or drawn (a fixed DAU compares like for like).
    """
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {distribution!r}")
    if not low <= central <= high:
        raise ValueError(f"need low <= central <= high, got {(low, central, high)!r}")
    if low == high:
        rng.random(n)
        return np.full(n, float(low))
    if distribution == "triangular":
        return rng.triangular(low, central, high, n)
    if low <= 0:
        raise ValueError(f"low must be > 0 for distribution {distribution!r}, got {low!r}")
    lo, hi = np.log(low), np.log(high)
    if distribution == "log_triangular":
        return np.exp(rng.triangular(lo, np.log(central), hi, n))
    return np.exp(rng.uniform(lo, hi, n))


class MonteCarloResult(NamedTuple):
    result: np.ndarray          # fn(**draws), one value per draw
    draws: dict[str, np.ndarray]  # the inputs, one array of length n per assumption


def monte_carlo(n: int, seed: int, ranges: Mapping[str, tuple], fn: Callable[..., np.ndarray],
                distribution: str = "triangular") -> MonteCarloResult:
    """Draw every assumption ``n`` times and evaluate ``fn`` once on the arrays (vectorised).

    ``ranges`` maps each keyword of ``fn`` to (low, central, high) or (low, central, high,
    distribution); ``distribution`` is the default (see ``draw``). Draws are made in the order of
    ``ranges`` from ``numpy.random.default_rng(seed)``, so a given seed and ranges always give the
    same numbers. Assumptions are drawn independently (no correlation between them).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not callable(fn):
        raise ValueError(f"fn must be callable, got {fn!r}")
    if not ranges:
        raise ValueError("ranges must name at least one assumption")
    rng = np.random.default_rng(seed)
    draws = {}
    for name, spec in ranges.items():
        low, central, high, dist = _check_range(name, spec)
        draws[name] = draw(rng, low, central, high, int(n), dist or distribution)
    result = np.broadcast_to(np.asarray(fn(**draws), dtype=float), (int(n),)).copy()
    return MonteCarloResult(result, draws)


def percentiles(a, q=(5, 50, 95)) -> dict[float, float]:
    """Percentiles of ``a`` (linear interpolation) as {q: value}, e.g. {5: …, 50: …, 95: …}."""
    arr = _finite("a", a)
    qs = np.asarray(q, dtype=float)
    if qs.ndim != 1 or np.any((qs < 0) | (qs > 100)):
        raise ValueError(f"q must be a sequence of percentiles in [0, 100], got {q!r}")
    # sorted first: the same values, so the same percentiles, and a sort is faster than np.percentile's partitions
    return {float(k): float(v) for k, v in zip(qs, np.percentile(np.sort(arr), qs))}


def _finite(name: str, a) -> np.ndarray:
    arr = np.asarray(a, dtype=float).ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a non-empty array of finite numbers")
    return arr


def _ranks(x: np.ndarray) -> np.ndarray:
    """Rank of each value (0 = smallest); tied values ranked in the order they come (a stable sort)."""
    order = np.argsort(x)  # the fast sort: its order is the stable one unless two values are equal
    if (np.diff(x[order]) == 0).any():
        order = np.argsort(x, kind="stable")
    r = np.empty(x.size)
    r[order] = np.arange(x.size)
    return r


def spread_drivers(draws: Mapping[str, np.ndarray], result) -> list[tuple[str, float]]:
    """Rank the assumptions by how much they move ``result``: Spearman rank correlation.

    Returns [(name, rho), …] sorted by |rho|, largest first; rho in [-1, 1], its sign is the
    direction. Constant inputs get rho = 0. Uses ranks, so it is unaffected by the scale of
    each assumption and by monotone transforms of the result.
    """
    y = _finite("result", result)
    ry = _ranks(y) - (y.size - 1) / 2
    out = []
    for name, x in draws.items():
        xs = _finite(f"draws[{name!r}]", x)
        if xs.size != y.size:
            raise ValueError(f"draws[{name!r}] has {xs.size} values, result has {y.size}")
        rx = _ranks(xs) - (xs.size - 1) / 2
        den = np.sqrt((rx ** 2).sum() * (ry ** 2).sum())
        rho = 0.0 if np.ptp(xs) == 0 or den == 0 else float((rx * ry).sum() / den)
        out.append((name, rho))
    return sorted(out, key=lambda t: -abs(t[1]))


# ----------------------------------------------------------------------------- Doubao's app, from data/

#: Chips the app's need is computed for (sold in China, rented abroad, or licensed).
CHIPS = ["h20", "ascend_910b", "h800_sxm", "h100_sxm", "h200_sxm", "b200_hgx", "gb200_per_gpu"]
#: model_assumptions rows drawn in the Monte Carlo -> keyword of the :func:`chip_model` function.
DRAWN = {"queries_per_dau_per_day": "queries", "prompt_tokens_per_query": "prompt",
         "answer_tokens_per_query": "answer", "prefix_cache_hit_rate": "cache_hit",
         "active_params_b": "active_params_b", "peak_to_average": "peak", "mfu_prefill": "mfu",
         "mbu_decode": "mbu"}
#: Readable names of the Monte Carlo keywords.
LABELS = {"dau": "daily active users", "queries": "queries per daily user", "prompt": "prompt tokens per query",
          "answer": "answer tokens per query", "cache_hit": "prefix-cache hit rate",
          "active_params_b": "active parameters (B)", "peak": "peak-to-average load",
          "mfu": "compute utilisation (MFU)", "mbu": "bandwidth utilisation (MBU)"}
#: Bytes per stored weight at each serving precision.
BYTES_PER_WEIGHT = {"fp8": 1.0, "bf16": 2.0}
DAU_WINDOW_DAYS = 92  # Doubao DAU reports within this many days of the latest one form the DAU range


def app_users(app: str = "doubao"):
    """Reported users of ``app`` (data/app_users.csv, millions), in period order."""
    u = data.load("app_users")
    return u[u.app == app].sort_values(["period", "metric"]).reset_index(drop=True)


def token_volumes():
    """ByteDance's reported daily tokens of its Doubao models, all traffic (app, products, API)."""
    t = data.load("token_volumes")
    return t[t.scope == "doubao_models_all_traffic"].sort_values("date").reset_index(drop=True)


def reported_tokens(when=None):
    """The latest all-traffic token report on or before ``when`` (default: the latest of all)."""
    t = token_volumes()
    if when is None or not (t.date <= when).any():
        return t.iloc[-1] if when is None else t.iloc[0]
    return t[t.date <= when].iloc[-1]


def growth(df, date_col: str, value_col: str, start: str, end: str) -> dict | None:
    """Multiple between the observations of ``df`` nearest the months ``start`` and ``end``
    (YYYY-MM): {from, value_from, to, value_to, multiple, annualised, rows}; None if both are
    the same observation. ValueError if ``start`` is not before ``end``."""
    if pd.Timestamp(start) >= pd.Timestamp(end):
        raise ValueError(f"growth start {start!r} must be before end {end!r}")
    a, b = (df.loc[(df[date_col] - pd.Timestamp(m)).abs().idxmin()] for m in (start, end))
    if a[date_col] >= b[date_col]:
        return None
    years, mult = (b[date_col] - a[date_col]).days / 365.25, b[value_col] / a[value_col]
    return {"from": a[date_col], "value_from": a[value_col], "to": b[date_col], "value_to": b[value_col],
            "multiple": mult, "annualised": mult ** (1 / years), "rows": (a, b)}


def dau_range(dau_millions=None) -> dict:
    """Daily active users (people) as low / central / high: the Doubao DAU reports within
    ``DAU_WINDOW_DAYS`` of the latest (min, median, max) with their ``source_ids``, ``rows`` and
    latest ``date``; or a reader's single value (``date`` None)."""
    if dau_millions is not None:
        v = float(dau_millions) * 1e6
        return {"low": v, "central": v, "high": v, "source_ids": [], "rows": None, "date": None}
    dau = app_users().query("metric == 'dau'")
    recent = dau[dau.period >= dau.period.max() - pd.Timedelta(days=DAU_WINDOW_DAYS)]
    vals = recent.value_millions * 1e6
    return {"low": float(vals.min()), "central": float(vals.median()), "high": float(vals.max()),
            "source_ids": list(dict.fromkeys(recent.source_id)), "rows": recent, "date": recent.period.max()}


def _distribution(low: float, high: float) -> str:
    """log-triangular for ranges spanning more than 3x (so the high tail does not dominate)."""
    return "log_triangular" if low > 0 and high / low > 3 else "triangular"


def assumptions():
    """The model_assumptions rows drawn in the Monte Carlo, with ``keyword`` and ``distribution``."""
    ma = data.load("model_assumptions").set_index("parameter").loc[list(DRAWN)].reset_index()
    ma["keyword"] = ma.parameter.map(DRAWN)
    ma["distribution"] = [_distribution(r.low, r.high) for r in ma.itertuples()]
    return ma


def ranges(dau_millions=None) -> dict:
    """Monte Carlo ranges {keyword: (low, central, high, distribution)}: DAU first, then ``DRAWN``."""
    d = dau_range(dau_millions)
    out = {"dau": (d["low"], d["central"], d["high"], _distribution(d["low"], d["high"]))}
    for r in assumptions().itertuples():
        out[r.keyword] = (float(r.low), float(r.central), float(r.high), r.distribution)
    return out


def chip_model(chip_id: str, precision: str, kv_cache_gb_per_seq=None) -> Callable:
    """fn(dau, queries, prompt, answer, cache_hit, active_params_b, peak, mfu, mbu) -> GPUs of ``chip_id``
    needed at peak. Prefill at the dense peak at ``precision`` (FP8 falling back to BF16); decode at the
    per-chip rate of the chip's serving replica (:func:`helpers.chips.replica`) on every draw, with
    ``precision``'s bytes per weight, the model shape of the shared serving model and its KV cache per
    sequence (None = the shared value). Ascend chips carry :func:`helpers.chips.efficiency` on MFU and MBU."""
    s = chips.specs().loc[chip_id]
    tflops = chips.dense_tflops_at(s.dense_bf16_tflops, s.dense_fp8_tflops, precision)
    base = chips.serving_assumptions(bytes_per_param=BYTES_PER_WEIGHT[precision], kv_cache_gb_per_seq=kv_cache_gb_per_seq)
    eff = chips.efficiency(chip_id, base)

    def fn(dau, queries, prompt, answer, cache_hit, active_params_b, peak, mfu, mbu):
        rep = chips.replica(chip_id, {**base, "active_params_b": active_params_b, "mfu": mfu, "mbu": mbu}, efficiency=eff)
        sec = gpu_seconds_per_query(prompt, answer, cache_hit, active_params_b, tflops, np.minimum(mfu * eff, 1.0),
                                    rep["per_chip"])
        return gpus_for_users(dau, queries, sec, peak)
    return fn


@lru_cache(maxsize=8)
def simulate(chip_id: str, precision: str, kv_cache_gb_per_seq, n_draws: int, seed: int, dau_millions):
    """The Monte Carlo for ``chip_id``, then every chip of ``CHIPS`` on the SAME draws (like for
    like). Returns (MonteCarloResult, {chip: GPUs per draw}, app tokens/day per draw)."""
    first = monte_carlo(n_draws, seed, ranges(dau_millions), chip_model(chip_id, precision, kv_cache_gb_per_seq))
    per_chip = {c: first.result if c == chip_id else chip_model(c, precision, kv_cache_gb_per_seq)(**first.draws)
                for c in CHIPS}
    d = first.draws
    return first, per_chip, tokens_per_day(d["dau"], d["queries"], d["prompt"] + d["answer"])


# ----------------------------------------------------------------------------- the need against the fleet (helpers.fleet)

def traffic_need(per_chip: Mapping[str, np.ndarray], app_tokens, tokens_per_day: float, fleet_low: float, fleet_high: float) -> dict:
    """H100s that ``tokens_per_day`` of traffic needs at peak, at the app's H100s per token on every Monte
    Carlo draw (percentiles 5/50/95 as ``need_p*``), and their share of a fleet of ``fleet_low``-``fleet_high``
    H100-equivalents: ``share`` at the median need and the fleet's mid-point, ``share_low`` = 5th percentile /
    high fleet, ``share_high`` = 95th percentile / low fleet."""
    need = percentiles(np.asarray(per_chip["h100_sxm"]) / np.asarray(app_tokens) * tokens_per_day)
    return {**{f"need_p{q:g}": v for q, v in need.items()}, "share": need[50.0] / ((fleet_low + fleet_high) / 2),
            "share_low": need[5.0] / fleet_high, "share_high": need[95.0] / fleet_low}


