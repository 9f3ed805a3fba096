"""Each notebook runs with non-default parameters through papermill, and a bad parameter is named.

(nbval re-runs every notebook with its defaults and compares the cells tagged
``nbval-check-output``: see ``make test``, which collects ``notebooks/`` too.)
"""
import json
from pathlib import Path

import papermill as pm
import pytest

from helpers.report import kernel_manager_class

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


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_has_a_parameter_case(name):
    params, _ = _case(name)
    assert params, f"{name}: set metadata.test_parameters.parameters to non-default values"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_runs_with_other_parameters(name, tmp_path):
    params, expected = _case(name)
    nb = _run(name, params, tmp_path)
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected, "papermill found no cell tagged 'parameters'"
    if expected:
        assert any(expected in t for t in _texts(nb)), f"no output contains {expected!r}"
