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
             "04_nvidia_china_revenue": "china_revenue", "05_claims_ledger": "claims"}


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
          "04_nvidia_china_revenue": "Nvidia China revenue", "05_claims_ledger": "Press claims"}


def overview(found: dict) -> dict:
    """The overview's card: one line, and the first key number of each notebook's headline."""
    numbers = [(f"{TOPICS[stem]} — {h['key_numbers'][0][0]}", h["key_numbers"][0][1]) for stem, h in found.items()]
    return {"headline": f"{len(found)} findings, each recomputed from the data at its notebook's defaults.",
            "key_numbers": numbers, "findings": [h["headline"] for h in found.values()]}


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

    from helpers import chips, fmt

    p = _with_defaults("01_chip_gap", p)
    w = chips.specs()
    a = chips.serving_assumptions(active_params_b=p["model_active_params_b"], bytes_per_param=p["bytes_per_param"],
                                  mfu=p["mfu"], mbu=p["mbu"], kv_cache_gb_per_seq=p["kv_cache_gb_per_seq"])
    kw = dict(training_mfu=p["training_mfu"], training_precision=p["training_precision"], assumptions=a,
              ascend_utilisation=p["ascend_utilisation"], w=w)
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
         "decode_batch": p["decode_batch"], "max_decode_batch": p["max_decode_batch"]}
    return {**h, **_chip_gap_text(h, p["ascend_utilisation"], fmt)}


def _chip_gap_text(h: dict, ascend_utilisation: float, fmt) -> dict:
    b, big = h["decode_batch"], h["max_decode_batch"]
    decode = f"{h['h20_decode_ratio']:.2f}× at batch {b}, {h['h20_decode_ratio_max_batch']:.2f}× at batch {big}"
    huawei = ("best case: Nvidia's utilisation" if ascend_utilisation == 1
              else f"at {fmt.pct(ascend_utilisation)} of Nvidia's utilisation")
    a_b, a_c = ({wl: fmt.rng(*h[f"{c}_{wl}"]) for wl in ("training", "decode")} for c in ("ascend_910b", "ascend_910c"))
    return {
        "headline": (f"Like for like an H100 has **{h['h100_over_h20_dense']:.1f}×** the H20's dense compute (not "
                     f"{h['h100_over_h20_mixed']:.1f}×), so an H20 trains at **{fmt.pct(h['h20_training_share'])}** of "
                     f"an H100's rate; in decoding it reaches **{decode}**."),
        "key_numbers": [("H100 vs H20, dense FP8", f"{h['h100_over_h20_dense']:.1f}× ({h['h100_over_h20_mixed']:.1f}× "
                                                   "on mixed bases)"),
                        ("H20 vs H100, training", fmt.pct(h["h20_training_share"])),
                        ("H20 vs H100, decode", decode),
                        ("H20s to equal one B200 in training", f"{h['h20_per_b200_training']:.0f} at "
                                                               f"{h['h20_per_b200_training_power_ratio']:.1f}× the power")],
        "findings": [
            f"Nvidia's H100 headline counts 2:4 sparsity: dense against dense it has **{h['h100_over_h20_dense']:.1f}×** "
            f"the H20's compute, not {h['h100_over_h20_mixed']:.1f}×.",
            f"For training an H20 is worth **{fmt.pct(h['h20_training_share'])}** of an H100; "
            f"{h['h20_per_b200_training']:.0f} H20s equal one B200, drawing "
            f"{h['h20_per_b200_training_power_ratio']:.1f}× its board power.",
            f"Decoding rests on memory bandwidth, where the H20 is strong: it gives **{h['h20_decode_ratio']:.2f}×** an "
            f"H100 at batch {b} (bound by {h['h20_decode_bound_by']}), "
            + (f"at least 1× up to batch {h['h20_decode_ahead_up_to_batch']}, " if h["h20_decode_ahead_up_to_batch"]
               else "less than 1× at every batch, ")
            + f"{h['h20_decode_ratio_max_batch']:.2f}× at batch {big} (bound by {h['h20_max_batch_bound_by']}; "
            f"decode MFU {h['decode_mfu']:g}).",
            f"Huawei's Ascend 910B reaches {a_b['training']} of an H100 for training and {a_b['decode']} for decode, "
            f"the 910C {a_c['training']} and {a_c['decode']} ({huawei})."]}


# ============================================================================ 02 cloud economics
def cloud_costs(**p) -> dict:
    """Cheapest route per dense BF16 PFLOP-hour and per million decode tokens, the H100 rent-vs-buy
    break-even, the seed's implied price and the Malaysian cluster's payback (helpers.costs)."""
    from helpers import costs, fmt

    p = _with_defaults("02_cloud_economics", p)
    t = costs.routes(**p).sort_values("usd_per_pflop_hour", kind="stable").reset_index(drop=True)
    best, rent = t.iloc[0], t[t["mode"] == "rent"].iloc[0]
    other = t[t["mode"] != best["mode"]].iloc[0]  # the cheapest route of the other kind (rent or buy)
    kind = "rental" if other["mode"] == "rent" else "purchase"
    tok = t.sort_values("usd_per_m_tokens", kind="stable").iloc[0]
    rvb, seed, mal = costs.rent_vs_buy(**p), costs.seed_figures(), costs.cluster_payback(**costs.MALAYSIA_CLUSTER, **p)
    u_lo, u, u_hi = sorted(rvb[f"breakeven_u_{k}"] for k in ("low", "central", "high"))
    m_lo, m, m_hi = sorted(rvb[f"breakeven_months_{k}"] for k in ("low", "central", "high"))
    implied = costs.implied_price(seed["budget_usd"], seed["count"])

    def usd(r, col="usd_per_pflop_hour", f=".2f"):
        return f"USD {r[col]:{f}} ({fmt.rng(r[col + '_low'], r[col + '_high'], f)})"

    def low(route):  # 'Buy H20 in China' -> 'buy H20 in China'
        return route[0].lower() + route[1:]

    name, gate = low(best.route), " (if US licences and Chinese customs allow)" if "licence" in best.route else ""
    price = p["rental_price_usd_per_gpu_hour"]
    return {
        "headline": f"The cheapest dense BF16 PFLOP-hour is to **{name}**{gate}: **{usd(best)}**, against "
                    f"{usd(other)} to {low(other.route)}. Owning an H100 beats renting it at USD {price:.2f}/h above "
                    f"**{u:.0%}** utilisation ({fmt.rng(u_lo, u_hi)}).",
        "key_numbers": [(f"Cheapest route: {low(best.route)}", f"{usd(best)} per dense BF16 PFLOP-hour"),
                        (f"Cheapest {kind}: {low(other.route)}", f"{usd(other)} per dense BF16 PFLOP-hour"),
                        (f"H100 owning beats renting at USD {price:.2f}/h above", f"{u:.0%} ({fmt.rng(u_lo, u_hi)}) utilisation"),
                        ("Price implied by the seed's H100 count", f"USD {implied:.2f} per GPU-hour (quoted {seed['price']:.2f})")],
        "findings": [
            f"The seed's {seed['count']:,.0f} H100 for USD {seed['budget_usd'] / 1e9:g} bn imply **USD {implied:.2f}** per "
            f"GPU-hour, not the USD {seed['price']:.2f} it quotes.",
            f"Owning an H100 abroad beats renting at USD {price:.2f}/h above **{u:.0%}** utilisation ({fmt.rng(u_lo, u_hi)}) "
            f"and pays for itself in **{m:.0f} months** ({m_lo:.0f}–{m_hi:.0f}) at {p['utilisation']:.0%} use"
            + (f", longer than its {12 * p['depreciation_years']:.0f}-month life." if m > 12 * p["depreciation_years"] else "."),
            f"Per dense BF16 PFLOP-hour the cheapest route is to {name}{gate}: **{usd(best)}**; the cheapest {kind}, "
            f"to {low(other.route)}, costs {usd(other)}.",
            f"Per million decode tokens (batch {p['decode_batch']}) the cheapest route is to {low(tok.route)}: "
            f"**{usd(tok, 'usd_per_m_tokens', '.3f')}**.",
            f"The Malaysian cluster's value is **USD {mal['value_per_gpu']:,.0f} per GPU**; rented out at the Blackwell "
            f"quotes it pays back in **{mal['payback_months']:.0f} months** ({mal['payback_months_low']:.0f}–"
            f"{mal['payback_months_high']:.0f})."],
        "cheapest_route": best.route, "cheapest_usd_per_pflop_hour": float(best.usd_per_pflop_hour),
        "cheapest_usd_per_pflop_hour_low": float(best.usd_per_pflop_hour_low),
        "cheapest_usd_per_pflop_hour_high": float(best.usd_per_pflop_hour_high),
        "cheapest_rental_route": rent.route, "cheapest_rental_usd_per_pflop_hour": float(rent.usd_per_pflop_hour),
        "cheapest_token_route": tok.route, "cheapest_usd_per_m_tokens": float(tok.usd_per_m_tokens),
        "breakeven_utilisation": float(u), "breakeven_utilisation_low": float(u_lo), "breakeven_utilisation_high": float(u_hi),
        "breakeven_months": float(m), "breakeven_months_low": float(m_lo), "breakeven_months_high": float(m_hi),
        "implied_price": float(implied), "gpus_at_seed_price": float(costs.gpus_rentable(seed["budget_usd"], seed["price"])),
        "malaysia_payback_months": float(mal["payback_months"]),
    }


# ============================================================================ 03 Doubao demand
def doubao_demand(**p) -> dict:
    """GPUs Doubao's app needs at peak (Monte Carlo), its share of the reported fleet and of the
    reported Doubao-model tokens, token versus user growth, and the assumption that moves it most."""
    from helpers import chips, demand, fmt

    p = _with_defaults("03_doubao_demand", p)
    chip, sig = chips.short_name(p["chip_id"]), fmt.sig
    first, per_chip, app = demand.simulate(p["chip_id"], p["precision"], p["decode_batch"], p["kv_cache_gb_per_seq"],
                                           p["n_draws"], p["seed"], p["dau_millions"])
    n, d = demand.percentiles(per_chip[p["chip_id"]]), demand.dau_range(p["dau_millions"])
    reported, latest = demand.reported_tokens(d["date"]), demand.reported_tokens()
    tok_t = demand.percentiles(app / 1e12)
    share = {q: v / reported.tokens_per_day_trillions for q, v in tok_t.items()}
    cap = demand.fleet_share(per_chip, app, first.draws["dau"], latest.tokens_per_day_trillions * 1e12)
    pool = cap[cap.chip_id == p["chip_id"]] if (cap.chip_id == p["chip_id"]).any() else cap
    big = pool.loc[pool.gpu_count.idxmax()]
    users = demand.app_users()
    tok = demand.growth(demand.token_volumes(), "date", "tokens_per_day_trillions", p["growth_from"], p["growth_to"])
    mau = demand.growth(users[users.metric == "mau"], "period", "value_millions", p["growth_from"], p["growth_to"])
    top, at_low, at_high = demand.swing(demand.ranges(p["dau_millions"]), demand.chip_model(
        p["chip_id"], p["precision"], p["decode_batch"], p["kv_cache_gb_per_seq"]))[0]
    gpus, fleet = f"{sig(n[50.0])} ({sig(n[5.0])}–{sig(n[95.0])})", f"{big.gpu_count:,.0f} {chips.short_name(big.chip_id)}s"
    pcts = lambda x, lo, hi: f"{sig(100 * x)}% ({sig(100 * lo)}–{sig(100 * hi)}%)"  # Monte Carlo: 2 significant figures
    cap_share, tok_share = pcts(big.app_share_p50, big.app_share_p5, big.app_share_p95), pcts(share[50.0], share[5.0], share[95.0])
    traffic = f"{sig(big.traffic_share_p50)}× ({sig(big.traffic_share_p5)}–{sig(big.traffic_share_p95)}×)"
    span = f"{tok['from']:%b %Y} to {tok['to']:%b %Y}" if tok else "the chosen months"
    who = (f"{d['central'] / 1e6:,.0f}M daily users ({d['low'] / 1e6:,.0f}–{d['high'] / 1e6:,.0f}M in reports of "
           f"{d['rows'].period.min():%b %Y}–{d['date']:%b %Y})" if d["date"] is not None else f"{d['central'] / 1e6:,.0f}M daily users (parameter)")
    return {
        "headline": (f"Serving Doubao's app takes about **{sig(n[50.0])} {chip}s** at peak ({sig(n[5.0])}–{sig(n[95.0])}): "
                     f"**{cap_share}** of the {fleet} reported in {big.date:%Y}. All Doubao-model traffic would need {traffic} as many."),
        "key_numbers": [(f"{chip}s needed at peak", gpus), (f"Share of the {fleet} reported in {big.date:%Y}", cap_share),
                        ("App share of all Doubao-model tokens", tok_share),
                        (f"Growth, {span}", f"tokens {tok['multiple']:.1f}×, MAU {mau['multiple']:.1f}×" if tok and mau else "n/a")],
        "findings": [
            f"Serving {who} takes about **{sig(n[50.0])} {chip}s** at peak (5th–95th percentile {sig(n[5.0])}–{sig(n[95.0])}, "
            f"{p['n_draws']:,} seeded draws).",
            f"That is **{cap_share}** of the {fleet} reported in {big.date:%Y}; all Doubao-model traffic at its latest "
            f"{latest.tokens_per_day_trillions:g}T tokens a day ({latest.date:%b %Y}) would need **{traffic}** as many.",
            f"The app's modelled {sig(tok_t[50.0])}T tokens a day are **{tok_share}** "
            f"of the {reported.tokens_per_day_trillions:g}T ByteDance reported for all Doubao-model traffic ({reported.date:%b %Y}).",
            (f"From {span} that traffic grew **{tok['multiple']:.1f}×** while Doubao's MAU grew {mau['multiple']:.1f}×."
             if tok and mau else "The chosen months give no growth comparison."),
            f"The number of **{demand.LABELS[top]}** moves the answer most: {sig(at_low)} to {sig(at_high)} {chip}s "
            "with every other assumption at its central value."],
        "chip": chip, "dau_m": d["central"] / 1e6, "gpus_p5": n[5.0], "gpus_p50": n[50.0], "gpus_p95": n[95.0],
        "capacity_id": big.capacity_id, "capacity_share_p50": big.app_share_p50, "capacity_share_p5": big.app_share_p5,
        "capacity_share_p95": big.app_share_p95, "app_token_share_p50": share[50.0],
        "token_growth": tok["multiple"] if tok else float("nan"), "mau_growth": mau["multiple"] if mau else float("nan"),
        "traffic_share_p50": big.traffic_share_p50, "top_driver": demand.LABELS[top]}


# ============================================================================ 04 Nvidia China revenue
def china_revenue(**p) -> dict:
    """China's share of Nvidia revenue on each geography basis (never chained), ByteDance's reported
    purchases as a share of China revenue, and the H20 forecast against China revenue."""
    from helpers import fmt, revenue

    p = _with_defaults("04_nvidia_china_revenue", p)
    fy_first, fy_last, h20_price_usd = p["fy_first"], p["fy_last"], p["h20_price_usd"]
    rate_id, rmb_per_usd = p["rate_id"], p["rmb_per_usd"]

    s = revenue.share_series(fy_first, fy_last).sort_values("fiscal_year")
    out, moves = {}, {}
    for basis, a, b in (("billing_location", "peak", "billing_last"), ("customer_hq", "hq_first", "latest")):
        sub = s[s.geo_basis == basis]
        if len(sub):
            first, last = (sub.loc[sub.china_share.idxmax()] if a == "peak" else sub.iloc[0]), sub.iloc[-1]
            out.update({f"{a}_fy": int(first.fiscal_year), f"{a}_share": float(first.china_share),
                        f"{b}_fy": int(last.fiscal_year), f"{b}_share": float(last.china_share)})
            moves[basis] = (f"{fmt.pct(first.china_share)} (FY{first.fiscal_year}) → **{fmt.pct(last.china_share)}** "
                            f"(FY{last.fiscal_year})" if first.fiscal_year != last.fiscal_year else
                            f"**{fmt.pct(last.china_share)}** (FY{last.fiscal_year})")
    if "latest_fy" not in out:
        out.update(latest_fy=out["billing_last_fy"], latest_share=out["billing_last_share"])
    rep = revenue.bytedance_share(rate_id, rmb_per_usd, h20_price_usd).query("estimate.str.startswith('reported')")
    years = rep.groupby("year").agg(low=("share_low", "min"), high=("share_high", "max"))
    fx = revenue.rate(rate_id, rmb_per_usd)
    out.update(bd_share_low=float(years.low.min()), bd_share_high=float(years.high.max()),
               bd_share_by_year={int(y): (float(r.low), float(r.high)) for y, r in years.iterrows()},
               rmb_per_usd=fx["rmb_per_usd"])
    by_year = ", ".join(f"**{fmt.rng(r.low, r.high)}** ({y})" for y, r in years.iterrows())
    ids = rep[rep.year == years.index[-1]].source_id.str.split(", ").explode().unique()
    single = f"; the {years.index[-1]} share rests on one report ({fmt.md(fmt.cite(list(ids)))})" if len(ids) == 1 else ""
    h20 = revenue.h20_comparison(h20_price_usd)
    year = h20.period.iloc[0].split()[-1]
    bill = h20[h20.basis == "billing_location"].set_index("role")
    before, match = bill.loc["year before"], bill.loc["matching year"]
    out.update(h20_vs_year_before=(before.ratio_low, before.ratio_high), h20_vs_matching_year=(match.ratio_low, match.ratio_high))
    label = {"billing_location": "by billing location", "customer_hq": "by customer HQ"}
    out["headline"] = (f"China's (incl. Hong Kong) share of Nvidia's revenue went "
                       f"{' and '.join(f'{m} {label[b]}' for b, m in moves.items())}. "
                       f"ByteDance's reported Nvidia buying is {by_year} of that China revenue.")
    out["key_numbers"] = [(f"China share of Nvidia revenue, {label[b]}", m.replace("**", "")) for b, m in moves.items()] + [
        ("ByteDance's reported buying, share of China revenue", by_year.replace("**", "")),
        (f"H20 forecast ({year}) vs China revenue FY{match.fiscal_year:.0f}", fmt.rng(match.ratio_low, match.ratio_high))]
    out["findings"] = [f"China's share of Nvidia's revenue {label[b]}: {m}" + ("" if b == "billing_location" else
                       " (a later 10-K's recast, not chained to the billing series)") + "." for b, m in moves.items()] + [
        f"The H20 forecast for calendar {year} (USD {fmt.rng(*h20[['usd_bn_low', 'usd_bn_high']].iloc[0], '.0f')} bn) is "
        f"**{fmt.rng(before.ratio_low, before.ratio_high, '.2f')}×** FY{before.fiscal_year:.0f} China revenue (the articles' "
        f"comparison, mostly calendar {int(year) - 1}) but only **{fmt.rng(match.ratio_low, match.ratio_high)}** of "
        f"FY{match.fiscal_year:.0f}'s, the fiscal year matching {year} (billing location).",
        f"ByteDance's reported Nvidia purchases equal {by_year} of Nvidia's China revenue in the matching fiscal year "
        f"(RMB at {fx['rmb_per_usd']:g} per USD){single}."]
    return out


# ============================================================================ 05 claims ledger
def claims(**p) -> dict:
    """Verdict counts over every numeric claim of the articles, and the kinds of error behind the gaps."""
    from helpers import fmt, ledger

    p = _with_defaults("05_claims_ledger", p)
    table = ledger.verdicts(p["rate_id"], p["tolerance_scale"])
    counts = table["verdict"].value_counts().reindex(ledger.VERDICTS, fill_value=0).to_dict()
    checked = counts["consistent"] + counts["inconsistent"] + counts["superseded"]
    causes = table.loc[table.verdict == "inconsistent", "likely_cause"].map(ledger.cause_kind).value_counts()
    n = len(table)
    return {
        "headline": (f"Of the articles' **{n} numeric claims**, **{counts['consistent']}** hold up against "
                     f"independent data and **{counts['inconsistent']}** do not; **{counts['unverifiable']}** "
                     "cannot be checked from the project's sources."),
        "key_numbers": [("consistent", f"{counts['consistent']} of {n}"),
                        ("inconsistent", f"{counts['inconsistent']} ({', '.join(causes.index[:3])})"),
                        ("superseded / unverifiable", f"{counts['superseded']} / {counts['unverifiable']}")],
        "findings": [
            f"**{checked} of {n}** claims could be checked against independent data; "
            f"{counts['unverifiable']} ({fmt.pct(counts['unverifiable'] / n)}) could not.",
            f"**{counts['consistent']}** are consistent, **{counts['superseded']}** were right when made "
            "but overtaken by later figures.",
            f"**{counts['inconsistent']}** are inconsistent; the kinds of error: "
            + "; ".join(f"{c} ({k})" for c, k in causes.items()) + ".",
        ],
        "claims": n, "checked": checked, **counts, "causes": causes.to_dict(),
    }
