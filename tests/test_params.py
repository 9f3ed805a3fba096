import pytest

from helpers.params import ParameterError, check, check_all


def test_accepts_in_range_and_converts_integer():
    assert check("pue", 1.3, minimum=1.0, maximum=3.0) == 1.3
    assert check("years", 5.0, minimum=1, integer=True) == 5


@pytest.mark.parametrize("value, rules, text", [
    (1.5, {"maximum": 1.0}, "parameter 'x' = 1.5 is above its maximum 1.0"),
    (-1, {"minimum": 0}, "parameter 'x' = -1 is below its minimum 0"),
    ("2", {}, "parameter 'x' = '2' must be a number"),
    (2.5, {"integer": True}, "must be a whole number"),
    ("fp4", {"choices": ["bf16", "fp8"]}, "parameter 'x' = 'fp4' is not one of ['bf16', 'fp8']"),
])
def test_rejects_with_parameter_name(value, rules, text):
    with pytest.raises(ParameterError, match=text.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        check("x", value, **rules)


def test_check_all():
    assert check_all({"a": (1, {"minimum": 0}), "b": ("fp8", {"choices": ["fp8"]})}) == {"a": 1, "b": "fp8"}


def test_check_month():
    from helpers.params import check_month

    assert check_month("growth_to", "2025-12") == "2025-12"
    for bad in ("2025-13", "2025/12", 202512, "25-12"):
        with pytest.raises(ParameterError, match="parameter 'growth_to' .* must be a month written YYYY-MM"):
            check_month("growth_to", bad)


def test_with_defaults_names_unknown_parameters():
    from helpers.params import with_defaults

    assert with_defaults({"a": 1, "b": 2}, {"b": 3}) == {"a": 1, "b": 3}
    with pytest.raises(ParameterError, match="unknown parameter\\(s\\): c, d"):
        with_defaults({"a": 1}, {"d": 0, "c": 0})
