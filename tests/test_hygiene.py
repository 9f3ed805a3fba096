"""Committed notebooks are clean and follow the project's shape."""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_shape_and_clean_outputs(path):
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# "), "title first"
    assert any("parameters" in _tags(c) for c in cells), "a cell tagged 'parameters'"
    assert any("headline" in _tags(c) for c in cells), "a cell tagged 'headline' (the index card's finding)"
    if path.stem != "00_overview":  # the overview reads the others' records: checked in the site build
        assert any("nbval-check-output" in _tags(c) for c in cells), "a cell tagged 'nbval-check-output'"
    for c in cells:
        if c["cell_type"] == "code" and c.get("outputs"):
            assert "nbval-check-output" in _tags(c), f"cell {c.get('id')} carries outputs in git"
        if "nbval-check-output" in _tags(c):
            assert c.get("outputs"), f"cell {c.get('id')}: no stored output for nbval to compare (make refresh-outputs)"
        if c["cell_type"] == "markdown":
            text = "".join(c["source"])
            assert text.count("$") % 2 == 0 or "\\$" in text, f"cell {c.get('id')}: a lone $ renders as LaTeX"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_page_has_the_same_order(path):
    """Question, key findings (the cell the builder fills from the record), assumptions, ..., finding, caveats."""
    cells = json.loads(path.read_text())["cells"]
    heads = [line[3:].strip() for c in cells if c["cell_type"] == "markdown"
             for line in "".join(c["source"]).splitlines() if line.startswith("## ")]
    where = {tag: next(i for i, c in enumerate(cells) if tag in _tags(c)) for tag in ("key-findings", "parameters", "headline")}
    assert heads[0] == "Key findings" and where["key-findings"] < where["parameters"] < where["headline"]
    assert "".join(cells[where["key-findings"]]["source"]) == "from helpers import record\nrecord.placeholder()"
    assert "Finding" in heads and heads[-1] == "Caveats" and heads.index("Finding") < heads.index("Caveats")
    if path.stem in EXPLORERS:  # the scenario explorer comes after the finding, just before the caveats
        assert heads[-2] == "Explore the assumptions" and heads.index("Finding") < len(heads) - 2
    else:
        assert "Explore the assumptions" not in heads


#: Notebooks with a scenario explorer (helpers.charts.explorer; tests/test_explorers.py).
EXPLORERS = {"01_chip_gap", "02_cloud_economics", "03_doubao_demand", "04_nvidia_china_revenue", "06_bytedance_fleet"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermill_sees_every_parameter(path):
    """papermill must parse every assignment of the parameters cell (an '=' in a comment breaks it)."""
    import ast

    import papermill as pm

    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if "parameters" in _tags(c))
    names = {t.id for node in ast.parse("".join(cell["source"])).body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}
    assert names and names == set(pm.inspect_notebook(str(path))), "papermill misses a parameter"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_cells_stay_short(path):
    """A cell a reader can follow: at most 25 lines (reusable models live in helpers/ with unit tests)."""
    nb = json.loads(path.read_text())
    long = {c.get("id"): len("".join(c["source"]).splitlines()) for c in nb["cells"]
            if c["cell_type"] == "code" and len("".join(c["source"]).splitlines()) > 25}
    assert not long, f"code cells over 25 lines (id: lines): {long}"
