"""The site builder: a bad CSV stops the build and keeps the last good site; helpers of the builder."""
import shutil

import pytest

from builder import report


@pytest.fixture
def fake_root(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    shutil.copytree(report.DATA_DIR, root / "data")
    (root / "notebooks").mkdir()
    site = root / "build" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("last good site")
    for name, value in {"ROOT": root, "NB_DIR": root / "notebooks", "DATA_DIR": root / "data",
                        "BUILD": root / "build", "SITE": site, "EXECUTED": root / "build" / "executed",
                        "STATE_FILE": root / "build" / "state.json"}.items():
        monkeypatch.setattr(report, name, value)
    return root


def test_broken_csv_stops_build_and_keeps_site(fake_root, capsys):
    path = fake_root / "data" / "sources.csv"
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace("2024-09-01", "2024-13-01")
    path.write_text("\n".join(lines) + "\n")
    assert report.build(jobs=1) == 2
    err = capsys.readouterr().err
    assert "sources.csv, line 3, column 'published_date': '2024-13-01' is not a date" in err
    assert "Traceback" not in err
    assert (fake_root / "build" / "site" / "index.html").read_text() == "last good site"


def test_describe_reads_title_question_and_headline():
    nb = {"cells": [
        {"cell_type": "markdown", "source": "# The title\n\nHow far behind is X?\n\nMore text."},
        {"cell_type": "code", "metadata": {"tags": ["headline"]}, "outputs": [
            {"output_type": "execute_result", "data": {"text/markdown": "X is **6.7×** behind."}}]}]}
    assert report.describe(nb) == {"title": "The title", "question": "How far behind is X?",
                                   "headline": "X is **6.7×** behind."}


@pytest.mark.parametrize("text, value", [("2.5", 2.5), ("7", 7), ("true", True), ("fp8", "fp8"),
                                         ('"12"', "12")])
def test_parse_value_like_papermill(text, value):
    assert report.parse_value(text) == value


def test_run_one_rejects_unknown_parameter(capsys):
    assert report.run_one("00_overview", [("no_such_parameter", "1")]) == 2
    assert "has no parameter 'no_such_parameter'" in capsys.readouterr().err
