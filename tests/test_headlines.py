"""The overview's numbers are the notebooks' numbers: one headline function per notebook, called
with the defaults read from that notebook's parameters cell."""
import pytest

from helpers import headlines, params


@pytest.mark.parametrize("stem", list(headlines.NOTEBOOKS))
def test_headline_rejects_a_parameter_its_notebook_does_not_have(stem):
    fn = getattr(headlines, headlines.NOTEBOOKS[stem])
    with pytest.raises(params.ParameterError, match=f"unknown parameter\\(s\\) of {stem}: no_such_parameter"):
        fn(no_such_parameter=1)


def test_card_and_overview_from_a_hand_made_headline():
    h = {"headline": "A **short** finding.", "key_numbers": [("gap", "6.7×"), ("range", "2–3")], "findings": ["x"]}
    assert headlines.card(h) == "A **short** finding.\n\n- **gap**: 6.7×\n- **range**: 2–3"
    assert headlines.findings(h) == "- x"
    o = headlines.overview({"01_chip_gap": h, "05_claims_ledger": h})
    assert o["key_numbers"] == [("Chip gap — gap", "6.7×"), ("Press claims — gap", "6.7×")]
    assert o["headline"].startswith("2 findings")

