"""The parameters cell is the one source of a default and its rule."""
import json
import re

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
                 "04_nvidia_china_revenue", "05_claims_ledger", "06_bytedance_fleet"):
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


# --- one reader for make notebook and papermill; every declared value runs -----------------------------

@pytest.mark.parametrize("text, value", [("False", False), ("True", True), ("None", None), (".5", 0.5),
                                         ("1_0", 10), ("7", 7), ("2.5", 2.5), ("1e999", float("inf")),
                                         ("2025-03", "2025-03"), ("fp8", "fp8"), ('"12"', '"12"')])
def test_read_value_is_papermills(text, value):
    """make notebook's -p reader is papermill's command-line reader (what papermill -p passes on)."""
    from papermill.cli import _resolve_type

    assert params.read_value(text) == value == _resolve_type(text)


def test_infinite_and_unbounded_numbers_are_refused():
    with pytest.raises(ParameterError, match=r"parameter 'budget_usd' = inf must be a finite number"):
        parse_rule("1e8 to 5e10: USD").check("budget_usd", float("inf"))
    with pytest.raises(ParameterError, match=r"parameter 'seed' = -inf must be a finite number"):
        parse_rule("whole: seed").check("seed", float("-inf"))


def test_month_range():
    rule = parse_rule("month 2022-10 to 2030-12: status date")
    assert (rule.first_month, rule.last_month) == ("2022-10", "2030-12")
    assert rule.check("as_of", "2022-10") == "2022-10" and rule.check("as_of", "2030-12") == "2030-12"
    with pytest.raises(ParameterError, match="parameter 'as_of' = '2022-09' is before its first month 2022-10"):
        rule.check("as_of", "2022-09")
    with pytest.raises(ParameterError, match="parameter 'as_of' = '2031-01' is after its last month 2030-12"):
        rule.check("as_of", "2031-01")


def test_names_papermill_injects_must_be_declared():
    """A name set in papermill's injected cell (read from the kernel's input history, In) that the parameters
    cell does not declare is refused by name; other cells' names and the cell's own are not."""
    ns = {k: v for k, (v, _) in parse_cell(CELL).items()}
    injected = "# Parameters\nseed = 3\ndecode_bach = 64\n"
    ns["In"] = ["", CELL, injected, "import numpy as np\nx = 1\nP = params.check(globals())"]
    with pytest.raises(ParameterError) as err:
        check(ns, source=CELL)
    assert str(err.value) == ("parameter 'decode_bach' is not a parameter of this notebook; its parameters are: "
                              "decode_batch, mfu, precision, growth_from, seed, budget_usd, show")
    ns.update(seed=3, In=["", CELL, "# Parameters\nseed = 3\n", "x = 1"])
    assert check(ns, source=CELL)["seed"] == 3


def test_parameter_error_is_one_line_in_a_kernel():
    """IPython renders an exception with _render_traceback_ as those lines: papermill reports one line."""
    assert ParameterError("parameter 'x' = 9 is above its maximum 4")._render_traceback_() == [
        "ParameterError: parameter 'x' = 9 is above its maximum 4"]


def test_papermill_refuses_unknown_names_and_bad_values_in_one_line(tmp_path):
    """papermill itself (no make): an undeclared name and a value read from the command line as make notebook
    reads it are refused with the message make notebook prints (tests/test_report.py), in one line."""
    import papermill as pm

    from builder.report import kernel_manager_class

    for given, message in ((("no_such_parameter", "1"), "parameter 'no_such_parameter' is not a parameter of "
                            "00_overview; its parameters are: records_dir, numbers_per_notebook"),
                           (("numbers_per_notebook", "1_0"), "parameter 'numbers_per_notebook' = 10 is above its maximum 4")):
        with pytest.raises(pm.PapermillExecutionError) as err:
            pm.execute_notebook(str(params.NOTEBOOK_DIR / "00_overview.ipynb"), str(tmp_path / "out.ipynb"),
                                parameters={given[0]: params.read_value(given[1])}, cwd=str(params.NOTEBOOK_DIR),
                                kernel_name="python3", progress_bar=False, kernel_manager_class=kernel_manager_class(),
                                request_save_on_cell_execute=False)
        assert err.value.traceback == [f"ParameterError: {message}"]


STEMS = sorted(p.stem for p in params.NOTEBOOK_DIR.glob("*.ipynb"))


def test_every_number_and_month_has_a_declared_range():
    """Each end of each range runs (below), so every numeric and month parameter declares both ends."""
    open_ended = [(stem, name) for stem in STEMS for name, r in params.rules(stem).items()
                  if (r.minimum is None) != (r.maximum is None) or (r.month and not (r.first_month and r.last_month))
                  or (r.minimum is None and not (r.choices or r.month or r.boolean or r.text))]
    assert open_ended == []


def range_ends(stem: str, high: bool) -> dict:
    """Every parameter of ``stem`` at the low (or high) end of its declared range: numbers and months at their
    bounds, choices at their first (or last); text at its default."""
    out = {}
    for name, rule in params.rules(stem).items():
        if rule.minimum is not None:
            out[name] = int(rule.maximum if high else rule.minimum) if rule.integer else (rule.maximum if high else rule.minimum)
        elif rule.month:
            out[name] = rule.last_month if high else rule.first_month
        elif rule.choices:
            out[name] = [c for c in rule.choices if c is not None][-1 if high else 0]
        elif rule.boolean:
            out[name] = high
    return out


def _prose(obj) -> str:
    """The text a reader sees of a displayed object: Markdown (IPython's, or a raw bundle such as record.finding's),
    a table's cells (fmt.table), a chart's titles and subtitles; else ''."""
    import html

    data = getattr(obj, "data", obj)
    if isinstance(data, str) and hasattr(obj, "_repr_markdown_"):
        return data
    if isinstance(data, dict):
        return data.get("text/markdown", "")
    if hasattr(obj, "_repr_html_") and hasattr(obj, "data"):  # a table: its cells' text
        return html.unescape(re.sub(r"<[^>]+>", " ", obj._repr_html_()))
    if hasattr(obj, "to_dict") and hasattr(obj, "_repr_mimebundle_"):  # a chart: every title, subtitle and text mark
        return " ".join(_titles(obj.to_dict()))
    return ""


def _titles(spec):
    if isinstance(spec, dict):
        for key, v in spec.items():
            if key in ("title", "subtitle", "text") and isinstance(v, (str, list)):
                yield " ".join(v) if isinstance(v, list) else v
            else:
                yield from _titles(v)
    elif isinstance(spec, list):
        for v in spec:
            yield from _titles(v)


def run_cells(stem: str, values: dict) -> None:
    """Execute the code cells of ``notebooks/<stem>.ipynb`` in this process, ``values`` set right after the
    parameters cell (as papermill injects them); each cell's last expression is evaluated and a chart's spec
    built and validated (to_dict), and no Markdown a cell shows (its last value or what it displays) may state a
    number that is not one or a range from high to low (record's rule for findings). No kernel, no output
    written: the cheap way to ask "does it run, and does it still make sense"."""
    import ast
    import os

    import IPython.display

    from helpers import record

    nb = json.loads((params.NOTEBOOK_DIR / f"{stem}.ipynb").read_text(encoding="utf-8"))
    ns, here, shown = {"__name__": "__main__"}, os.getcwd(), []
    display = IPython.display.display
    IPython.display.display = lambda *objs, **_kw: shown.extend(objs)  # (cells import it after this)
    os.chdir(params.NOTEBOOK_DIR)
    try:
        for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
            tree = ast.parse("".join(cell["source"]))
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            try:
                exec(compile(tree, f"{stem} code cell {i}", "exec"), ns)  # noqa: S102
                value = eval(compile(ast.Expression(last.value), stem, "eval"), ns) if last else None  # noqa: S307
                bad = [b for obj in [*shown, value] for b in record._misstated(_prose(obj))]
                shown.clear()
                assert not bad, f"its text shows {'; '.join(bad)}"
            except Exception as exc:
                raise AssertionError(f"{stem} with {values}: code cell {i} (id {cell.get('id')}): "
                                     f"{type(exc).__name__}: {exc}") from exc
            if "parameters" in cell["metadata"].get("tags", []):
                ns.update(values)
    finally:
        os.chdir(here)
        IPython.display.display = display


def _run_ends_main(stem: str, records_dir: str = "") -> None:
    """``python -c`` entry: both ends of ``stem`` in one fresh process (module state of one run, such as
    charts.setup or a memo, never reaches the test worker)."""
    extra = {"records_dir": records_dir} if records_dir else {}
    for high in (False, True):
        run_cells(stem, {**range_ends(stem, high), **extra})


def run_ends(stem: str, records_dir: str = "") -> None:
    """Both ends of ``stem`` (:func:`_run_ends_main`) in a process of their own, so that module state of one run (a
    memo, charts.setup) never reaches the test worker: on Linux a fork of this worker with the notebooks' imports
    already loaded (a fresh interpreter spends a second or two importing pandas, Altair and the helpers), elsewhere
    a new interpreter."""
    import os
    import subprocess
    import sys

    if sys.platform == "linux":
        import altair  # noqa: F401  (loaded once per worker; each fork starts with them)
        import pandas  # noqa: F401

        from helpers import charts, chips, costs, demand, fleet, fmt, ledger, record, revenue  # noqa: F401
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: run, report the error's last line through the pipe, never return into pytest
            os.close(read)
            code, message = 0, b""
            try:
                _run_ends_main(stem, records_dir)
            except BaseException as exc:  # noqa: BLE001
                code, message = 1, f"{type(exc).__name__}: {exc}".encode()[-4000:]
            os.write(write, message)
            os._exit(code)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            message = pipe.read().decode(errors="replace")
        _pid, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, message or f"the run of {stem}'s range ends died ({status})"
        return
    code = f"import sys; sys.path.insert(0, 'tests'); import test_params; test_params._run_ends_main({stem!r}, {records_dir!r})"
    out = subprocess.run([sys.executable, "-c", code], cwd=params.NOTEBOOK_DIR.parent, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.stdout[-2000:]


class _Ends:
    """Every parameter at the low end of its range, then every one at the high end: the notebook runs through
    (e.g. 02 as_of 2022-10 with a one-month quote window, 03 seed 0). One class per notebook (below), so that
    pytest-xdist's loadscope sends each notebook's run to whichever worker is free (a module is one scope)."""
    stem = ""

    def test_each_end_of_every_declared_range_runs(self):
        run_ends(self.stem)


for _stem in STEMS:
    if _stem != "00_overview":  # the overview reads the others' records: tests/test_browser.py runs its ends
        globals()[f"TestEnds{_stem[:2]}"] = type(f"TestEnds{_stem[:2]}", (_Ends,), {"stem": _stem})


def test_array_checks_a_plain_number_as_it_checks_an_array():
    """params.array's shortcut for a Python float or int passes, fails and says the same as its numpy path."""
    import itertools
    import math

    import numpy as np

    from helpers import params

    def outcome(value, shown, **flags):
        try:
            a = params.array("x", value, **flags)
        except ValueError as exc:
            message = str(exc)
            assert message.endswith(f"got {shown}") or "got" not in message
            return "error", message.rsplit("got ", 1)[0]
        assert isinstance(a, np.ndarray) and a.dtype == float and a.ndim == 0
        return "ok", repr(float(a))

    values = [0, 1, -1, 0.0, 0.5, 1.0, 1.5, -0.0, 2, math.nan, math.inf, -math.inf]
    flag_sets = [dict(zip(("positive", "nonnegative", "nan", "inf"), bits))
                 for bits in itertools.product((False, True), repeat=4)]
    flag_sets += [{"low": 0, "high": 1}, {"low": 0, "low_open": True, "high": 1}, {"low": -1, "nonnegative": False}]
    for value, flags in itertools.product(values, flag_sets):
        assert outcome(value, repr(value), **flags) == outcome(np.float64(value), repr(np.float64(value)), **flags)
    assert outcome(-1, "-1") == ("error", "x must be >= 0, ")
