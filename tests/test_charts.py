import altair as alt
import pandas as pd

from helpers import charts


def _chart():
    return alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_bar().encode(x="x:Q", y="y:Q")


def test_bundle_once_then_small_divs():
    charts.setup()
    charts._state.update(bundle_sent=False, counter=0)
    first = charts._render(_chart().to_dict())["text/html"]
    second = charts._render(_chart().to_dict())["text/html"]
    assert charts.BUNDLE_MARKER in first and charts.BUNDLE_MARKER not in second
    assert "if (!window.vegaEmbed)" in first           # guarded: a second copy does nothing
    assert len(second) < 5000 < len(first)
    assert 'id="vega-chart-1-' in first and 'id="vega-chart-2-' in second
    assert "http" not in second.replace("https://vega.github.io/schema", "")


def test_ids_are_deterministic():
    spec = _chart().to_dict()
    assert charts.chart_html(spec, False, 3) == charts.chart_html(spec, False, 3)


def test_sourced_puts_title_and_source_line():
    spec = charts.sourced(_chart(), "Finding title", "Nvidia 10-K (2024)").to_dict()
    assert spec["title"]["text"] == "Source: Nvidia 10-K (2024)" and spec["title"]["orient"] == "bottom"
    assert spec["vconcat"][0]["title"]["text"] == "Finding title"
