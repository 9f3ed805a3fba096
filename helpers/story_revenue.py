"""Nvidia's China revenue, the export-control steps and ByteDance's share, computed from data/.

Shared by notebook 04 and the overview: :func:`headline` returns the same numbers for both.
Conventions: money in USD bn (revenue table values are USD m and are divided by 1,000);
shares are fractions; Nvidia fiscal year N ends on the last Sunday of January of year N.
Two geography bases are never chained: ``billing_location`` (10-Ks up to FY2025) and
``customer_hq`` (the FY2026 10-K's recast of FY2024-FY2026).
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from helpers import charts, chips, data, revenue

BASES = ("billing_location", "customer_hq")
BASIS_LABEL = {"billing_location": "billing location (10-K)",
               "customer_hq": "customer headquarters (later 10-K recast)"}
SPEND_ITEMS = ("nvidia_spend_a100_h800", "nvidia_spend_h20", "nvidia_spend_total")
#: other bytedance_spending items this story reads (H20 forecast, Ascend volumes and yields, plans)
USED_ITEMS = ("h20_units_projection_market", "h20_revenue_projection_market", "hopper_units_ordered",
              "nvidia_spend_plan", "capex_ai_chips", "ascend_910b_units_projection",
              "ascend_910b_units_produced", "ascend_910b_yield", "ascend_910c_yield", "h20_units_ordered",
              "ascend_910b_units_ordered_bytedance")
DEFAULTS = dict(fy_first=None, fy_last=None, h20_price_usd=None, ascend_yield=None,
                rate_id="fx10", rmb_per_usd=None)


def _rows(item: str) -> pd.DataFrame:
    bd = data.load("bytedance_spending")
    out = bd[bd["item"] == item]
    if out.empty:
        raise ValueError(f"bytedance_spending has no item {item!r}")
    return out


def _range(rows: pd.DataFrame) -> tuple[float, float]:
    """(low, high) over every row's value / value_low / value_high."""
    vals = pd.concat([rows["value"], rows["value_low"], rows["value_high"]]).dropna()
    return float(vals.min()), float(vals.max())


def _ids(rows: pd.DataFrame) -> list[str]:
    return sorted(rows["source_id"].unique())


def _pct(x) -> str:
    """'26%' from a fraction."""
    return f"{100 * x:.0f}%"


def _pct_range(lo, hi) -> str:
    """'8–12%' from two fractions ('61%' when both round alike)."""
    a, b = _pct(lo), _pct(hi)
    return a if a == b else f"{a[:-1]}–{b}"


def _bn(x) -> str:
    """'USD 17.1 bn' from a value in USD bn."""
    return f"USD {x:,.1f} bn"


def source_line(ids, limit: int = 150) -> str:
    """A chart's source line (see ``helpers.charts.source_line``)."""
    return charts.source_line(ids, limit)


def hq_basis_fy() -> int:
    """Fiscal year of the filing that introduced the customer-headquarters basis."""
    rev = data.load("nvidia_revenue")
    return int(rev[rev.geo_basis == "customer_hq"].reported_in_fy.min())


def forecast_year() -> int:
    """Calendar year of the H20 unit forecast for China."""
    return int(str(_rows("h20_units_projection_market").period.iloc[0])[:4])


# --------------------------------------------------------------------------- #
# section 1: China revenue and share by fiscal year
# --------------------------------------------------------------------------- #
def fiscal_range(fy_first=None, fy_last=None) -> tuple[int, int]:
    """Fiscal-year range, defaulting to every full year in ``nvidia_revenue``."""
    fy = data.load("nvidia_revenue").query("fiscal_period == 'FY'")["fiscal_year"]
    lo = int(fy.min()) if fy_first is None else int(fy_first)
    hi = int(fy.max()) if fy_last is None else int(fy_last)
    if lo > hi:
        raise ValueError(f"fy_first={lo} is after fy_last={hi}")
    return lo, hi


def share_series(fy_first=None, fy_last=None) -> pd.DataFrame:
    """China (incl. HK) revenue and share of total by fiscal year, one row per (year, basis).

    Each basis uses its earliest filing per year (helpers.revenue.china_share). Columns:
    fiscal_year, geo_basis, china_usd_bn, total_usd_bn, china_share, period_start,
    period_end, period_mid, source_id.
    """
    lo, hi = fiscal_range(fy_first, fy_last)
    rev = data.load("nvidia_revenue")
    rev = rev[(rev.fiscal_period == "FY") & rev.fiscal_year.between(lo, hi)]
    parts = []
    for basis in BASES:
        sub = rev[rev.geo_basis == basis]
        if sub.empty:
            continue
        cs = revenue.china_share(sub)
        first = sub[sub.reported_in_fy == sub.groupby("fiscal_year").reported_in_fy.transform("min")]
        meta = first[first.region == "total"].set_index("fiscal_year")
        cs["geo_basis"] = basis
        cs["period_start"] = cs.fiscal_year.map(meta.period_start)
        cs["period_end"] = cs.fiscal_year.map(meta.period_end)
        cs["source_id"] = cs.fiscal_year.map(meta.source_id)
        parts.append(cs)
    out = pd.concat(parts, ignore_index=True)
    out["period_mid"] = out.period_start + (out.period_end - out.period_start) / 2
    out["china_usd_bn"] = out.pop("china_usd_m") / 1000
    out["total_usd_bn"] = out.pop("total_usd_m") / 1000
    return out[["fiscal_year", "geo_basis", "china_usd_bn", "total_usd_bn", "china_share",
                "period_start", "period_end", "period_mid", "source_id"]]


def events(fy_first=None, fy_last=None) -> pd.DataFrame:
    """Control events with their Nvidia fiscal year and a short label, within the range."""
    lo, hi = fiscal_range(fy_first, fy_last)
    ev = data.load("control_events").sort_values("date").reset_index(drop=True)
    ev["fiscal_year"] = revenue.nvidia_fiscal_year(ev["date"])
    ev["label"] = (ev["date"].dt.strftime("%b %Y") + " " + ev["kind"] + " ("
                   + ev["chips_affected"].str.split(";").str[0] + ")")
    return ev[ev.fiscal_year.between(lo, hi)].reset_index(drop=True)


def event_steps(fy_first=None, fy_last=None) -> pd.DataFrame:
    """For each fiscal year with a control event: China revenue and share vs the year before.

    Compared on the same geography basis only (both bases where both cover the two years).
    """
    s = share_series(fy_first, fy_last).set_index(["geo_basis", "fiscal_year"])
    ev = events(fy_first, fy_last)
    rows = []
    for fy, g in ev.groupby("fiscal_year"):
        for basis in BASES:
            if (basis, fy) in s.index and (basis, fy - 1) in s.index:
                now, before = s.loc[(basis, fy)], s.loc[(basis, fy - 1)]
                rows.append({"fiscal_year": fy, "geo_basis": basis, "events": "; ".join(g.label),
                             "china_usd_bn_before": before.china_usd_bn, "china_usd_bn": now.china_usd_bn,
                             "china_change": now.china_usd_bn / before.china_usd_bn - 1,
                             "share_before": before.china_share, "share": now.china_share})
    return pd.DataFrame(rows, columns=["fiscal_year", "geo_basis", "events", "china_usd_bn_before", "china_usd_bn",
                                       "china_change", "share_before", "share"])


#: (start, end, basis wording) of each move named in the section-1 chart title, as headline keys
_MOVES = (("peak", "billing_last", "by billing location"), ("hq_first", "latest", "on the HQ basis"))


def share_title(h: dict) -> str:
    """Section-1 chart title from :func:`headline`: each basis's share move, in % and fiscal years."""
    moves = [f"{_pct(h[a + '_share'])} (FY{h[a + '_fy']}) to {_pct(h[b + '_share'])} (FY{h[b + '_fy']}) {label}"
             for a, b, label in _MOVES if a + "_fy" in h]
    return "China's share of Nvidia revenue: " + "; ".join(moves)


def time_domain(series: pd.DataFrame) -> list:
    """[first period start, last period end] of :func:`share_series` (dates), the x domain."""
    return [series.period_start.min(), series.period_end.max()]


def event_rows(ev: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """:func:`events` with ``row`` (0, 1, … within a fiscal year: the label's line) and ``right``
    (date after the middle of the charted period: the label is drawn left of its tick)."""
    lo, hi = time_domain(series)
    return ev.assign(row=ev.groupby("fiscal_year").cumcount(), right=ev.date > lo + (hi - lo) / 2)


def _event_strip(ev_plot: pd.DataFrame, domain: list):
    """The strip of event labels (stacked by ``row``) with a tick at each event date."""
    x = alt.X("date:T", axis=None, scale=alt.Scale(domain=domain))
    y = alt.Y("row:O", axis=None)

    def labels(right: bool):
        return alt.Chart(ev_plot[ev_plot.right == right]).mark_text(
            align="right" if right else "left", dx=-3 if right else 3, fontSize=9, color="#444").encode(
            x=x, y=y, text="label:N", tooltip=["event:N", "source_id:N"])

    ticks = alt.Chart(ev_plot).mark_tick(color="#888", orient="vertical").encode(x=x, y=y)
    return (labels(False) + labels(True) + ticks).properties(
        height=12 * (ev_plot.row.max() + 1) if len(ev_plot) else 10)


def _share_layers(series: pd.DataFrame, domain: list):
    """(China revenue USD bn lines, share % lines, FY labels) by basis at each fiscal year's middle."""
    s = series.assign(basis=series.geo_basis.map(BASIS_LABEL), share_pct=100 * series.china_share,
                      fy=series.fiscal_year.map("FY{}".format))
    color = alt.Color("basis:N", title="Geography basis", legend=alt.Legend(orient="bottom", labelLimit=400))
    tip = ["fy:N", "basis:N", alt.Tooltip("china_usd_bn:Q", format=".1f"), alt.Tooltip("share_pct:Q", format=".1f"),
           "source_id:N"]
    x = alt.X("period_mid:T", title="Calendar date (each point is the middle of an Nvidia fiscal year, labelled FY)",
              scale=alt.Scale(domain=domain))
    base = alt.Chart(s).encode(x=x, color=color, detail="geo_basis:N", tooltip=tip)
    usd = base.mark_line(point=True).encode(y=alt.Y("china_usd_bn:Q", title="China incl. HK revenue (USD bn)"))
    share = base.mark_line(point=True).encode(y=alt.Y("share_pct:Q", title="Share of Nvidia revenue (%)",
                                                      scale=alt.Scale(zero=True)))
    fy_text = alt.Chart(s.sort_values("geo_basis").drop_duplicates("fiscal_year")).mark_text(
        dy=-10, fontSize=9, color="#333").encode(x=x, y="china_usd_bn:Q", text="fy:N")
    return usd, share, fy_text


def chart_share(series: pd.DataFrame, ev: pd.DataFrame, h: dict):
    """Section 1: China revenue (USD bn) and its share of Nvidia revenue (%) per fiscal year and
    basis, under a strip of the control events (dashed rules); title from :func:`share_title`."""
    domain = time_domain(series)
    ev_plot = event_rows(ev, series)
    usd, share, fy_text = _share_layers(series, domain)
    rules = alt.Chart(ev_plot).mark_rule(color="#888", strokeDash=[3, 3]).encode(
        x="date:T", tooltip=["date:T", "fiscal_year:Q", "event:N", "source_id:N"])
    panels = alt.vconcat(_event_strip(ev_plot, domain), (usd + rules + fy_text).properties(height=200),
                         (share + rules).properties(height=200)).resolve_scale(x="shared")
    return charts.sourced(
        panels, share_title(h), source=source_line(list(series.source_id) + list(ev.source_id)),
        subtitle=f"Billing-location series (10-Ks) and customer-HQ series (FY{hq_basis_fy()} 10-K recast, secondary "
                 f"summary) are not joined; dashed lines are control events")


# --------------------------------------------------------------------------- #
# section 2: the H20 projection
# --------------------------------------------------------------------------- #
def share_in_calendar_year(fy: int, year: int) -> float:
    """Share of the days of Nvidia fiscal year ``fy`` that fall in calendar ``year``."""
    if year == fy - 1:
        return revenue.calendar_overlap(fy, by="days")
    if year == fy:
        return 1 - revenue.calendar_overlap(fy, by="days")
    return 0.0


def h20_price_range(h20_price_usd=None) -> tuple[float, float]:
    """USD per H20: the override, or the forecast value / units (FT relay of SemiAnalysis)."""
    if h20_price_usd is not None:
        return float(h20_price_usd), float(h20_price_usd)
    value = _range(_rows("h20_revenue_projection_market"))          # USD bn
    units = _range(_rows("h20_units_projection_market"))[0]          # units
    return value[0] * 1e9 / units, value[1] * 1e9 / units


def h20_comparison(h20_price_usd=None) -> pd.DataFrame:
    """The H20 projection for China (units x price, one calendar year) next to China revenue
    in the fiscal year before (the articles' comparison) and the matching fiscal year.

    Columns: label, kind, usd_bn_low/mid/high, period, basis, source_id, fiscal_year, role,
    ratio_low/ratio_high (projection / that row, actual rows only), days_in_forecast_year.
    """
    units_rows = _rows("h20_units_projection_market")
    units = _range(units_rows)
    price = h20_price_range(h20_price_usd)
    proj = [v / 1e9 for v in revenue.projection_value(units, price)]
    year = forecast_year()
    rows = [{"label": f"H20 forecast, calendar {year} (units x price)", "kind": "forecast",
             "usd_bn_low": proj[0], "usd_bn_mid": proj[1], "usd_bn_high": proj[2],
             "period": f"calendar {year}", "basis": "forecast",
             "source_id": ", ".join(_ids(units_rows) + _ids(_rows("h20_revenue_projection_market")))}]
    s = share_series()
    before, during = (revenue.nvidia_fiscal_year(f"{y}-07-01") for y in (year - 1, year))
    for fy in (before, during):
        for basis in BASES:
            r = s[(s.fiscal_year == fy) & (s.geo_basis == basis)]
            if r.empty:
                continue
            r = r.iloc[0]
            rows.append({"label": f"China revenue FY{fy}, {BASIS_LABEL[basis]}", "kind": "actual",
                         "usd_bn_low": r.china_usd_bn, "usd_bn_mid": r.china_usd_bn,
                         "usd_bn_high": r.china_usd_bn,
                         "period": f"FY{fy} ({r.period_start:%Y-%m-%d} to {r.period_end:%Y-%m-%d})",
                         "basis": basis, "source_id": r.source_id, "fiscal_year": fy,
                         "role": "year before" if fy == before else "matching year"})
    out = pd.DataFrame(rows)
    actual = out.kind == "actual"
    out.loc[actual, "ratio_low"] = proj[0] / out.loc[actual, "usd_bn_high"]
    out.loc[actual, "ratio_high"] = proj[2] / out.loc[actual, "usd_bn_low"]
    out["days_in_forecast_year"] = out["fiscal_year"].map(
        lambda fy: float("nan") if pd.isna(fy) else share_in_calendar_year(int(fy), year))
    return out


# --------------------------------------------------------------------------- #
# section 3: ByteDance's share
# --------------------------------------------------------------------------- #
def rate(rate_id="fx10", rmb_per_usd=None) -> dict:
    """The RMB per USD rate used: the override, or the row ``rate_id`` of exchange_rates."""
    fx = data.load("exchange_rates").set_index("rate_id")
    if rmb_per_usd is not None:
        revenue.rmb_to_usd(1.0, rmb_per_usd)  # validates the range
        return {"rmb_per_usd": float(rmb_per_usd), "label": f"{rmb_per_usd} RMB per USD (override)",
                "source_id": None}
    if rate_id not in fx.index:
        raise ValueError(f"rate_id={rate_id!r} is not a row of exchange_rates")
    r = fx.loc[rate_id]
    return {"rmb_per_usd": float(r.rmb_per_usd),
            "label": f"{r.rmb_per_usd} RMB per USD ({r.basis.replace('_', ' ')}, {r.date:%Y-%m-%d})",
            "source_id": r.source_id}


def money(low, high, unit: str) -> str:
    """'RMB 85 bn', 'USD 2-3 bn' from a value range and a ``usd_bn`` / ``rmb_bn`` unit."""
    cur, scale = unit.split("_", 1)
    return f"{cur.upper()} {low:g}" + ("" if high == low else f"-{high:g}") + f" {scale}"


def _to_usd_bn(value, unit, fx) -> float:
    if unit == "usd_bn":
        return float(value)
    if unit == "rmb_bn":
        return revenue.rmb_to_usd(float(value), fx)
    raise ValueError(f"unit={unit!r} is not usd_bn or rmb_bn")


def bytedance_share(rate_id="fx10", rmb_per_usd=None, h20_price_usd=None) -> pd.DataFrame:
    """ByteDance's reported Nvidia purchases per calendar year as a share of Nvidia's China revenue.

    Each calendar year Y is set against fiscal year ``nvidia_fiscal_year(Y-07-01)`` (= Y+1,
    about 92% of whose days fall in Y). Where the year exists on both geography bases, the
    denominator is the (billing, HQ) range. Rows: one per reported spend figure (denied and
    forecast rows excluded) plus the Omdia unit estimate for 2024 valued at the H20 price.
    """
    fx = rate(rate_id, rmb_per_usd)["rmb_per_usd"]
    bd = data.load("bytedance_spending")
    spend = bd[bd.item.isin(SPEND_ITEMS) & (bd.basis == "reported")].copy()
    spend["year"] = spend.period.str.slice(0, 4).astype(int)
    rows = []
    for (year, item, unit), g in spend.groupby(["year", "item", "unit"]):
        lo, hi = _range(g)
        rows.append({"year": year, "estimate": item.replace("nvidia_spend_", "reported spend: "),
                     "spend_usd_bn_low": _to_usd_bn(lo, unit, fx), "spend_usd_bn_high": _to_usd_bn(hi, unit, fx),
                     "as_reported": money(lo, hi, unit),
                     "source_id": ", ".join(_ids(g))})
    omdia = _rows("hopper_units_ordered")
    units = _range(omdia)
    price = h20_price_range(h20_price_usd)
    val = revenue.projection_value(units, price)
    rows.append({"year": int(omdia.period.iloc[0][:4]), "estimate": "Omdia Hopper units x H20 price",
                 "spend_usd_bn_low": val[0] / 1e9, "spend_usd_bn_high": val[2] / 1e9,
                 "as_reported": f"{units[0]:,.0f} units", "source_id": ", ".join(_ids(omdia))})
    out = pd.DataFrame(rows)
    out["fiscal_year"] = revenue.nvidia_fiscal_year(pd.to_datetime(out.year.astype(str) + "-07-01").to_numpy())
    s = share_series()
    res = []
    for r in out.itertuples():
        den = s[s.fiscal_year == r.fiscal_year].china_usd_bn
        if den.empty:
            continue
        sh = revenue.share((r.spend_usd_bn_low, r.spend_usd_bn_high), (den.min(), den.max()))
        res.append({**r._asdict(), "china_usd_bn_low": den.min(), "china_usd_bn_high": den.max(),
                    "share_low": sh[0], "share_mid": sh[1], "share_high": sh[2],
                    "bases": " / ".join(s[s.fiscal_year == r.fiscal_year].geo_basis)})
    return pd.DataFrame(res).drop(columns="Index").sort_values(["year", "estimate"]).reset_index(drop=True)


def bytedance_plan(rate_id="fx10", rmb_per_usd=None) -> dict:
    """ByteDance's latest reported Nvidia spending plan (a forecast), in USD bn."""
    fx = rate(rate_id, rmb_per_usd)["rmb_per_usd"]
    g = _rows("nvidia_spend_plan")
    r = g.sort_values("period").iloc[-1]
    return {"year": int(str(r.period)[:4]), "value": r.value, "unit": r.unit,
            "usd_bn": _to_usd_bn(r.value, r.unit, fx), "source_id": r.source_id}


def reported_shares(bds: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`bytedance_share` that rest on reported spend (not the Omdia unit estimate)."""
    return bds[bds.estimate.str.startswith("reported")]


def latest_china(series: pd.DataFrame) -> pd.Series:
    """Latest fiscal year's row of :func:`share_series`, on the customer-HQ basis where it exists."""
    hq = series[series.geo_basis == "customer_hq"]
    return (hq if len(hq) else series).sort_values("fiscal_year").iloc[-1]


def licence_fy(ev: pd.DataFrame, chip: str = "H20"):
    """Fiscal year of the first licence event in ``ev`` affecting ``chip`` (NaN if none)."""
    return ev[ev.chips_affected.str.contains(chip) & ev.kind.eq("licence")].fiscal_year.min()


def share_line(r) -> str:
    """One bullet: a year's reported spend (with USD bn if reported in RMB) against the matching
    fiscal year's China revenue (USD bn, both bases' range) and the share (%)."""
    usd = f" ({_bn(r.spend_usd_bn_low)})" if r.as_reported.startswith("RMB") else ""
    lo, hi = r.china_usd_bn_low, r.china_usd_bn_high
    den = _bn(lo) + (f"–{hi:,.1f} bn" if hi != lo else "")
    shr = _pct(r.share_low) + (f"–{_pct(r.share_high)}" if _pct(r.share_low) != _pct(r.share_high) else "")
    return f"{r.year}: {r.as_reported}{usd} against FY{r.fiscal_year} China revenue of {den} → **{shr}**"


def same_figure_note(lr: pd.Series) -> str:
    """Sentence naming the reports that give the latest reported spend's value (same unit) as
    another item, e.g. a forecast; '' if none does. ``lr``: that year's row of :func:`reported_shares`."""
    bd = data.load("bytedance_spending")
    raw = bd[bd["item"].isin(SPEND_ITEMS) & bd.basis.eq("reported")]
    last = raw[raw.period.str[:4].astype(int) == lr.year].iloc[0]
    twins = bd[(bd.value == last["value"]) & (bd.unit == last["unit"]) & (bd["item"] != last["item"])]
    twins = twins.drop_duplicates("source_id")
    if twins.empty:
        return ""
    return (f"The {lr.year} figure ({lr.as_reported}, {data.cite([last['source_id']])}) is the same number that "
            + " and ".join(data.cite([i]) for i in twins.source_id)
            + f" give as `{twins['item'].iloc[0]}` for {twins.period.iloc[0]}. ")


def _plan_sentence(plan: dict, series: pd.DataFrame) -> str:
    """ByteDance's plan (:func:`bytedance_plan`) as a share of the latest fiscal year's China revenue."""
    last = latest_china(series)
    return (f"ByteDance's reported {plan['year']} plan of {money(plan['value'], plan['value'], plan['unit'])} "
            f"({_bn(plan['usd_bn'])}) equals {_pct(plan['usd_bn'] / last.china_usd_bn)} of FY{last.fiscal_year} "
            f"China revenue; no later fiscal year is reported yet.")


def bytedance_text(bds: pd.DataFrame, series: pd.DataFrame, ev: pd.DataFrame, plan: dict) -> str:
    """Section 3's Markdown: one bullet per reported year (:func:`share_line`), the latest year's
    caveats and the plan; ``bds`` from :func:`bytedance_share`, ``ev`` from :func:`events`."""
    rep = reported_shares(bds)
    lr = rep[rep.year == rep.year.max()].iloc[0]
    licence = ", the year of the H20 licence requirement" if licence_fy(ev) == lr.fiscal_year else ""
    return ("ByteDance's reported Nvidia purchases as a share of Nvidia's China revenue:\n\n- "
            + "\n- ".join(map(share_line, rep.itertuples())) + "\n\n" + same_figure_note(lr)
            + f"Taken at face value it makes ByteDance alone {_pct(lr.share_low)} of Nvidia's China revenue in "
              f"FY{lr.fiscal_year}{licence}; it should be read as unconfirmed. " + _plan_sentence(plan, series))


# --------------------------------------------------------------------------- #
# section 4: Ascend against H20, in dense compute
# --------------------------------------------------------------------------- #
def ascend_yield_range(ascend_yield=None) -> tuple[float, float]:
    """Good-die fraction: the override, or the range of reported Ascend 910B yields."""
    if ascend_yield is not None:
        return float(ascend_yield), float(ascend_yield)
    return _range(_rows("ascend_910b_yield"))


def compute_comparison(ascend_yield=None) -> pd.DataFrame:
    """Dense BF16 compute (PFLOPS) of the Ascend 910B volumes against H20 volumes (2024).

    TFLOPS per chip come from ``chip_specs`` via helpers.chips.wide_specs (dense BF16, with
    the Ascend's low/high). Projected Ascend volumes are multiplied by the yield; reported
    output and orders are counted as good chips.
    """
    w = chips.wide_specs(data.load("chip_specs")).set_index("chip_id")
    tf = {c: (w.loc[c, "dense_bf16_tflops_low"], w.loc[c, "dense_bf16_tflops"], w.loc[c, "dense_bf16_tflops_high"])
          for c in ("h20", "ascend_910b")}
    y = ascend_yield_range(ascend_yield)
    cases = [("H20 forecast for China", "h20", "h20_units_projection_market", 1.0, "China market"),
             ("Ascend 910B planned, after yield", "ascend_910b", "ascend_910b_units_projection", y, "China market"),
             ("Ascend 910B produced", "ascend_910b", "ascend_910b_units_produced", 1.0, "China market"),
             ("ByteDance H20 order", "h20", "h20_units_ordered", 1.0, "ByteDance"),
             ("ByteDance Ascend 910B order", "ascend_910b", "ascend_910b_units_ordered_bytedance", 1.0, "ByteDance")]
    specs = data.load("chip_specs")
    rows = []
    for label, chip, item, good, scope in cases:
        g = _rows(item)
        units = _range(g)
        p = revenue.delivered_pflops(units, tf[chip], good)
        period = ", ".join(sorted(g.period.astype(str).unique()))
        spec_ids = _ids(specs[(specs.chip_id == chip) & (specs.spec == "dense_bf16_tflops")])
        rows.append({"label": f"{label}, {period}", "period": period, "scope": scope, "chip_id": chip,
                     "units_low": units[0], "units_high": units[1],
                     "good_fraction": good if isinstance(good, float) else f"{good[0]:g}-{good[1]:g}",
                     "dense_bf16_tflops": tf[chip][1],
                     "pflops_low": p[0], "pflops_mid": p[1], "pflops_high": p[2],
                     "source_id": ", ".join(_ids(g) + spec_ids)})
    return pd.DataFrame(rows)


def h20_per_ascend() -> float:
    """H20s that match one Ascend 910B in dense BF16 (helpers.chips.chips_to_match)."""
    w = chips.wide_specs(data.load("chip_specs")).set_index("chip_id")
    return chips.chips_to_match(w.loc["ascend_910b", "dense_bf16_tflops"], w.loc["h20", "dense_bf16_tflops"])


# --------------------------------------------------------------------------- #
# section 5: caveats
# --------------------------------------------------------------------------- #
def billing_regions() -> pd.DataFrame:
    """Full-year revenue by billing region (USD m; index fiscal_year, a column per region),
    each year from its latest 10-K."""
    rev = data.load("nvidia_revenue")
    bl = rev[(rev.fiscal_period == "FY") & (rev.geo_basis == "billing_location")]
    bl = bl[bl.reported_in_fy == bl.groupby("fiscal_year").reported_in_fy.transform("max")]
    return bl.pivot(index="fiscal_year", columns="region", values="revenue_usd_m")


def basis_gap(series: pd.DataFrame) -> pd.DataFrame:
    """China revenue (USD bn) by fiscal year on both bases (columns ``BASES``), years on both only."""
    wide = series.pivot(index="fiscal_year", columns="geo_basis", values="china_usd_bn")
    return wide.reindex(columns=list(BASES)).dropna()


def _billing_caveat(series: pd.DataFrame) -> str:
    """Bullet: Singapore and Taiwan billing shares (%, USD bn) and the HQ recast of China revenue (USD bn, %)."""
    w = billing_regions()
    fy = int(w.singapore.dropna().index.max())
    r = w.loc[fy]
    gap = basis_gap(series)
    recast = " and ".join(f"{_bn(g.customer_hq)} instead of {_bn(g.billing_location)} in FY{y} "
                          f"({100 * (g.customer_hq / g.billing_location - 1):+.0f}%)" for y, g in gap.iterrows())
    return (f"- **Billing location, not destination.** Up to FY{w.index.max()} Nvidia counted revenue where it "
            f"billed. In FY{fy} {_pct(r.singapore / r.total)} of revenue was billed to Singapore "
            f"({_bn(r.singapore / 1000)}) and {_pct(r.taiwan / r.total)} to Taiwan: billing follows the buyer's "
            f"purchasing entity, not where the chips are used, so Chinese customers' foreign entities appear there, "
            f"not under China. "
            + (f"The FY{hq_basis_fy()} 10-K's customer-HQ recast puts China at {recast}. " if len(gap) else "")
            + f"The two series are therefore shown side by side, never joined; the FY{hq_basis_fy()} figures come from "
              f"a secondary, machine-generated summary of the filing.")


def _calendar_caveat(fy_last: int) -> str:
    """Bullet: share of FY``fy_last``'s days (%) in the calendar year before."""
    days = _pct(revenue.calendar_overlap(fy_last, by="days"))
    return (f"- **Fiscal vs calendar year.** Nvidia's fiscal year N runs from late January of N−1 to late January "
            f"of N; FY{fy_last} has {days} of its days in calendar {fy_last - 1}. "
            f"Press figures for a calendar year (ByteDance budgets, the H20 forecast) are set against the fiscal year "
            f"that mostly overlaps it, never the one before.")


def _reported_caveat(bds: pd.DataFrame) -> str:
    """Bullet: counts of reported / forecast / denied bytedance_spending rows (rows)."""
    bd = data.load("bytedance_spending")
    n = bd.basis.value_counts()
    return (f"- **Reported vs confirmed.** Of the {len(bd)} ByteDance/market rows, {n.get('reported', 0)} are "
            f"reported (unnamed sources, mostly relays of The Information and the FT), {n.get('forecast', 0)} are "
            f"forecasts or plans and {n.get('denied', 0)} were denied by ByteDance; none is confirmed by ByteDance or "
            f"Nvidia. Denied rows are left out of section 3. ByteDance's {reported_shares(bds).year.min()} figure is "
            f"what it had ordered part-way through the year, a lower bound.")


def _unseen_caveat() -> str:
    """Bullet: revenue rows (count) not seen in retrieved source text."""
    rev = data.load("nvidia_revenue")
    unseen = rev[~rev.seen_in_source_text.astype(bool)]
    return (f"- **Not seen in source text.** {len(unseen)} of the {len(rev)} revenue rows were transcribed from the "
            f"cited filings without the table being seen in retrieved text (they add up exactly to each filing's "
            f"total); they need checking against EDGAR before publication.")


def _yield_caveat() -> str:
    """Bullet: each reported Ascend yield (% good dies) with its source."""
    bd = data.load("bytedance_spending")
    return ("- **Ascend volumes and yield.** "
            + "; ".join(f"{data.cite([r.source_id])} gives a {_pct(r.value)} yield for the `{r.item}` ({r.period})"
                        for r in bd[bd.item.str.contains("yield")].itertuples())
            + ". The seed article's figure for the 910B is probably the 910C's. Whether projected volumes count dies "
              "started or chips shipped is not stated, and HBM supply may bind before yield does.")


def caveats(series: pd.DataFrame, bds: pd.DataFrame, fx: dict, fy_last: int) -> str:
    """Section 5's Markdown bullets: billing vs HQ basis, fiscal vs calendar year (of ``fy_last``),
    reported vs confirmed, unseen revenue rows, Ascend yields and the RMB rate ``fx`` (:func:`rate`)."""
    return "\n".join([_billing_caveat(series), _calendar_caveat(fy_last), _reported_caveat(bds), _unseen_caveat(),
                      _yield_caveat(),
                      f"- **RMB.** Conversions use one dated rate ({fx['label']}); no annual average for the years "
                      f"of the RMB figures is in the data."])


# --------------------------------------------------------------------------- #
# headline
# --------------------------------------------------------------------------- #
def headline(fy_first=None, fy_last=None, h20_price_usd=None, ascend_yield=None,
             rate_id="fx10", rmb_per_usd=None) -> dict:
    """Headline numbers: China share from its peak to the latest year; ByteDance's share range."""
    s = share_series(fy_first, fy_last)
    bill = s[s.geo_basis == "billing_location"].sort_values("fiscal_year")
    hq = s[s.geo_basis == "customer_hq"].sort_values("fiscal_year")
    out = {}
    parts = []
    if not bill.empty:
        peak, last = bill.loc[bill.china_share.idxmax()], bill.iloc[-1]
        out.update(peak_fy=int(peak.fiscal_year), peak_share=float(peak.china_share),
                   billing_last_fy=int(last.fiscal_year), billing_last_share=float(last.china_share))
        parts.append(f"By billing location, China (incl. Hong Kong) went from **{_pct(peak.china_share)} of "
                     f"Nvidia's revenue at its FY{peak.fiscal_year} peak** to **{_pct(last.china_share)} in "
                     f"FY{last.fiscal_year}**" if peak.fiscal_year != last.fiscal_year else
                     f"By billing location, China (incl. Hong Kong) was **{_pct(last.china_share)} of Nvidia's "
                     f"revenue in FY{last.fiscal_year}**")
    if not hq.empty:
        first, last = hq.iloc[0], hq.iloc[-1]
        out.update(hq_first_fy=int(first.fiscal_year), hq_first_share=float(first.china_share),
                   latest_fy=int(last.fiscal_year), latest_share=float(last.china_share))
        basis = f"customer-headquarters basis of Nvidia's FY{hq_basis_fy()} 10-K"
        lead = (f"on the {basis} (not chained to the first) it" if parts else
                f"On the {basis}, China (incl. Hong Kong)")
        parts.append(f"{lead} went from {_pct(first.china_share)} in FY{first.fiscal_year} to "
                     f"**{_pct(last.china_share)} in FY{last.fiscal_year}**" if len(hq) > 1 else
                     f"{lead} was **{_pct(last.china_share)} in FY{last.fiscal_year}**")
    elif not bill.empty:
        out.update(latest_fy=out["billing_last_fy"], latest_share=out["billing_last_share"])
    bd = bytedance_share(rate_id, rmb_per_usd, h20_price_usd)
    rep = reported_shares(bd)
    years = rep.groupby("year").agg(low=("share_low", "min"), high=("share_high", "max"))
    fx = rate(rate_id, rmb_per_usd)
    out.update(bd_share_low=float(years.low.min()), bd_share_high=float(years.high.max()),
               bd_share_by_year={int(y): (float(r.low), float(r.high)) for y, r in years.iterrows()},
               rmb_per_usd=fx["rmb_per_usd"])
    by_year = ", ".join(f"**{_pct_range(r.low, r.high)} ({y})**" for y, r in years.iterrows())
    sentence = "; ".join(parts) + (". " if parts else "")
    sentence += (f"ByteDance's reported Nvidia purchases, set against Nvidia's China revenue for the matching "
                 f"fiscal year, come to {by_year} (RMB at {fx['rmb_per_usd']:g} per USD)")
    last_ids = rep[rep.year == years.index[-1]].source_id.str.split(", ").explode().unique()
    if len(years) > 1 and len(last_ids) == 1:
        sentence += (f"; the {years.index[-1]} share rests on a single report "
                     f"({data.cite(list(last_ids))})")
    out["sentence"] = sentence + "."
    return out
