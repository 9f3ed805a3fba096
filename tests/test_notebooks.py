"""Each notebook runs with non-default parameters through papermill, and a bad parameter is named.

(nbval re-runs every notebook with its defaults and compares the cells tagged
``nbval-check-output``: see ``make test``, which collects ``notebooks/`` too.)
"""
import json
from pathlib import Path

import papermill as pm
import pytest

from builder.report import kernel_manager_class

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))



def _case(name):
    """A notebook's own test case: metadata ``test_parameters`` = {"parameters": {...}, "expect": "text"}."""
    meta = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())["metadata"]
    case = meta.get("test_parameters") or {}
    return case.get("parameters"), case.get("expect")


def _run(name, params, tmp_path):
    out = tmp_path / f"{name}.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"), str(out), parameters=params,
                        cwd=str(ROOT / "notebooks"), kernel_name="python3", progress_bar=False,
                        kernel_manager_class=kernel_manager_class())
    return json.loads(out.read_text())


def _texts(nb):
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            yield "".join(data.get("text/markdown", "") or data.get("text/plain", "") or out.get("text", ""))


def _check_case(name):
    params, _ = _case(name)
    assert params, f"{name}: set metadata.test_parameters.parameters to non-default values"


def _check_runs(name, tmp_path):
    params, expected = _case(name)
    nb = _run(name, params, tmp_path)
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected, "papermill found no cell tagged 'parameters'"
    if expected:
        assert any(expected in t for t in _texts(nb)), f"no output contains {expected!r}"


def _notebook_class(name):
    """One test class per notebook, so pytest-xdist (--dist loadscope) spreads notebooks over workers."""
    def test_has_a_parameter_case(self):
        _check_case(name)

    def test_runs_with_other_parameters(self, tmp_path):
        _check_runs(name, tmp_path)

    return type(f"TestNotebook_{name}", (), {"test_has_a_parameter_case": test_has_a_parameter_case,
                                            "test_runs_with_other_parameters": test_runs_with_other_parameters})


for _name in NOTEBOOKS:
    globals()[f"TestNotebook_{_name}"] = _notebook_class(_name)


def test_bad_parameter_is_named(tmp_path):
    """A value outside a parameter's range stops the run with an error that names the parameter."""
    with pytest.raises(pm.PapermillExecutionError) as err:
        _run("05_claims_ledger", {"tolerance_scale": 9}, tmp_path)
    assert err.value.ename == "ParameterError"
    assert "parameter 'tolerance_scale' = 9 is above its maximum 5" in err.value.evalue
