"""Doubao's users against the compute they need, computed from data/ (notebook 03 and the overview).

Units: users in millions in tables (people in the demand functions), tokens per day in trillions,
GPUs as counts of one chip type. Throughput limits come from ``helpers.chips`` (dense peak at the
serving precision, HBM bandwidth); the demand chain from ``helpers.demand``. The Monte Carlo is
seeded and vectorised: every chip is evaluated on the same draws, so chips compare like for like.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

import altair as alt

from helpers import charts, chips, data, demand, story_chips
from helpers.params import with_defaults

#: Chips the need is computed for (sold in China, rented abroad, or licensed).
CHIPS = ["h20", "ascend_910b", "h800_sxm", "h100_sxm", "h200_sxm", "b200_hgx", "gb200_per_gpu"]
#: model_assumptions rows drawn in the Monte Carlo (parameter -> keyword of the model).
ASSUMPTIONS = {
    "queries_per_dau_per_day": "queries",
    "prompt_tokens_per_query": "prompt",
    "answer_tokens_per_query": "answer",
    "prefix_cache_hit_rate": "cache_hit",
    "active_params_b": "active_params_b",
    "peak_to_average": "peak",
    "mfu_prefill": "mfu",
    "mbu_decode": "mbu",
}
#: Readable names of the Monte Carlo keywords (tables, charts, the headline).
LABELS = {"dau": "daily active users", "queries": "queries per daily user", "prompt": "prompt tokens per query",
          "answer": "answer tokens per query", "cache_hit": "prefix-cache hit rate",
          "active_params_b": "active parameters (B)", "peak": "peak-to-average load",
          "mfu": "compute utilisation (MFU)", "mbu": "bandwidth utilisation (MBU)"}
#: Keywords describing how people use the app (not published for Doubao), as opposed to serving efficiency.
USAGE = ("dau", "queries", "prompt", "answer")
DAU_WINDOW_DAYS = 92  # Doubao DAU reports within this many days of the latest one form the DAU range
DEFAULTS = dict(dau_millions=None, chip_id="h20", precision="fp8", decode_batch=32,
                kv_cache_gb_per_seq=story_chips.DEFAULTS["kv_cache_gb_per_seq"],
                n_draws=100_000, seed=20260223, growth_from="2024-12", growth_to="2025-12")
BYTES = {"fp8": 1.0, "bf16": 2.0}


def _p(overrides: dict) -> dict:
    return with_defaults(DEFAULTS, overrides)


def sig(x: float, digits: int = 2) -> str:
    """``x`` rounded to ``digits`` significant figures with thousands separators: 7268 -> '7,300'.
    Monte Carlo results are estimates; more digits would be false precision."""
    if x == 0 or not np.isfinite(x):
        return f"{x:,.0f}"
    decimals = digits - 1 - int(np.floor(np.log10(abs(x))))
    rounded = round(x, decimals)
    return f"{rounded:,.{max(decimals, 0)}f}"


short = story_chips.short_name  # "h100_sxm" -> "H100"


# --------------------------------------------------------------------------- #
# 1. growth
# --------------------------------------------------------------------------- #
def users(app: str = "doubao") -> pd.DataFrame:
    """Reported users of ``app`` (millions), by metric and measuring firm, in date order."""
    u = data.load("app_users")
    return u[u.app == app].sort_values(["period", "metric"]).reset_index(drop=True)


def tokens() -> pd.DataFrame:
    """Daily token volumes of ByteDance's Doubao models (all traffic: app, internal products, API)."""
    t = data.load("token_volumes")
    return t[t.scope == "doubao_models_all_traffic"].sort_values("date").reset_index(drop=True)


def _nearest(df: pd.DataFrame, date_col: str, when: str) -> pd.Series:
    target = pd.Timestamp(when)
    return df.loc[(df[date_col] - target).abs().idxmin()]


def growth(growth_from: str = DEFAULTS["growth_from"], growth_to: str = DEFAULTS["growth_to"]) -> pd.DataFrame:
    """Multiple between the observations nearest ``growth_from`` and ``growth_to`` (YYYY-MM) for
    Doubao MAU (any firm), Doubao DAU and all-traffic tokens per day; one row per series."""
    if pd.Timestamp(growth_from) >= pd.Timestamp(growth_to):
        raise ValueError(f"growth_from={growth_from!r} must be before growth_to={growth_to!r}")
    u = users()
    series = {"Doubao MAU (millions)": (u[u.metric == "mau"], "period", "value_millions"),
              "Doubao DAU (millions)": (u[u.metric == "dau"], "period", "value_millions"),
              "tokens per day, all Doubao-model traffic (trillions)": (tokens(), "date", "tokens_per_day_trillions")}
    rows = []
    for name, (df, dcol, vcol) in series.items():
        a, b = _nearest(df, dcol, growth_from), _nearest(df, dcol, growth_to)
        if a[dcol] >= b[dcol]:
            continue
        years = (b[dcol] - a[dcol]).days / 365.25
        mult = b[vcol] / a[vcol]
        rows.append({"series": name, "from": a[dcol], "value_from": a[vcol], "to": b[dcol], "value_to": b[vcol],
                     "multiple": mult, "annualised": mult ** (1 / years) if years > 0 else np.nan,
                     "measured_by": " → ".join(dict.fromkeys([a.get("measured_by", "ByteDance"), b.get("measured_by", "ByteDance")])),
                     "source_id": ", ".join(dict.fromkeys([a.source_id, b.source_id]))})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- #
# 2-4. demand model and Monte Carlo
# --------------------------------------------------------------------------- #
def dau_range(dau_millions=None) -> dict:
    """DAU (people) as (low, central, high) with its sources: the Doubao DAU reports within
    ``DAU_WINDOW_DAYS`` of the latest one (low = min, central = median, high = max), or a
    reader's single value."""
    if dau_millions is not None:
        v = float(dau_millions) * 1e6
        return {"low": v, "central": v, "high": v, "source_ids": [], "label": f"{dau_millions:g}M (parameter)"}
    u = users()
    dau = u[u.metric == "dau"]
    recent = dau[dau.period >= dau.period.max() - pd.Timedelta(days=DAU_WINDOW_DAYS)]
    vals = recent.value_millions * 1e6
    return {"low": float(vals.min()), "central": float(vals.median()), "high": float(vals.max()),
            "source_ids": list(dict.fromkeys(recent.source_id)), "rows": recent,
            "label": f"{recent.period.min():%b %Y}–{recent.period.max():%b %Y}"}


def assumptions() -> pd.DataFrame:
    """The model_assumptions rows used in the Monte Carlo, with the distribution each is drawn from."""
    ma = data.load("model_assumptions").set_index("parameter").loc[list(ASSUMPTIONS)].reset_index()
    ma["keyword"] = ma.parameter.map(ASSUMPTIONS)
    ma["distribution"] = [_dist(r.low, r.high) for r in ma.itertuples()]
    return ma


def _dist(low: float, high: float) -> str:
    """log-triangular for ranges spanning more than 3x (so the high tail does not dominate)."""
    return "log_triangular" if low > 0 and high / low > 3 else "triangular"


def ranges(dau_millions=None) -> dict:
    d = dau_range(dau_millions)
    out = {"dau": (d["low"], d["central"], d["high"], _dist(d["low"], d["high"]))}
    for r in assumptions().itertuples():
        out[r.keyword] = (float(r.low), float(r.central), float(r.high), r.distribution)
    return out


def chip_table(precision: str = "fp8") -> pd.DataFrame:
    """Dense peak at ``precision`` (FP8 falls back to BF16 where a chip has none), bandwidth, power."""
    w = story_chips.specs().loc[CHIPS]
    return pd.DataFrame({"chip_id": CHIPS, "chip": [short(c) for c in CHIPS],
                         "dense_tflops": chips.dense_tflops_at(w.dense_bf16_tflops, w.dense_fp8_tflops, precision),
                         "bandwidth_tbps": w.memory_bandwidth_tbps.to_numpy(), "tdp_w": w.tdp_w.to_numpy()})


def model(chip: pd.Series, precision: str, decode_batch: float, kv_cache_gb_per_seq: float):
    """fn(dau, queries, prompt, answer, cache_hit, active_params_b, peak, mfu, mbu) -> GPUs of ``chip``."""
    def fn(dau, queries, prompt, answer, cache_hit, active_params_b, peak, mfu, mbu):
        sec = demand.gpu_seconds_per_query(prompt, answer, cache_hit, active_params_b, chip.dense_tflops,
                                           chip.bandwidth_tbps, BYTES[precision], decode_batch, mfu, mbu,
                                           kv_cache_gb_per_seq * 1e9)
        return demand.gpus_for_users(dau, queries, sec, peak)
    return fn


@lru_cache(maxsize=8)
def _simulate(dau_millions, chip_id, precision, decode_batch, kv_cache_gb_per_seq, n_draws, seed):
    rng = ranges(dau_millions)
    table = chip_table(precision).set_index("chip_id")
    first = demand.monte_carlo(n_draws, seed, rng, model(table.loc[chip_id], precision, decode_batch, kv_cache_gb_per_seq))
    per_chip = {c: model(table.loc[c], precision, decode_batch, kv_cache_gb_per_seq)(**first.draws) for c in CHIPS}
    app_tokens = demand.tokens_per_day(first.draws["dau"], first.draws["queries"], first.draws["prompt"] + first.draws["answer"])
    return first, per_chip, app_tokens


def simulate(**params):
    """(MonteCarloResult for the chosen chip, {chip: GPUs per draw}, app tokens/day per draw)."""
    p = _p(params)
    return _simulate(p["dau_millions"], p["chip_id"], p["precision"], p["decode_batch"],
                     p["kv_cache_gb_per_seq"], p["n_draws"], p["seed"])


def need(**params) -> pd.DataFrame:
    """GPUs Doubao's app needs at peak, per chip: 5th / 50th / 95th percentiles, and the power."""
    p = _p(params)
    _, per_chip, _ = simulate(**p)
    t = chip_table(p["precision"]).set_index("chip_id")
    rows = []
    for c, g in per_chip.items():
        q = demand.percentiles(g)
        rows.append({"chip_id": c, "chip": short(c), "p5": q[5.0], "p50": q[50.0], "p95": q[95.0],
                     "mw_p50": q[50.0] * t.loc[c, "tdp_w"] / 1e6})
    return pd.DataFrame(rows)


def token_check(**params) -> pd.DataFrame:
    """The app's modelled tokens/day (percentiles) against ByteDance's reported all-traffic volume
    nearest the latest DAU report."""
    p = _p(params)
    _, _, app = simulate(**p)
    q = demand.percentiles(app / 1e12)
    d = dau_range(p["dau_millions"])
    when = d["rows"].period.max() if "rows" in d else tokens().date.max()
    t = tokens()
    reported = t[t.date <= when].iloc[-1] if (t.date <= when).any() else t.iloc[0]
    return pd.DataFrame([{"app_tokens_t_p5": q[5.0], "app_tokens_t_p50": q[50.0], "app_tokens_t_p95": q[95.0],
                          "reported_t": reported.tokens_per_day_trillions, "reported_bound": reported.bound,
                          "reported_date": reported.date, "source_id": reported.source_id,
                          "app_share_p5": q[5.0] / reported.tokens_per_day_trillions,
                          "app_share_p50": q[50.0] / reported.tokens_per_day_trillions,
                          "app_share_p95": q[95.0] / reported.tokens_per_day_trillions}])


def drivers(**params) -> pd.DataFrame:
    """Which assumption drives the spread of the chosen chip's GPU count: Spearman rho over the
    Monte Carlo draws and the one-at-a-time swing (others at central)."""
    p = _p(params)
    first, _, _ = simulate(**p)
    rho = dict(demand.spread_drivers(first.draws, first.result))
    chip = chip_table(p["precision"]).set_index("chip_id").loc[p["chip_id"]]
    fn = model(chip, p["precision"], p["decode_batch"], p["kv_cache_gb_per_seq"])
    sw = demand.swing(ranges(p["dau_millions"]), fn)
    out = pd.DataFrame(sw, columns=["keyword", "gpus_at_low", "gpus_at_high"])
    out["rho"] = out.keyword.map(rho)
    out.insert(0, "assumption", out.keyword.map(LABELS))
    out["width"] = (out.gpus_at_high - out.gpus_at_low).abs()
    return out


def realised_check(**params) -> pd.DataFrame:
    """Cross-check in H800s: the app's median tokens/day at DeepSeek's realised fleet throughput
    per H800 (model_assumptions ``tokens_per_s_per_gpu_realised``: low / central / high), times
    the central peak-to-average, against the roofline Monte Carlo's H800 median."""
    p = _p(params)
    tc = token_check(**p).iloc[0]
    row = data.load("model_assumptions").set_index("parameter").loc["tokens_per_s_per_gpu_realised"]
    peak = ranges(p["dau_millions"])["peak"][1]
    roof = need(**p).set_index("chip_id").loc["h800_sxm", "p50"]
    rates = {"high": row.low, "central": row.central, "low": row.high}  # faster GPUs -> fewer GPUs
    return pd.DataFrame([{"bound": b, "tokens_per_s_per_h800": r,
                          "h800_needed": float(demand.gpus_needed(tc.app_tokens_t_p50 * 1e12, r, peak)),
                          "roofline_h800_p50": roof, "source_id": row.source_id} for b, r in rates.items()])


# --------------------------------------------------------------------------- #
# 5. against capacity
# --------------------------------------------------------------------------- #
def capacity() -> pd.DataFrame:
    """Reported ByteDance-linked GPU counts for chips in ``CHIPS`` (not denied), latest per chip and
    operator."""
    c = data.load("bytedance_capacity")
    c = c[c.gpu_count.notna() & c.chip_id.isin(CHIPS) & (c.status != "denied")]
    c = c[~c.operator.str.contains(r"\+")]  # combined approvals for several firms are not ByteDance's
    return c.sort_values("date").drop_duplicates(["chip_id", "operator", "gpu_count"]).reset_index(drop=True)


def against_capacity(**params) -> pd.DataFrame:
    """Share of each capacity row that the app's inference would use (percentiles), the app users
    that would fill it, and the share that all Doubao-model traffic at its latest reported volume
    would use (same cost per token)."""
    p = _p(params)
    first, per_chip, app = simulate(**p)
    latest = latest_traffic()
    rows = []
    for r in capacity().itertuples():
        g = per_chip[r.chip_id]
        share = demand.percentiles(g / r.gpu_count)
        per_token = g / app  # GPUs per (token/day) for this chip, per draw
        traffic = demand.percentiles(latest.tokens_per_day_trillions * 1e12 * per_token / r.gpu_count)
        fill = demand.percentiles(r.gpu_count / (g / first.draws["dau"]) / 1e6)
        rows.append({"capacity_id": r.capacity_id, "chip": short(r.chip_id), "gpu_count": r.gpu_count,
                     "where": r.country, "status": r.status, "date": r.date, "source_id": r.source_id,
                     "app_share_p5": share[5.0], "app_share_p50": share[50.0], "app_share_p95": share[95.0],
                     "traffic_share_p5": traffic[5.0], "traffic_share_p50": traffic[50.0], "traffic_share_p95": traffic[95.0],
                     "dau_to_fill_m_p5": fill[5.0], "dau_to_fill_m_p50": fill[50.0], "dau_to_fill_m_p95": fill[95.0]})
    return pd.DataFrame(rows)


def latest_traffic() -> pd.Series:
    """The latest reported all-traffic token volume (row of ``tokens()``)."""
    return tokens().iloc[-1]


def headline(**params) -> dict:
    """Headline numbers and one Markdown sentence (defaults = the notebook's parameter defaults)."""
    p = _p(params)
    n = need(**p).set_index("chip_id").loc[p["chip_id"]]
    tc = token_check(**p).iloc[0]
    cap = against_capacity(**p)
    same = cap[cap.chip == short(p["chip_id"])]
    big = same.loc[same.gpu_count.idxmax()] if len(same) else cap.loc[cap.gpu_count.idxmax()]
    g = growth(p["growth_from"], p["growth_to"]).set_index("series")
    mau = g.loc["Doubao MAU (millions)"]
    tok = g.loc["tokens per day, all Doubao-model traffic (trillions)"]
    top = drivers(**p).iloc[0]
    d = dau_range(p["dau_millions"])
    traffic = latest_traffic()
    chip = short(p["chip_id"])
    sentence = (
        f"Doubao's app does not explain ByteDance's GPU build-out. Serving {d['central'] / 1e6:,.0f}M daily users "
        f"({d['low'] / 1e6:,.0f}–{d['high'] / 1e6:,.0f}M reported) takes about **{sig(n.p50)} {chip}s** at peak "
        f"(5th–95th percentile {sig(n.p5)}–{sig(n.p95)}, {p['n_draws']:,} seeded draws), "
        f"**{100 * big.app_share_p50:.0f}%** ({100 * big.app_share_p5:.0f}–{100 * big.app_share_p95:.0f}%) of the "
        f"{big.gpu_count:,.0f} {big.chip}s reported in {big.date:%Y}. The app's modelled "
        f"{tc.app_tokens_t_p50:.1f}T tokens a day are {100 * tc.app_share_p50:.0f}% ({100 * tc.app_share_p5:.0f}–"
        f"{100 * tc.app_share_p95:.0f}%) of the {tc.reported_t:g}T ByteDance reported for all Doubao-model traffic; "
        f"that traffic grew **{tok.multiple:.0f}×** from {tok['from']:%b %Y} to {tok['to']:%b %Y} while Doubao's MAU grew "
        f"{mau.multiple:.1f}×, and at {traffic.tokens_per_day_trillions:g}T a day ({traffic.date:%b %Y}) it would need "
        f"**{big.traffic_share_p50:.1f}×** ({big.traffic_share_p5:.1f}–{big.traffic_share_p95:.1f}×) as many "
        f"{big.chip}s. The assumption that moves the answer most is the number of {top.assumption}.")
    return {"sentence": sentence, "chip": chip, "dau_m": d["central"] / 1e6,
            "gpus_p5": n.p5, "gpus_p50": n.p50, "gpus_p95": n.p95,
            "capacity_id": big.capacity_id, "capacity_share_p50": big.app_share_p50,
            "capacity_share_p5": big.app_share_p5, "capacity_share_p95": big.app_share_p95,
            "app_token_share_p50": tc.app_share_p50, "token_growth": tok.multiple, "mau_growth": mau.multiple,
            "traffic_share_p50": big.traffic_share_p50, "top_driver": top.assumption}


# --------------------------------------------------------------------------- #
# charts
# --------------------------------------------------------------------------- #
def chart_growth(growth_from=DEFAULTS["growth_from"], growth_to=DEFAULTS["growth_to"]):
    """Doubao MAU / DAU (log) and all-traffic tokens per day (log) over time."""
    u = users().assign(metric=lambda d: d.metric.str.upper())
    t = tokens()
    g = growth(growth_from, growth_to).set_index("series")
    x = alt.X("date:T", title=None, scale=alt.Scale(domain=[min(u.period.min(), t.date.min()),
                                                            max(u.period.max(), t.date.max())]))
    users_c = alt.Chart(u.rename(columns={"period": "date"})).mark_line(point=True, strokeWidth=1.5).encode(
        x=x, y=alt.Y("value_millions:Q", scale=alt.Scale(type="log"), title="Doubao users (millions, log)"),
        color=alt.Color("metric:N", title="Metric"), detail="measured_by:N", shape=alt.Shape("measured_by:N", title="Measured by",
                                                                     legend=alt.Legend(labelLimit=260)),
        tooltip=["date:T", "metric:N", "value_millions:Q", "measured_by:N", "source_id:N"]).properties(height=220)
    tok_c = alt.Chart(t).mark_line(point=alt.OverlayMarkDef(color="#d1495b"), color="#d1495b").encode(
        x=x, y=alt.Y("tokens_per_day_trillions:Q", scale=alt.Scale(type="log"),
                     title="Tokens per day (trillions, log)"),
        tooltip=["date:T", "tokens_per_day_trillions:Q", "bound:N", "source_id:N"]).properties(height=180)
    mau = g.loc["Doubao MAU (millions)"]
    tok = g.loc["tokens per day, all Doubao-model traffic (trillions)"]
    return charts.sourced(
        alt.vconcat(users_c, tok_c).resolve_scale(color="independent", shape="independent"),
        f"Doubao-model tokens grew {tok.multiple:.0f}× in a year, Doubao's monthly users {mau.multiple:.1f}×",
        charts.source_line(list(u.source_id) + list(t.source_id), 220),
        f"Top: app users by metric, one line per measuring firm; bottom: ByteDance's reported daily tokens for all Doubao-model "
        f"traffic (app, internal products, API), some as lower bounds")


def chart_need(**params):
    """GPUs needed at peak per chip: 5th-95th percentile range and median (log scale)."""
    p = _p(params)
    n = need(**p)
    h = headline(**p)
    x = alt.X("p50:Q", scale=alt.Scale(type="log"), title="GPUs needed at peak (log scale)")
    y = alt.Y("chip:N", sort=list(n.chip), title=None)
    tip = ["chip:N", alt.Tooltip("p5:Q", format=",.0f"), alt.Tooltip("p50:Q", format=",.0f"),
           alt.Tooltip("p95:Q", format=",.0f"), alt.Tooltip("mw_p50:Q", format=".1f", title="MW at median (TDP)")]
    rng = alt.Chart(n).mark_rule(strokeWidth=3, color="#1f5a96").encode(x="p5:Q", x2="p95:Q", y=y, tooltip=tip)
    mid = alt.Chart(n).mark_point(filled=True, size=80, color="#d1495b").encode(x=x, y=y, tooltip=tip)
    return charts.sourced(
        (rng + mid).properties(height=220),
        f"Serving Doubao's app takes about {sig(h['gpus_p50'])} {h['chip']}s at peak ({sig(h['gpus_p5'])}–{sig(h['gpus_p95'])})",
        charts.source_line(list(assumptions().source_id) + dau_range(p["dau_millions"])["source_ids"], 220),
        f"Median and 5th–95th percentile of {p['n_draws']:,} draws; {p['precision'].upper()} weights, decode batch "
        f"{p['decode_batch']}; chip specs from data/chip_specs.csv (dense)")


def chart_drivers(**params):
    """Tornado: the chosen chip's GPU count with each assumption at its low and high end."""
    p = _p(params)
    d = drivers(**p)
    central = float(model(chip_table(p["precision"]).set_index("chip_id").loc[p["chip_id"]], p["precision"],
                          p["decode_batch"], p["kv_cache_gb_per_seq"])(**{k: v[1] for k, v in ranges(p["dau_millions"]).items()}))
    y = alt.Y("assumption:N", sort=list(d.assumption), title=None)
    tip = ["assumption:N", alt.Tooltip("gpus_at_low:Q", format=",.0f"), alt.Tooltip("gpus_at_high:Q", format=",.0f"),
           alt.Tooltip("rho:Q", format=".2f", title="Spearman rho (Monte Carlo)")]
    bars = alt.Chart(d).mark_bar(color="#1f5a96", opacity=0.8).encode(
        x=alt.X("gpus_at_low:Q", title=f"{short(p['chip_id'])}s needed at peak"), x2="gpus_at_high:Q", y=y, tooltip=tip)
    rule = alt.Chart(pd.DataFrame({"x": [central]})).mark_rule(color="#222", strokeDash=[4, 3]).encode(x="x:Q")
    return charts.sourced(
        (bars + rule).properties(height=240),
        f"The assumption that moves the answer most is {d.assumption.iloc[0]}",
        charts.source_line(list(assumptions().source_id), 220),
        "Each bar: one assumption from its low to its high value, the others at central (dashed line)")


def chart_capacity(**params):
    """Share of each reported capacity the app (and all Doubao-model traffic) would use (log)."""
    p = _p(params)
    c = against_capacity(**p)
    traffic = latest_traffic()
    c["label"] = c.gpu_count.map("{:,.0f}".format) + " " + c.chip + " (" + c["where"] + ", " + c.status + ", " + c.date.dt.strftime("%Y-%m") + ")"
    long = pd.concat([
        c.assign(load="Doubao app", lo=100 * c.app_share_p5, mid=100 * c.app_share_p50, hi=100 * c.app_share_p95),
        c.assign(load=f"all Doubao-model traffic at {traffic.tokens_per_day_trillions:g}T tokens/day",
                 lo=100 * c.traffic_share_p5, mid=100 * c.traffic_share_p50, hi=100 * c.traffic_share_p95)])
    y = alt.Y("label:N", sort=list(c.label), title=None, axis=alt.Axis(labelLimit=360))
    col = alt.Color("load:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=400))
    tip = ["label:N", "load:N", alt.Tooltip("lo:Q", format=",.0f", title="5th pct %"),
           alt.Tooltip("mid:Q", format=",.0f", title="median %"), alt.Tooltip("hi:Q", format=",.0f", title="95th pct %"),
           "source_id:N"]
    x = alt.X("mid:Q", scale=alt.Scale(type="log"), title="Share of the capacity used (%, log scale)",
              axis=alt.Axis(values=[10 ** k for k in range(-1, 7)], format=",~g"))
    rng = alt.Chart(long).mark_rule(strokeWidth=3).encode(x="lo:Q", x2="hi:Q", y=y, yOffset="load:N", color=col, tooltip=tip)
    pts = alt.Chart(long).mark_point(filled=True, size=60).encode(x=x, y=y, yOffset="load:N", color=col, tooltip=tip)
    full = alt.Chart(pd.DataFrame({"x": [100]})).mark_rule(color="#222", strokeDash=[4, 3]).encode(x="x:Q")
    h = headline(**p)
    return charts.sourced(
        (rng + pts + full).properties(height=300),
        f"The app would use {100 * h['capacity_share_p50']:.0f}% of the largest {h['chip']} fleet; all Doubao-model traffic would overflow it",
        charts.source_line(list(c.source_id) + [traffic.source_id], 220),
        "Median and 5th–95th percentile; dashed line = 100% (the capacity is full); same cost per token for app and other traffic")
