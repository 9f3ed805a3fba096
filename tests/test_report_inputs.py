"""What a notebook's run depends on, exactly: the overview runs after the others and again when a finding it
gathers changes; a helper edit re-runs only the notebooks that import it; a deleted site asset is written
again. (A module of its own, so that its builds run beside tests/test_report.py's on another worker.)"""
from builder import report
from test_report import A, OVERVIEW, _b, _comparable, _notebook, fake_root  # noqa: F401  (fake_root: fixture)


def test_overview_helpers_and_assets_are_tracked(fake_root, capsys):
    nbs = fake_root / "notebooks"
    _notebook(nbs / "01_a.ipynb", A)
    _notebook(nbs / "02_b.ipynb", _b(fail=False))
    _notebook(nbs / "00_overview.ipynb", OVERVIEW)
    site, executed = fake_root / "build" / "site", fake_root / "build" / "executed"
    assert report.build(jobs=2) == 0
    state = report.load_state()
    # the overview ran after the others and gathered what they recorded; the top of A shows A's bullets
    assert state["00_overview"]["record"]["headline"] == "All: A is **1**. B is **2**."
    assert state["00_overview"]["record"]["key_numbers"] == [["k", "1", ["s1"]], ["k", "2", []]]
    assert "A is one" in str(_comparable(executed / "01_a.ipynb")["cells"][1]["outputs"])
    page = (site / "01_a.html").read_text()
    assert page.index("A is one") < page.index("Assumptions") and "x = 1" not in page

    # only A imports charts: an edit of it makes A, and nothing else, due to run again (the builder's own decision)
    def due():
        state, shared = report.load_state(), report.shared_hash()
        others = [p for p in report.notebooks() if p.stem != report.OVERVIEW]  # (the overview follows records)
        return sorted(n for n, (_p, _h, run) in report._stale(others, state, {}, shared,
                                                              state["01_a"]["render_hash"]).items() if run)
    helper = fake_root / "helpers" / "charts.py"
    assert due() == []
    helper.write_text(helper.read_text() + "\n# an edit\n")
    assert due() == ["01_a"]
    helper.write_text(helper.read_text()[:-len("\n# an edit\n")])
    assert due() == []

    _notebook(nbs / "01_a.ipynb", [c if c[2] != ("parameters",) else ("code", "x = 3  # 0 to 5: a number", c[2]) for c in A])
    capsys.readouterr()
    assert report.build(jobs=2) == 0  # A's finding changed: A and the overview run again, B does not
    out = capsys.readouterr().out
    assert "… 01_a\n" in out and "… 00_overview\n" in out and "… 02_b\n" not in out
    assert report.load_state()["00_overview"]["record"]["key_numbers"][0] == ["k", "3", ["s1"]]

    (site / "assets" / "vega-bundle.js").unlink()  # a deleted asset: the page that links it is rendered again
    assert report.build(jobs=2) == 0
    assert "Executing 0 and re-rendering 1" in capsys.readouterr().out and (site / "assets" / "vega-bundle.js").exists()
