"""Notebook parameters: the ``parameters`` cell is the one place a default and its range are written.

Each line of a notebook's ``parameters`` cell reads ``name = value  # RULE: what it means``, e.g.::

    decode_batch = 32           # whole 1 to 4096: sequences decoded together on one chip
    mfu = None                  # 0.05 to 1 or None: compute utilisation (None: data/model_assumptions.csv)
    training_precision = "bf16" # one of bf16, fp8: number format of training
    growth_from = "2024-12"     # month 2023-01 to 2025-11: start of the growth comparison (YYYY-MM)
    seed = 20260223             # whole 0 to 4294967295: Monte Carlo seed
    show_sources = True         # true or false: list every source at the end
    rate_id = "fx10"            # text: a row id of data/exchange_rates.csv (the model checks it exists)

The next cell calls ``P = params.check(globals(), "<notebook stem>")``: it reads the rules from the
notebook's parameters cell, checks the current values (papermill's injected ones included) and
returns them as a dict, or raises :class:`ParameterError` naming the parameter (a name papermill
injected that the cell does not declare included). ``make notebook`` reads its ``-p`` values as
papermill's command line does (:func:`read_value`) and checks them with the same :func:`check`
before it starts a kernel, so both accept and refuse the same values with the same one-line message.
:func:`defaults` reads the same cell from a notebook file (the overview and the tests use it), so
a default is never written twice. papermill's ``--help-notebook`` shows the rule as the help text.
The models' own checks of their arguments (:func:`array`) and their one-at-a-time sensitivity to them
(:func:`tornado`) are here too.
"""
from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass
from numbers import Real
from pathlib import Path

import numpy as np

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
_NUMBER = r"-?[\d_]+(?:\.\d+)?(?:e-?\d+)?"
_MONTH = r"(?:19|20)\d\d-(?:0[1-9]|1[0-2])"
_RULE = re.compile(
    rf"(?P<choices>one of [^:]+)|(?P<month>month)(?: (?P<mlo>{_MONTH}) to (?P<mhi>{_MONTH}))?|(?P<bool>true or false)|(?P<text>text)"
    rf"|(?P<whole>whole)(?: (?P<wlo>{_NUMBER}) to (?P<whi>{_NUMBER}))?|(?P<lo>{_NUMBER}) to (?P<hi>{_NUMBER})")
_LINE = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<value>.+?)\s+#\s*(?P<comment>.*)$")


class ParameterError(ValueError):
    """A notebook parameter has a bad type, lies outside its allowed range or is not declared.

    In a kernel its traceback is the one line ``ParameterError: <message>`` (IPython asks an exception
    for ``_render_traceback_``), so papermill reports the parameter, not 70 lines of frames."""

    def _render_traceback_(self):
        return [f"ParameterError: {self}"]


@dataclass(frozen=True)
class Rule:
    """What one parameter may be: a number in [minimum, maximum] (whole or not), one of ``choices``,
    a month ``YYYY-MM`` (in [first_month, last_month]) or a boolean; ``optional`` also allows None (use the
    data's value)."""
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    choices: tuple | None = None
    month: bool = False
    first_month: str | None = None
    last_month: str | None = None
    boolean: bool = False
    text: bool = False
    optional: bool = False
    help: str = ""

    def check(self, name: str, value):
        if value is None:
            if self.optional:
                return None
            raise ParameterError(f"parameter {name!r} = None is not allowed")
        if self.choices is not None:
            if value not in self.choices:
                raise ParameterError(f"parameter {name!r} = {value!r} is not one of {list(self.choices)}")
            return value
        if self.month:
            if not isinstance(value, str) or not re.fullmatch(_MONTH, value):
                raise ParameterError(f"parameter {name!r} = {value!r} must be a month written YYYY-MM, e.g. '2025-12'")
            if self.first_month and value < self.first_month:
                raise ParameterError(f"parameter {name!r} = {value!r} is before its first month {self.first_month}")
            if self.last_month and value > self.last_month:
                raise ParameterError(f"parameter {name!r} = {value!r} is after its last month {self.last_month}")
            return value
        if self.text:
            if not isinstance(value, str) or not value.strip():
                raise ParameterError(f"parameter {name!r} = {value!r} must be a non-empty text")
            return value
        if self.boolean:
            if not isinstance(value, bool):
                raise ParameterError(f"parameter {name!r} = {value!r} must be True or False")
            return value
        return check_number(name, value, minimum=self.minimum, maximum=self.maximum, integer=self.integer)


def check_number(name: str, value, *, minimum=None, maximum=None, integer: bool = False):
    """``value`` if it is a number in [minimum, maximum] (whole if ``integer``), else ParameterError."""
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
        raise ParameterError(f"parameter {name!r} = {value!r} must be a number")
    if math.isinf(value):
        raise ParameterError(f"parameter {name!r} = {value!r} must be a finite number")
    if integer and int(value) != value:
        raise ParameterError(f"parameter {name!r} = {value!r} must be a whole number")
    if minimum is not None and value < minimum:
        raise ParameterError(f"parameter {name!r} = {value!r} is below its minimum {minimum:g}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name!r} = {value!r} is above its maximum {maximum:g}")
    return int(value) if integer else value


def parse_rule(comment: str) -> Rule:
    """The :class:`Rule` written at the start of a parameter line's comment (before the first ':')."""
    spec, _, help_ = comment.partition(":")
    spec = spec.strip()
    optional = spec.endswith(" or None")
    if optional:
        spec = spec[: -len(" or None")].strip()
    m = _RULE.fullmatch(spec)
    if not m:
        raise ParameterError(f"cannot read the rule {spec!r}: write 'LOW to HIGH', 'whole LOW to HIGH', 'whole', "
                             "'one of A, B', 'month', 'month YYYY-MM to YYYY-MM', 'text' or 'true or false', "
                             "then ':' and the meaning")
    common = dict(optional=optional, help=help_.strip())
    if m["choices"]:
        items = [c.strip() for c in m["choices"][len("one of "):].split(",")]
        return Rule(choices=tuple(_literal(c) for c in items), **common)
    if m["month"]:
        return Rule(month=True, first_month=m["mlo"], last_month=m["mhi"], **common)
    if m["bool"]:
        return Rule(boolean=True, **common)
    if m["text"]:
        return Rule(text=True, **common)
    lo, hi = (m["wlo"], m["whi"]) if m["whole"] else (m["lo"], m["hi"])
    number = (lambda s: float(s.replace("_", "")) if s else None)
    return Rule(minimum=number(lo), maximum=number(hi), integer=bool(m["whole"]), **common)


def _literal(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_cell(source: str) -> dict[str, tuple[object, Rule]]:
    """``{name: (default, rule)}`` for every ``name = value  # RULE: meaning`` line of a parameters cell."""
    out = {}
    for line in source.splitlines():
        m = _LINE.match(line.strip())
        if m:
            out[m["name"]] = (_literal(m["value"]), parse_rule(m["comment"]))
    return out


def check(namespace: dict, notebook: str | Path | None = None, *, source: str | None = None, given=None) -> dict:
    """Check every parameter of the parameters cell against its rule; return ``{name: value}``.

    ``namespace``: the notebook's ``globals()`` (values, papermill's injected ones included);
    the rules come from ``source`` (a parameters cell's text) or else from the parameters cell of
    ``notebooks/<notebook>.ipynb``. ``given``: the names a caller set (``make notebook``'s ``-p``); by
    default the names assigned in the kernel's parameters cells (papermill's injected one included,
    read from the kernel's input history ``In``). A given name the cell does not declare is refused.
    """
    rules = parse_cell(source if source is not None else _cell(notebook))
    names = given if given is not None else _assigned_in_parameter_cells(namespace.get("In") or [])
    unknown = [n for n in names if n not in rules]
    if unknown:
        where = Path(notebook).stem if notebook else "this notebook"
        raise ParameterError(f"parameter {unknown[0]!r} is not a parameter of {where}; "
                             f"its parameters are: {', '.join(rules)}")
    return {name: rule.check(name, namespace.get(name)) for name, (_default, rule) in rules.items()}


def _assigned_in_parameter_cells(history) -> list[str]:
    """Names assigned in the executed cells that start with '# Parameters' and hold nothing but
    assignments: the notebook's parameters cell and the one papermill injects after it."""
    names = []
    for text in history:
        if not isinstance(text, str) or not text.lstrip().startswith("# Parameters"):
            continue
        try:
            body = ast.parse(text).body
        except SyntaxError:
            continue
        if body and all(isinstance(s, ast.Assign) for s in body):
            names += [t.id for s in body for t in s.targets if isinstance(t, ast.Name)]
    return list(dict.fromkeys(names))


def read_value(text: str):
    """A ``-p NAME VALUE`` value as papermill's command line reads it (True, False, None, an int such as
    1_0, a float such as .5 or 1e999, else the text): ``make notebook`` passes the same values."""
    from papermill.cli import _resolve_type

    return _resolve_type(text)


def _cell(stem) -> str:
    """The parameters cell of ``notebooks/<stem>.ipynb``, or of the notebook file ``stem`` if it is a Path."""
    path = stem if isinstance(stem, Path) else NOTEBOOK_DIR / f"{stem}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return "".join(cell["source"])
    raise ParameterError(f"{path.name} has no cell tagged 'parameters'")


def defaults(stem) -> dict:
    """The default of every parameter of notebook ``stem`` (``notebooks/<stem>.ipynb``, or a notebook's Path), as
    written there."""
    return {name: default for name, (default, _rule) in parse_cell(_cell(stem)).items()}


def rules(stem: str) -> dict[str, Rule]:
    """The rule of every parameter of notebook ``stem``."""
    return {name: rule for name, (_default, rule) in parse_cell(_cell(stem)).items()}


def array(name: str, value, *, positive: bool = False, nonnegative: bool = True, nan: bool = False,
          inf: bool = True, low: float | None = None, high: float | None = None, low_open: bool = False):
    """``value`` (a number or an array of numbers) as a float array, or a ValueError naming ``name``:
    the one argument check of the models in ``chips``, ``costs`` and ``demand``. NaN passes only if
    ``nan``; infinity only if ``inf``; ``low``/``high`` bound the value ([low, high], or (low, high]
    with ``low_open``)."""
    if type(value) is float or type(value) is int:  # the same checks on a plain number, without numpy's per-call cost
        v = float(value)
        if v != v:
            if not nan:
                raise ValueError(f"{name} must not be NaN")
            return np.asarray(v)
        if not inf and math.isinf(v):
            raise ValueError(f"{name} must be finite, got {value!r}")
        if positive and v <= 0:
            raise ValueError(f"{name} must be > 0, got {value!r}")
        if nonnegative and v < 0:
            raise ValueError(f"{name} must be >= 0, got {value!r}")
        if (low is not None and (v <= low if low_open else v < low)) or (high is not None and v > high):
            raise ValueError(f"{name} must be in {'(' if low_open else '['}{low}, {high}], got {value!r}")
        return np.asarray(v)
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    missing = np.isnan(a)
    if missing.any() and not nan:
        raise ValueError(f"{name} must not be NaN")
    x = a[~missing]
    if not inf and np.isinf(x).any():
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and np.any(x <= 0):
        raise ValueError(f"{name} must be > 0, got {value!r}")
    if nonnegative and np.any(x < 0):
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    below = low is not None and np.any(x <= low if low_open else x < low)
    if below or (high is not None and np.any(x > high)):
        raise ValueError(f"{name} must be in {'(' if low_open else '['}{low}, {high}], got {value!r}")
    return a


def out(a):
    """A model's result: a Python float for a 0-d result, a float array otherwise."""
    a = np.asarray(a, dtype=float)
    return float(a) if a.ndim == 0 else a


def tornado(fn, base: dict, ranges: dict):
    """One-at-a-time sensitivity of ``fn(**base)``: for each keyword of ``ranges`` (``{name: (low, high)}``, every
    name a keyword of ``base``), ``fn`` with that input at its low and then at its high value, the others at ``base``.
    One row per input (parameter, input_low, input_high, output_low, output_high, output_base, swing =
    |output_high - output_low|), widest swing first."""
    import pandas as pd

    missing = [k for k in ranges if k not in base]
    if missing:
        raise ValueError(f"ranges names parameters absent from base: {missing}")
    for k, pair in ranges.items():
        if len(pair) != 2:
            raise ValueError(f"ranges[{k!r}] must be a (low, high) pair, got {pair!r}")
    y0 = float(fn(**base))
    rows = []
    for k, (lo, hi) in ranges.items():
        y_lo, y_hi = float(fn(**{**base, k: lo})), float(fn(**{**base, k: hi}))
        rows.append({"parameter": k, "input_low": lo, "input_high": hi, "output_low": y_lo, "output_high": y_hi,
                     "output_base": y0, "swing": abs(y_hi - y_lo)})
    df = pd.DataFrame(rows, columns=["parameter", "input_low", "input_high", "output_low", "output_high", "output_base", "swing"])
    return df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
