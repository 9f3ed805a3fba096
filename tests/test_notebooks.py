"""A bad parameter stops a notebook with an error that names it.

(nbval re-runs every notebook with its defaults and compares the cells tagged
``nbval-check-output``; tests/test_browser.py runs every notebook with its own non-default
``test_parameters`` in the one site build that the browser checks read.)
"""
from pathlib import Path

import papermill as pm
import pytest

from builder.report import kernel_manager_class

ROOT = Path(__file__).resolve().parent.parent


def test_bad_parameter_is_named(tmp_path):
    """A value outside a parameter's range stops the run with an error that names the parameter (the overview:
    the notebook with the lightest imports; every notebook checks its parameters with the same params.check)."""
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(str(ROOT / "notebooks" / "00_overview.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters={"numbers_per_notebook": 9}, cwd=str(ROOT / "notebooks"), kernel_name="python3",
                            progress_bar=False, kernel_manager_class=kernel_manager_class(),
                            request_save_on_cell_execute=False)
    assert err.value.ename == "ParameterError"
    assert "parameter 'numbers_per_notebook' = 9 is above its maximum 4" in err.value.evalue
