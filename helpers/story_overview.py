"""The overview: each notebook's headline, computed with the same helpers and defaults as the notebook.

Each story module's ``headline()`` with no arguments uses that notebook's parameter defaults
(tests/test_overview.py checks that the defaults match the notebooks' parameters cells), so the
numbers here equal the notebooks'.
"""
from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import pandas as pd

from helpers import charts, data, report, story_chips, story_costs, story_demand, story_ledger, story_revenue

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
#: notebook stem -> the story module that computes its headline
STORIES = {"01_chip_gap": story_chips, "02_cloud_economics": story_costs, "03_doubao_demand": story_demand,
           "04_nvidia_china_revenue": story_revenue, "05_claims_ledger": story_ledger}


@data.memo
def headline(stem: str) -> dict:
    """The headline of notebook ``stem`` at its defaults (computed once per version of data/)."""
    return STORIES[stem].headline()


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def key_figure(stem: str, h: dict) -> str:
    """The one number (with its range or basis) that a notebook's finding rests on."""
    if stem == "01_chip_gap":
        return (f"H100 = {h['h100_over_h20_dense']:.1f}× H20 in dense compute (not {h['h100_over_h20_mixed']:.1f}× dense vs sparse); "
                f"H20 = {h['h20_decode_ratio']:.2f}× H100 for decode at small batches")
    if stem == "02_cloud_economics":
        return (f"cheapest route: {h['cheapest_route']}, USD {h['cheapest_usd_per_pflop_hour']:.2f} "
                f"({h['cheapest_usd_per_pflop_hour_low']:.2f}–{h['cheapest_usd_per_pflop_hour_high']:.2f}) per dense PFLOP-hour; "
                f"H100 buy beats rent above {_pct(h['breakeven_utilisation'])} use")
    if stem == "03_doubao_demand":
        sig = story_demand.sig
        return (f"{sig(h['gpus_p50'])} {h['chip']}s at peak ({sig(h['gpus_p5'])}–{sig(h['gpus_p95'])}) = "
                f"{_pct(h['capacity_share_p50'])} ({_pct(h['capacity_share_p5'])}–{_pct(h['capacity_share_p95'])}) of the reported fleet")
    if stem == "04_nvidia_china_revenue":
        return (f"China share {_pct(h['peak_share'])} (FY{h['peak_fy']}) → {_pct(h['billing_last_share'])} (FY{h['billing_last_fy']}), "
                f"billing basis; {_pct(h['latest_share'])} in FY{h['latest_fy']} by customer HQ")
    if stem == "05_claims_ledger":
        return (f"{h['consistent']} consistent, {h['inconsistent']} inconsistent, {h['superseded']} superseded, "
                f"{h['unverifiable']} unverifiable of {h['claims']} claims")
    raise ValueError(f"no key figure for notebook {stem!r}")


def findings() -> pd.DataFrame:
    """One row per thematic notebook: title, question, key figure, finding sentence, link."""
    rows = []
    for stem in STORIES:
        nb = json.loads((NOTEBOOK_DIR / f"{stem}.ipynb").read_text(encoding="utf-8"))
        d = report.describe(nb)
        h = headline(stem)
        rows.append({"notebook": stem, "title": d["title"], "question": d["question"],
                     "key_figure": key_figure(stem, h), "sentence": h["sentence"], "link": f"{stem}.ipynb"})
    return pd.DataFrame(rows)


def chart_verdicts():
    """Claims per article by computed verdict (stacked bars)."""
    v = story_ledger.verdicts()
    src = data.load("sources").set_index("id")
    v = v.assign(article=v.source_id.map(lambda i: f"{src.loc[i, 'publisher']} ({src.loc[i, 'published_date']:%Y-%m-%d})"))
    counts = v.groupby(["article", "verdict"]).size().rename("claims").reset_index()
    order = ["consistent", "superseded", "inconsistent", "unverifiable"]
    bars = alt.Chart(counts).mark_bar().encode(
        y=alt.Y("article:N", title=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("claims:Q", title="Numeric claims"),
        color=alt.Color("verdict:N", sort=order, scale=alt.Scale(domain=order, range=["#66a182", "#edae49", "#d1495b", "#bbbbbb"]),
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order("verdict_rank:Q"),
        tooltip=["article:N", "verdict:N", "claims:Q"]).transform_calculate(
        verdict_rank=f"indexof({order!r}, datum.verdict)")
    h = headline("05_claims_ledger")
    return charts.sourced(bars.properties(height=180),
                          f"{h['consistent']} of the articles' {h['claims']} numeric claims hold up; {h['inconsistent']} do not",
                          charts.source_line(sorted(v.source_id.unique())),
                          "Verdicts computed in the claims ledger (05_claims_ledger) against the project's data")


def summary_sentence() -> str:
    """One sentence over the whole collection (the overview's headline)."""
    c, k, d, r, l = (headline(stem) for stem in STORIES)
    return (f"The H20 that ByteDance may buy in China has **1/{c['h100_over_h20_dense']:.1f}** of an H100's dense compute yet "
            f"**{c['h20_decode_ratio']:.2f}×** its decode speed at small batches; the cheapest compute is "
            f"{k['cheapest_route'][0].lower() + k['cheapest_route'][1:]} at **USD {k['cheapest_usd_per_pflop_hour']:.2f} per dense PFLOP-hour** "
            f"({k['cheapest_usd_per_pflop_hour_low']:.2f}–{k['cheapest_usd_per_pflop_hour_high']:.2f}); Doubao's app would use only "
            f"**{_pct(d['capacity_share_p50'])}** ({_pct(d['capacity_share_p5'])}–{_pct(d['capacity_share_p95'])}) of ByteDance's reported "
            f"{d['chip']} fleet while Doubao-model token traffic grew {d['token_growth']:.0f}× in a year; China fell to "
            f"**{_pct(r['latest_share'])}** of Nvidia's revenue (FY{r['latest_fy']}, customer-HQ basis); and "
            f"**{l['consistent']} of {l['claims']}** numeric claims in the articles hold up.")
