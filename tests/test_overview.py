"""The overview's numbers equal the notebooks': each story's defaults are its notebook's parameters."""
import ast
import inspect
import json
from pathlib import Path

import pytest

from helpers import story_overview

ROOT = Path(__file__).resolve().parent.parent


def _defaults(stem):
    nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    tree = ast.parse("".join(cell["source"]))
    return {n.targets[0].id: ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)}


@pytest.mark.parametrize("stem", list(story_overview.STORIES))
def test_story_defaults_equal_notebook_parameters(stem):
    story = story_overview.STORIES[stem]
    nb = _defaults(stem)
    defaults = getattr(story, "DEFAULTS", None)
    if defaults is None:  # headline(rate_id=..., ...) keyword defaults
        sig = inspect.signature(story.headline)
        defaults = {k: p.default for k, p in sig.parameters.items()}
    shared = set(defaults) & set(nb)
    assert shared, f"{stem}: no parameter in common with the story's defaults"
    if stem == "04_nvidia_china_revenue":  # None = every year in the data; the notebook names them
        from helpers.story_revenue import fiscal_range

        assert fiscal_range() == (nb["fy_first"], nb["fy_last"])
        shared -= {"fy_first", "fy_last"}
    for name in shared:
        assert defaults[name] == nb[name], f"{stem}: {name} is {nb[name]!r} in the notebook, {defaults[name]!r} in the story"


def test_findings_have_a_key_figure_per_notebook():
    f = story_overview.findings()
    assert list(f.notebook) == list(story_overview.STORIES)
    ledger = f.set_index("notebook").loc["05_claims_ledger", "key_figure"]
    assert "of 51 claims" in ledger
    assert all(f.title.str.len() > 0) and all(f.link.str.endswith(".ipynb"))
