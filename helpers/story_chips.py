"""The chip capability gap, computed from data/ (shared by 01_chip_gap and the overview).

Every throughput is DENSE (no 2:4 sparsity) unless a column says ``sparse``. Ranges: each
figure is computed three times, from the ``value_low``, ``value``, and ``value_high`` of every
spec (``bound`` = low / central / high), so a range in the data is carried to the result.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers import chips, data

#: Chips in the roofline (section 3) and the equivalence (section 4).
ROOFLINE_CHIPS = ["h20", "h100_sxm", "h200_sxm", "b200_hgx", "ascend_910b", "ascend_910c"]
TARGETS = ["h100_sxm", "h200_sxm", "b200_hgx"]
SUBSTITUTES = ["h20", "ascend_910b", "ascend_910c"]
REFERENCE = "h100_sxm"
BOUNDS = {"low": "_low", "central": "", "high": "_high"}
RULE_SETS = ["oct2022", "oct2023"]
WORKLOADS = ["training", "decode"]

#: The notebook's parameter defaults (01_chip_gap parameters cell).
DEFAULTS = {
    "model_active_params_b": 23.0,
    "bytes_per_param": 1.0,
    "decode_batch": 32,
    "max_decode_batch": 256,
    "kv_cache_gb_per_seq": 0.25,
    "mfu": 0.4,
    "mbu": 0.6,
    "training_precision": "bf16",
    "ascend_utilisation": 1.0,
}


@data.memo
def specs() -> pd.DataFrame:
    """One row per chip: name, vendor, china_status and every spec with _low/_high columns."""
    wide = chips.wide_specs(data.load("chip_specs")).set_index("chip_id")
    info = data.load("chips").set_index("chip_id")[["name", "vendor", "launch_date", "china_status"]]
    info.insert(0, "short", [short_name(c) for c in info.index])
    return info.join(wide)


def short_name(chip_id: str) -> str:
    """'h100_sxm' -> 'H100', 'ascend_910b' -> 'Ascend 910B', 'gb200_per_gpu' -> 'GB200'."""
    parts = chip_id.split("_")
    if parts[0] == "ascend":
        return "Ascend " + parts[1].upper()
    return parts[0].upper()


SPEC_COLUMNS = {  # spec -> column title of spec_table()
    "dense_bf16_tflops": "dense BF16 TFLOPS", "dense_fp8_tflops": "dense FP8 TFLOPS",
    "sparse_fp8_tflops": "sparse FP8 TFLOPS (vendor headline)", "memory_gb": "memory GB",
    "memory_bandwidth_tbps": "memory TB/s", "interconnect_gbps": "chip-to-chip GB/s",
    "tdp_w": "TDP W", "die_area_mm2": "die mm2", "process_node_nm": "node nm",
}


def spec_table(long: pd.DataFrame | None = None) -> pd.DataFrame:
    """Display table: one row per chip, each spec as 'value (low–high)', and the source ids used."""
    long = data.load("chip_specs") if long is None else long
    info = data.load("chips").set_index("chip_id")
    cells = {}
    for r in long.itertuples(index=False):
        if r.spec not in SPEC_COLUMNS:
            continue
        text = f"{r.value:,.6g}"
        lo, hi = r.value_low, r.value_high
        if lo == lo and hi == hi and (lo != r.value or hi != r.value):
            text += f" ({lo:,.6g}–{hi:,.6g})"
        cells.setdefault(r.chip_id, {})[SPEC_COLUMNS[r.spec]] = text
    out = pd.DataFrame.from_dict(cells, orient="index").reindex(columns=list(SPEC_COLUMNS.values()))
    out = out.reindex(info.index).fillna("")
    out.insert(0, "chip", [short_name(c) for c in out.index])
    out["source ids"] = long.groupby("chip_id")["source_id"].agg(lambda x: ", ".join(dict.fromkeys(x)))
    out["launch"] = info["launch_date"].dt.strftime("%Y-%m-%d")
    out["China status"] = info["china_status"]
    return out.rename_axis("chip_id")


def _get(w: pd.DataFrame, chip: str, spec: str, bound: str = "central") -> float:
    col = spec + BOUNDS[bound]
    return float(w.loc[chip, col]) if col in w.columns else math.nan


# ----------------------------------------------------------------------------- 1 dense vs sparse
def sparse_vs_dense(w: pd.DataFrame | None = None, base: str = "h20") -> pd.DataFrame:
    """For every chip with a vendor sparse headline: its ratio to ``base`` like for like (dense /
    dense) and on mixed bases (sparse headline / dense ``base``), at BF16 and FP8."""
    w = specs() if w is None else w
    rows = []
    for chip in w.index:
        for prec in ("bf16", "fp8"):
            sparse, dense = _get(w, chip, f"sparse_{prec}_tflops"), _get(w, chip, f"dense_{prec}_tflops")
            ref = _get(w, base, f"dense_{prec}_tflops")
            if chip == base or math.isnan(sparse) or math.isnan(dense) or math.isnan(ref):
                continue
            rows.append({"chip_id": chip, "name": w.loc[chip, "name"], "precision": prec.upper(),
                         "dense_tflops": dense, "sparse_tflops": sparse, f"{base}_dense_tflops": ref,
                         "ratio_like_for_like": dense / ref, "ratio_mixed_basis": sparse / ref})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- 2 rule classifier
def _classify_or_undetermined(tpp, pd_, io, rules, rule_set) -> str:
    """classify(), but a missing metric that could change the answer gives 'undetermined'."""
    options = []
    for p in ((pd_,) if not math.isnan(pd_) else (0.0, math.inf)):
        for i in ((io,) if not math.isnan(io) else (0.0, math.inf)):
            options.append(chips.classify(tpp, p, i, rules, rule_set))
    if len(set(options)) == 1:
        return options[0]
    missing = [n for n, v in (("die area", pd_), ("I/O bandwidth", io)) if math.isnan(v)]
    return f"undetermined ({' and '.join(missing)} not published)"


def _join_range(values: list[str]) -> str:
    unique = list(dict.fromkeys(values))
    return unique[0] if len(unique) == 1 else " to ".join(unique)


def classification(w: pd.DataFrame | None = None, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """TPP, PD, I/O and the class under each rule set for every chip (ranges from low/high specs),
    with the clause each uncontrolled chip misses by the least (``*_closest_miss``)."""
    w = specs() if w is None else w
    rules = data.load("export_rules") if rules is None else rules
    long = data.load("chip_specs")
    rows = []
    for chip in w.index:
        row = {"chip_id": chip, "name": w.loc[chip, "name"], "vendor": w.loc[chip, "vendor"]}
        for bound, suffix in BOUNDS.items():
            spec_values = {s: _get(w, chip, s, bound) for s in chips.SPEC_BIT_LENGTH}
            t = chips.max_tpp(spec_values)
            area = _get(w, chip, "die_area_mm2", bound)
            row["tpp" + suffix] = t
            row["pd" + suffix] = chips.performance_density(t, area)
        row["io_gbps"] = _get(w, chip, "interconnect_gbps")
        row["source_ids"] = ", ".join(dict.fromkeys(long.loc[(long.chip_id == chip) & long.spec.isin(
            [*chips.SPEC_BIT_LENGTH, "die_area_mm2", "interconnect_gbps"]), "source_id"]))
        for rs in RULE_SETS:
            row[rs] = _join_range([_classify_or_undetermined(row["tpp" + s], row["pd" + s], row["io_gbps"],
                                                             rules, rs) for s in BOUNDS.values()])
            miss = chips.closest_miss(row["tpp"], row["pd"], row["io_gbps"], rules, rs)
            row[f"{rs}_closest_miss"] = (
                f"{miss['eccn']} clause {miss['clause']}: {miss['metric']} {miss['value']:,.4g} "
                f"vs {miss['threshold']:,.4g} ({miss['shortfall']:.1%} under)" if miss else "")
            row[f"{rs}_shortfall"] = miss["shortfall"] if miss else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- 3 roofline
def _rates(w, chip, bound, p) -> dict:
    factor = p["ascend_utilisation"] if chip.startswith("ascend") else 1.0
    mfu, mbu = min(p["mfu"] * factor, 1.0), min(p["mbu"] * factor, 1.0)
    bf16, fp8 = _get(w, chip, "dense_bf16_tflops", bound), _get(w, chip, "dense_fp8_tflops", bound)
    train_flops = chips.dense_tflops_at(bf16, fp8, p["training_precision"])
    decode_flops = chips.dense_tflops_at(bf16, fp8, "fp8" if p["bytes_per_param"] <= 1 else "bf16")
    bw = _get(w, chip, "memory_bandwidth_tbps", bound)
    kv = p["kv_cache_gb_per_seq"] * 1e9
    n, bpp = p["model_active_params_b"], p["bytes_per_param"]
    decode = chips.decode_tokens_per_s(bw, decode_flops, n, bpp, p["decode_batch"], mbu, mfu, kv)
    compute_only = chips.decode_tokens_per_s(math.inf, decode_flops, n, bpp, p["decode_batch"], mbu, mfu, kv)
    return {
        "training": chips.training_tokens_per_s(train_flops, n, mfu),
        "decode": decode,
        "decode_bound_by": "compute" if math.isclose(decode, compute_only) else "memory bandwidth",
        "crossover_batch": chips.decode_crossover_batch(bw, decode_flops, n, bpp, mbu, mfu, kv),
    }


def _params(overrides: dict) -> dict:
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    return {**DEFAULTS, **overrides}


def workloads(w: pd.DataFrame | None = None, **params) -> pd.DataFrame:
    """Tokens/s per chip and per watt for training and decode, each at low/central/high specs.

    Long format: chip_id, name, workload, bound, tokens_per_s, tokens_per_joule (= tokens/s per W of
    TDP; NaN where no TDP is published), ratio_to_h100, decode_bound_by, crossover_batch, tdp_w.
    """
    p = _params(params)
    w = specs() if w is None else w
    rows = []
    for chip in ROOFLINE_CHIPS:
        for bound in BOUNDS:
            r = _rates(w, chip, bound, p)
            tdp = _get(w, chip, "tdp_w", bound)
            for wl in WORKLOADS:
                rows.append({"chip_id": chip, "name": w.loc[chip, "name"], "workload": wl, "bound": bound,
                             "tokens_per_s": r[wl], "tokens_per_joule": r[wl] / tdp,
                             "decode_bound_by": r["decode_bound_by"] if wl == "decode" else "compute",
                             "crossover_batch": r["crossover_batch"], "tdp_w": tdp})
    out = pd.DataFrame(rows)
    ref = out[(out.chip_id == REFERENCE) & (out.bound == "central")].set_index("workload")["tokens_per_s"]
    out["ratio_to_h100"] = out["tokens_per_s"] / out["workload"].map(ref)
    return out


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per chip and workload: central value and low-high range of the ``table`` columns."""
    values = ["tokens_per_s", "tokens_per_joule", "ratio_to_h100"]
    piv = table.pivot(index=["chip_id", "workload"], columns="bound", values=values)
    piv.columns = [f"{v}_{b}" for v, b in piv.columns]
    piv = piv[[f"{v}_{b}" for v in values for b in BOUNDS]]
    names = table.drop_duplicates("chip_id").set_index("chip_id")["name"]
    piv.insert(0, "name", piv.index.get_level_values("chip_id").map(names))
    return piv.reset_index()


def decode_curve(w: pd.DataFrame | None = None, points: int = 60, **params) -> pd.DataFrame:
    """Decode tokens/s against batch size (1 .. max_decode_batch, log-spaced), central specs."""
    p = _params(params)
    w = specs() if w is None else w
    batches = np.unique(np.round(np.geomspace(1, p["max_decode_batch"], points)))
    rows = []
    for chip in ROOFLINE_CHIPS:
        for b in batches:
            r = _rates(w, chip, "central", {**p, "decode_batch": float(b)})
            rows.append({"chip_id": chip, "name": w.loc[chip, "name"], "batch": b,
                         "tokens_per_s": r["decode"], "bound_by": r["decode_bound_by"]})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- 4 equivalence
def equivalence(w: pd.DataFrame | None = None, **params) -> pd.DataFrame:
    """How many substitutes equal one target chip per workload, and the power (kW) that draws.

    ``chips_needed_low`` pairs the target's low with the substitute's high specs (and vice
    versa), so the range covers both chips' spec ranges.
    """
    w = specs() if w is None else w
    t = workloads(w, **params).set_index(["chip_id", "workload", "bound"])
    rows = []
    for target in TARGETS:
        for sub in SUBSTITUTES:
            for wl in WORKLOADS:
                def rate(chip, bound):
                    return t.loc[(chip, wl, bound), "tokens_per_s"]

                def tdp(chip, bound):
                    return t.loc[(chip, wl, bound), "tdp_w"]

                n = {"central": rate(target, "central") / rate(sub, "central"),
                     "low": rate(target, "low") / rate(sub, "high"),
                     "high": rate(target, "high") / rate(sub, "low")}
                rows.append({
                    "target": target, "target_name": w.loc[target, "name"], "substitute": sub,
                    "substitute_name": w.loc[sub, "name"], "workload": wl,
                    **{f"chips_needed{BOUNDS[b]}": v for b, v in n.items()},
                    "substitute_kw": n["central"] * tdp(sub, "central") / 1e3,
                    "substitute_kw_low": n["low"] * tdp(sub, "low") / 1e3,
                    "substitute_kw_high": n["high"] * tdp(sub, "high") / 1e3,
                    "target_kw": tdp(target, "central") / 1e3})
    out = pd.DataFrame(rows)
    out["power_ratio"] = out["substitute_kw"] / out["target_kw"]
    return out


# ----------------------------------------------------------------------------- headline
def fmt_range(lo: float, hi: float, fmt: str = ".0%") -> str:
    """'28–38%' (or '96%' when both ends round alike); ``fmt`` is a format spec."""
    a, b = format(lo, fmt), format(hi, fmt)
    if a == b:
        return a
    if a.endswith("%") and b.endswith("%"):
        a = a[:-1]
    return f"{a}–{b}"


def precision_label(bytes_per_param: float) -> str:
    """'FP8 (1 byte per weight)' etc. for the decode weight format."""
    names = {0.5: "4-bit", 1.0: "FP8", 2.0: "BF16"}
    name = names.get(float(bytes_per_param))
    size = f"{bytes_per_param:g} byte{'s' if bytes_per_param != 1 else ''} per weight"
    return f"{name} ({size})" if name else size


def headline(**params) -> dict:
    """Headline numbers and one Markdown sentence (defaults = the notebook's parameter defaults)."""
    p = _params(params)
    w = specs()
    svd = sparse_vs_dense(w).set_index(["chip_id", "precision"])
    fp8 = svd.loc[(REFERENCE, "FP8")]
    s = summary(workloads(w, **p)).set_index(["chip_id", "workload"])
    eq = equivalence(w, **p).set_index(["target", "substitute", "workload"])

    def ratio(chip, wl, b="central"):
        return float(s.loc[(chip, wl), f"ratio_to_h100_{b}"])

    decode_max = workloads(w, **{**p, "decode_batch": p["max_decode_batch"]})
    decode_max = decode_max[(decode_max.bound == "central") & (decode_max.workload == "decode")]
    h20_decode_max = float(decode_max.set_index("chip_id").loc["h20", "ratio_to_h100"])
    h20_max_bound = decode_max.set_index("chip_id").loc["h20", "decode_bound_by"]
    t = workloads(w, **p)
    h20_bound = t[(t.chip_id == "h20") & (t.bound == "central") & (t.workload == "decode")]["decode_bound_by"].iloc[0]
    b200 = eq.loc[("b200_hgx", "h20", "training")]
    out = {
        "h100_over_h20_dense": float(fp8["ratio_like_for_like"]),
        "h100_over_h20_mixed": float(fp8["ratio_mixed_basis"]),
        "h20_training_share": ratio("h20", "training"),
        "h20_decode_ratio": ratio("h20", "decode"),
        "h20_decode_ratio_max_batch": h20_decode_max,
        "ascend_910b_training": (ratio("ascend_910b", "training", "low"), ratio("ascend_910b", "training", "high")),
        "ascend_910b_decode": (ratio("ascend_910b", "decode", "low"), ratio("ascend_910b", "decode", "high")),
        "ascend_910c_training": (ratio("ascend_910c", "training", "low"), ratio("ascend_910c", "training", "high")),
        "ascend_910c_decode": (ratio("ascend_910c", "decode", "low"), ratio("ascend_910c", "decode", "high")),
        "h20_per_b200_training": float(b200["chips_needed"]),
        "h20_per_b200_training_power_ratio": float(b200["power_ratio"]),
    }
    out["sentence"] = (
        f"Like for like (dense against dense), an H100 has **{out['h100_over_h20_dense']:.1f}×** the H20's "
        f"compute, not the {out['h100_over_h20_mixed']:.1f}× that setting Nvidia's with-sparsity H100 headline "
        f"against the H20's dense figure suggests, so for training an H20 is worth "
        f"**{out['h20_training_share']:.0%} of an H100**, while decoding a {p['model_active_params_b']:g}B-active "
        f"model in {precision_label(p['bytes_per_param'])} in batches of {p['decode_batch']:g}, "
        f"where the H20 is bound by {h20_bound}, it delivers "
        f"**{out['h20_decode_ratio']:.2f}×** an H100 ({out['h20_decode_ratio_max_batch']:.2f}× at "
        f"batch {p['max_decode_batch']:g}, bound by {h20_max_bound}); Huawei's Ascend 910B reaches "
        f"{fmt_range(*out['ascend_910b_training'], '.0%')} of an H100 for training and "
        f"{fmt_range(*out['ascend_910b_decode'], '.0%')} for decode, the 910C "
        f"{fmt_range(*out['ascend_910c_training'], '.0%')} and {fmt_range(*out['ascend_910c_decode'], '.0%')}; "
        f"matching one B200 for training takes **{out['h20_per_b200_training']:.0f} H20s** drawing "
        f"{out['h20_per_b200_training_power_ratio']:.1f}× its power.")
    return out


# ----------------------------------------------------------------------------- chart data
FLOOR_LABEL = "not published: drawn at axis floor"


def log_domain(values) -> tuple[float, float]:
    """Log-axis domain padded out to half-decade steps (e.g. 1,912..40,000 -> 1,000..100,000)."""
    v = pd.Series(values, dtype=float).dropna()
    v = v[v > 0]
    return (10 ** (math.floor(2 * math.log10(v.min())) / 2), 10 ** (math.ceil(2 * math.log10(v.max())) / 2))


def rule_map_data(cls: pd.DataFrame, rules: pd.DataFrame, rule_set: str, y_metric: str, y_col: str,
                  y_low: str | None = None, y_high: str | None = None, label_gap_decades: float = 0.15):
    """Points and rule regions for a TPP (x) against ``y_col`` (y) chart of ``classification()``.

    Chips without a y value are put at the axis floor (``plotted`` = FLOOR_LABEL), half a decade
    below the data; chips at one point share a label, and labels of neighbours closer than
    ``label_gap_decades`` on the same row are merged. Returns (points, rects, x_domain, y_domain).
    """
    y_low, y_high = y_low or y_col, y_high or y_col
    xdom = log_domain(pd.concat([cls.tpp_low, cls.tpp_high]))
    ydom = log_domain(pd.concat([cls[y_low], cls[y_high]]))
    ydom = (ydom[0] / math.sqrt(10), ydom[1])
    pts = cls.assign(x=cls.tpp, y=cls[y_col], ylo=cls[y_low], yhi=cls[y_high],
                     short=cls.chip_id.map(short_name), rule_class=cls[rule_set],
                     plotted=np.where(cls[y_col].isna(), FLOOR_LABEL, "published"))
    pts[["y", "ylo", "yhi"]] = pts[["y", "ylo", "yhi"]].fillna(ydom[0])
    pts = (pts.groupby(["x", "y", "ylo", "yhi", "tpp_low", "tpp_high", "plotted", "vendor"], as_index=False)
              .agg(label=("short", " / ".join), rule_class=("rule_class", " / ".join),
                   source_ids=("source_ids", "; ".join))
              .sort_values(["y", "x"], ignore_index=True))
    near = pts.y.eq(pts.y.shift()) & np.log10(pts.x / pts.x.shift()).lt(label_gap_decades)
    for i in pts.index[near][::-1]:
        pts.loc[i - 1, "label"] += " / " + pts.loc[i, "label"]
        pts.loc[i, "label"] = ""
    rects = chips.rule_rects(rules, rule_set, "tpp", y_metric, xdom, ydom)
    rects["label"] = rects.eccn.str.replace("3A090.", "", regex=False) + "." + rects.clause.astype(str)
    return pts, rects, xdom, ydom
