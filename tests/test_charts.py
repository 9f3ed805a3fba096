import altair as alt
import pandas as pd

from helpers import charts


def _chart():
    return alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_bar().encode(x="x:Q", y="y:Q")


def test_bundle_once_per_kernel_then_small_divs():
    charts.setup()
    charts._state.update(bundle_sent=False, counter=0)
    first = charts._render(_chart().to_dict())["text/html"]
    second = charts._render(_chart().to_dict())["text/html"]
    again = charts._render(_chart().to_dict())["text/html"]  # (another cell, or the same one run again)
    assert charts.BUNDLE_MARKER in first and charts.BUNDLE_MARKER not in second + again
    assert "if (window.vegaEmbed) { draw(); }" in second and charts.WAITING in second  # it waits for the bundle, saying so
    assert "document.currentScript.previousElementSibling" in second  # no page-wide id lookup first
    assert "if (!window.vegaEmbed)" in first           # guarded: a second copy does nothing
    assert len(second) < 5000 < len(first)
    assert 'id="vega-chart-1-' in first and 'id="vega-chart-2-' in second
    assert "http" not in second.replace("https://vega.github.io/schema", "")


def test_ids_come_from_the_spec_and_the_position():
    import hashlib
    import json
    import re

    spec = _chart().to_dict()
    digest = hashlib.sha1(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:10]
    assert re.search(r'id="([^"]+)"', charts.chart_html(spec, False, 3)).group(1) == f"vega-chart-3-{digest}"
    other = alt.Chart(pd.DataFrame({"x": [9]})).mark_bar().encode(x="x:Q").to_dict()
    assert f"-{digest}" not in charts.chart_html(other, False, 3)


def test_sourced_puts_title_and_source_line():
    spec = charts.sourced(_chart(), "Finding title", "Nvidia 10-K (2024)").to_dict()
    assert spec["title"]["text"] == ["Source: Nvidia 10-K (2024)"] and spec["title"]["orient"] == "bottom"
    assert spec["vconcat"][0]["title"]["text"] == "Finding title"


def test_wrap_splits_at_spaces_within_width():
    from helpers.charts import wrap

    assert wrap("aa bb cc dd", width=5) == ["aa bb", "cc dd"]
    assert wrap("one", width=2) == ["one"]  # a word longer than the width keeps its own line
    assert wrap("") == []


def test_source_line_cites_and_counts_the_rest():
    from helpers.charts import source_line

    one = source_line(["art_malaysia_b200"])
    assert "more" not in one and one
    many = source_line(["art_malaysia_b200", "art_capex_160b_rmb", "art_cloud_rental_7b"], limit=10)
    assert many.endswith("and 2 more (source ids in the tooltips)")


def test_bundle_is_cached_on_disk(tmp_path, monkeypatch):
    import vl_convert

    calls = []
    monkeypatch.setattr(charts, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(charts, "FALLBACK_CACHE_DIR", tmp_path / "fallback")
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda vl_version: calls.append(vl_version) or "/*js*/")
    assert charts._javascript_bundle() == "/*js*/"
    assert charts._javascript_bundle() == "/*js*/"
    assert len(calls) == 1 and len(list((tmp_path / "cache").glob("vega-bundle-*.js"))) == 1


def test_a_copy_of_nested_layers_is_the_same_chart_built_once(monkeypatch):
    """charts.setup copies a chart as built: the copy's spec equals the original's, it owns its parts (changing the
    copy leaves the original alone) and no layer constructor runs again while copying."""
    charts.setup()
    base = _chart()
    nested = alt.layer(base.mark_point(), base.mark_rule() + base.mark_text(text="a"))
    spec = nested.to_dict(validate=False)
    built = []
    init = alt.LayerChart.__init__
    monkeypatch.setattr(alt.LayerChart, "__init__", lambda self, *a, **k: built.append(1) or init(self, *a, **k))
    twin = nested.copy()
    assert built == []
    assert twin.to_dict(validate=False) == spec and twin is not nested and twin.layer[1] is not nested.layer[1]
    twin.layer[1].layer[0].mark = "bar"
    assert nested.to_dict(validate=False) == spec


def test_a_chart_reads_in_plain_text_as_its_title_the_same_in_every_run():
    """No object address in an executed notebook: the same inputs give the same notebook, and a reader without HTML
    reads the chart's finding."""
    charts.setup()
    chart = charts.sourced(_chart(), "H20s are 6.7× behind", "s1")
    first, again = (charts._render(chart.to_dict())["text/plain"] for _ in range(2))
    assert first == again == "Chart: H20s are 6.7× behind"
    assert charts._render(_chart().properties(title="Plain").to_dict())["text/plain"] == "Chart: Plain"
    assert charts._render(_chart().to_dict())["text/plain"] == "Chart"


def test_chart_values_as_altair_makes_them():
    """The project's data transformer gives, value for value and type for type, what Altair's default gives; frames it
    does not cover go to Altair's."""
    import json

    import numpy as np
    from altair.utils.data import to_values

    when = pd.to_datetime(["2024-01-31 00:00", None, "2025-06-30 12:30"])
    frames = [
        pd.DataFrame({"f": [1.5, np.nan, np.inf, -np.inf, -0.0], "i": np.arange(5), "u": np.arange(5, dtype="uint8"),
                      "b": [True, False, True, True, False], "s": ["a", None, np.nan, "d", pd.NA],
                      "str": pd.array(["a", None, "c", "d", "e"], dtype="string"), "str_nan": ["a", "b", None, "d", "e"],
                      "o": [np.float64(2.5), np.int64(3), np.bool_(True), pd.Timestamp("2024-01-01"), 7]}),
        pd.DataFrame({"t": when, "t_s": when.astype("datetime64[s]"), "f32": np.array([0.1, 2, np.nan], "float32")},
                     index=[5, 3, 1]),
        pd.DataFrame({"c": pd.Categorical(["x", "y", None]), "n": pd.array([1, None, 3], dtype="Int64")}),  # Altair's
        pd.DataFrame(index=range(2)), pd.DataFrame({"x": []}),
    ]
    charts.setup()
    for df in frames:
        ours, altairs = charts._to_values(df), to_values(df)
        assert json.dumps(ours, default=repr) == json.dumps(altairs, default=repr)
        assert [[type(v) for v in row.values()] for row in ours["values"]] == \
               [[type(v) for v in row.values()] for row in altairs["values"]]
    assert charts._records(frames[2]) is None and charts._records(frames[0]) is not None
    assert charts._to_values(frames[0])["values"][1] == {"f": None, "i": 1, "u": 1, "b": False, "s": None, "str": None,
                                                         "str_nan": "b", "o": 3}
    assert charts._to_values(frames[1])["values"][1]["t"] == ""  # NaT: empty text, as Altair writes it
    spec = alt.Chart(frames[1]).mark_point().encode(x="t:T", y="f32:Q").to_dict()
    assert spec["datasets"][spec["data"]["name"]] == to_values(frames[1])["values"]


def test_class_table_follows_new_schema_classes():
    """The walk of Altair's schema classes is reused, and made again once a class is defined under SchemaBase."""
    from altair.utils import schemapi

    charts.setup()
    first = tuple(schemapi._subclasses(schemapi.SchemaBase))
    assert tuple(schemapi._subclasses(schemapi.SchemaBase)) == first and len(first) > 100

    class Extra(alt.Color):  # (a class a user might define)
        pass

    after = tuple(schemapi._subclasses(schemapi.SchemaBase))
    assert Extra in after and Extra not in first and set(first) < set(after)
    assert alt.Chart.from_dict(_chart().to_dict()).to_dict() == _chart().to_dict()
