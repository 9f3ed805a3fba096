"""One quantity, one value: every quantity stated on more than one page has one value across the site.

Each notebook records its key numbers (helpers.record); a quantity that other pages state too is recorded
under a ``shared.`` name. The committed notebooks store the numbers their check cell printed at their
defaults (nbval re-runs each notebook and fails if a fresh run disagrees), so this test reads those
stored outputs: no notebook runs here.
"""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def stored_numbers(path: Path) -> dict:
    """``{name: printed value}`` from the stored output of the notebook's ``nbval-check-output`` cell."""
    out = {}
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if "nbval-check-output" in cell.get("metadata", {}).get("tags", []):
            for o in cell.get("outputs", []):
                for line in "".join(o.get("text", "")).splitlines():
                    name, sep, value = line.partition(": ")
                    if sep:
                        out[name.strip()] = value.strip()
    return out


def conflicts(pages: dict) -> dict:
    """``{name: {page: value}}`` of every ``shared.`` quantity that two pages state with different values."""
    seen: dict = {}
    for page, numbers in pages.items():
        for name, value in numbers.items():
            if name.startswith("shared."):
                seen.setdefault(name, {})[page] = value
    return {name: by_page for name, by_page in seen.items() if len(set(by_page.values())) > 1}


def test_a_planted_mismatch_is_caught():
    pages = {"01": {"shared.h20_vs_h100_decode_replica": "0.5121", "local": "1"},
             "03": {"shared.h20_vs_h100_decode_replica": "1.194", "local": "2"},
             "06": {"shared.h20_vs_h100_decode_replica": "0.5121"}}
    assert conflicts(pages) == {"shared.h20_vs_h100_decode_replica": {"01": "0.5121", "03": "1.194", "06": "0.5121"}}
    pages["03"]["shared.h20_vs_h100_decode_replica"] = "0.5121"
    assert conflicts(pages) == {}


def test_every_shared_quantity_has_one_value_across_the_site():
    pages = {p.stem: stored_numbers(p) for p in NOTEBOOKS}
    pages = {k: v for k, v in pages.items() if v}
    assert conflicts(pages) == {}
