"""Source checks: tiers, a deny list of hosts, one date per event across tables, sane series."""
import re
from urllib.parse import urlparse

import pandas as pd
import pytest

from helpers import data, ledger

#: hosts and URLs a reviewer would not accept: dev/test/staging hosts, throwaway pages.dev sites,
#: search or query pages, and look-alike copies of real hosts
DENY_HOST = re.compile(r"(^|\.)(uat|dev|test|staging|stage|qa|sandbox)\.|\.pages\.dev$|youkuaiyun\.com$|^api\.")
DENY_URL = re.compile(r"[?&](q|query|search)=|/search\?")


def _bad(url: str) -> bool:
    return bool(DENY_HOST.search(urlparse(url).hostname or "") or DENY_URL.search(url))


@pytest.mark.parametrize("url, bad", [
    ("http://sibshop.uat.jiralog.com/ec2/capacityblocks/pricing", True),
    ("https://fierceelectronics.dev.qtxquartz.com/ai/x", True),
    ("https://computespec.pages.dev/learn/pricing", True),
    ("https://datasetsearch.research.google.com/search?query=pue", True),
    ("https://blog.youkuaiyun.com/x/article/details/1", True),
    ("https://api.ai-analytics.org/commerce-rule/2022-21658", True),
    ("https://www.govinfo.gov/content/pkg/FR-2022-10-13/html/2022-21658.htm", False),
    ("https://www.devex.com/news", False),
])
def test_deny_list(url, bad):
    assert _bad(url) is bad


def test_no_source_url_is_on_the_deny_list():
    s = data.load("sources")
    urls = pd.concat([s.set_index("id")["url"], s.set_index("id")["archive_url"]]).dropna()
    assert [i for i, u in urls.items() if _bad(u)] == []


def test_ledger_headline_rests_on_no_aggregator_alone():
    tiers = data.load("sources").set_index("id")["tier"]
    table = ledger.verdicts()
    # rows with no contemporaneous reference rest on a later figure, which the ledger already takes from
    # non-aggregator rows only
    checked = table[(table.verdict != "unverifiable") & ~table.reference_sources.isin(["recomputed", ""])]
    alone = [r.claim_id for r in checked.itertuples() if {tiers[s] for s in r.reference_sources.split()} <= {"aggregator"}]
    assert alone == []


def test_same_document_has_one_date():
    """Two source rows with one URL are one document: they must agree on its publication date."""
    s = data.load("sources").dropna(subset=["url"])
    dates = s.groupby("url")["published_date"].nunique()
    assert list(dates[dates > 1].index) == []


def test_one_event_one_date_across_tables():
    """An event of control_events and one of chip_events for the same chip within three days are the same
    event unless their dates agree exactly or a note says why (H20 resumption: 2025-07-14 in both).
    Month-only rows (dated the first, text says 'month only') are not exact dates and are skipped."""
    control, chips = data.load("control_events"), data.load("chip_events")
    chips = chips[~chips.event.str.contains("month only", case=False)]
    clashes = []
    for c in control.itertuples():
        named = {x.strip().lower() for x in str(c.chips_affected).split(";")}
        same_chip = chips[chips.chip_id.fillna("").map(lambda i: i.split("_")[0] in named)]
        near = same_chip[(same_chip.date - c.date).abs() <= pd.Timedelta(days=3)]
        if len(near) and not (near.date == c.date).any() and "date differs" not in c.event:
            clashes.append((c.event_id, c.date.date(), list(near.event_id)))
    assert clashes == []


def series_jumps(table: pd.DataFrame, keys: list[str], date: str, value: str, factor: float = 5.0) -> pd.DataFrame:
    """Adjacent values of one series (rows sharing ``keys``, ordered by ``date``) that differ by more
    than ``factor`` either way, unless the later row's note explains it with the word 'jump' (a unit
    slip such as 万 read as a unit, or USD m as bn, shows as a 10x step)."""
    found = []
    for _, g in table.dropna(subset=[value]).sort_values(date).groupby(keys, dropna=False):
        for (_, a), (_, b) in zip(g.iloc[:-1].iterrows(), g.iloc[1:].iterrows()):
            ratio = b[value] / a[value]
            if max(ratio, 1 / ratio) > factor and "jump" not in str(b.get("note", "")).lower():
                found.append({**{k: b[k] for k in keys}, "from": a[date], "to": b[date], "before": a[value],
                              "after": b[value], "ratio": ratio, "row": b.iloc[0]})
    return pd.DataFrame(found)


def test_series_jumps_flags_a_unit_slip_unless_a_note_explains_it():
    t = pd.DataFrame({"app": ["d"] * 3, "period": ["2024-01", "2024-02", "2024-03"], "v": [17.3, 1.73, 20.0],
                      "note": ["", "", ""]})
    found = series_jumps(t, ["app"], "period", "v", factor=5)
    assert list(found.ratio.round(3)) == [0.1, 11.561]
    t.loc[1, "note"] = "jump: 万 misread"
    assert list(series_jumps(t, ["app"], "period", "v", factor=5).ratio.round(3)) == [11.561]
    assert series_jumps(t, ["app"], "period", "v", factor=12).empty


@pytest.mark.parametrize("table, keys, date, value", [
    ("app_users", ["app", "metric", "measured_by"], "period", "value_millions"),
    ("rental_prices", ["chip_id", "provider_type"], "date", "price_usd_per_gpu_hour"),
])
def test_series_have_no_unexplained_jumps(table, keys, date, value):
    jumps = series_jumps(data.load(table), keys, date, value, factor=5.0)
    assert jumps.empty, jumps.to_string()


def aggregator_only(sources: dict, tiers) -> list:
    """Key numbers of a headline's ``sources`` ({label: [source ids]}) that rest on no source above aggregator tier."""
    return [label for label, ids in sources.items() if not ids or {tiers.get(i, "aggregator") for i in ids} <= {"aggregator"}]


def below_headline_grade(sources: dict, tiers) -> list:
    """Key numbers of a headline's ``sources`` ({label: [source ids]}) that list no source, or any source that is not
    primary or reputable (a relay, an aggregator, an unknown id)."""
    return [label for label, ids in sources.items() if not ids or not {tiers.get(i, "aggregator") for i in ids} <= set(data.HEADLINE_TIERS)]


def test_below_headline_grade_rule_by_hand():
    tiers = {"a": "aggregator", "r": "reputable", "p": "primary", "y": "relay"}
    assert below_headline_grade({"x": ["a"], "y": ["a", "r"], "z": [], "w": ["p", "r"], "v": ["unknown"], "u": ["y", "p"]},
                                tiers) == ["x", "y", "z", "v", "u"]
    assert aggregator_only({"x": ["a"], "y": ["a", "r"], "z": [], "w": ["p"], "v": ["unknown"]}, tiers) == ["x", "z", "v"]


def test_a_figure_lists_its_first_sources_and_counts_the_rest():
    """A figure citing many sources (100,000 quotes would cite 100,000) lists fmt.SOURCE_LINKS_SHOWN links and counts
    the rest, so a page does not grow with the sources; up to that many it lists them all."""
    from helpers import fmt

    n = fmt.SOURCE_LINKS_SHOWN
    ids = [f"s{i}" for i in range(n + 1234)]
    text = fmt.source_links(ids + ["s0"])
    assert text.count('class="source-id"') == n and text.endswith(f'#s{n - 1}" class="source-id">s{n - 1}</a> and 1,234 more sources')
    assert fmt.source_links(ids[:n]).count('class="source-id"') == n and "more" not in fmt.source_links(ids[:n])
