"""A notebook records its finding once (helpers.record); the builder, the index and the overview read it."""
import json
import math

import numpy as np
import pytest

from helpers import record


def _nb(*outputs, first="# The title\n\nWhat?"):
    return {"cells": [{"cell_type": "markdown", "source": first},
                      {"cell_type": "code", "metadata": {"tags": ["headline"]}, "outputs": list(outputs)}]}


def test_make_card_bullets_and_check_text():
    rec = record.make("A **short** finding.", [("gap", "6.7×", ["s1", "s1", "s2"]), None, ("range", "2–3", None)],
                      ["x", "y"], {"ratio": np.float64(6.6858), "n": np.int64(3), "pair": (1.5, float("nan")),
                                   "inf": math.inf, "label": "H20"})
    assert rec["key_numbers"] == [["gap", "6.7×", ["s1", "s2"]], ["range", "2–3", []]]
    assert rec["numbers"] == {"ratio": 6.6858, "n": 3, "pair": [1.5, None], "inf": None, "label": "H20"}
    json.dumps(rec, allow_nan=False)  # plain JSON: no NumPy types, no NaN
    assert record.card(rec) == "A **short** finding.\n\n- **gap**: 6.7×\n- **range**: 2–3"
    assert record.bullets(rec) == "- x\n- y"
    assert record.check_text(rec) == "ratio: 6.686\nn: 3\npair: [1.5, None]\ninf: None\nlabel: H20"


@pytest.mark.parametrize("headline, numbers, findings", [("", [("a", "1", [])], ["x"]), ("h", [], ["x"]),
                                                         ("h", [("a", "1", [])], [])])
def test_a_finding_without_its_parts_is_refused(headline, numbers, findings):
    with pytest.raises(ValueError, match="a finding needs a headline"):
        record.make(headline, numbers, findings)


def test_read_finds_the_record_and_read_all_names_what_is_missing(tmp_path):
    rec = record.make("h", [("a", "1", ["s"])], ["x"], {"a": 1})
    out = {"output_type": "display_data", "data": {"text/markdown": record.card(rec), record.MIME: rec}}
    assert record.read(_nb(out)) == rec
    assert record.read(_nb({"output_type": "stream", "text": "x"})) is None
    (tmp_path / "01_a.ipynb").write_text(json.dumps(_nb(out)))
    (tmp_path / "02_b.ipynb").write_text(json.dumps(_nb()))
    assert record.read_all(tmp_path, ["01_a"]) == {"01_a": {**rec, "title": "The title"}}
    with pytest.raises(FileNotFoundError, match=r"no recorded finding for 02_b, 03_c in .*: run `make report` first"):
        record.read_all(tmp_path, ["01_a", "02_b", "03_c"])


@pytest.mark.parametrize("text, shown", [
    ("decodes **nan×** an H100", "'nan' (not a number)"), ("a share of inf%", "'inf' (not a number)"),
    ("57–56% of the chips", "'57–56' (a range from high to low)"),
    ("1,200–950 chips", "'1,200–950' (a range from high to low)")])
def test_a_finding_that_shows_no_number_or_a_reversed_range_is_refused(text, shown):
    for headline, key, finding in ((text, "1", "f"), ("h", text, "f"), ("h", "1", text)):
        with pytest.raises(ValueError, match="misstates a number") as err:
            record.make(headline, [("k", key, [])], [finding])
        assert shown in str(err.value)


def test_words_years_and_ranges_from_low_to_high_are_findings():
    text = "Financing info: 2022–2025, 0.80–1.19×, 56–57%, 350,000–2,300,000 chips, FY2026–FY2027, Infiniband, 1.5–1.5"
    assert record.make(text, [("k", text, [])], [text])["headline"] == text
