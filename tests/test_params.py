"""The parameters cell is the one source of a default and its rule."""
import pytest

from helpers import params
from helpers.params import ParameterError, check, parse_cell, parse_rule

CELL = '''# Parameters
decode_batch = 32            # whole 1 to 4096: sequences decoded together
mfu = None                   # 0.05 to 1 or None: compute utilisation (None: the shared value)
precision = "bf16"           # one of bf16, fp8: number format
growth_from = "2024-12"      # month: start of the comparison
seed = 20260223              # whole: Monte Carlo seed
budget_usd = 7e9             # 1e8 to 5e10: USD per year
show = True                  # true or false: show the table
'''


def test_parse_cell_reads_defaults_and_rules():
    cell = parse_cell(CELL)
    assert list(cell) == ["decode_batch", "mfu", "precision", "growth_from", "seed", "budget_usd", "show"]
    assert cell["decode_batch"] == (32, params.Rule(minimum=1, maximum=4096, integer=True, help="sequences decoded together"))
    assert cell["mfu"][0] is None and cell["mfu"][1].optional and cell["mfu"][1].maximum == 1
    assert cell["precision"][1].choices == ("bf16", "fp8")
    assert cell["budget_usd"] == (7e9, params.Rule(minimum=1e8, maximum=5e10, help="USD per year"))
    assert cell["seed"][1].integer and cell["seed"][1].minimum is None


def test_check_returns_values_and_converts_whole_numbers():
    ns = {"decode_batch": 64.0, "mfu": None, "precision": "fp8", "growth_from": "2025-01", "seed": 1,
          "budget_usd": 1e9, "show": False}
    assert check(ns, source=CELL) == {**ns, "decode_batch": 64}


@pytest.mark.parametrize("name, value, text", [
    ("decode_batch", 5000, "parameter 'decode_batch' = 5000 is above its maximum 4096"),
    ("decode_batch", 0, "parameter 'decode_batch' = 0 is below its minimum 1"),
    ("decode_batch", 2.5, "parameter 'decode_batch' = 2.5 must be a whole number"),
    ("mfu", "0.4", "parameter 'mfu' = '0.4' must be a number"),
    ("precision", "fp4", "parameter 'precision' = 'fp4' is not one of ['bf16', 'fp8']"),
    ("growth_from", "2025-13", "parameter 'growth_from' = '2025-13' must be a month written YYYY-MM"),
    ("show", 1, "parameter 'show' = 1 must be True or False"),
    ("budget_usd", None, "parameter 'budget_usd' = None is not allowed"),
])
def test_check_names_the_bad_parameter(name, value, text):
    ns = {**{k: v for k, (v, _) in parse_cell(CELL).items()}, name: value}
    with pytest.raises(ParameterError) as err:
        check(ns, source=CELL)
    assert text in str(err.value)


def test_unreadable_rule_is_an_error():
    with pytest.raises(ParameterError, match="cannot read the rule 'between 1 and 2'"):
        parse_rule("between 1 and 2: a range written the wrong way")


def test_check_reads_the_rules_from_the_notebook_file():
    ns = {**params.defaults("05_claims_ledger"), "tolerance_scale": 9}
    with pytest.raises(ParameterError, match="parameter 'tolerance_scale' = 9 is above its maximum 5"):
        check(ns, "05_claims_ledger")


def test_every_notebook_declares_readable_rules():
    for stem in ("00_overview", "01_chip_gap", "02_cloud_economics", "03_doubao_demand",
                 "04_nvidia_china_revenue", "05_claims_ledger"):
        assert params.rules(stem), stem


def _bounded():
    """(notebook, parameter, rule) of every numeric parameter with a declared range, in every notebook."""
    stems = sorted(p.stem for p in params.NOTEBOOK_DIR.glob("*.ipynb"))
    return [(stem, name, rule) for stem in stems for name, rule in params.rules(stem).items()
            if rule.minimum is not None and rule.maximum is not None]


@pytest.mark.parametrize("stem, name, rule", _bounded(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_declared_range_is_enforced_at_both_ends(stem, name, rule):
    """Each end of a range is allowed and a step past it is refused with the parameter's name, a minimum of
    0 included (negative shares must not pass)."""
    step = 1 if rule.integer else max(abs(rule.maximum - rule.minimum) * 1e-3, 1e-9)
    assert rule.check(name, rule.minimum) == rule.minimum and rule.check(name, rule.maximum) == rule.maximum
    with pytest.raises(ParameterError, match=f"parameter '{name}' = .* is below its minimum"):
        rule.check(name, rule.minimum - step)
    with pytest.raises(ParameterError, match=f"parameter '{name}' = .* is above its maximum"):
        rule.check(name, rule.maximum + step)


def test_zero_minimum_is_enforced():
    with pytest.raises(ParameterError, match="parameter 'share' = -0.01 is below its minimum 0"):
        parse_rule("0 to 0.3: a share").check("share", -0.01)


# --- one-at-a-time sensitivity (params.tornado) -------------------------------------------------------

def test_tornado_rows_and_order():
    from helpers import costs

    base = {"purchase_usd_per_gpu": 26_280, "years": 3, "power_kw": 0.0, "pue": 1.0,
            "electricity_usd_per_kwh": 0.0, "hosting_share_per_year": 0.0, "utilisation": 0.5}
    # years 2 -> 13,140/4,380 = 3.0 ; years 6 -> 4,380/4,380 = 1.0 ; swing 2.0
    # utilisation 0.25 -> 8,760/2,190 = 4.0 ; 1.0 -> 8,760/8,760 = 1.0 ; swing 3.0
    df = params.tornado(costs.tco_per_gpu_hour, base, {"years": (2, 6), "utilisation": (0.25, 1.0)})
    assert list(df["parameter"]) == ["utilisation", "years"]
    assert df.loc[0, "output_low"] == pytest.approx(4.0)
    assert df.loc[1, "output_high"] == pytest.approx(1.0)
    assert list(df["output_base"]) == pytest.approx([2.0, 2.0])


def test_tornado_by_hand():
    # f = x * y at central (2, 10) = 20; x: 1 -> 10, 4 -> 40 (width 30); y: 5 -> 10, 12 -> 24 (width 14)
    out = params.tornado(lambda x, y: x * y, {"x": 2, "y": 10}, {"x": (1, 4), "y": (5, 12)})
    assert [tuple(r) for r in out[["parameter", "output_low", "output_high"]].itertuples(index=False)] == [
        ("x", 10.0, 40.0), ("y", 10.0, 24.0)]


def test_tornado_refuses_an_input_not_in_base():
    with pytest.raises(ValueError, match="absent from base"):
        params.tornado(lambda a: a, {"a": 1.0}, {"hours": (1, 2)})
    with pytest.raises(ValueError, match="pair"):
        params.tornado(lambda a: a, {"a": 1.0}, {"a": (1, 2, 3)})
