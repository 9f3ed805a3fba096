"""Chip capability metrics and the US export-control tests of ECCN 3A090.

Units used throughout (all throughput figures are DENSE, i.e. without 2:4 sparsity):

* ``dense_tops`` / ``dense_tflops``: 10^12 operations (or FLOPs) per second, dense.
* ``tpp``: BIS 'total processing performance' = 2 x MacTOPS x bit length = dense TOPS x bit
  length (one multiply-accumulate counts as 2 operations, the datasheet convention).
* ``performance_density``: TPP per mm^2 of applicable die area.
* ``io_gbps`` / ``interconnect_gbps``: chip-to-chip bidirectional bandwidth in GB/s.
* ``bandwidth_tbps``: memory bandwidth in TB/s (10^12 bytes per second).
* ``params_b`` / ``active_params_b``: parameters in billions (10^9).

All functions are pure. Numeric functions accept scalars or NumPy arrays and return the same
shape (a Python float for scalar input).
"""
from __future__ import annotations

import functools
import math
import operator as _op
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

from helpers import data, params

#: Bit length of the operation behind each dense throughput spec of ``chip_specs.csv``.
SPEC_BIT_LENGTH = {
    "dense_bf16_tflops": 16,
    "dense_fp8_tflops": 8,
    "dense_int8_tops": 8,
}

#: Returned by :func:`classify` when no rule matches.
NOT_CONTROLLED = "not controlled"

# Most restrictive first. "3A090" (whole entry) ranks between .a and .b.
_ECCN_RANK = {"3A090.a": 0, "3A090": 1, "3A090.b": 2}
_OPERATORS = {">=": _op.ge, ">": _op.gt, "<": _op.lt, "<=": _op.le, "==": _op.eq}
_METRICS = ("tpp", "performance_density", "io_bandwidth_gbps")
_RULE_COLUMNS = ("rule_set", "eccn", "clause", "metric", "operator", "threshold")


def _as_array(name: str, value, *, positive: bool = False, allow_nan: bool = True) -> np.ndarray:
    return params.array(name, value, positive=positive, nan=allow_nan)


def _fraction(name: str, value) -> np.ndarray:
    return params.array(name, value, low=0, low_open=True, high=1)


def tpp(dense_tops, bit_length):
    """BIS 'total processing performance' (bit x TOPS).

    ``dense_tops``: dense (no sparsity) tera-operations or TFLOPS at that precision.
    ``bit_length``: bit length of the operation (16 for BF16/FP16, 8 for FP8/INT8).
    TPP = 2 x MacTOPS x bit length = dense TOPS x bit length. NaN propagates.
    """
    ops = _as_array("dense_tops", dense_tops)
    bits = _as_array("bit_length", bit_length, positive=True, allow_nan=False)
    return params.out(ops * bits)


def performance_density(tpp, die_area_mm2):
    """TPP divided by applicable die area in mm^2 (BIS 'performance density').

    A NaN die area (not published) gives NaN.
    """
    t = _as_array("tpp", tpp)
    area = _as_array("die_area_mm2", die_area_mm2, positive=True)
    return params.out(t / area)


def max_tpp(specs: dict) -> float:
    """Largest TPP over the precisions given: ``specs`` maps spec names of :data:`SPEC_BIT_LENGTH` (e.g.
    ``{"dense_fp8_tflops": 1979}``) to dense TFLOPS/TOPS; missing (None/NaN) values and other keys (e.g.
    ``memory_gb``) are skipped. Raises ValueError if nothing usable is given.
    """
    values = [tpp(v, SPEC_BIT_LENGTH[k]) for k, v in specs.items() if k in SPEC_BIT_LENGTH and v is not None and v == v]
    if not values:
        raise ValueError("specs has no dense throughput value with a known bit length")
    return float(max(values))


def _clauses(rules: pd.DataFrame, rule_set: str) -> list:
    """[((eccn, clause), [row, ...]), ...] of ``rule_set`` in order of first appearance (a plain-Python groupby:
    classify runs once per chip, bound and rule set, and pandas' groupby costs milliseconds)."""
    subset = rules[rules["rule_set"] == rule_set]
    if subset.empty:
        known = ", ".join(sorted(map(str, rules["rule_set"].unique())))
        raise ValueError(f"rule_set {rule_set!r} not in rules (known: {known})")
    groups: dict = {}
    for row in subset.itertuples(index=False):
        groups.setdefault((row.eccn, row.clause), []).append(row)
    return list(groups.items())


def classify(tpp, density, io_gbps, rules: pd.DataFrame, rule_set: str) -> str:
    """Most restrictive ECCN of ``rule_set`` that a chip meets, or ``"not controlled"``.

    ``rules`` has the columns of ``export_rules.csv``. Within one (eccn, clause) every
    condition must hold (AND); clauses of an ECCN are alternatives (OR). A metric that is
    NaN/None (e.g. an unpublished die area) fails every condition that uses it.
    ``tpp`` in bit x TOPS, ``density`` (performance density) in TPP/mm^2, ``io_gbps`` in GB/s bidirectional.
    Scalars only.
    """
    clauses = _rule_clauses(rules, rule_set)
    return _classify(_checked_values(tpp, density, io_gbps), clauses)


def _rule_clauses(rules: pd.DataFrame, rule_set: str) -> list:
    """:func:`_clauses` of a checked ``rules`` table (a DataFrame with the columns of export_rules.csv)."""
    if not isinstance(rules, pd.DataFrame):
        raise ValueError("rules must be a pandas DataFrame")
    missing = [c for c in _RULE_COLUMNS if c not in rules.columns]
    if missing:
        raise ValueError(f"rules is missing column(s): {', '.join(missing)}")
    return _clauses(rules, rule_set)


def _checked_values(tpp, density, io_gbps) -> dict:
    """:func:`_metric_values`, refusing a negative metric."""
    values = _metric_values(tpp, density, io_gbps)
    for name, v in values.items():
        if v < 0:
            raise ValueError(f"{name} must be >= 0, got {v!r}")
    return values


def _classify(values: dict, clauses: list) -> str:
    """:func:`classify` of checked metric ``values`` against the ``clauses`` of one rule set (:func:`_clauses`)."""
    matched = []
    for (eccn, _clause), conds in clauses:
        ok = True
        for row in conds:
            if row.metric not in values:
                raise ValueError(f"unknown metric {row.metric!r} in rules")
            if row.operator not in _OPERATORS:
                raise ValueError(f"unknown operator {row.operator!r} in rules")
            x = values[row.metric]
            if math.isnan(x) or not _OPERATORS[row.operator](x, float(row.threshold)):
                ok = False
                break
        if ok:
            matched.append(eccn)
    if not matched:
        return NOT_CONTROLLED
    return min(matched, key=lambda e: _ECCN_RANK.get(e, len(_ECCN_RANK)))


def training_tokens_per_s(dense_tflops, params_b, mfu):
    """Training throughput in tokens/s for a dense model: compute x MFU / (6 N FLOPs per token).

    ``dense_tflops``: dense peak at the training precision; ``params_b``: parameters in
    billions; ``mfu``: model FLOPs utilisation in (0, 1].
    """
    flops = _as_array("dense_tflops", dense_tflops) * 1e12
    n = _as_array("params_b", params_b, positive=True) * 1e9
    u = _fraction("mfu", mfu)
    return params.out(flops * u / (6.0 * n))


def params_read_b(active_params_b, total_params_b, batch, experts_per_token=None, routed_experts=None):
    """Billions of weights one decode step reads for ``batch`` sequences (one token each).

    A dense model (``experts_per_token`` or ``routed_experts`` None, k >= E, or active >= total) reads all its
    weights at every step, max(active, total). A mixture of experts reads its always-used part S (attention,
    embeddings, shared experts, dense layers) plus the routed experts the batch touches:
    ``S + (T - S) x (1 - (1 - k/E)^b)``, with ``S = (A - T k/E) / (1 - k/E)`` so that one token reads exactly its
    ``A`` active parameters (if ``A < T k/E``, S = 0 and each token reads the share A / T of the experts). Each
    token picks its k of E experts independently and uniformly (a balanced router), so a batch misses an expert
    with probability (1 - k/E)^b; real routers favour some experts, so a batch touches somewhat fewer. At batch 1
    this is A; at a large batch it approaches T.
    """
    a = _as_array("active_params_b", active_params_b, positive=True)
    t = _as_array("total_params_b", total_params_b, positive=True)
    b = _as_array("batch", batch, positive=True)
    if experts_per_token is None or routed_experts is None:
        return params.out(np.broadcast_to(np.maximum(a, t), np.broadcast(a, t, b).shape))
    k = _as_array("experts_per_token", experts_per_token, positive=True)
    e = _as_array("routed_experts", routed_experts, positive=True)
    return params.out(_weights_read(a, t, k, e)[0](b))


def _weights_read(a, t, k, e):
    """(b -> :func:`params_read_b`, ``miss``) for checked arrays, the parts that do not depend on the batch computed
    once (the replica's search calls it a few times per replica size). ``miss`` (0 for a dense model) is the log of
    the chance that one token leaves a given routed expert idle: the weights a batch leaves unread,
    ``max(active, total)`` minus the weights read, are ``routed x exp(b x miss)``."""
    p = np.minimum(k / e, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        shared = np.where(p < 1.0, (a - t * p) / np.where(p < 1.0, 1.0 - p, 1.0), t)
    share = np.where(shared > 0, p, a / t)  # per token, of the routed experts
    shared = np.clip(shared, 0.0, None)
    dense, routed = a >= t, t - shared
    with np.errstate(divide="ignore"):
        miss = np.log1p(-share)  # 1 - (1 - share)^b = -expm1(b log1p(-share)): exp, not a power, per call
    return lambda b: np.where(dense, a, shared - routed * np.expm1(b * miss)), np.where(dense, 0.0, miss)


def decode_tokens_per_s(bandwidth_tbps, dense_tflops, active_params_b, bytes_per_param,
                        batch, mbu, mfu, kv_bytes_per_seq=0.0, total_params_b=None,
                        experts_per_token=None, routed_experts=None):
    """Roofline decode throughput in tokens/s (all sequences of the batch together).

    Memory bound: each step reads the weights the batch needs, W(b) = :func:`params_read_b` (all of them
    for a dense model; for a mixture of experts the always-used part plus the experts the batch touches;
    ``total_params_b`` None = a dense model of ``active_params_b``), plus ``kv_bytes_per_seq`` of KV cache
    per sequence (default 0 = KV cache ignored), so
    ``batch x bandwidth x mbu / (W(b) x bytes_per_param + batch x kv_bytes_per_seq)``.
    Compute bound: ``dense_tflops x mfu / (2 x active_params)`` (2 FLOPs per active weight per token at
    any batch). Returns the smaller one.
    ``bandwidth_tbps`` in TB/s, ``dense_tflops`` dense, ``*_params_b`` in billions,
    ``bytes_per_param`` e.g. 2 for BF16, 1 for FP8; ``mbu``/``mfu`` in (0, 1].
    """
    rate = _decode_rate(bandwidth_tbps, dense_tflops, active_params_b, bytes_per_param, mbu, mfu, kv_bytes_per_seq,
                        total_params_b, experts_per_token, routed_experts).rate
    return params.out(rate(_as_array("batch", batch, positive=True)))


class _Roofline(NamedTuple):
    """One chip decoding a batch of b sequences: ``step(b)`` bytes one decode step reads (the weights the batch
    needs, :func:`params_read_b`, and its KV caches), ``streamed`` bytes/s of memory traffic (bandwidth x MBU),
    ``compute`` the compute-bound tokens/s. The shape of step: ``step(b) = weights + b x kv - unread(b)``, with
    ``weights`` the bytes of all the weights, ``kv`` the KV cache bytes per sequence and ``unread(b)`` the bytes of
    the experts the batch leaves idle, shrinking by the factor ``exp(miss)`` a sequence (``miss`` 0: dense, none)."""
    step: Callable
    streamed: np.ndarray
    compute: np.ndarray
    weights: np.ndarray
    kv: np.ndarray
    miss: np.ndarray

    def rate(self, b):
        """:func:`decode_tokens_per_s` at ``b`` (a checked array of batches): the one definition of the rate."""
        return np.minimum(b * self.streamed / self.step(b), self.compute)


def _decode_rate(bandwidth_tbps, dense_tflops, active_params_b, bytes_per_param, mbu, mfu, kv_bytes_per_seq=0.0,
                 total_params_b=None, experts_per_token=None, routed_experts=None) -> _Roofline:
    """The :class:`_Roofline` of :func:`decode_tokens_per_s` (its ``rate``: batch -> tokens/s), every input but the
    batch checked once, here."""
    bw = _as_array("bandwidth_tbps", bandwidth_tbps) * 1e12
    flops = _as_array("dense_tflops", dense_tflops) * 1e12
    n = _as_array("active_params_b", active_params_b, positive=True) * 1e9
    bpp = _as_array("bytes_per_param", bytes_per_param, positive=True)
    kv = _as_array("kv_bytes_per_seq", kv_bytes_per_seq)
    streamed = bw * _fraction("mbu", mbu)
    compute_bound = flops * _fraction("mfu", mfu) / (2.0 * n)
    if total_params_b is None:
        whole, read, miss = n, (lambda b: n), 0.0  # noqa: E731  (a dense model of active_params_b)
    elif experts_per_token is None or routed_experts is None:
        whole = np.maximum(n, _as_array("total_params_b", total_params_b, positive=True) * 1e9)
        read, miss = (lambda b: whole), 0.0  # noqa: E731
    else:
        t = _as_array("total_params_b", total_params_b, positive=True)
        read_b, miss = _weights_read(n / 1e9, t, _as_array("experts_per_token", experts_per_token, positive=True),
                                     _as_array("routed_experts", routed_experts, positive=True))
        whole = np.maximum(n, t * 1e9)
        read = lambda b: read_b(b) * 1e9  # noqa: E731
    return _Roofline(lambda b: read(b) * bpp + b * kv, streamed, compute_bound, whole * bpp, kv, np.asarray(miss))


def chips_to_match(target_rate, chip_rate):
    """How many chips of rate ``chip_rate`` equal one chip of rate ``target_rate`` (same units)."""
    t = _as_array("target_rate", target_rate)
    c = _as_array("chip_rate", chip_rate, positive=True)
    return params.out(t / c)


def wide_specs(chip_specs_df: pd.DataFrame) -> pd.DataFrame:
    """Pivot the long ``chip_specs`` table to one row per ``chip_id``.

    Columns: ``<spec>``, ``<spec>_low``, ``<spec>_high`` for every spec present; blank
    low/high are filled from ``value``. Raises ValueError on duplicate (chip_id, spec).
    """
    need = ["chip_id", "spec", "value"]
    if not isinstance(chip_specs_df, pd.DataFrame) or any(c not in chip_specs_df for c in need):
        raise ValueError("chip_specs_df must be a DataFrame with chip_id, spec, value columns")
    df = chip_specs_df.copy()
    for col in ("value_low", "value_high"):
        if col not in df:
            df[col] = np.nan
    dup = df.duplicated(["chip_id", "spec"])
    if dup.any():
        first = df.loc[dup, ["chip_id", "spec"]].iloc[0].tolist()
        raise ValueError(f"chip_specs_df has duplicate (chip_id, spec): {first}")
    for col in ("value", "value_low", "value_high"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    df["value_low"] = df["value_low"].fillna(df["value"])
    df["value_high"] = df["value_high"].fillna(df["value"])
    parts = []
    for col, suffix in (("value", ""), ("value_low", "_low"), ("value_high", "_high")):
        p = df.pivot(index="chip_id", columns="spec", values=col)
        p.columns = [f"{c}{suffix}" for c in p.columns]
        parts.append(p)
    out = pd.concat(parts, axis=1)
    specs = sorted(df["spec"].unique())
    order = [f"{s}{suf}" for s in specs for suf in ("", "_low", "_high")]
    out = out[order]
    out.columns.name = None
    return out.reset_index()


def dense_tflops_at(bf16_tflops, fp8_tflops, precision: str):
    """Dense peak at ``precision`` ("bf16" or "fp8") in TFLOPS.

    A chip without an FP8 figure (NaN, e.g. Ampere or Ascend) runs FP8 work at its BF16 rate
    (weights stored in 8 bits, arithmetic in 16), so "fp8" falls back to ``bf16_tflops``.
    """
    if precision not in ("bf16", "fp8"):
        raise ValueError(f"precision must be 'bf16' or 'fp8', got {precision!r}")
    bf16 = _as_array("bf16_tflops", bf16_tflops)
    if precision == "bf16":
        return params.out(bf16)
    fp8 = _as_array("fp8_tflops", fp8_tflops)
    return params.out(np.where(np.isnan(fp8), bf16, fp8))


def decode_crossover_batch(bandwidth_tbps, dense_tflops, active_params_b, bytes_per_param,
                           mbu, mfu, kv_bytes_per_seq=0.0, total_params_b=None, experts_per_token=None,
                           routed_experts=None):
    """Batch size at which :func:`decode_tokens_per_s` turns from memory- to compute-bound.

    Solves ``b x BW x mbu / (W(b) x bpp + b x kv) = C`` with ``C = F x mfu / (2 N)``; the left side grows with
    b, so the root is found by bisection (for a dense model, W = N: ``b* = C x N x bpp / (BW x mbu - kv x C)``).
    Returns ``inf`` when the KV cache traffic alone keeps decode memory-bound at any batch
    (``BW x mbu <= kv x C``). Units as in :func:`decode_tokens_per_s`; the result is a (fractional) number
    of sequences.
    """
    bw = _as_array("bandwidth_tbps", bandwidth_tbps, positive=True) * 1e12
    flops = _as_array("dense_tflops", dense_tflops, positive=True) * 1e12
    n = _as_array("active_params_b", active_params_b, positive=True) * 1e9
    kv = _as_array("kv_bytes_per_seq", kv_bytes_per_seq)
    compute = flops * _fraction("mfu", mfu) / (2.0 * n)
    never = bw * _fraction("mbu", mbu) <= kv * compute
    lo, hi = np.full(np.broadcast(bw, compute, kv).shape, -6.0), np.full(np.broadcast(bw, compute, kv).shape, 12.0)
    rate = _decode_rate(bandwidth_tbps, dense_tflops, active_params_b, bytes_per_param, mbu, mfu, kv_bytes_per_seq,
                        total_params_b, experts_per_token, routed_experts).rate  # inputs checked once, not per step
    for _ in range(80):  # bisection on log10(batch): below the crossover decode runs under the compute bound
        mid = (lo + hi) / 2
        below = rate(10.0 ** mid) < compute
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return params.out(np.where(never, np.inf, 10.0 ** ((lo + hi) / 2)))


def _metric_values(tpp, density, io_gbps) -> dict:
    values = {}
    for name, v in zip(_METRICS, (tpp, density, io_gbps)):
        if v is None:
            values[name] = math.nan
            continue
        if np.ndim(v) != 0:
            raise ValueError(f"{name} must be a scalar")
        values[name] = float(v)
    return values


def closest_miss(tpp, density, io_gbps, rules: pd.DataFrame, rule_set: str):
    """The control clause of ``rule_set`` that a chip misses by the smallest margin.

    For each (eccn, clause) the chip does not meet, the miss is the largest relative shortfall
    ``(threshold - value) / threshold`` over its failed ``>=`` conditions. Clauses failed on a
    ``<`` condition (the chip is above the band) or on a missing metric cannot be reached by a
    faster chip and are skipped. Returns ``None`` if the chip meets a clause (it is controlled)
    or no clause is reachable, else a dict with ``eccn``, ``clause``, ``metric``, ``value``,
    ``threshold`` and ``shortfall`` (a fraction; 0.013 = 1.3 % under the line).
    """
    clauses = _rule_clauses(rules, rule_set)
    return _closest_miss(_checked_values(tpp, density, io_gbps), clauses)


def _closest_miss(values: dict, clauses: list):
    """:func:`closest_miss` of checked metric ``values`` against the ``clauses`` of one rule set."""
    if _classify(values, clauses) != NOT_CONTROLLED:
        return None
    best = None
    for (eccn, clause), conds in clauses:
        worst, reachable = None, True
        for row in conds:
            x, thr = values[row.metric], float(row.threshold)
            if math.isnan(x):
                reachable = False
                break
            if _OPERATORS[row.operator](x, thr):
                continue
            if row.operator not in (">=", ">") or thr <= 0:
                reachable = False
                break
            gap = (thr - x) / thr
            if worst is None or gap > worst[0]:
                worst = (gap, row.metric, x, thr)
        if reachable and worst is not None and (best is None or worst[0] < best["shortfall"]):
            best = {"eccn": eccn, "clause": int(clause), "metric": worst[1], "value": worst[2],
                    "threshold": worst[3], "shortfall": worst[0]}
    return best


# ----------------------------------------------------------------------------- the shared serving model
#: Serving assumptions every notebook shares (rows of data/model_assumptions.csv, central values):
#: the same chip and model decode at one rate everywhere. keyword -> ``parameter`` of the table.
SERVING = {"active_params_b": "active_params_b", "bytes_per_param": "bytes_per_param",
           "mfu": "mfu_prefill", "mbu": "mbu_decode", "kv_cache_gb_per_seq": "kv_cache_gb_per_seq",
           "total_params_b": "total_params_b", "tokens_per_s_per_user": "tokens_per_s_per_user",
           "experts_per_token": "experts_per_token", "routed_experts": "routed_experts"}
BOUNDS = {"low": "_low", "central": "", "high": "_high"}
#: The small-batch bound: one chip decoding this many sequences (every chip memory-bound, memory capacity
#: not checked), where a high-bandwidth chip such as the H20 looks best. The serving basis is :func:`replica`.
SMALL_BATCH = 32
#: Largest batch a replica may run when the KV cache takes no memory (``kv_cache_gb_per_seq`` 0).
MAX_BATCH = 4096
#: Newton steps of :func:`replica`'s search for its largest batch (then checked at the integers, exactly).
NEWTON_STEPS = 12
#: Chips whose MFU and MBU carry the software-maturity factor :func:`ascend_utilisation`.
ASCEND = ("ascend_910b", "ascend_910c")


def short_name(chip_id: str) -> str:
    """'h100_sxm' -> 'H100', 'ascend_910b' -> 'Ascend 910B', 'gb200_per_gpu' -> 'GB200'."""
    parts = chip_id.split("_")
    if parts[0] == "ascend":
        return "Ascend " + parts[1].upper()
    return parts[0].upper()


@data.memo
def specs() -> pd.DataFrame:
    """One row per chip (index ``chip_id``): short name, name, vendor, launch date, China status and
    every spec of ``chip_specs`` with its ``_low`` / ``_high`` columns."""
    wide = wide_specs(data.load("chip_specs")).set_index("chip_id")
    info = data.load("chips").set_index("chip_id")[["name", "vendor", "launch_date", "china_status"]]
    info.insert(0, "short", [short_name(c) for c in info.index])
    return info.join(wide)


def serving_assumptions(**overrides) -> dict:
    """The shared serving model: ``active_params_b``, ``total_params_b``, ``experts_per_token`` and
    ``routed_experts`` (the model's shape), ``bytes_per_param``, ``mfu`` (decode compute ceiling, the prefill
    MFU row), ``mbu``, ``kv_cache_gb_per_seq`` and ``tokens_per_s_per_user``, from the central values of
    data/model_assumptions.csv; an override that is not None replaces a value (a notebook parameter)."""
    unknown = set(overrides) - set(SERVING)
    if unknown:
        raise ValueError(f"unknown serving assumption(s): {', '.join(sorted(unknown))}")
    central = data.load("model_assumptions").set_index("parameter")["central"]
    out = {key: float(central[row]) for key, row in SERVING.items()}
    out.update({k: float(v) for k, v in overrides.items() if v is not None})
    return out


def decode_rate(chip_id: str, batch, bound: str = "central", assumptions: dict | None = None,
                efficiency: float = 1.0, w: pd.DataFrame | None = None):
    """Roofline decode tokens/s of one ``chip_id`` at ``batch`` under the shared serving model
    (:func:`decode_tokens_per_s`; a mixture of experts reads more of its experts as the batch grows).

    ``bound`` picks the spec figures (low / central / high); ``efficiency`` scales MFU and MBU
    (the software-maturity factor of Ascend chips, :func:`efficiency`). Decode runs at the FP8 rate when
    weights are 1 byte or less and the chip has one, else at its BF16 rate.
    """
    return decode_tokens_per_s(batch=batch, **_decode_inputs(chip_id, bound, assumptions, efficiency, w))


def decode_crossover(chip_id: str, bound: str = "central", assumptions: dict | None = None,
                     efficiency: float = 1.0, w: pd.DataFrame | None = None):
    """Batch (sequences) beyond which :func:`decode_rate` is compute-bound (``inf``: never)."""
    return decode_crossover_batch(**_decode_inputs(chip_id, bound, assumptions, efficiency, w))


def replica(chip_id: str, assumptions: dict | None = None, usable_memory: float = 0.9, bound: str = "central",
            efficiency: float = 1.0, w: pd.DataFrame | None = None) -> dict:
    """A serving replica of the shared model on ``chip_id``: the one serving basis of every notebook.

    Tensor parallel over n = 1, 2, 4 or 8 chips (one 8-GPU server; no communication cost): n chips decode
    n x :func:`decode_rate` (n x bandwidth and compute). For each n whose ``usable_memory`` share of HBM holds
    the weights (``total_params_b`` x ``bytes_per_param`` GB) and one sequence's KV cache (the fewest such chips
    if more than 8), the best batch is the largest whose KV caches fit and whose per-user speed meets
    ``tokens_per_s_per_user`` (per-user speed falls and throughput rises with the batch, so the largest such
    batch is the integer part of the smallest of three real bounds: the KV cache cap, the compute bound and the
    memory bound, :func:`_memory_root`; it is checked at the integers, b fast enough and b + 1 not, with a bisection
    where rounding put it off by one); the replica kept is the n with the most tokens/s per chip. Returns chips,
    batch, tokens_per_s (replica), per_chip, per_user (tokens/s) and weights_gb; batch 0 and no throughput if
    no replica meets the target. Assumption values may be arrays (Monte Carlo draws): the result is then one
    array per key.
    """
    a = serving_assumptions() if assumptions is None else assumptions
    w = specs() if w is None else w
    mem = float(w.loc[chip_id, "memory_gb" + BOUNDS[bound]]) * usable_memory
    weights = np.maximum(a["total_params_b"], a["active_params_b"]) * a["bytes_per_param"]
    kv, target = a["kv_cache_gb_per_seq"], a["tokens_per_s_per_user"]
    shape = np.broadcast(weights, np.asarray(a["mfu"]), np.asarray(a["mbu"]), np.asarray(target)).shape
    fewest = np.broadcast_to(np.ceil((weights + kv) / mem), shape)
    best = {"chips": fewest.copy(), "batch": np.zeros(shape), "per_chip": np.zeros(shape), "per_user": np.zeros(shape)}
    roof = _decode_rate(**(inputs := _decode_inputs(chip_id, bound, a, efficiency, w)))  # one chip, inputs checked once
    one = np.ones(shape)
    at_one = roof.rate(one)  # one sequence: the same for every n
    for n in (1, 2, 4, 8, np.where(fewest > 8, fewest, 0)):
        n = np.broadcast_to(np.asarray(n, dtype=float), shape)
        cap = np.floor((n * mem - weights) / kv) if kv > 0 else np.full(shape, float(MAX_BATCH))
        fast = lambda rate, b: n * rate / b >= target  # noqa: E731  (rate: roof.rate(b))
        lo, hi = one, np.where((n >= fewest) & (cap >= 1), cap, 0.0)
        if not (hi >= 1).any() or not (ok := (hi >= 1) & fast(at_one, lo)).any():
            continue  # no replica of n chips: nothing to search
        budget = n / target * roof.streamed  # bytes a step may read; the weights read are at most `weights` GB
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            top = np.where(ok, np.fmin(hi, n / target * roof.compute), -np.inf)  # the compute bound, the cap
            b = _memory_root(inputs, budget, np.fmax(np.fmin((budget / 1e9 - weights) / kv, top), 1.0), top, roof)
        b = np.fmax(np.fmin(np.floor(b), hi), 1.0)  # the answer but for rounding, checked at the integers:
        good = fast(rate := roof.rate(b), b)
        more = good & (b < hi) & fast(roof.rate(b + 1), b + 1)
        lo, hi = np.where(good, b + more, lo), np.where(good & ~more, b, np.where(good, hi, b - 1))
        while (todo := ok & (hi > lo)).any():  # bisection where the guess missed: the largest batch still fast enough
            mid = np.floor((lo + hi + 1) / 2)
            good = fast(roof.rate(mid), mid)
            lo, hi = np.where(todo & good, mid, lo), np.where(todo & ~good, mid - 1, hi)
        per_chip = np.where(ok, rate if ((lo == b) | ~ok).all() else roof.rate(lo), 0.0)
        better = ok & (per_chip > best["per_chip"])
        for key, v in (("chips", n), ("batch", lo), ("per_chip", per_chip), ("per_user", n * per_chip / lo)):
            best[key] = np.where(better, v, best[key])
    best["tokens_per_s"] = best["chips"] * best["per_chip"] * (best["batch"] > 0)
    if not shape:
        return {k: int(v) if k in ("chips", "batch") else float(v) for k, v in best.items()} | {"weights_gb": float(weights)}
    return {**best, "weights_gb": np.broadcast_to(weights, shape)}


def _memory_root(inputs: dict, budget, x, top, roof: _Roofline | None = None, steps: int = NEWTON_STEPS):
    """The real batch b <= ``top`` at which a decode step of :func:`_decode_rate` (``inputs``) reads ``budget`` bytes
    (step(b) = budget), from a start ``x`` at or below it; ``top`` where it is above ``top``. step is concave in b,
    so the root of its tangent at x (a Newton step) is at or below the root; in u = exp(b x miss) it is convex, so
    the root of its tangent in u is at or above it. Where the two bounds differ in integer part (and are below
    ``top``), the steps go on from the upper bound (or the lower one where u's tangent has no root), for those
    draws alone, at most ``steps`` in all; then the lower bound is returned."""
    roof = _decode_rate(**inputs) if roof is None else roof
    y = roof.step(x)
    d = (budget - y) / (roof.kv - roof.miss * (roof.weights + x * roof.kv - y))  # slope of step: kv - miss x unread
    low = np.asarray(x + d)
    high = np.where(roof.miss < 0, x + np.log1p(roof.miss * d) / roof.miss, low)
    if steps > 1 and (todo := (low < top) & (np.floor(low) != np.floor(np.fmin(high, top)))).any():
        at = np.nonzero(todo) if low.ndim else ()
        pick = lambda v: np.broadcast_to(v, low.shape)[at] if np.ndim(v) else v  # noqa: E731  (the unsettled draws)
        low[at] = _memory_root({k: pick(v) for k, v in inputs.items()}, pick(budget),
                               np.where(np.isfinite(high[at]), high[at], low[at]), pick(top), steps=steps - 1)
    return np.fmin(low, top)


def _ratio_at(u: float, basis: str, a: dict, w, h100: float | None = None) -> float:
    """Modelled 910C / H100 decode tokens/s per chip, the 910C at utilisation factor ``u`` (``h100``: the H100's
    rate on that basis, if already known)."""
    if basis == "replica":  # NaN when no H100 replica meets the per-user speed (the factor falls back to the small batch)
        h100 = replica("h100_sxm", a, w=w)["per_chip"] if h100 is None else h100
        return replica("ascend_910c", a, efficiency=u, w=w)["per_chip"] / h100 if h100 > 0 else math.nan
    h100 = float(decode_rate("h100_sxm", SMALL_BATCH, assumptions=a, w=w)) if h100 is None else h100
    return float(decode_rate("ascend_910c", SMALL_BATCH, assumptions=a, efficiency=u, w=w)) / h100


@functools.lru_cache(maxsize=32)
def _calibrated(key: tuple, basis: str) -> float:
    a, w = dict(key), specs()
    measured = float(data.load("model_assumptions").set_index("parameter").loc["ascend_inference_vs_h100", "central"])
    h100 = (replica("h100_sxm", a, w=w)["per_chip"] if basis == "replica"
            else float(decode_rate("h100_sxm", SMALL_BATCH, assumptions=a, w=w)))
    top = _ratio_at(1.0, basis, a, w, h100)
    if math.isnan(top):
        return _calibrated(key, "small_batch")
    if top <= measured:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(24):  # the modelled ratio grows with the factor: bisection to 6e-8, far below the 4 digits shown
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _ratio_at(mid, basis, a, w, h100) < measured else (lo, mid)
    return (lo + hi) / 2


def ascend_utilisation(assumptions: dict | None = None, basis: str = "replica") -> float:
    """The one software-maturity factor of Ascend chips: it multiplies their MFU and MBU (training, prefill and
    decode) on every page and in H100-equivalents. Calibrated, not measured: the factor at which the model
    reproduces the one measured ratio, DeepSeek's 910C at 60% of an H100 in inference (row
    ascend_inference_vs_h100 of data/model_assumptions.csv), found by bisection. ``basis`` 'replica' (the
    serving basis, the central value) matches it in the serving replicas (:func:`replica`), 'small_batch' one
    chip at :data:`SMALL_BATCH`: the measurement's batch is not published, so the two bound the factor
    (:func:`ascend_utilisation_range`). 1 if the model cannot reach the measured ratio; the small-batch value if no H100
    replica meets the per-user speed."""
    if basis not in ("replica", "small_batch"):
        raise ValueError(f"basis must be 'replica' or 'small_batch', got {basis!r}")
    a = serving_assumptions() if assumptions is None else assumptions
    return _calibrated(tuple(sorted((k, float(v)) for k, v in a.items())), basis)


def ascend_utilisation_range(assumptions: dict | None = None) -> tuple[float, float]:
    """(low, high) of :func:`ascend_utilisation` over the two calibration bases (replica, small batch)."""
    both = [ascend_utilisation(assumptions, b) for b in ("replica", "small_batch")]
    return min(both), max(both)


def efficiency(chip_id: str, assumptions: dict | None = None) -> float:
    """The utilisation factor of ``chip_id``: :func:`ascend_utilisation` for Ascend chips, 1 for Nvidia's."""
    return ascend_utilisation(assumptions) if chip_id in ASCEND else 1.0


#: Legal status of a route, least to most restrictive (data/route_rules.csv): 'conditional' = a licence or approval
#: granted on that layer, nothing shipped yet.
STATUSES = ("open", "conditional", "licence required", "hypothetical", "blocked")


def _pending_rows(r: pd.DataFrame) -> pd.Series:
    """True for rows of route_rules ``r`` that are pending (a bill or proposed rule: column ``pending``)."""
    return r["pending"].fillna(False).astype(bool) if "pending" in r else pd.Series(False, index=r.index)


def route_status(route: str, date, rules: pd.DataFrame | None = None) -> dict:
    """Is ``route`` (a ``route`` of data/route_rules.csv) open to a China-headquartered firm on ``date``?
    Per layer (US export rules, China, host country) the latest row in force dated on or before ``date``
    decides; the most restrictive layer gives ``status`` (see :data:`STATUSES`; 'hypothetical' before
    any row). ``condition`` joins every deciding layer's condition; ``rule_id`` / ``source_id`` are
    those of the deciding row (the latest-dated among layers at that status); ``binding`` names every layer at that
    status ('china, us_export' when both bind); ``status_sources`` lists the sources of every row that holds a binding
    layer at that status since the layer reached it (the evidence for the status, not only its latest step).
    Pending rows (bills, proposed rules) never decide: their conditions are listed in ``pending`` (and their
    ids in ``pending_ids``) beside the status."""
    day = pd.Timestamp(date)
    rows = [x for x in (_route_rows(route) if rules is None else _rows_of(rules, route)) if x["date"] <= day]
    waiting, r = [x for x in rows if x["pending"]], [x for x in rows if not x["pending"]]
    side = {"pending": "; ".join(x["condition"] for x in waiting), "pending_ids": ", ".join(x["rule_id"] for x in waiting)}
    if not r:
        return {"route": route, "status": "hypothetical", "condition": "no rule or offer yet on this date",
                "rule_id": "", "source_id": "", "since": pd.NaT, "binding": "", "status_sources": [], **side}
    last = [r[i] for i in sorted({x["layer"]: i for i, x in enumerate(r)}.values())]  # each layer's latest row, in date order
    worst = max((x["status"] for x in last), key=STATUSES.index)
    at = [x for x in last if x["status"] == worst]
    top = max(at, key=lambda x: x["date"])  # ties across layers: the latest step decides (the first such row)
    held = []  # per binding layer, the rows since its last step to another status
    for layer in sorted({x["layer"] for x in at}):
        g = [x for x in r if x["layer"] == layer]
        held += g[1 + max((i for i, x in enumerate(g) if x["status"] != worst), default=-1):]
    return {"route": route, "status": worst, "condition": "; ".join(x["condition"] for x in last), "rule_id": top["rule_id"],
            "source_id": top["source_id"], "since": top["date"], "binding": ", ".join(sorted(x["layer"] for x in at)),
            "status_sources": list(dict.fromkeys(x["source_id"] for x in sorted(held, key=lambda x: x["date"]))), **side}


def _rows_of(rules: pd.DataFrame, route: str) -> list[dict]:
    """The rows of ``route`` in route_rules ``rules`` as records in date order (stable), ``pending`` a bool."""
    r = rules[rules.route == route].sort_values("date", kind="stable")
    return [{**x, "pending": p} for x, p in zip(r.to_dict("records"), _pending_rows(r))]


@data.memo
def _route_rows(route: str) -> list[dict]:
    """:func:`_rows_of` data/route_rules.csv, read once per version of the data (every month of a timeline asks)."""
    return _rows_of(data.load("route_rules"), route)


def binding_periods(route: str, start, end, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which layer bound ``route`` in each period from month ``start`` to month ``end``: one row per run of months
    with the same status and binding layers (:func:`route_status` at each month's end), with ``from`` and ``to``
    (month starts) and the ``rule_id`` deciding the run's first month."""
    months = pd.period_range(pd.Period(start, "M"), pd.Period(end, "M"), freq="M")
    st = pd.DataFrame([{**route_status(route, m.end_time.normalize(), rules), "month": m.start_time} for m in months])
    run = (st[["status", "binding"]] != st[["status", "binding"]].shift()).any(axis=1).cumsum()
    return (st.groupby(run).agg(**{"from": ("month", "first"), "to": ("month", "last"), "status": ("status", "first"),
                                   "binding": ("binding", "first"), "rule_id": ("rule_id", "first")})
            .reset_index(drop=True).assign(route=route))


def latest_legal_month(rules: pd.DataFrame | None = None, events: pd.DataFrame | None = None) -> str:
    """The latest month the legal data supports: the month ('YYYY-MM') of the latest dated row of
    data/route_rules.csv and data/control_events.csv (the default ``as_of`` of the pages that show a route's status)."""
    r = data.load("route_rules") if rules is None else rules
    e = data.load("control_events") if events is None else events
    return max(r.date.max(), e.date.max()).strftime("%Y-%m")


def _decode_inputs(chip_id, bound, assumptions, efficiency, w) -> dict:
    a = serving_assumptions() if assumptions is None else assumptions
    w = specs() if w is None else w
    s, suffix = w.loc[chip_id], BOUNDS[bound]
    precision = "fp8" if a["bytes_per_param"] <= 1 else "bf16"
    flops = dense_tflops_at(s[f"dense_bf16_tflops{suffix}"], s.get(f"dense_fp8_tflops{suffix}", np.nan), precision)
    return dict(bandwidth_tbps=s[f"memory_bandwidth_tbps{suffix}"], dense_tflops=flops,
                active_params_b=a["active_params_b"], bytes_per_param=a["bytes_per_param"],
                mbu=np.minimum(a["mbu"] * efficiency, 1.0), mfu=np.minimum(a["mfu"] * efficiency, 1.0),
                kv_bytes_per_seq=a["kv_cache_gb_per_seq"] * 1e9, total_params_b=a.get("total_params_b"),
                experts_per_token=a.get("experts_per_token"), routed_experts=a.get("routed_experts"))


# ----------------------------------------------------------------------------- per-chip tables
RULE_SETS = ("oct2022", "oct2023")
WORKLOADS = ("training", "decode")


def classify_or_undetermined(tpp, density, io_gbps, rules: pd.DataFrame, rule_set: str) -> str:
    """:func:`classify`, but ``"undetermined (… not published)"`` when a missing (NaN) PD or I/O
    figure could change the class (it is tried at 0 and at infinity)."""
    return _classify_or_undetermined(tpp, density, io_gbps, _rule_clauses(rules, rule_set))


def _classify_or_undetermined(tpp, density, io_gbps, clauses: list) -> str:
    """:func:`classify_or_undetermined` against the ``clauses`` of one rule set (:func:`_rule_clauses`)."""
    options = {_classify(_checked_values(tpp, p, i), clauses)
               for p in ((density,) if density == density else (0.0, math.inf))
               for i in ((io_gbps,) if io_gbps == io_gbps else (0.0, math.inf))}
    if len(options) == 1:
        return options.pop()
    missing = [n for n, v in (("die area", density), ("I/O bandwidth", io_gbps)) if v != v]
    return f"undetermined ({' and '.join(missing)} not published)"


def classification(w: pd.DataFrame | None = None, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per chip: TPP and PD at low / central / high specs (``tpp_low``, ``tpp``, ``tpp_high``, …),
    ``io_gbps``, ``source_ids``, the class under each of :data:`RULE_SETS` ('A to B' when the spec range
    crosses a line) and, for a chip under every line, the clause it misses by the least
    (``<rule_set>_closest_miss`` as text, ``<rule_set>_shortfall`` as a fraction; see :func:`closest_miss`)."""
    w = specs() if w is None else w
    rules = data.load("export_rules") if rules is None else rules
    long = data.load("chip_specs")
    clauses = {rs: _rule_clauses(rules, rs) for rs in RULE_SETS}  # each rule set's clauses, read once for every chip
    rows = []
    for chip in w.index:
        s = w.loc[chip]
        row = {"chip_id": chip, "name": s["name"], "vendor": s["vendor"]}
        for sfx in BOUNDS.values():
            row["tpp" + sfx] = max_tpp({k: s.get(k + sfx, np.nan) for k in SPEC_BIT_LENGTH})
            row["pd" + sfx] = performance_density(row["tpp" + sfx], s.get("die_area_mm2" + sfx, np.nan))
        row["io_gbps"] = float(s.get("interconnect_gbps", np.nan))
        used = long.chip_id.eq(chip) & long.spec.isin([*SPEC_BIT_LENGTH, "die_area_mm2", "interconnect_gbps"])
        row["source_ids"] = ", ".join(dict.fromkeys(long.loc[used, "source_id"]))
        for rs in RULE_SETS:
            row[rs] = " to ".join(dict.fromkeys(
                _classify_or_undetermined(row["tpp" + x], row["pd" + x], row["io_gbps"], clauses[rs]) for x in BOUNDS.values()))
            m = _closest_miss(_checked_values(row["tpp"], row["pd"], row["io_gbps"]), clauses[rs])
            row[f"{rs}_closest_miss"] = (f"{m['eccn']} clause {m['clause']}: {m['metric']} {m['value']:,.4g} vs "
                                         f"{m['threshold']:,.4g} ({m['shortfall']:.1%} under)" if m else "")
            row[f"{rs}_shortfall"] = m["shortfall"] if m else math.nan
        rows.append(row)
    return pd.DataFrame(rows)
