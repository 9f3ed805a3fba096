"""helpers.fmt.table: tables for people, formatted from the metadata of data/datapackage.json."""
import html as html_lib
import math
import re

import numpy as np
import pandas as pd
import pytest

from helpers import data, fmt

_CELL = re.compile(r'<td id="[^"]*" class="data row(\d+) col(\d+)" >(.*?)</td>', re.S)
_HEAD = re.compile(r'<th id="[^"]*" class="col_heading level0 col(\d+)" >(.*?)</th>', re.S)


def cells(styler) -> list[list[str]]:
    """The body cells of the rendered table, row by row, exactly as in the HTML."""
    out: dict[int, dict[int, str]] = {}
    for r, c, text in _CELL.findall(styler.to_html()):
        out.setdefault(int(r), {})[int(c)] = text
    return [[row[c] for c in sorted(row)] for _, row in sorted(out.items())]


def column(styler, j: int = 0) -> list[str]:
    return [row[j] for row in cells(styler)]


def headers(styler) -> list[str]:
    return [text for _, text in _HEAD.findall(styler.to_html())]


def field(resource: str, name: str) -> dict:
    res = next(r for r in data.read_package()["resources"] if r["name"] == resource)
    return next(f for f in res["schema"]["fields"] if f["name"] == name)


# ----------------------------------------------------------------------------- codes, booleans, missing
def test_value_labels_from_the_package():
    df = pd.DataFrame({"route": ["bought_in_china", "rented_abroad", "in_house_asic"]})
    assert column(fmt.table(df)) == ["Bought in China", "Rented abroad", "In-house ASIC"]
    assert field("fleet_estimates", "route")["valueLabels"]["bought_in_china"] == "Bought in China"


def test_chip_ids_show_short_names():
    df = pd.DataFrame({"chip_id": ["h100_sxm", "ascend_910b", "gb200_per_gpu", "h20"]})
    assert column(fmt.table(df)) == ["H100", "Ascend 910B", "GB200", "H20"]


def test_unknown_codes_in_words_never_snake_case():
    df = pd.DataFrame({"route": ["buy_h20_china", "teleport_chips_home"],
                       "anything": ["new_status_code", "plain text"]})
    assert cells(fmt.table(df)) == [["Buy H20 in China", "New status code"], ["Teleport chips home", "plain text"]]


def test_code_lists_are_labelled_each():
    df = pd.DataFrame({"items": ["nvidia_spend_h20, nvidia_spend_total"]})
    assert column(fmt.table(df)) == ["Spend on Nvidia H20, Spend on Nvidia chips"]


def test_codes_inside_text_labelled_or_in_words_but_not_in_urls():
    df = pd.DataFrame({"miss": ["3A090.a clause 1: io_bandwidth_gbps 400 vs 600",
                                "https://example.org/h100_sxm.html; item=nvidia_spend_h20; rev_x_y"]})
    assert column(fmt.table(df)) == ["3A090.a clause 1: I/O bandwidth (GB/s) 400 vs 600",
                                     "https://example.org/h100_sxm.html; item=Spend on Nvidia H20; rev x y"]


def test_resource_disambiguates_same_named_fields():
    df = pd.DataFrame({"status": ["licence required", "ordered_pending"]})
    assert column(fmt.table(df, resource="route_rules")) == ["Licence required", "Ordered, awaiting approval"]
    with pytest.raises(KeyError, match="no table 'nope'"):
        fmt.table(df, resource="nope")


def test_booleans_yes_no():
    df = pd.DataFrame({"in_fleet": [True, False], "flag": pd.Series([np.True_, None], dtype=object)})
    assert cells(fmt.table(df)) == [["Yes", "Yes"], ["No", "–"]]


def test_missing_values_show_a_dash():
    df = pd.DataFrame({"x": [1.5, np.nan], "n": pd.array([3, pd.NA], dtype="Int64"), "t": ["a", None],
                       "s": ["nan", "NaN"], "d": pd.to_datetime(["2024-01-31", None])})
    assert cells(fmt.table(df)) == [["1.50", "3", "a", "–", "2024-01-31"], ["–", "–", "–", "–", "–"]]


def test_nan_through_a_callable_is_a_dash_not_plus_nan_pts():
    pts = lambda v: f"{100 * v:+.1f} pts"  # noqa: E731
    df = pd.DataFrame({"change": [0.012, np.nan, -0.5]})
    assert column(fmt.table(df, formats={"change": pts})) == ["+1.2 pts", "–", "-50.0 pts"]
    assert column(fmt.table(df, formats={"change": lambda v: "nan"})) == ["–", "–", "–"]


def test_infinities():
    df = pd.DataFrame({"x": [math.inf, -math.inf, 2.0]})
    assert column(fmt.table(df)) == ["∞", "−∞", "2"]
    assert column(fmt.table(df, formats={"x": ".0%"})) == ["∞", "−∞", "200%"]


# ----------------------------------------------------------------------------- numbers
def test_g_format_never_scientific():
    df = pd.DataFrame({"v": [6.147e5, 1979.0, 0.05, 1.2e-9]})
    assert column(fmt.table(df, formats={"v": ".4g"})) == ["614,700", "1,979", "0.05", "0.0000000012"]
    assert column(fmt.table(df, formats={"v": ",g"})) == ["614,700", "1,979", "0.05", "0.0000000012"]
    assert column(fmt.table(df, formats={"v": ".2e"})) == ["615,000", "1,980", "0.05", "0.0000000012"]


def test_callable_output_written_out():
    df = pd.DataFrame({"v": [1e9, 2.5e-7]})
    assert column(fmt.table(df, formats={"v": lambda v: f"{v:g}"})) == ["1,000,000,000", "0.00000025"]
    assert column(fmt.table(df, formats={"v": lambda v: "1e+09"})) == ["1,000,000,000", "1,000,000,000"]
    assert column(fmt.table(df, formats={"v": lambda v: f"{v:.0f}"})) == ["1,000,000,000", "0"]


def test_default_number_formats():
    df = pd.DataFrame({"big": [614682.0, 1.0], "mid": [12.345, 1.0], "small": [0.0123, 0.5],
                       "count": [1234567890, 2]})
    assert cells(fmt.table(df)) == [["614,682", "12.3", "0.0123", "1,234,567,890"], ["1", "1.0", "0.5", "2"]]


def test_long_integers_get_separators_even_with_d_format():
    df = pd.DataFrame({"units": [1234567890, 12]})
    assert column(fmt.table(df, formats={"units": "d"})) == ["1,234,567,890", "12"]


def test_years_without_separators():
    df = pd.DataFrame({"year": [2026, 2025], "year_f": [2026.0, np.nan], "fiscal_year": [2026, 2024],
                       "fleet_year": pd.array([2026, pd.NA], dtype="Int64")})
    assert cells(fmt.table(df, formats={"year": ",.0f", "year_f": ",g"})) == [
        ["2026", "2026", "FY2026", "2026"], ["2025", "–", "FY2024", "–"]]
    assert column(fmt.table(pd.DataFrame({"year": [2026]}), formats={"year": "d"})) == ["2026"]
    # a year-named column still separates numbers that are not years
    assert column(fmt.table(pd.DataFrame({"h100e_per_year": [123456.0]}))) == ["123,456"]
    # a field whose unit is a year: its numbers are years whatever the column's name
    assert field("nvidia_revenue", "reported_in_fy")["unit"] == "Nvidia fiscal year"
    df = pd.DataFrame({"reported_in_fy": [2026, 2025]})
    assert column(fmt.table(df, formats={"reported_in_fy": ",.0f"})) == ["2026", "2025"]
    assert column(fmt.table(df)) == ["FY2026", "FY2025"]


def test_rows_whose_unit_is_year():
    df = pd.DataFrame({"value": [2026.0, 2025.0833, 2500.0], "unit": ["year", "year", "units"],
                       "gap": [0.05, 0.5, 1.0]})
    assert cells(fmt.table(df, formats={"value": ",.4g"})) == [
        ["2026", "Year", "0.05"], ["2025", "Year", "0.5"], ["2,500", "Units", "1"]]


def test_display_format_from_the_package():
    df = pd.DataFrame({"us_revenue_share": [0.15, np.nan], "price_usd_per_gpu_hour": [2.5, 10.0]})
    assert cells(fmt.table(df)) == [["15%", "2.50"], ["–", "10.00"]]
    assert field("control_events", "us_revenue_share")["displayFormat"] == ".0%"


# ----------------------------------------------------------------------------- headers
def test_titles_from_the_package_renames_win():
    df = pd.DataFrame({"price_usd_per_gpu_hour": [2.0], "route": ["rented_abroad"], "spec_range": ["1–2"]})
    assert headers(fmt.table(df)) == ["Price (USD per GPU-hour)", "Route", "Spec range"]
    assert field("rental_prices", "price_usd_per_gpu_hour")["title"] == "Price (USD per GPU-hour)"
    assert headers(fmt.table(df, columns={"route": "How"})) == ["Price (USD per GPU-hour)", "How", "Spec range"]


def test_styler_keeps_renamed_labels_for_hide_and_subset():
    df = pd.DataFrame({"event": ["x"], "period_mid": [1.0], "route": ["own_abroad"]})
    styler = fmt.table(df, columns={"event": "Event"}).hide(["period_mid"], axis="columns")
    styler = styler.set_properties(subset=["Event"], **{"min-width": "420px"})
    html = styler.to_html()
    assert "Period mid" not in html and "Own chips abroad" in html and "min-width: 420px" in html


def test_derived_fields_label_computed_columns():
    df = pd.DataFrame({"verdict": ["right number, wrong referent"], "workload": ["decode"]})
    assert headers(fmt.table(df)) == ["Verdict", "Workload"]
    assert cells(fmt.table(df)) == [["Right number, wrong referent", "Decode"]]


# ----------------------------------------------------------------------------- escaping, sources, ids
def test_every_cell_and_header_escaped():
    evil = '<script>alert("x")</script>'
    df = pd.DataFrame({"note": [evil], "v": [1.0]})
    styler = fmt.table(df, formats={"v": lambda v: "<b>1</b>"}, columns={"v": "<i>v</i>"})
    assert cells(styler) == [["&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;", "&lt;b&gt;1&lt;/b&gt;"]]
    assert headers(styler) == ["Note", "&lt;i&gt;v&lt;/i&gt;"]
    assert "<script>" not in styler.to_html()


def test_source_ids_stay_links():
    df = pd.DataFrame({"source_id": ["rev_nvda_10k_fy2026", None], "source_ids": ["a_b, c_d", "a_b"]})
    assert cells(fmt.table(df)) == [
        ['<a href="sources.html#rev_nvda_10k_fy2026" class="source-id">rev_nvda_10k_fy2026</a>',
         '<a href="sources.html#a_b" class="source-id">a_b</a>, <a href="sources.html#c_d" class="source-id">c_d</a>'],
        ["–", '<a href="sources.html#a_b" class="source-id">a_b</a>']]


def test_ids_inside_free_text_are_words_not_links():
    """Only the ``sources`` columns link; an id named in free text reads as words (no raw code), escaped."""
    df = pd.DataFrame({"note": ["as in rev_nvda_10k_fy2026; not_a_source_id <b>"]})
    assert column(fmt.table(df)) == ["as in rev nvda 10k fy2026; not a source id &lt;b&gt;"]


def test_table_id_from_content_and_sticky_class():
    df = pd.DataFrame({"a": [1], "b": [2]})
    one, two = fmt.table(df).to_html(), fmt.table(df.copy()).to_html()
    assert re.search(r'<table id="T_t[0-9a-f]{8}"', one) and one == two
    assert fmt.table(df.assign(a=[3])).to_html() != one
    assert 'class="data-table"' in one
    shown = fmt.table(df)._repr_html_()  # what a page carries: no per-cell ids, classes or style block
    assert shown.startswith('<table class="data-table">') and "T_t" not in shown and "<style" not in shown
    assert shown == fmt.table(df.copy())._repr_html_()
    wide = fmt.table(pd.DataFrame({c: [1] for c in "abcdef"})).to_html()
    assert f'class="{fmt.TABLE_CLASS} {fmt.STICKY_CLASS}"' in wide


def test_index_values_labelled_and_escaped():
    df = pd.DataFrame({"n": [1, 2]}, index=pd.Index(["bought_in_china", "<x>"], name="route"))
    html = fmt.table(df, index=True).to_html()
    assert ">Bought in China</th>" in html and "&lt;x&gt;" in html


def test_positional_signature_unchanged():
    df = pd.DataFrame({"v": [1.0], "source": ["s"]})
    styler = fmt.table(df, {"v": ".2f"}, {"v": "Value"}, "source", False)
    assert cells(styler) == [["1.00", '<a href="sources.html#s" class="source-id">s</a>']]


# ----------------------------------------------------------------------------- the metadata itself
def test_every_field_has_a_title_and_every_code_a_label():
    """Every field a title; in a coded field (enum or valueLabels) every enum value and every value
    present in the CSV a label; every displayFormat usable."""
    pkg = data.read_package()
    for res in pkg["resources"]:
        df = data.load(res["name"])
        for f in res["schema"]["fields"]:
            where = f"{res['name']}.{f['name']}"
            assert f.get("title"), f"{where} has no title"
            labels, enum = f.get("valueLabels"), (f.get("constraints") or {}).get("enum")
            if enum and f.get("type", "string") == "string":
                assert labels, f"{where} is coded (enum) but has no valueLabels"
                assert set(enum) <= set(labels), f"{where}: enum values without a label: {set(enum) - set(labels)}"
            if labels:
                present = set(df[f["name"]].dropna())
                assert present <= set(labels), f"{where}: values without a label: {present - set(labels)}"
                assert not any(re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", v) for v in labels.values()), where
            if f.get("displayFormat"):
                fmt._number(2026, f["displayFormat"])
    for f in pkg.get("derivedFields", []):
        assert f.get("title") and f.get("name")


def test_package_meta_gives_labels_to_notebooks():
    """Notebooks label codes in their prose with ``package_meta()`` (02, 04): a column's labels, any code's label."""
    meta = fmt.package_meta()
    assert meta.column("provider_class", "rental_prices")["labels"] == field("rental_prices", "provider_class")["valueLabels"]
    assert meta.codes["china_incl_hk"] == "China incl. Hong Kong" and meta.codes["h100_sxm"] == "H100"
    assert meta.column("status", "route_rules")["title"] == field("route_rules", "status")["title"]


def test_real_table_shows_no_codes_booleans_nan_or_scientific_notation():
    est = data.load("fleet_estimates")
    html = fmt.table(est.drop(columns=["note"])).to_html()
    html = re.sub(r'<a href="[^"]*" class="source-id">[^<]*</a>', "", html)
    body = re.sub(r"<[^>]+>", "\n", html)
    assert not re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", body)
    assert not re.search(r"\b(nan|NaN|True|False)\b|\de[+-]\d|\b2,0\d\d\b", body)


def test_chip_labels_agree_with_chips_short_name():
    from helpers import chips

    for res in data.read_package()["resources"]:
        for f in res["schema"]["fields"]:
            if f["name"].startswith("chip_id"):
                assert f.get("valueLabels"), f"{res['name']}.{f['name']}"
                assert all(label == chips.short_name(code) for code, label in f["valueLabels"].items())


def test_a_range_reads_from_low_to_high_whichever_end_is_given_first():
    """06's share of chips bought in China is 57% at the low ends of its counts and 56% at the high ends."""
    assert fmt.rng(0.567, 0.562) == fmt.rng(0.562, 0.567) == "56–57%"
    assert fmt.rng(2.68, 1.82, ".2f") == "1.82–2.68" and fmt.rng(0.5, 0.5) == "50%"


def test_bounded_range_within_and_across_physical_bounds():
    assert fmt.bounded(0.19, 0.34, high=1.0) == (True, "19–34%")
    assert fmt.bounded(1.82, 2.68, fmt=".2f", spans="two Blackwell chips, one neocloud") == \
        (True, "1.82–2.68 (two Blackwell chips, one neocloud)")
    ok, text = fmt.bounded(0.19, 3.4, high=1.0, narrow="a count of H20s delivered in 2025 would narrow it")
    assert not ok and text == ("not determined by the data (the range, 19–340%, runs past 100%); "
                               "a count of H20s delivered in 2025 would narrow it")
    assert fmt.bounded(-0.81, 0.5, high=1.0) == (False, "not determined by the data (the range, -81–50%, runs below 0%)")
    assert fmt.bounded(-2.0, 5.0, low=None, fmt=".0f") == (True, "-2–5")


@pytest.mark.parametrize("text", ["[x](javascript:alert(1))", "see http://x.example/p", "(http://y.example)",
                                  "<https://z.example>", "[a][r]\n\n[r]: http://x", "![i](http://x/i.png)"])
def test_data_text_never_becomes_a_link_on_a_page(text):
    """Escaped data text rendered as pages are (the site's exporter, nbconvert's Markdown): no link, no image, and
    the text shows literally, bare URLs included."""
    import nbformat

    from builder.report import exporter

    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": f"note: {fmt.md(text)}"})]
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell]
    body, _ = exporter().from_notebook_node(nb, resources={"nav": {}})  # (compiled once; no navigation links)
    body = body[body.index("<body"):]
    assert "<a " not in body and "<img" not in body
    assert html_lib.escape(" ".join(text.split()), quote=False) in " ".join(body.split())


@pytest.mark.parametrize("url, ok", [
    ("https://www.sec.gov/a/b.htm", True), ("http://example.com/x?y=1#z", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), ("javascript:alert(1)//https://x.com", False),
    ("data:text/html,<script>alert(1)</script>", False), ("//evil.example/x", False), ("/relative/path", False),
    ("https:///nohost", False), ("https://x.com/a b", False), ('https://x.com/"onmouseover=alert(1)', False),
    (" https://x.com", True), ("vbscript:msgbox", False), ("", False), (None, False)])
def test_safe_url_takes_only_absolute_http_urls(url, ok):
    assert bool(fmt.safe_url(url)) is ok


def test_cite_names_publisher_and_date_once_per_id():
    """sources.csv: rev_nvda_10k_fy2022 is NVIDIA's 10-K published 2022-03-18; rule_bis_nac_guidance has no date."""
    nvda = "NVIDIA Corporation (SEC EDGAR) (2022-03-18)"
    assert fmt.cite(["rev_nvda_10k_fy2022", "rule_bis_nac_guidance", "rev_nvda_10k_fy2022"]) == (
        f"{nvda}; U.S. Department of Commerce, Bureau of Industry and Security (n.d.)")
    assert fmt.cite(["rev_nvda_10k_fy2022"], links=True) == f'<a href="sources.html#rev_nvda_10k_fy2022">{nvda}</a>'
    with pytest.raises(KeyError):
        fmt.cite(["no_such_source"])


def test_a_long_table_shows_its_first_rows_and_says_where_the_rest_are():
    rows = fmt.TABLE_ROWS + 5
    df = pd.DataFrame({"price_id": [f"p{i}" for i in range(rows)], "price_usd_per_gpu_hour": [2.0] * rows,
                       "provider": ["<b>x</b>"] * rows})
    page = fmt.table(df, resource="rental_prices")._repr_html_()
    assert page.count("<tr>") == fmt.TABLE_ROWS + 1  # the header row and the first TABLE_ROWS rows
    assert f"The first {fmt.TABLE_ROWS} of {rows} rows: every row is in the downloadable data (data/rental_prices.csv)." in page
    assert "<b>x</b>" not in page
    short = fmt.table(df.head(3), resource="rental_prices")._repr_html_()
    assert short.count("<tr>") == 4 and "caption" not in short


def test_a_table_carries_no_indentation_between_its_tags_and_keeps_spaces_in_cells():
    html = fmt.table(pd.DataFrame({"name": ["H20  chip", "B200"], "v": [1.5, 2.0]}))._repr_html_()
    assert "\n" not in html.strip() and "<td >" not in html and "H20  chip" in html
    assert html.startswith('<table class="data-table') and html.count("<tr>") == 3


def _written_by_pandas(styler) -> str:
    """``styler._repr_html_()`` as pandas' ``to_html`` writes it (no shortcut)."""
    styler._plain_html = lambda: None
    try:
        return styler._repr_html_()
    finally:
        del styler._plain_html


def test_a_table_written_without_pandas_template_is_the_same_text():
    """fmt.table's tables are written directly, not through pandas' template (a tenth of the cost), with the same text:
    every table of data/ (with a column hidden, cut to its first rows, and with its index shown, which pandas writes),
    and tables of every kind of cell, an empty one and one with a caption."""
    from helpers import data

    frames = [data.load(r["name"]) for r in data.read_package()["resources"]]
    frames += [pd.DataFrame({"a": [1.5, np.nan, np.inf], "b": [True, False, None], "c": pd.to_datetime(["2024-01-31", None, "2025-02-01"]),
                             "d": pd.array([1, None, 3], dtype="Int64"), "e": ["<b>x</b>", "a\n  <i>", None]}),
               pd.DataFrame({"v": []}), pd.DataFrame({"year": range(fmt.TABLE_ROWS + 5), "unit": "calendar year"})]
    fast = 0
    for df in frames:
        for styler in (fmt.table(df), fmt.table(df.head(3), index=True), fmt.table(df).hide([df.columns[0]], axis="columns")):
            fast += styler._plain_html() is not None
            assert styler._repr_html_() == _written_by_pandas(styler)
    assert fast == 2 * len(frames)
    styled = fmt.table(frames[0]).set_properties(**{"min-width": "9em"})  # a style: pandas writes it
    assert styled._plain_html() is None and styled._repr_html_() == _written_by_pandas(styled)
