"""The five findings the overview gathers, each computed as its notebook computes it.

Each function takes that notebook's parameters (keywords; the overview passes the defaults read
from the notebook's own ``parameters`` cell with :func:`helpers.params.defaults`) and returns a
dict with

* ``headline``: one or two short sentences of Markdown (the index card, the overview);
* ``key_numbers``: two to four ``(label, value)`` pairs, each value with its unit and range;
* ``findings``: three to five Markdown bullets (the notebook's key findings);
* the raw numbers the notebook's ``nbval-check-output`` cell prints.
"""
from __future__ import annotations

from helpers import params

#: notebook stem -> headline function name
NOTEBOOKS = {"01_chip_gap": "chip_gap", "02_cloud_economics": "cloud_costs", "03_doubao_demand": "doubao_demand",
             "04_nvidia_china_revenue": "china_revenue", "05_claims_ledger": "claims", "06_bytedance_fleet": "fleet"}


def for_notebook(stem: str) -> dict:
    """The headline of notebook ``stem`` at the defaults of its parameters cell."""
    return globals()[NOTEBOOKS[stem]](**params.defaults(stem))


def _with_defaults(stem: str, given: dict) -> dict:
    """``given`` parameters over the defaults of notebook ``stem``'s parameters cell (the only place
    a default is written); ParameterError for a name the notebook does not have."""
    defaults = params.defaults(stem)
    unknown = set(given) - set(defaults)
    if unknown:
        raise params.ParameterError(f"unknown parameter(s) of {stem}: {', '.join(sorted(unknown))}")
    return {**defaults, **given}


#: Short topic of each notebook, for the overview's key numbers.
TOPICS = {"01_chip_gap": "Chip gap", "02_cloud_economics": "Cloud economics", "03_doubao_demand": "Doubao demand",
          "04_nvidia_china_revenue": "Nvidia China revenue", "05_claims_ledger": "Press claims", "06_bytedance_fleet": "ByteDance's fleet"}


def overview(found: dict) -> dict:
    """The overview's card: one line, and the first key number of each notebook's headline."""
    numbers = [(f"{TOPICS[stem]} — {h['key_numbers'][0][0]}", h["key_numbers"][0][1]) for stem, h in found.items()]
    return {"headline": f"{len(found)} findings, each recomputed from the data at its notebook's defaults.",
            "key_numbers": numbers, "findings": [h["headline"] for h in found.values()]}


def _ids(*groups) -> list:
    """Source ids of the rows behind a key number, in order, once each ('a, b' strings are split)."""
    out = []
    for g in groups:
        for i in ([g] if isinstance(g, str) else list(g)):
            out += [x.strip() for x in str(i).split(",") if x.strip() and x.strip() != "nan"]
    return list(dict.fromkeys(out))


def _numbers(*rows) -> dict:
    """``key_numbers`` and ``sources`` from ``(label, value, source_ids)`` rows (rows that are None are skipped)."""
    rows = [r for r in rows if r is not None]
    return {"key_numbers": [(label, value) for label, value, _ in rows], "sources": {label: ids for label, _, ids in rows}}


def card(h: dict) -> str:
    """Markdown of a notebook's headline cell (tag ``headline``): the headline, then its key numbers.
    The site's index card shows the same two parts."""
    numbers = "\n".join(f"- **{label}**: {value}" for label, value in h.get("key_numbers", []))
    return f"{h['headline']}\n\n{numbers}".strip()


def findings(h: dict) -> str:
    """Markdown bullets of a notebook's key findings (the cell under its parameters)."""
    return "\n".join(f"- {f}" for f in h["findings"])


# ============================================================================ 01 chip gap
def chip_gap(**p) -> dict:
    """H100 against H20 like for like, training and decode rates relative to an H100 (H20, Ascend 910B/C
    with spec ranges), H20s per B200; a parameter not given takes its default from notebook 01."""
    import numpy as np

    from helpers import chips, data, fmt

    p = _with_defaults("01_chip_gap", p)
    w = chips.specs()
    a = chips.serving_assumptions(active_params_b=p["model_active_params_b"], bytes_per_param=p["bytes_per_param"],
                                  mfu=p["mfu"], mbu=p["mbu"], kv_cache_gb_per_seq=p["kv_cache_gb_per_seq"],
                                  tokens_per_s_per_user=p["tokens_per_s_per_user"])
    eff = chips.ascend_utilisation(a, w) if p["ascend_utilisation"] is None else p["ascend_utilisation"]
    kw = dict(training_mfu=p["training_mfu"], training_precision=p["training_precision"], assumptions=a,
              ascend_utilisation=eff, w=w)
    rep = {c: chips.replica(c, a, w=w) for c in ("h20", "h100_sxm")}
    rates = chips.workload_rates(["h20", "h100_sxm", "b200_hgx", "ascend_910b", "ascend_910c"],
                                 decode_batch=p["decode_batch"], **kw)
    r = rates.set_index(["chip_id", "workload"])
    big = chips.workload_rates(["h20", "h100_sxm"], decode_batch=p["max_decode_batch"], **kw).set_index(
        ["chip_id", "workload"]).loc[("h20", "decode")]
    b200 = chips.equivalence(rates, ["b200_hgx"], ["h20"], w).set_index("workload").loc["training"]
    batches = np.arange(1, 4097)
    ahead = batches[chips.decode_rate("h20", batches, assumptions=a, w=w)
                    >= chips.decode_rate("h100_sxm", batches, assumptions=a, w=w)]
    h = {"h100_over_h20_dense": float(w.loc["h100_sxm", "dense_fp8_tflops"] / w.loc["h20", "dense_fp8_tflops"]),
         "h100_over_h20_mixed": float(w.loc["h100_sxm", "sparse_fp8_tflops"] / w.loc["h20", "dense_fp8_tflops"]),
         "h20_training_share": float(r.loc[("h20", "training"), "ratio_to_h100"]),
         "h20_decode_ratio": float(r.loc[("h20", "decode"), "ratio_to_h100"]),
         "h20_decode_bound_by": r.loc[("h20", "decode"), "decode_bound_by"],
         "h20_decode_ratio_max_batch": float(big["ratio_to_h100"]), "h20_max_batch_bound_by": big["decode_bound_by"],
         "h20_decode_ahead_up_to_batch": int(ahead.max()) if ahead.size else 0,
         **{f"{c}_{wl}": (float(r.loc[(c, wl), "ratio_to_h100_low"]), float(r.loc[(c, wl), "ratio_to_h100_high"]))
            for c in ("ascend_910b", "ascend_910c") for wl in chips.WORKLOADS},
         "h20_per_b200_training": float(b200["chips_needed"]),
         "h20_per_b200_training_power_ratio": float(b200["power_ratio"]), "decode_mfu": a["mfu"],
         "decode_batch": p["decode_batch"], "max_decode_batch": p["max_decode_batch"], "ascend_utilisation": eff,
         "h20_replica_ratio": rep["h20"]["per_chip"] / rep["h100_sxm"]["per_chip"],
         **{f"{c}_replica_{k}": rep[c][k] for c in rep for k in ("chips", "batch", "per_chip")},
         "tokens_per_s_per_user": a["tokens_per_s_per_user"], "total_params_b": a["total_params_b"]}
    src = lambda c, *k: sorted(set(data.load("chip_specs").query("chip_id in @c and spec in @k").source_id))  # noqa: E731
    hw = ("h100_sxm", "h20")
    text = _chip_gap_text(h, p["ascend_utilisation"] is None, fmt)
    return {**h, **text, "sources": dict(zip([k for k, _ in text["key_numbers"]], [
        src(hw, "dense_fp8_tflops", "sparse_fp8_tflops"), src(hw, f"dense_{p['training_precision']}_tflops"),
        src(hw, "dense_fp8_tflops", "memory_gb", "memory_bandwidth_tbps"), src(("h20", "b200_hgx"), "dense_bf16_tflops", "tdp_w")]))}


def _chip_gap_text(h: dict, measured: bool, fmt) -> dict:
    b, big = h["decode_batch"], h["max_decode_batch"]
    decode = f"{h['h20_decode_ratio']:.2f}× at batch {b}, {h['h20_decode_ratio_max_batch']:.2f}× at batch {big}"
    served = (f"{h['h20_replica_ratio']:.2f}× an H100 per chip ({h['h20_replica_chips']} H20s at batch {h['h20_replica_batch']:,} "
              f"against {h['h100_sxm_replica_chips']} H100s at batch {h['h100_sxm_replica_batch']:,})")
    huawei = (f"at {fmt.pct(h['ascend_utilisation'])} of Nvidia's utilisation, " + ("implied by DeepSeek's measured 910C/H100 "
              "inference ratio" if measured else "a parameter"))
    a_b, a_c = ({wl: fmt.rng(*h[f"{c}_{wl}"]) for wl in ("training", "decode")} for c in ("ascend_910b", "ascend_910c"))
    return {
        "headline": (f"Like for like an H100 has **{h['h100_over_h20_dense']:.1f}×** the H20's dense compute (not "
                     f"{h['h100_over_h20_mixed']:.1f}×), so an H20 trains at **{fmt.pct(h['h20_training_share'])}** of "
                     f"an H100's rate; serving a {h['total_params_b']:g}B model it decodes **{h['h20_replica_ratio']:.2f}×** "
                     f"an H100's tokens per chip at each chip's best batch."),
        "key_numbers": [("H100 vs H20, dense FP8", f"{h['h100_over_h20_dense']:.1f}× ({h['h100_over_h20_mixed']:.1f}× "
                                                   "on mixed bases)"),
                        ("H20 vs H100, training", fmt.pct(h["h20_training_share"])),
                        ("H20 vs H100, decode per chip in a serving replica", served),
                        ("H20s to equal one B200 in training", f"{h['h20_per_b200_training']:.0f} at "
                                                               f"{h['h20_per_b200_training_power_ratio']:.1f}× the power")],
        "findings": [
            f"Nvidia's H100 headline counts 2:4 sparsity: dense against dense it has **{h['h100_over_h20_dense']:.1f}×** "
            f"the H20's compute, not {h['h100_over_h20_mixed']:.1f}×.",
            f"For training an H20 is worth **{fmt.pct(h['h20_training_share'])}** of an H100; "
            f"{h['h20_per_b200_training']:.0f} H20s equal one B200, drawing "
            f"{h['h20_per_b200_training_power_ratio']:.1f}× its board power.",
            f"Serving a {h['total_params_b']:g}B-parameter model at {h['tokens_per_s_per_user']:g} tokens/s per user, in replicas "
            f"that hold weights and KV cache, an H20 decodes **{served}**. Its bandwidth lead shows only at small batches: "
            f"{decode} on one chip (bound by {h['h20_decode_bound_by']} at batch {b}; decode MFU {h['decode_mfu']:g}).",
            f"Huawei's Ascend 910B reaches {a_b['training']} of an H100 for training and {a_b['decode']} for decode, "
            f"the 910C {a_c['training']} and {a_c['decode']} ({huawei})."]}


# ============================================================================ 02 cloud economics
def cloud_costs(**p) -> dict:
    """Cheapest route open to a China-headquartered firm at ``as_of`` per dense BF16 PFLOP-hour and per
    million decode tokens (quotes of one window and commitment), the routes not open, H100 own vs rent at
    equal commitment, the seed's implied price and the Malaysian cluster's payback (helpers.costs)."""
    from helpers import costs, fmt

    p = _with_defaults("02_cloud_economics", p)
    t = costs.routes(**p)
    ok = t[t.ranked].sort_values("usd_per_pflop_hour", kind="stable")
    if ok.empty:  # no open route has a quote in the window: a row of NaN prices
        ok = t.iloc[:1].assign(route="No open route with a quote", **{c: float("nan") for c in t if c.startswith("usd_")})
    best, tok = ok.iloc[0], ok.sort_values("usd_per_m_tokens", kind="stable").iloc[0]
    shut, h100 = t[t.status != "open"], t.set_index("route").loc["Rent H100 abroad"]
    own_status = t.set_index("route").loc["Own H100 abroad (Malaysia)", "status"]
    rvb, seed, mal = costs.rent_vs_buy(**p), costs.seed_figures(), costs.cluster_payback(**costs.MALAYSIA_CLUSTER, **p)
    u_lo, u, u_hi = sorted(rvb[f"breakeven_u_{k}"] for k in ("low", "central", "high"))
    r_lo, r, r_hi = sorted(rvb[f"own_over_reserved_{k}"] for k in ("low", "central", "high"))
    m = rvb["breakeven_months_central"]
    implied = costs.implied_price(seed["budget_usd"], seed["count"])
    rent = {"any": "all", "reserved 1 yr": "1-yr reserved"}.get(p["rental_commitment"], p["rental_commitment"])
    when, window = f"{costs.as_of_end(p['as_of']):%b %Y}", f"{rent} rent, quotes of the {p['quote_window_months']} months to then"

    def usd(r, col="usd_per_pflop_hour", f=".2f"):
        return f"USD {r[col]:{f}} ({fmt.rng(r[col + '_low'], r[col + '_high'], f)})"

    def low(route):  # 'Buy H20 in China' -> 'buy H20 in China'
        return route[0].lower() + route[1:]

    closed = "; ".join(f"{low(x.route)}: {x.status}" for x in shut.itertuples())
    span = "" if f"{u_lo:.0%}" == f"{u_hi:.0%}" else f" ({fmt.rng(u_lo, u_hi)})"
    dated = lambda k: "" if not rvb["stale"][k] else f" (quotes of {rvb['dates'][k][1]:%b %Y}: none in the window from a primary or reputable source)"  # noqa: E731
    res = (f"**{r:.0%}** ({fmt.rng(r_lo, r_hi)}) of a 1-year reservation at USD {rvb['reserved']:.2f}/h paid around the clock"
           if r == r else "an unknown share of a 1-year reservation (no reservation quote from a primary or reputable source)")
    own = (f"owning an H100 abroad{dated('buy')} costs {res}, and beats on-demand rent at USD {rvb['on_demand']:.2f}/h"
           f"{dated('on-demand')} above **{u:.0%}** utilisation{span}")
    return {
        "headline": f"In {when} the cheapest route open to a China-headquartered firm is to **{low(best.route)}**: "
                    f"**{usd(best)}** per dense BF16 PFLOP-hour ({rent} rent)"
                    + (f"; H100s rent at USD {h100.usd_per_pflop_hour:.2f}" if h100.ranked else
                       ". H100 rental quotes of the window rest on aggregators only and are not ranked")
                    + (f". Owning an H100 beats on-demand rent above **{u:.0%}** utilisation" if own_status == "open" else
                       f". Owning an H100 ({own_status}) would beat on-demand rent above **{u:.0%}** utilisation")
                    + (f" ({rvb['dates']['buy'][1]:%Y} purchase prices)." if rvb["stale"]["buy"] else "."),
        **_numbers((f"Cheapest open route, {when}: {low(best.route)}", f"{usd(best)} per dense BF16 PFLOP-hour", list(best.source_ids)),
                   (f"Not open to a China-headquartered firm in {when}", closed or "none", sorted(set(shut.rule_source))),
                   (f"H100 owning beats on-demand USD {rvb['on_demand']:.2f}/h above", f"{u:.0%}{span} utilisation{dated('on-demand')}"
                    + (f" (purchase quotes of {rvb['dates']['buy'][1]:%b %Y})" if rvb["stale"]["buy"] else ""), rvb["source_ids"])),
        "findings": [
            f"In {when} ({window}) {int(t.ranked.sum())} of {len(t)} routes are open to a China-headquartered firm and priced; "
            f"not open: {closed}.",
            f"Per dense BF16 PFLOP-hour the cheapest open route is to {low(best.route)}: **{usd(best)}**; per million "
            f"decode tokens (each chip's serving replica at its best batch) it is to {low(tok.route)}: "
            f"**{usd(tok, 'usd_per_m_tokens', '.3f')}**.",
            f"At equal commitment {own}" + (f"; a reservation costs as much cash as buying and running the H100 after **{m:.0f} months**."
                                             if m == m else ". Aggregator quotes stay in the notebook's tables, marked, but out of these numbers."),
            f"The seed's {seed['count']:,.0f} H100 for USD {seed['budget_usd'] / 1e9:g} bn imply **USD {implied:.2f}** per "
            f"GPU-hour, not the USD {seed['price']:.2f} it quotes.",
            f"The Malaysian cluster's value is **USD {mal['value_per_gpu']:,.0f} per GPU**; rented out at the Blackwell "
            f"quotes it pays back in **{mal['payback_months']:.0f} months** ({mal['payback_months_low']:.0f}–"
            f"{mal['payback_months_high']:.0f})."],
        "as_of": when, "cheapest_route": best.route, "cheapest_usd_per_pflop_hour": float(best.usd_per_pflop_hour),
        "cheapest_usd_per_pflop_hour_low": float(best.usd_per_pflop_hour_low),
        "cheapest_usd_per_pflop_hour_high": float(best.usd_per_pflop_hour_high),
        "cheapest_token_route": tok.route, "cheapest_usd_per_m_tokens": float(tok.usd_per_m_tokens),
        "not_open": dict(zip(shut.route, shut.status)), "own_over_reserved": float(r), "reserved_price": rvb["reserved"],
        "on_demand_price": rvb["on_demand"], "breakeven_utilisation": float(u), "breakeven_utilisation_low": float(u_lo),
        "breakeven_utilisation_high": float(u_hi), "breakeven_months": float(m),
        "implied_price": float(implied), "gpus_at_seed_price": float(costs.gpus_rentable(seed["budget_usd"], seed["price"])),
        "malaysia_payback_months": float(mal["payback_months"]),
    }


# ============================================================================ 03 Doubao demand
def doubao_demand(**p) -> dict:
    """GPUs Doubao's app needs at peak (Monte Carlo); the app's and all Doubao-model traffic's share of
    ByteDance's estimated fleet of the same year (H100-equivalents, decode basis); token versus user
    growth; and the assumption that moves the answer most."""
    from helpers import chips, demand, fmt

    p = _with_defaults("03_doubao_demand", p)
    chip, sig = chips.short_name(p["chip_id"]), fmt.sig
    first, per_chip, app = demand.simulate(p["chip_id"], p["precision"], p["decode_batch"], p["kv_cache_gb_per_seq"],
                                           p["n_draws"], p["seed"], p["dau_millions"])
    n, d = demand.percentiles(per_chip[p["chip_id"]]), demand.dau_range(p["dau_millions"])
    reported, latest = demand.reported_tokens(d["date"]), demand.reported_tokens()
    tok_t = demand.percentiles(app / 1e12)
    share = {q: v / reported.tokens_per_day_trillions for q, v in tok_t.items()}
    a = chips.serving_assumptions(kv_cache_gb_per_seq=p["kv_cache_gb_per_seq"])
    fy = demand.fleet_by_year(demand.fleet(p["decode_batch"], assumptions=a)).groupby("year").sum(numeric_only=True)
    at = lambda when: fy.loc[min(max(when.year, fy.index.min()), fy.index.max())]  # noqa: E731  fleet of that year
    app_year = d["date"] or latest.date
    f_app, f_all = at(app_year), at(latest.date)
    mine = demand.traffic_need(per_chip, app, app, f_app.h100e_decode_low, f_app.h100e_decode_high)
    alltr = demand.traffic_need(per_chip, app, latest.tokens_per_day_trillions * 1e12, f_all.h100e_decode_low, f_all.h100e_decode_high)
    users = demand.app_users()
    tok = demand.growth(demand.token_volumes(), "date", "tokens_per_day_trillions", p["growth_from"], p["growth_to"])
    mau = demand.growth(users[users.metric == "mau"], "period", "value_millions", p["growth_from"], p["growth_to"])
    top, at_low, at_high = demand.swing(demand.ranges(p["dau_millions"]), demand.chip_model(
        p["chip_id"], p["precision"], p["decode_batch"], p["kv_cache_gb_per_seq"]))[0]
    pcts = lambda x, lo, hi: f"{sig(100 * x)}% ({sig(100 * lo)}–{sig(100 * hi)}%)"  # noqa: E731  two significant figures
    fleet = lambda f, y: f"ByteDance's estimated {y:%Y} fleet ({sig(f.h100e_decode_low)}–{sig(f.h100e_decode_high)} H100e)"  # noqa: E731
    app_share, all_share = pcts(mine["share"], mine["share_low"], mine["share_high"]), pcts(alltr["share"], alltr["share_low"], alltr["share_high"])
    left = f"{fmt.pct(max(0.0, 1 - alltr['share_high']))}–{fmt.pct(max(0.0, 1 - alltr['share_low']))}"
    gpus, tok_share = f"{sig(n[50.0])} ({sig(n[5.0])}–{sig(n[95.0])})", pcts(share[50.0], share[5.0], share[95.0])
    span = f"{tok['from']:%b %Y} to {tok['to']:%b %Y}" if tok else "the chosen months"
    who = (f"{d['central'] / 1e6:,.0f}M daily users ({d['low'] / 1e6:,.0f}–{d['high'] / 1e6:,.0f}M in reports of "
           f"{d['rows'].period.min():%b %Y}–{d['date']:%b %Y})" if d["date"] is not None else f"{d['central'] / 1e6:,.0f}M daily users (parameter)")
    traffic = f"{latest.tokens_per_day_trillions:g}T tokens a day ({latest.date:%b %Y})"
    return {
        "headline": (f"Serving Doubao's app takes about **{sig(n[50.0])} {chip}s** at peak ({sig(n[5.0])}–{sig(n[95.0])}), "
                     f"**{app_share}** of ByteDance's estimated fleet that year. All Doubao-model traffic at {traffic} "
                     f"would take **{all_share}** of the {latest.date:%Y} fleet."),
        **_numbers(
            (f"{chip}s needed at peak", gpus, _ids(d["source_ids"], demand.assumptions().source_id, _spec_ids(p["chip_id"]))),
            (f"App share of the {app_year:%Y} fleet (H100e, decode)", app_share,
             _ids(d["source_ids"], demand.assumptions().source_id, _fleet_ids(app_year.year))),
            (f"All Doubao traffic, share of the {latest.date:%Y} fleet", all_share,
             _ids([latest.source_id], demand.assumptions().source_id, _fleet_ids(latest.date.year))),
            (f"Growth, {span}", f"tokens {tok['multiple']:.1f}×, MAU {mau['multiple']:.1f}×" if tok and mau else "n/a",
             _ids(*(([g["rows"][0].source_id, g["rows"][1].source_id]) for g in (tok, mau) if g)))),
        "findings": [
            f"Serving {who} takes about **{sig(n[50.0])} {chip}s** at peak (5th–95th percentile {sig(n[5.0])}–{sig(n[95.0])}, "
            f"{p['n_draws']:,} seeded draws): **{app_share}** of {fleet(f_app, app_year)}.",
            f"All Doubao-model traffic at {traffic} would need **{sig(alltr['need_p50'])} H100s** "
            f"({sig(alltr['need_p5'])}–{sig(alltr['need_p95'])}), **{all_share}** of {fleet(f_all, latest.date)}, leaving "
            f"{left} for training, recommendation and everything else.",
            f"The app's modelled {sig(tok_t[50.0])}T tokens a day are **{tok_share}** "
            f"of the {reported.tokens_per_day_trillions:g}T ByteDance reported for all Doubao-model traffic ({reported.date:%b %Y}).",
            (f"From {span} that traffic grew **{tok['multiple']:.1f}×** while Doubao's MAU grew {mau['multiple']:.1f}×."
             if tok and mau else "The chosen months give no growth comparison."),
            f"The number of **{demand.LABELS[top]}** moves the answer most: {sig(at_low)} to {sig(at_high)} {chip}s "
            "with every other assumption at its central value."],
        "chip": chip, "dau_m": d["central"] / 1e6, "gpus_p5": n[5.0], "gpus_p50": n[50.0], "gpus_p95": n[95.0],
        "fleet_year": app_year.year, "app_token_share_p50": share[50.0],
        **{f"{k}{e}": float(v[f"share{e}"]) for k, v in (("fleet_share", mine), ("traffic_fleet_share", alltr)) for e in ("", "_low", "_high")},
        "traffic_h100_p50": alltr["need_p50"],
        "token_growth": tok["multiple"] if tok else float("nan"), "mau_growth": mau["multiple"] if mau else float("nan"),
        "top_driver": demand.LABELS[top]}


def _spec_ids(chip_id: str) -> list:
    from helpers import data

    specs = data.load("chip_specs")
    return list(specs[specs.chip_id == chip_id].source_id)


def _fleet_ids(year: int) -> list:
    from helpers import data

    est = data.load("fleet_estimates")
    return list(est[est.year <= year].source_id)


# ============================================================================ 04 Nvidia China revenue
def _split(c0, t0, c1, t1) -> str:
    """'China revenue +78%, share 21% → 17%: China's own change +12 points, the total's −17'."""
    from helpers import revenue

    x = revenue.share_change(c0, t0, c1, t1)
    return (f"China revenue {c1 / c0 - 1:+.0%}, share {x['share_before']:.0%} → {x['share_after']:.0%}: China's own change "
            f"{100 * x['numerator']:+.0f} points, the total's {100 * x['denominator']:+.0f}")


def china_revenue(**p) -> dict:
    """China's share of Nvidia revenue by billing location from the filings (yearly, quarterly), the share
    changes split into numerator and denominator, the H20 disclosures, ByteDance's reported Nvidia orders
    as a share of China revenue (every estimate with its basis) and the H20 forecast against China revenue.
    The customer-headquarters series (FY2026 10-K, prior years recast) is shown apart, never joined to
    billing location; figures resting on an aggregator stay out."""
    from helpers import data, fmt, revenue

    p = _with_defaults("04_nvidia_china_revenue", p)
    s = revenue.share_series(p["fy_first"], p["fy_last"], verified_only=True)
    s, hq = (s[s.geo_basis == b].sort_values("fiscal_year") for b in ("billing_location", "customer_hq"))
    peak, last = s.loc[s.china_share.idxmax()], s.iloc[-1]
    out = {"peak_fy": int(peak.fiscal_year), "peak_share": float(peak.china_share), "billing_last_fy": int(last.fiscal_year),
           "billing_last_share": float(last.china_share)}
    move = (f"{fmt.pct(peak.china_share)} (FY{peak.fiscal_year}) → **{fmt.pct(last.china_share)}** (FY{last.fiscal_year})"
            if peak.fiscal_year != last.fiscal_year else f"**{fmt.pct(last.china_share)}** (FY{last.fiscal_year})")
    pairs = list(zip(s.iloc[:-1].itertuples(), s.iloc[1:].itertuples()))
    rose = [(a, b) for a, b in pairs if b.china_usd_bn > a.china_usd_bn and b.china_share < a.china_share]
    q = revenue.quarterly()
    q = q[q.fiscal_year.between(*revenue.fiscal_range(p["fy_first"], p["fy_last"]))].reset_index(drop=True)
    drops = [(q.china_share[i + 1] - q.china_share[i], i) for i in range(len(q) - 1)]
    h20 = data.load("h20_disclosures").set_index("item").value_usd_m
    rep = revenue.bytedance_share(p["rate_id"], p["rmb_per_usd"], p["h20_price_usd"])
    inr, odd = rep[rep.in_range], rep[rep.item == "nvidia_spend_total"]
    lo, hi = float(inr.share_low.min()), float(inr.share_high.max())
    lo_hq, hi_hq = float(inr.share_hq_low.min()), float(inr.share_hq_high.max())
    spans = "; ".join(f"{r.estimate}: {r.as_reported}" for r in inr.itertuples())
    out.update(bd_share_low=lo, bd_share_high=hi, bd_share_hq_low=lo_hq, bd_share_hq_high=hi_hq, bd_estimates_in_range=list(inr.estimate),
               rmb_per_usd=revenue.rate(p["rate_id"], p["rmb_per_usd"])["rmb_per_usd"],
               h20_sales_q1_fy2026=float(h20["h20_sales_before_requirement"]), h20_unshipped=float(h20["h20_unshipped"]),
               h20_charge=float(h20["h20_charge"]), h20_sales_china_q2_fy2026=float(h20["h20_sales_china"]))
    findings = [f"China's (incl. Hong Kong) share of Nvidia's revenue by billing location (10-Ks): {move}."]
    if rose:
        a, b = rose[-1]
        out.update(denominator_fy=int(b.fiscal_year), **{f"denominator_{k}": float(v) for k, v in revenue.share_change(
            a.china_usd_bn, a.total_usd_bn, b.china_usd_bn, b.total_usd_bn).items()})
        findings[0] += (f" In FY{b.fiscal_year}: {_split(a.china_usd_bn, a.total_usd_bn, b.china_usd_bn, b.total_usd_bn)}; "
                        "the share fell because the rest of Nvidia grew faster.")
    hq_move = ""
    if len(hq) >= 2:
        a, b = hq.iloc[-2], hq.iloc[-1]
        hq_move = f"{fmt.pct(a.china_share)} (FY{a.fiscal_year}) → **{fmt.pct(b.china_share)}** (FY{b.fiscal_year})"
        out.update(hq_last_fy=int(b.fiscal_year), hq_last_share=float(b.china_share), hq_prev_share=float(a.china_share),
                   hq_china_change=float(b.china_usd_bn / a.china_usd_bn - 1))
        qh = revenue.quarterly("customer_hq").query("quarter == 3").tail(2)  # the latest Q3 against the one a year before
        same_q = (f" Same quarter a year apart, Q3 FY{qh.fiscal_year.iloc[0]} → Q3 FY{qh.fiscal_year.iloc[-1]}: "
                  f"{_split(*qh.iloc[0][['china_usd_m', 'total_usd_m']], *qh.iloc[-1][['china_usd_m', 'total_usd_m']])}."
                  if len(qh) == 2 and qh.fiscal_year.diff().iloc[-1] == 1 else "")
        if same_q:
            out.update(hq_q3_share_before=float(qh.china_share.iloc[0]), hq_q3_share_after=float(qh.china_share.iloc[-1]))
        findings.append(f"By customer headquarters (the FY{b.fiscal_year} 10-K's basis, earlier years recast) China's share went "
                        f"{hq_move}: {_split(a.china_usd_bn, a.total_usd_bn, b.china_usd_bn, b.total_usd_bn)}.{same_q}")
    if drops:
        i = min(drops)[1]
        a, b = q.iloc[i], q.iloc[i + 1]
        out.update(steepest_quarter=b.label, **{f"steepest_{k}": float(v) for k, v in revenue.share_change(
            a.china_usd_m, a.total_usd_m, b.china_usd_m, b.total_usd_m).items()})
        findings.append(f"Steepest quarterly fall by billing location, {a.label} → {b.label}: {_split(a.china_usd_m, a.total_usd_m, b.china_usd_m, b.total_usd_m)}"
                        + ("." if a.seen and b.seen else f" (the Q3 FY{a.fiscal_year} 10-Q's China figures behind it were not read in retrieved text)."))
    findings += [
        f"After the April 2025 H20 licence requirement Nvidia booked a USD {h20['h20_charge'] / 1e3:g} bn charge; it had sold USD "
        f"{h20['h20_sales_before_requirement'] / 1e3:g} bn of H20 in Q1 FY2026, could not ship USD {h20['h20_unshipped'] / 1e3:g} bn more, "
        + ("and sold none to China-based customers in Q2" if h20["h20_sales_china"] == 0 else
           f"and sold USD {h20['h20_sales_china']:g} M to China in Q2")
        + (f"; the licences granted from August 2025 brought about USD {h20['h20_revenue_under_licences']:g} M of H20 revenue in "
           "all of FY2026." if "h20_revenue_under_licences" in h20 else "."),
        f"ByteDance's reported Nvidia orders equal **{fmt.rng(lo, hi)}** of Nvidia's China revenue of the matching fiscal year "
        f"by billing location ({spans}); {fmt.rng(lo_hq, hi_hq)} by customer headquarters. "
        + "".join(f"The {r.as_reported} of {r.year} ({fmt.pct(r.share_low)} of FY{r.fiscal_year} China revenue by "
                  f"{revenue.BASIS_LABEL[r.geo_basis].split(' (')[0]}{'' if r.verified else ', an unverified figure'}) "
                  "is left out: its basis is unclear and it equals ByteDance's 2026 all-vendor chip budget."
                  for r in odd.dropna(subset=["geo_basis"]).itertuples())]
    fell = f"China revenue {out['hq_china_change']:+.0%}" if hq_move else ""
    out["headline"] = (f"China's share of Nvidia's revenue went {move} by billing location"
                       + (f" and {hq_move} by customer headquarters ({fell})" if hq_move else "") + ". ByteDance's reported Nvidia "
                       f"orders are **{fmt.rng(lo, hi)}** of China revenue ({fmt.rng(lo_hq, hi_hq)} by headquarters; "
                       f"{len(inr)} estimates, {inr.year.min()}–{inr.year.max()}).")
    out.update(_numbers(
        ("China share of Nvidia revenue, by billing location", move.replace("**", ""), _ids(s.source_id)),
        ("China share, by customer headquarters", hq_move.replace("**", "") + f"; {fell}", _ids(hq.source_id)) if hq_move else None,
        (f"ByteDance's reported Nvidia orders, {inr.year.min()}–{inr.year.max()}",
         f"{fmt.rng(lo, hi)} of China revenue by billing location ({fmt.rng(lo_hq, hi_hq)} by customer headquarters)", _ids(inr.source_id)),
        ("H20 after the April 2025 licence rule", f"USD {h20['h20_charge'] / 1e3:g} bn charge, USD {h20['h20_unshipped'] / 1e3:g} bn unshipped",
         _ids(data.load("h20_disclosures").source_id))), findings=findings)
    return out


# ============================================================================ 05 claims ledger
def claims(**p) -> dict:
    """Verdict counts over every numeric claim of the articles, and the underlying errors behind them."""
    from helpers import fmt, ledger

    p = _with_defaults("05_claims_ledger", p)
    table = ledger.verdicts(p["rate_id"], p["tolerance_scale"])
    counts = table["verdict"].value_counts().reindex(ledger.VERDICTS, fill_value=0).to_dict()
    errors, n = ledger.findings(table), len(table)
    held = counts["consistent"] + counts["rounding"]
    checked = n - counts["unverifiable"]
    refs = _ids(table.loc[table.verdict != "unverifiable", "reference_sources"].str.split().explode()
                .loc[lambda x: x != "recomputed"].dropna())
    return {
        "headline": (f"Of the articles' **{n} numeric claims**, **{held}** hold up against independent data and "
                     f"**{len(errors)} underlying errors** ({int(table.verdict.isin(ledger.ERRORS).sum())} claims) misuse or "
                     f"misstate a number; **{counts['unverifiable']}** cannot be checked from reputable sources."),
        **_numbers(("hold up", f"{held} of {n} ({counts['rounding']} only within rounding)", refs),
                   ("underlying errors", f"{len(errors)} ({', '.join(dict.fromkeys(errors.error))})", refs),
                   ("superseded / unverifiable", f"{counts['superseded']} / {counts['unverifiable']}", refs)),
        "findings": [
            f"**{checked} of {n}** claims could be checked; {counts['unverifiable']} ({fmt.pct(counts['unverifiable'] / n)}) "
            "could not (no independent figure, only aggregator sources, or no stated period or tracker).",
            f"**{held}** hold up ({counts['rounding']} only within a documented rounding tolerance); "
            f"**{counts['superseded']}** were overtaken by later figures.",
            f"**{len(errors)} underlying errors**: " + "; ".join(
                f"{fmt.md(e.error)} ({e.verdict}: {e.claims})" for e in errors.itertuples()) + ".",
        ],
        "claims": n, "checked": checked, **counts, "errors": len(errors),
    }


# ============================================================================ 06 ByteDance's fleet
def fleet(**p) -> dict:
    """ByteDance's accelerators at the end of the latest year of data/fleet_estimates.csv (units and
    H100-equivalents on the dense BF16 and decode bases, share bought in China, the widest unknown), and
    its 2024 Hopper orders against the largest peer's on the same three bases."""
    import numpy as np

    from helpers import chips, data, demand, fmt

    p = _with_defaults("06_bytedance_fleet", p)
    fl = demand.fleet(p["decode_batch"], p["h20_price_usd"])
    yr = demand.fleet_by_year(fl)
    year = int(yr.year.max())
    tot, china = yr[yr.year == year].sum(numeric_only=True), yr[(yr.year == year) & (yr.route == "bought_in_china")].iloc[0]
    sig = lambda lo, hi: f"{fmt.sig(lo)}–{fmt.sig(hi)}"  # noqa: E731
    china_share = (china.units_low + china.units_high) / (tot.units_low + tot.units_high)
    wide = fl.loc[(fl.h100e_decode_high - fl.h100e_decode_low).idxmax()]
    peers = data.load("peer_fleets").query("measure == 'bought_in_year'")
    bd, top = peers[peers.owner == "ByteDance"].iloc[0], peers[peers.owner != "ByteDance"].sort_values("units").iloc[-1]
    ratio = {b: float(demand.h100e(bd.units, bd.chip_id, b, p["decode_batch"]) / demand.h100e(top.units, top.chip_id, b, p["decode_batch"]))
             for b in demand.H100E_BASES}
    units, dense, dec = (sig(tot[f"{c}_low"], tot[f"{c}_high"]) for c in ("units", "h100e_dense_bf16", "h100e_decode"))
    vs = (f"{fmt.pct(bd.units / top.units)} of {top.owner}'s in units, {fmt.pct(ratio['dense_bf16'])} in dense BF16 compute "
          f"and {fmt.pct(ratio['decode'])} in decode throughput")
    return {
        "headline": (f"By {year} ByteDance had acquired about **{units} AI accelerators**, **{dense} H100-equivalents** in dense BF16 "
                     f"compute ({dec} in decode throughput); about {fmt.pct(china_share)} were bought in China."),
        **_numbers((f"H100-equivalents by {year}, dense BF16", dense, _ids(_fleet_ids(year))),
                   (f"H100-equivalents by {year}, decode (batch {p['decode_batch']})", dec, _ids(_fleet_ids(year))),
                   (f"Accelerators by {year}", f"{units} chips, {fmt.pct(china_share)} bought in China", _ids(_fleet_ids(year))),
                   (f"2024 Hopper orders vs {top.owner} (Omdia)", vs, _ids([bd.source_id, top.source_id]))),
        "findings": [
            f"By {year}: **{units}** accelerators, **{dense}** H100-equivalents in dense BF16 compute and **{dec}** in decode "
            f"throughput (batch {p['decode_batch']}, shared serving model); cumulative, nothing retired.",
            f"About **{fmt.pct(china_share)}** of the chips were bought in China (A100/H800, H20, Ascend, H200 orders); the rest are "
            "rented or run abroad.",
            f"The widest unknown is {chips.short_name(wide.chip_id_high)} {demand.ROUTES[wide.route]} in {wide.year}: "
            f"{sig(wide.units_low, wide.units_high)} chips ({fmt.md(wide.status.replace('_', ' '))}), "
            f"{sig(wide.h100e_decode_low, wide.h100e_decode_high)} H100e in decode.",
            f"ByteDance's 2024 Hopper orders (Omdia) are {vs}: H20s count for much more in inference than in training."],
        "year": year, **{f"{c}_{e}": float(tot[f"{c}_{e}"]) for c in ("units", "h100e_dense_bf16", "h100e_decode") for e in ("low", "high")},
        "china_share": float(china_share), "peer": top.owner, "peer_units_ratio": float(bd.units / top.units),
        **{f"peer_{b}_ratio": r for b, r in ratio.items()}, "widest_group": wide.group_id, "n_groups": int(np.size(fl.group_id))}
