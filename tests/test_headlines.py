"""The overview's numbers are the notebooks' numbers: one headline function per notebook, called
with the defaults read from that notebook's parameters cell."""
import inspect

import pytest

from helpers import headlines, params


@pytest.mark.parametrize("stem", list(headlines.NOTEBOOKS))
def test_headline_takes_every_parameter_of_its_notebook(stem):
    fn = getattr(headlines, headlines.NOTEBOOKS[stem])
    sig = inspect.signature(fn)
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    for name in params.defaults(stem):
        assert accepts_any or name in sig.parameters, f"{stem}: headline does not take {name!r}"


def test_card_and_overview_from_a_hand_made_headline():
    h = {"headline": "A **short** finding.", "key_numbers": [("gap", "6.7×"), ("range", "2–3")], "findings": ["x"]}
    assert headlines.card(h) == "A **short** finding.\n\n- **gap**: 6.7×\n- **range**: 2–3"
    assert headlines.findings(h) == "- x"
    o = headlines.overview({"01_chip_gap": h, "05_claims_ledger": h})
    assert o["key_numbers"] == [("Chip gap — gap", "6.7×"), ("Press claims — gap", "6.7×")]
    assert o["headline"].startswith("2 findings")


def test_claims_headline_counts_every_claim():
    h = headlines.claims(**params.defaults("05_claims_ledger"))
    assert (h["claims"], h["consistent"], h["inconsistent"], h["superseded"], h["unverifiable"]) == (51, 24, 7, 2, 18)
    assert h["causes"]["a misread order of magnitude"] == 2
    assert len(h["findings"]) >= 3 and 2 <= len(h["key_numbers"]) <= 4
