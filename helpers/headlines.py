"""The five findings the overview gathers, each computed as its notebook computes it.

Each function takes that notebook's parameters (keywords; the overview passes the defaults read
from the notebook's own ``parameters`` cell with :func:`helpers.params.defaults`) and returns a
dict with

* ``headline``: one or two short sentences of Markdown (the index card, the overview);
* ``key_numbers``: two to four ``(label, value)`` pairs, each value with its unit and range;
* ``findings``: three to five Markdown bullets (the notebook's key findings);
* the raw numbers the notebook's ``nbval-check-output`` cell prints.
"""
from __future__ import annotations

from helpers import params

#: notebook stem -> headline function name
NOTEBOOKS = {"01_chip_gap": "chip_gap", "02_cloud_economics": "cloud_costs", "03_doubao_demand": "doubao_demand",
             "04_nvidia_china_revenue": "china_revenue", "05_claims_ledger": "claims"}


def for_notebook(stem: str) -> dict:
    """The headline of notebook ``stem`` at the defaults of its parameters cell."""
    return globals()[NOTEBOOKS[stem]](**params.defaults(stem))


def card(h: dict) -> str:
    """Markdown of a notebook's headline cell (tag ``headline``): the headline, then its key numbers.
    The site's index card shows the same two parts."""
    numbers = "\n".join(f"- **{label}**: {value}" for label, value in h.get("key_numbers", []))
    return f"{h['headline']}\n\n{numbers}".strip()


def findings(h: dict) -> str:
    """Markdown bullets of a notebook's key findings (the cell under its parameters)."""
    return "\n".join(f"- {f}" for f in h["findings"])


# ============================================================================ 01 chip gap
def chip_gap(**p) -> dict:
    from helpers import story_chips  # TODO(01): compute here from helpers.chips

    return story_chips.headline(**{k: v for k, v in p.items() if k in story_chips.DEFAULTS})


# ============================================================================ 02 cloud economics
def cloud_costs(**p) -> dict:
    from helpers import story_costs  # TODO(02): compute here from helpers.costs

    return story_costs.headline(**{k: v for k, v in p.items() if k in story_costs.DEFAULTS})


# ============================================================================ 03 Doubao demand
def doubao_demand(**p) -> dict:
    from helpers import story_demand  # TODO(03): compute here from helpers.demand

    return story_demand.headline(**{k: v for k, v in p.items() if k in story_demand.DEFAULTS})


# ============================================================================ 04 Nvidia China revenue
def china_revenue(**p) -> dict:
    from helpers import story_revenue  # TODO(04): compute here from helpers.revenue

    return story_revenue.headline(**{k: v for k, v in p.items() if k in story_revenue.DEFAULTS})


# ============================================================================ 05 claims ledger
def claims(**p) -> dict:
    from helpers import story_ledger  # TODO(05)

    return story_ledger.headline(**p)
