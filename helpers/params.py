"""Check notebook parameters (the papermill ``parameters`` cell) with messages that name them."""
from __future__ import annotations

import math
from numbers import Real


class ParameterError(ValueError):
    """A notebook parameter has a bad type or lies outside its allowed range."""


def check(name: str, value, *, minimum: float | None = None, maximum: float | None = None,
          choices=None, integer: bool = False):
    """Return ``value`` if it is allowed, else raise ParameterError naming ``name``.

    ``minimum``/``maximum`` are inclusive; ``choices`` lists the allowed values.
    """
    if choices is not None:
        if value not in choices:
            raise ParameterError(f"parameter {name!r} = {value!r} is not one of {list(choices)}")
        return value
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
        raise ParameterError(f"parameter {name!r} = {value!r} must be a number")
    if integer and int(value) != value:
        raise ParameterError(f"parameter {name!r} = {value!r} must be a whole number")
    if minimum is not None and value < minimum:
        raise ParameterError(f"parameter {name!r} = {value!r} is below its minimum {minimum}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name!r} = {value!r} is above its maximum {maximum}")
    return int(value) if integer else value


def with_defaults(defaults: dict, overrides: dict) -> dict:
    """``defaults`` updated with ``overrides``; ParameterError if an override names no parameter."""
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise ParameterError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    return {**defaults, **overrides}


def check_all(spec: dict) -> dict:
    """Check several parameters: ``{name: (value, {"minimum": .., "maximum": ..})}`` -> values."""
    return {name: check(name, value, **rules) for name, (value, rules) in spec.items()}


def check_month(name: str, value) -> str:
    """Return ``value`` if it is a month written ``YYYY-MM`` (e.g. "2025-12"), else ParameterError."""
    import re

    if not isinstance(value, str) or not re.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])", value):
        raise ParameterError(f"parameter {name!r} = {value!r} must be a month written YYYY-MM, e.g. '2025-12'")
    return value
