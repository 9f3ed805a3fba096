"""Scenario explorers: each grid's value at the run's assumptions is the finding the notebook recorded, and
grid points off the defaults are what a direct call of the helper gives for those values.

Two records are used: the stored check output of a default run (``notebooks/*.ipynb``, 4 significant
figures) for the cheap grids, and the executed notebooks of the site build of tests/test_browser.py (every
notebook on its own test parameters), whose embedded explorer data are read back from the page output.
"""
import functools
import json
import re

import numpy as np
import pandas as pd
import pytest

from helpers import charts, chips, costs, demand, fleet, fmt, params, record, revenue
from conftest import notebook_def

#: (notebook, one of its explorer's inputs) -> [(column of the explorer's starting row, the recorded number it must equal)]
RECORDED = {("01_chip_gap", "mbu"): [("value", "shared.h20_vs_h100_decode_replica")],
            ("02_cloud_economics", "depreciation_years"): [("value", "breakeven_utilisation_on_demand")],
            ("02_cloud_economics", "as_of"): [("value", "usd_per_pflop_h"), ("low", "usd_per_pflop_h_low"),
                                              ("high", "usd_per_pflop_h_high")],
            ("03_doubao_demand", "chip_id"): [("low", "gpus_p5"), ("value", "gpus_p50"), ("high", "gpus_p95")],
            ("04_nvidia_china_revenue", "item"): [("low", "shared.bytedance_share_china_revenue_low"),
                                                  ("high", "shared.bytedance_share_china_revenue_high")],
            ("06_bytedance_fleet", "h20_price_usd"): [("low", "shared.fleet_h100e_dense_bf16_low"),
                                                      ("high", "shared.fleet_h100e_dense_bf16_high")]}


def stored(stem: str) -> dict:
    """The numbers a default run recorded, from the stored output of the nbval-check-output cell."""
    nb = json.loads((params.NOTEBOOK_DIR / f"{stem}.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "nbval-check-output" in c["metadata"].get("tags", []))
    text = "".join("".join(o.get("text", "")) for o in cell["outputs"])
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(": ")
        try:
            out[key] = float(value.replace(",", ""))
        except ValueError:
            out[key] = value
    return out


def chart_specs(nb: dict) -> list[dict]:
    """The Vega-Lite specs of every chart in an executed notebook's outputs."""
    specs = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            html = "".join(out.get("data", {}).get("text/html", ""))
            specs += [json.loads(m.group(1)) for m in re.finditer(r"fit\((\{.*?\}), el\.clientWidth\)", html, re.S)]
    return specs


def explorer_specs(nb: dict) -> list[dict]:
    """The specs of the explorers among them (usermeta.explorer)."""
    return [s for s in chart_specs(nb) if (s.get("usermeta") or {}).get("explorer")]


def selected_row(spec: dict, **values) -> dict:
    """The grid row an explorer shows with its inputs at their starting values (``values`` override some)."""
    start = {p["name"][2:]: p["value"] for p in spec["params"] if p["name"].startswith("x_")}
    start.update(values)
    (rows,) = spec["datasets"].values()
    hits = [r for r in rows if all(r[k] == v or (isinstance(v, float) and abs(r[k] - v) < 1e-9) for k, v in start.items())]
    assert len(hits) == 1, f"{len(hits)} rows match {start}"
    return hits[0]


def close(a, b, rel=2e-4):
    return abs(a - b) <= rel * max(abs(a), abs(b))


# --- 02: rent or own ------------------------------------------------------------------------------------

P02 = params.defaults("02_cloud_economics")


def test_02_break_even_grid_at_defaults_is_the_recorded_finding():
    r0 = costs.running(costs.OWNING_ROWS["cost_of_capital"])
    g = notebook_def("02_cloud_economics", "breakeven_grid")(P02, [P02["depreciation_years"]], [r0], [P02["provider_class"]]).iloc[0]
    rec = stored("02_cloud_economics")
    assert f"{g.value:.4g}" == f"{rec['breakeven_utilisation_on_demand']:.4g}" == "0.7491"
    assert f"{g.high:.4g}" == f"{rec['breakeven_utilisation_on_demand_high']:.4g}"
    assert f"{g.rent:.4g}" == f"{rec['on_demand_price']:.4g}"


@pytest.mark.parametrize("cls, years, capital", [("hyperscaler_list", 3, 0.21), ("neocloud_marketplace", 8, 0.01)])
def test_02_break_even_grid_off_defaults_is_rent_vs_buy(cls, years, capital):
    g = notebook_def("02_cloud_economics", "breakeven_grid")(P02, [2, years], [capital, 0.29], costs.ON_DEMAND_CLASSES).set_index(
        ["provider_class", "depreciation_years", "cost_of_capital"])
    direct = costs.rent_vs_buy(**{**P02, "provider_class": cls, "depreciation_years": years, "cost_of_capital": capital})
    row = g.loc[(cls, years, capital)]
    assert row.value == pytest.approx(direct["breakeven_u_central"], rel=1e-12)
    assert (row.low, row.high) == pytest.approx((direct["breakeven_u_low"], direct["breakeven_u_high"]), rel=1e-12)
    assert row.rent == direct["on_demand"]


# --- 01: H20 against H100 in decode ---------------------------------------------------------------------

def test_01_decode_grid_at_defaults_is_the_recorded_finding():
    a = chips.serving_assumptions()
    g = notebook_def("01_chip_gap", "decode_ratio_grid")(a, [a["bytes_per_param"]], [a["mbu"]], [a["tokens_per_s_per_user"]]).iloc[0]
    rec = stored("01_chip_gap")
    assert f"{g.value:.4g}" == f"{rec['shared.h20_vs_h100_decode_replica']:.4g}" == "0.7994"
    assert f"{g.small:.4g}" == f"{rec['shared.h20_vs_h100_decode_small_batch']:.4g}"


@pytest.mark.parametrize("b, mbu, speed", [(2.0, 0.8, 40.0), (0.5, 0.4, 10.0)])
def test_01_decode_grid_off_defaults_is_replica_and_roofline(b, mbu, speed):
    a = chips.serving_assumptions()
    g = notebook_def("01_chip_gap", "decode_ratio_grid")(a, [1.0, b], [0.6, mbu], [20.0, speed]).set_index(["bytes_per_param", "mbu", "tokens_per_s_per_user"])
    at = chips.serving_assumptions(bytes_per_param=b, mbu=mbu, tokens_per_s_per_user=speed)
    served = chips.replica("h20", at)["per_chip"] / chips.replica("h100_sxm", at)["per_chip"]
    small = chips.decode_rate("h20", chips.SMALL_BATCH, assumptions=at) / chips.decode_rate("h100_sxm", chips.SMALL_BATCH, assumptions=at)
    row = g.loc[(b, mbu, speed)]
    assert row.value == pytest.approx(served, rel=1e-12) and row.small == pytest.approx(small, rel=1e-12)
    assert (row.low, row.high) == (min(served, small), max(served, small))


# --- 03: GPUs Doubao's app needs ------------------------------------------------------------------------

def test_03_need_grid_off_defaults_is_a_run_with_that_user_count():
    """A fixed user count scales the drawn run's draws; a direct simulation with that count gives the same."""
    sim = ("h20", "fp8", None, 400, 11)
    first, per_chip, app = demand.simulate(*sim, 120)
    fleet = lambda dau: (2e5, 6e5)  # noqa: E731
    g = notebook_def("03_doubao_demand", "need_grid")(first, per_chip, app, [120, 60, 300], fleet).set_index(["dau_millions", "chip_id"])
    for dau, chip in ((60, "h200_sxm"), (300, "ascend_910b")):
        _, direct, direct_app = demand.simulate(*sim, dau)
        p = demand.percentiles(direct[chip])
        assert (g.loc[(dau, chip), ["low", "value", "high"]].tolist()) == pytest.approx([p[5], p[50], p[95]], rel=1e-9)
        share = demand.traffic_need(direct, direct_app, direct_app, *fleet(dau))["share"]
        assert g.loc[(dau, chip), "share"] == pytest.approx(share, rel=1e-9)


def test_fixed_draw_keeps_the_other_draws():
    """A degenerate range takes its share of the random stream: fixing DAU leaves the other draws unchanged."""
    r = {"dau": (1.0, 2.0, 3.0), "x": (0.0, 1.0, 2.0)}
    drawn = demand.monte_carlo(50, 3, r, lambda dau, x: x)
    fixed = demand.monte_carlo(50, 3, {**r, "dau": (2.0, 2.0, 2.0)}, lambda dau, x: x)
    assert np.array_equal(drawn.draws["x"], fixed.draws["x"]) and set(fixed.draws["dau"]) == {2.0}


# --- 04: ByteDance's share of Nvidia's China revenue ----------------------------------------------------

P04 = params.defaults("04_nvidia_china_revenue")


def test_04_share_grid_at_defaults_is_the_recorded_finding():
    """The headline range (verified USD orders) at the run's rate, given by rate_id or as its number, is the recorded one."""
    rate = revenue.rate(P04["rate_id"])["rmb_per_usd"]
    g = revenue.share_grid([None, rate], [P04["h20_price_usd"]], P04["rate_id"]).drop_duplicates("pair")
    rec = stored("04_nvidia_china_revenue")
    for short, key in (("hq", "shared.bytedance_share_china_revenue"), ("billing", "bd_share_billing")):
        for end in ("low", "high"):
            assert {f"{v:.4g}" for v in g[f"headline_{short}_{end}"]} == {f"{rec[f'{key}_{end}']:.4g}"}
    assert f"{rec['shared.bytedance_share_china_revenue_low']:.4g}" == "0.07985"


@pytest.mark.parametrize("rmb, price", [(6.5, 9000), (7.75, 30000)])
def test_04_share_grid_off_defaults_is_bytedance_share(rmb, price):
    g = revenue.share_grid([None, rmb], [None, 12000, price], P04["rate_id"])
    at = g[g.rmb_per_usd.eq(rmb) & g.h20_price_usd.eq(price)].reset_index(drop=True)
    direct = revenue.bytedance_share(P04["rate_id"], rmb, price)
    pd.testing.assert_frame_equal(at[revenue.SHARE_COLUMNS], direct, check_exact=True)
    inr = direct[direct.in_range]
    assert at.headline_hq_low.iloc[0] == inr.share_hq_low.min() and at.headline_billing_high.iloc[0] == inr.share_billing_high.max()
    omdia, spend = (direct.set_index("item").loc[i] for i in ("hopper_units_ordered", "nvidia_spend_total"))
    assert omdia.share_hq_low == pytest.approx(230_000 * price / 1e9 / 25.048)  # units x price / FY2025 China revenue by HQ
    assert spend.share_hq_low == pytest.approx(85 / rmb / 19.677)  # RMB 85 bn at the rate / FY2026 China revenue by HQ


# --- 06: the fleet --------------------------------------------------------------------------------------

def test_06_fleet_grid_at_defaults_is_the_recorded_finding():
    g = notebook_def("06_bytedance_fleet", "total_grid")([None]).set_index("count")
    rec = stored("06_bytedance_fleet")
    for count in ("units", "h100e_dense_bf16", "h100e_decode"):
        for end in ("low", "high"):
            assert f"{g.loc[count, end]:.4g}" == f"{rec[f'shared.fleet_{count}_{end}']:.4g}"
    assert f"{g.loc['h100e_decode_small_batch', 'high']:.4g}" == f"{rec['h100e_decode_small_batch_high']:.4g}"


@pytest.mark.parametrize("price", [9000, 18000])
def test_06_fleet_grid_off_defaults_is_every_batch_at_that_price(price):
    g = notebook_def("06_bytedance_fleet", "total_grid")([None, price]).set_index(["h20_price_usd", "count"])
    batches = fleet.fleet(price)  # every batch counted once, whatever its year: the fleet at the end of the last year
    for count in ("units", "h100e_decode"):
        assert g.loc[(price, count), ["low", "high"]].tolist() == pytest.approx(
            [batches[f"{count}_low"].sum(), batches[f"{count}_high"].sum()], rel=1e-12)
    assert g.loc[(price, "units"), "high"] != g.loc[(None, "units"), "high"]  # the price moves the capped batch


# --- the mechanism --------------------------------------------------------------------------------------

def _toy():
    axes = [charts.axis("a", "A", [1, 2, 3], 2), charts.axis("b", "B", ["x", "y"], "y", labels={"x": "ex", "y": "why"})]
    g = pd.DataFrame([{"a": a, "b": b, "value": a * 10.0, "low": a * 9.0, "high": a * 11.0, "text": f"{a}{b}"}
                      for a in (1, 2, 3) for b in ("x", "y")])
    return axes, g


def test_explorer_binds_inputs_filters_rows_and_writes_the_command():
    axes, g = _toy()
    spec = charts.explorer(g, axes, notebook="09_toy", x="a", title="T", source="S", value_title="V",
                           fixed={"other": 5}).to_dict()
    params_ = {p["name"]: p for p in spec["params"]}
    assert params_["x_a"]["bind"] == {"input": "range", "min": 1, "max": 3, "step": 1, "name": "A "}
    assert params_["x_b"]["bind"]["input"] == "select" and params_["x_b"]["bind"]["labels"] == ["ex", "why"]
    assert spec["usermeta"] == {"explorer": True}
    assert selected_row(spec)["text"] == "2y" and selected_row(spec, a=3)["value"] == 30.0
    text = json.dumps(spec)
    assert "make notebook NB=09_toy" in text and "-p other 5" in text and "datum[\\\"a\\\"]" in text
    assert "x_a" in text and "abs(datum" in text  # rows are selected by the inputs, nothing is computed


@pytest.mark.parametrize("x", ["a", "b"])
def test_explorer_spec_is_valid_vega_lite(x):
    """The spec is written as a dict (fast): it must still pass the Vega-Lite schema, with a slider or a drop-down on x."""
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema.core import load_schema

    axes, g = _toy()
    validate_jsonschema(charts.explorer(g, axes, notebook="n", x=x, title="T", source="S", value_title="V").to_dict(), load_schema())


def test_explorer_refuses_a_grid_that_misses_a_combination_or_is_too_big():
    axes, g = _toy()
    with pytest.raises(ValueError, match="one per combination"):
        charts.explorer(g.iloc[1:], axes, notebook="n", x="a", title="T", source="S", value_title="V")
    big = pd.concat([g] * 1, ignore_index=True).assign(text="x" * 20_000)
    with pytest.raises(ValueError, match="over 60,000"):
        charts.explorer(big, axes, notebook="n", x="a", title="T", source="S", value_title="V")
    with pytest.raises(ValueError, match="not one of its values"):
        charts.axis("a", "A", [1, 2], 3)


def test_lattice_holds_the_run_value_and_stays_in_range():
    assert charts.lattice(0.11, 0, 0.3, 0.02) == [0.01, 0.03, 0.05, 0.07, 0.09, 0.11, 0.13, 0.15, 0.17, 0.19, 0.21,
                                                  0.23, 0.25, 0.27, 0.29]
    assert charts.lattice(5, 2, 8, 1) == [2, 3, 4, 5, 6, 7, 8]
    # a run's value outside the slider's usual span (a range end) is still a stop: the span widens to take it in
    assert charts.lattice(1, 5, 50, 5) == [1, 6, 11, 16, 21, 26, 31, 36, 41, 46]
    # at most `most` stops: the step doubles (0.02 -> 0.04) and the run's value stays one of them
    assert charts.lattice(0.11, 0, 0.3, 0.02, most=10) == [0.03, 0.07, 0.11, 0.15, 0.19, 0.23, 0.27]


def test_explorer_draws_after_first_paint():
    axes, g = _toy()
    spec = charts.explorer(g, axes, notebook="n", x="a", title="T", source="S", value_title="V").to_dict()
    assert "addEventListener('load'" in charts.chart_html(spec, False, 1)
    assert "addEventListener('load'" not in charts.chart_html({"mark": "bar"}, False, 1)


# --- against a real run: the site build's executed notebooks ----------------------------------------------

@pytest.mark.parametrize("stem, axis", sorted(RECORDED))
def test_explorer_at_the_runs_values_is_the_recorded_finding(stem, axis, site):
    """The explorer of a run on the notebook's test parameters starts on the row of that run's finding; its data
    stay under the size limit."""
    nb = json.loads((site[1] / f"{stem}.ipynb").read_text(encoding="utf-8"))
    specs = explorer_specs(nb)
    assert len(specs) == len([k for k in RECORDED if k[0] == stem])
    (spec,) = [s for s in specs if any(p["name"] == f"x_{axis}" for p in s["params"])]
    assert len(json.dumps(spec, separators=(",", ":"))) <= charts.EXPLORER_MAX_BYTES
    row, rec = selected_row(spec), record.read(nb)["numbers"]
    for column, key in RECORDED[stem, axis]:
        assert close(row[column], rec[key]), (column, row, key, rec[key])
    if stem == "04_nvidia_china_revenue":  # the same range on the other basis
        other = selected_row(spec, basis="billing")
        assert close(other["low"], rec["bd_share_billing_low"]) and close(other["high"], rec["bd_share_billing_high"])
    if stem == "03_doubao_demand":  # the app's share of the fleet, as the finding words it
        assert f"{fmt.sig(100 * rec['fleet_share'])}% of the" in row["text"].replace("\n", " ")


from test_browser import site  # noqa: E402,F401  (the site build fixture)


@pytest.mark.parametrize("stem", sorted({k[0] for k in RECORDED} | {"05_claims_ledger"}))
def test_every_chart_is_valid_vega_lite(stem, site):
    """Charts are not checked against the schema while a notebook runs (charts.Sourced skips Altair's check, a
    tenth of a chart-heavy notebook's run): every chart the site build drew, on hostile data, is checked here."""
    specs = chart_specs(json.loads((site[1] / f"{stem}.ipynb").read_text(encoding="utf-8")))
    assert len(specs) >= 2
    for spec in specs:
        # inline rows may be any JSON object: one row per dataset checks their form as well as all of them would
        spec = {**spec, "datasets": {name: rows[:1] for name, rows in spec.get("datasets", {}).items()}}
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in _vega_lite().iter_errors(spec)]
        assert errors == [], f"{stem}: a chart is not valid Vega-Lite: {errors[:3]}"


@functools.cache
def _vega_lite():
    """One validator of Altair's Vega-Lite schema for the session (Altair's own check builds one per call)."""
    import jsonschema
    from altair.vegalite.v6.schema.core import load_schema

    schema = load_schema()
    return jsonschema.validators.validator_for(schema)(schema)
