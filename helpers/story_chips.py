"""The chip capability gap, computed from data/ (shared by 01_chip_gap and the overview).

Every throughput is DENSE (no 2:4 sparsity) unless a column says ``sparse``. Ranges: each
figure is computed three times, from the ``value_low``, ``value``, and ``value_high`` of every
spec (``bound`` = low / central / high), so a range in the data is carried to the result.
"""
from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from helpers import charts, chips, data
from helpers.params import with_defaults

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
    return with_defaults(DEFAULTS, overrides)


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


def _ratio_range(summ: pd.DataFrame, chip: str, workload: str) -> tuple[float, float]:
    """(low, high) tokens/s relative to one H100 (×) from ``summary()`` indexed by (chip_id, workload)."""
    return (float(summ.loc[(chip, workload), "ratio_to_h100_low"]),
            float(summ.loc[(chip, workload), "ratio_to_h100_high"]))


def headline(**params) -> dict:
    """Headline numbers and one Markdown sentence (defaults = the notebook's parameter defaults)."""
    p = _params(params)
    w = specs()
    svd = sparse_vs_dense(w).set_index(["chip_id", "precision"])
    fp8 = svd.loc[(REFERENCE, "FP8")]
    s = summary(workloads(w, **p)).set_index(["chip_id", "workload"])
    eq = equivalence(w, **p).set_index(["target", "substitute", "workload"])

    def ratio(chip, wl):
        return float(s.loc[(chip, wl), "ratio_to_h100_central"])

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
        **{f"{chip}_{wl}": _ratio_range(s, chip, wl) for chip in ("ascend_910b", "ascend_910c") for wl in WORKLOADS},
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


# ----------------------------------------------------------------------------- notebook charts and text
SPARSE_SPECS = ["dense_bf16_tflops", "sparse_bf16_tflops"]
ROOFLINE_SPECS = ["dense_bf16_tflops", "dense_fp8_tflops", "memory_bandwidth_tbps"]
POWER_SPECS = [*ROOFLINE_SPECS, "tdp_w"]
ROOFLINE_ORDER = [short_name(c) for c in ROOFLINE_CHIPS]
#: rule set -> (rule metric on y, y column, its low and high columns, y-axis title) of rule_panel()
RULE_PANELS = {
    "oct2022": ("io_bandwidth_gbps", "io_gbps", None, None, "chip-to-chip I/O (GB/s, log scale)"),
    "oct2023": ("performance_density", "pd", "pd_low", "pd_high", "performance density (TPP per mm², log scale)"),
}


def cite_specs(chip_ids, spec_names, long: pd.DataFrame | None = None) -> str:
    """Source line for the ``chip_specs`` rows of these chips and specs."""
    long = data.load("chip_specs") if long is None else long
    return data.cite(long[long.chip_id.isin(chip_ids) & long.spec.isin(spec_names)].source_id)


def _tips(*cols: str, fmt: str = ".2f") -> list:
    """Quantitative tooltips for ``cols``, all with format ``fmt``."""
    return [alt.Tooltip(f"{c}:Q", format=fmt) for c in cols]


def _workload_bars(source, y: str, sort: list, x: str, low: str, high: str, x_title: str, tooltip: list):
    """(base, bars, whiskers): bars of ``x`` per ``y`` and workload (yOffset), whiskers ``low``..``high``."""
    base = alt.Chart(source).encode(y=alt.Y(y, sort=sort, title=None), yOffset="workload:N",
                                    color=alt.Color("workload:N", title="Workload", legend=alt.Legend(orient="bottom")))
    bars = base.mark_bar().encode(x=alt.X(f"{x}:Q", title=x_title), tooltip=tooltip)
    return base, bars, base.mark_rule().encode(x=f"{low}:Q", x2=high, color=alt.value("#222"))


def chart_sparse(svd: pd.DataFrame):
    """Bars: each chip's BF16 tensor TFLOPS as a multiple (×) of the H20's dense BF16, like for like and on
    mixed bases; ``svd`` = ``sparse_vs_dense()`` (base H20)."""
    bf = svd[svd.precision == "BF16"].assign(chip=lambda d: d.chip_id.map(short_name))
    bf["source"] = [cite_specs([c, "h20"], SPARSE_SPECS) for c in bf.chip_id]
    labels = {"ratio_like_for_like": "like for like: dense ÷ H20 dense",
              "ratio_mixed_basis": "mixed: sparse headline ÷ H20 dense"}
    bars_data = bf.melt(id_vars=["chip", "dense_tflops", "sparse_tflops", "source"], value_vars=list(labels),
                        var_name="basis", value_name="ratio").replace({"basis": labels})
    base = alt.Chart(bars_data).encode(
        y=alt.Y("chip:N", sort=list(bf.chip), title=None), yOffset=alt.YOffset("basis:N"),
        x=alt.X("ratio:Q", title="Times the H20's dense BF16 tensor throughput"),
        tooltip=["chip", "basis", *_tips("ratio"), "dense_tflops", "sparse_tflops", "source"])
    bars = base.mark_bar().encode(color=alt.Color("basis:N", title=None,
                                                  legend=alt.Legend(orient="bottom", labelLimit=400)))
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(text=alt.Text("ratio:Q", format=".1f"))
    h100 = svd.set_index(["chip_id", "precision"]).loc[(REFERENCE, "BF16")]
    piv = svd.pivot(index="chip_id", columns="precision", values="ratio_like_for_like").dropna()
    same = np.allclose(piv["BF16"], piv["FP8"])
    return charts.sourced(
        bars + text,
        f"Mixing bases doubles every gap: an H100 is {h100.ratio_mixed_basis:.1f}× an H20 on mixed bases, "
        f"{h100.ratio_like_for_like:.1f}× like for like",
        source=cite_specs(list(bf.chip_id) + ["h20"], SPARSE_SPECS),
        subtitle="BF16 tensor TFLOPS" + ("; the FP8 ratios are identical" if same else ""))


def rule_panel(cls: pd.DataFrame, rules: pd.DataFrame, rule_set: str, y_metric: str, y_col: str,
               y_low: str | None, y_high: str | None, y_title: str):
    """One log-log rule map: TPP (x) against ``y_col`` (y), the regions each clause of ``rule_set`` controls
    (``rule_map_data()``), spec-range whiskers and chip labels."""
    pts, rects, xdom, ydom = rule_map_data(cls, rules, rule_set, y_metric, y_col, y_low, y_high)
    x = alt.X("x:Q", scale=alt.Scale(type="log", domain=xdom, nice=False),
              title="TPP (bit length × dense TOPS, log scale)")
    y = alt.Y("y:Q", scale=alt.Scale(type="log", domain=ydom, nice=False), title=y_title)
    reg = alt.Chart(rects).mark_rect(opacity=0.16, stroke="#888").encode(
        x="x:Q", x2="x2", y="y:Q", y2="y2", tooltip=["eccn", "clause", "x", "x2", "y", "y2"],
        fill=alt.Fill("eccn:N", legend=None,
                      scale=alt.Scale(domain=["3A090.a", "3A090.b"], range=["#d1495b", "#edae49"])))
    reg_txt = alt.Chart(rects).mark_text(align="left", baseline="top", dx=3, dy=3, fontSize=9, color="#555").encode(
        x="x:Q", y="y2:Q", text="label:N")
    err = alt.Chart(pts).mark_rule(color="#333").encode(x="tpp_low:Q", x2="tpp_high", y="y:Q") + \
        alt.Chart(pts).mark_rule(color="#333").encode(x="x:Q", y="ylo:Q", y2="yhi")
    dots = alt.Chart(pts).mark_point(size=70, filled=True).encode(
        x=x, y=y,
        shape=alt.Shape("plotted:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=300),
                        scale=alt.Scale(domain=["published", FLOOR_LABEL], range=["circle", "triangle-up"])),
        color=alt.Color("vendor:N", title="Vendor", scale=alt.Scale(range=["#7a5195", "#1f5a96"]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=["label", alt.Tooltip("rule_class", title="class"), alt.Tooltip("x:Q", title="TPP", format=",.0f"),
                 alt.Tooltip("y:Q", title=y_metric, format=",.3g"), "plotted", "source_ids"])
    text = {"text": "label:N", "shape": alt.value("circle"), "color": alt.value("#222")}
    labels = dots.mark_text(align="left", dx=7, fontSize=10).encode(**text).transform_filter(
        alt.datum.plotted == "published") + dots.mark_text(align="left", dx=5, dy=-4, angle=300, fontSize=10).encode(
        **text).transform_filter(alt.datum.plotted != "published")
    return alt.layer(reg, reg_txt, err, dots, labels).properties(
        width=300, height=300, title=f"{rule_set}: TPP against {y_title.split(' (')[0]}")


def chart_rule_panels(cls: pd.DataFrame, rules: pd.DataFrame):
    """The rule maps side by side: 2022 TPP against I/O (GB/s), 2023 TPP against PD (TPP per mm²)."""
    return alt.hconcat(*(rule_panel(cls, rules, rs, *args) for rs, args in RULE_PANELS.items()))


def _decode_crossover(wl: pd.DataFrame) -> pd.Series:
    """Central decode batch (sequences) beyond which each chip is compute-bound, by chip_id (inf: never)."""
    return wl[(wl.bound == "central") & (wl.workload == "decode")].set_index("chip_id")["crossover_batch"]


def chart_roofline(wl: pd.DataFrame, **params):
    """Bars: training and decode tokens/s of each roofline chip relative to one H100 (×), with spec-range
    whiskers; ``wl`` = ``workloads(**params)``."""
    p = _params(params)
    summ = summary(wl)
    rat = summ.assign(chip=summ.chip_id.map(short_name),
                      source=[cite_specs([c], ROOFLINE_SPECS) for c in summ.chip_id])
    cols = ["ratio_to_h100_central", "ratio_to_h100_low", "ratio_to_h100_high"]
    tips = ["chip", "workload", *_tips(*cols), *_tips("tokens_per_s_central", fmt=",.0f"), "source"]
    _, bars, err = _workload_bars(rat, "chip:N", ROOFLINE_ORDER, *cols,
                                  "Tokens/s relative to one H100 (1 = H100)", tips)
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 3], color="#333").encode(x="x:Q")
    r = summ.set_index(["chip_id", "workload"])["ratio_to_h100_central"]
    return charts.sourced(
        bars + err + one,
        f"An H20 is worth {r['h20', 'training']:.0%} of an H100 for training but {r['h20', 'decode']:.0%} for decoding",
        subtitle=f"{p['model_active_params_b']:g}B active parameters; decode in "
                 f"{precision_label(p['bytes_per_param'])}, batch {p['decode_batch']}, MFU {p['mfu']:g}, "
                 f"MBU {p['mbu']:g}; whiskers: spec ranges",
        source=cite_specs(ROOFLINE_CHIPS, ROOFLINE_SPECS))


def chart_decode(curve: pd.DataFrame, wl: pd.DataFrame, **params):
    """Lines: decode tokens/s per chip against batch (sequences, log-log), dashed where compute-bound;
    ``curve`` = ``decode_curve(**params)``, ``wl`` = ``workloads(**params)``."""
    p = _params(params)
    sources = {c: cite_specs([c], ROOFLINE_SPECS) for c in ROOFLINE_CHIPS}
    curve = curve.assign(chip=lambda d: d.chip_id.map(short_name), source=lambda d: d.chip_id.map(sources))
    lines = alt.Chart(curve).mark_line().encode(
        x=alt.X("batch:Q", scale=alt.Scale(type="log", domain=[1, p["max_decode_batch"]], nice=False),
                title="Sequences decoded together per chip (batch, log scale)"),
        y=alt.Y("tokens_per_s:Q", scale=alt.Scale(type="log"), title="Decode tokens/s per chip (log scale)"),
        color=alt.Color("chip:N", sort=ROOFLINE_ORDER, title="Chip"), detail="chip:N",
        strokeDash=alt.StrokeDash("bound_by:N", title="Bound by"),
        tooltip=["chip", "batch", *_tips("tokens_per_s", fmt=",.0f"), "bound_by", "source"])
    now = alt.Chart(pd.DataFrame({"batch": [p["decode_batch"]], "label": [f"batch {p['decode_batch']} (parameter)"]}))
    marker = now.mark_rule(color="#888").encode(x="batch:Q") + now.mark_text(
        align="left", dx=3, dy=-140, fontSize=10).encode(x="batch:Q", text="label:N")
    cross = _decode_crossover(wl)
    h20x = cross["h20"]
    title = (f"The H20 runs out of compute beyond batch {h20x:.0f}; the H100 stays memory-bound"
             if math.isfinite(h20x) and not math.isfinite(cross[REFERENCE])
             else f"Decode throughput by batch: the H20 turns compute-bound at batch {h20x:.0f}" if math.isfinite(h20x)
             else "Decode stays memory-bound for every chip at these settings")
    subtitle = f"KV cache {p['kv_cache_gb_per_seq']:g} GB per sequence; memory capacity not checked"
    return charts.sourced(lines + marker, title, subtitle=subtitle, source=cite_specs(ROOFLINE_CHIPS, ROOFLINE_SPECS))


def roofline_text(wl: pd.DataFrame, w: pd.DataFrame | None = None, **params) -> str:
    """Markdown paragraph of section 3: H20, Ascend and B200 tokens/s relative to an H100 (×, %), the H20's
    decode bound and crossover batch, and tokens per joule of board power; ``wl`` = ``workloads(**params)``."""
    p = _params(params)
    w = specs() if w is None else w
    c = wl[wl.bound == "central"].set_index(["chip_id", "workload"])
    ab = summary(wl).set_index(["chip_id", "workload"])
    r, tj = ab["ratio_to_h100_central"], c["tokens_per_joule"]
    h20x = _decode_crossover(wl)["h20"]

    def rng(chip, workload):
        return fmt_range(*_ratio_range(ab, chip, workload))

    return (
        f"Training runs on compute, where the H20 has {r['h20', 'training']:.0%} of an H100; decode runs on memory "
        f"bandwidth, where its {w.loc['h20', 'memory_bandwidth_tbps']:g} TB/s beats the H100's "
        f"{w.loc[REFERENCE, 'memory_bandwidth_tbps']:g}: at batch {p['decode_batch']} it decodes "
        f"**{r['h20', 'decode']:.2f}×** as many tokens per second as an H100 (bound by "
        f"{c.loc[('h20', 'decode'), 'decode_bound_by']})"
        + (f", and beyond a batch of about {h20x:.0f} its weak compute caps it" if math.isfinite(h20x) else "") + ". "
        f"Per joule of board power the H20 gives {tj['h20', 'decode']:.1f} decode tokens against the H100's "
        f"{tj[REFERENCE, 'decode']:.1f}, but only {tj['h20', 'training']:.2f} training tokens against "
        f"{tj[REFERENCE, 'training']:.2f}. The Ascend 910B reaches {rng('ascend_910b', 'training')} of an H100 for "
        f"training and {rng('ascend_910b', 'decode')} for decode (the low end is the low-bandwidth 910B4 variant and "
        f"the lowest quoted peak); the 910C {rng('ascend_910c', 'training')} and {rng('ascend_910c', 'decode')}; "
        f"a B200 is {r['b200_hgx', 'training']:.1f}× an H100 for training and {r['b200_hgx', 'decode']:.1f}× for "
        "decode.")


def chart_equivalence(eq: pd.DataFrame):
    """Bars: substitutes needed to equal one target chip per workload (chips), with range whiskers and the
    power drawn relative to the target (× board TDP); ``eq`` = ``equivalence()``."""
    e = eq.assign(target_chip=eq.target.map(short_name), sub_chip=eq.substitute.map(short_name),
                  power=eq.power_ratio.map(lambda v: "TDP n/a" if v != v else f"{v:.1f}× power"),
                  source=[cite_specs([t, s], POWER_SPECS) for t, s in zip(eq.target, eq.substitute)])
    cols = ["chips_needed", "chips_needed_low", "chips_needed_high"]
    tips = ["target_chip", "sub_chip", "workload", *_tips(*cols, "substitute_kw", "target_kw"), "power", "source"]
    base, bars, err = _workload_bars(alt.Undefined, "sub_chip:N", [short_name(c) for c in SUBSTITUTES], *cols,
                                     "Chips needed to equal one target chip", tips)
    txt = base.mark_text(align="left", dx=4, fontSize=9).encode(x="chips_needed_high:Q", text="power:N",
                                                                color=alt.value("#333"))
    one = alt.Chart().mark_rule(strokeDash=[4, 3], color="#333").encode(x=alt.datum(1))
    b = eq.set_index(["target", "substitute", "workload"])["chips_needed"]
    chart = alt.layer(bars, err, txt, one, data=e).properties(width=190, height=150).facet(
        column=alt.Column("target_chip:N", title="Target chip", sort=[short_name(c) for c in TARGETS]))
    return charts.sourced(chart, f"{b['b200_hgx', 'h20', 'training']:.0f} H20s equal one B200 in training, "
                                 f"{b['b200_hgx', 'h20', 'decode']:.1f} in decoding",
                          subtitle="Labels: power drawn by the substitutes relative to the target chip (board TDP)",
                          source=cite_specs(ROOFLINE_CHIPS, POWER_SPECS))


def _span(values: pd.Series, fmt: str = ".1f") -> str:
    """'0.8–2.0': the min–max of ``values`` through ``fmt_range``."""
    return fmt_range(values.min(), values.max(), fmt)


def equivalence_text(eq: pd.DataFrame) -> str:
    """Markdown of section 4: per target, H20s and Ascends needed (chips, with ranges) and their power (× the
    target's board TDP), then the H20 count and power span over targets; ``eq`` = ``equivalence()``."""
    b = eq.set_index(["target", "substitute", "workload"])

    def n(t, s, w):
        row = b.loc[(t, s, w)]
        if row.chips_needed_low == row.chips_needed_high:
            return f"{row.chips_needed:.1f}"
        return f"{row.chips_needed:.1f} ({fmt_range(row.chips_needed_low, row.chips_needed_high, '.1f')})"

    def pw(t, s, w):
        v = b.loc[(t, s, w), "power_ratio"]
        return "power not published" if v != v else f"{v:.1f}× the power"

    hd, ht = (eq[(eq.substitute == "h20") & (eq.workload == w)] for w in ("decode", "training"))
    lines = [
        f"- One **{short_name(t)}** = {n(t, 'h20', 'training')} H20s for training ({pw(t, 'h20', 'training')}) but "
        f"{n(t, 'h20', 'decode')} for decode ({pw(t, 'h20', 'decode')}); {n(t, 'ascend_910b', 'training')} Ascend "
        f"910B for training ({pw(t, 'ascend_910b', 'training')}), {n(t, 'ascend_910b', 'decode')} for decode; "
        f"{n(t, 'ascend_910c', 'training')} Ascend 910C for training, {n(t, 'ascend_910c', 'decode')} for decode."
        for t in TARGETS]
    return ("\n".join(lines)
            + f"\n\nPer controlled chip, the H20 count is {_span(hd.chips_needed)} for decode at "
              f"{_span(hd.power_ratio)}× the power, but {_span(ht.chips_needed)} for training at "
              f"{_span(ht.power_ratio)}× the power, before the cost of the links, switches and racks that join the "
              "extra chips.")


def caveats_text(w: pd.DataFrame | None = None, long: pd.DataFrame | None = None,
                 spending: pd.DataFrame | None = None, events: pd.DataFrame | None = None) -> str:
    """Markdown caveat bullets from the data: interconnect (GB/s), reported Ascend yields (%), every spec range
    of the roofline chips (in the spec's unit) and the chips without a published TDP (W)."""
    w = specs() if w is None else w
    long = data.load("chip_specs") if long is None else long
    spending = data.load("bytedance_spending") if spending is None else spending
    events = data.load("chip_events") if events is None else events
    io = w["interconnect_gbps"]
    yields = spending[spending.item.str.contains("yield")]
    ranged = long[long.chip_id.isin(ROOFLINE_CHIPS) & long.spec.ne("process_node_nm")
                  & (long.value_low.notna() | long.value_high.notna()) & (long.value_low != long.value_high)]
    no_tdp = [short_name(c) for c in ROOFLINE_CHIPS if w.loc[c, "tdp_w"] != w.loc[c, "tdp_w"]]
    scale = events.set_index("event_id").loc["ev_2025_04_16_cm384", "event"]
    io_910c = fmt_range(w.loc["ascend_910c", "interconnect_gbps_low"], w.loc["ascend_910c", "interconnect_gbps_high"],
                        ",.0f")
    return "\n".join([
        f"- **Interconnect.** Chip-to-chip bandwidth: H20 {io['h20']:,.0f} GB/s "
        f"(as {' and '.join(short_name(c) for c in TARGETS if io[c] == io['h20'])}), B200 {io['b200_hgx']:,.0f} GB/s, "
        f"Ascend 910C {io_910c} GB/s; "
        f"the 910B's is not published. Huawei answers weaker chips with scale: {scale}",
        "- **Ascend yields** are reported, not measured, and disagree: "
        + "; ".join(f"{short_name(r.item.replace('_yield', ''))} {r.value:.0%} ({r.period}, {r.source_id})"
                    for r in yields.itertuples())
        + ". Yields limit how many Ascends exist, not how fast each one is.",
        "- **Ranges in the data** (carried into the results above): "
        + "; ".join(f"{short_name(r.chip_id)} {r.spec} {r.value_low:,.4g}–{r.value_high:,.4g} {r.unit}"
                    for r in ranged.itertuples()) + ".",
        f"- **No TDP published** for {', '.join(no_tdp)}: its tokens per joule and power ratios are left blank."
        if no_tdp else ""])
