"""Headline of the claims ledger, computed from data/ (shared by the ledger and the overview)."""
from __future__ import annotations

from helpers import data, ledger

TABLES = ["claims", "claim_checks", "bytedance_spending", "bytedance_capacity", "rental_prices",
          "app_users", "chip_specs", "nvidia_revenue", "exchange_rates", "purchase_prices"]


def verdicts(rate_id: str = "fx10", tolerance_scale: float = 1.0):
    """The verdict table for every claim (see helpers.ledger.evaluate)."""
    tables = {name: data.load(name) for name in TABLES}
    ctx = ledger.context_from(tables, rate_id)
    return ledger.evaluate(tables["claims"], tables["claim_checks"], tables, ctx, tolerance_scale)


def headline(rate_id: str = "fx10", tolerance_scale: float = 1.0) -> dict:
    table = verdicts(rate_id, tolerance_scale)
    counts = table["verdict"].value_counts().reindex(ledger.VERDICTS, fill_value=0).to_dict()
    checked = counts["consistent"] + counts["inconsistent"] + counts["superseded"]
    bad = table[table.verdict == "inconsistent"]
    causes = bad["likely_cause"].str.split(":").str[0].str.split(" \\(").str[0].value_counts()
    sentence = (
        f"Of the **{len(table)} numeric claims** in the five articles, **{checked}** could be checked "
        f"against independent data: **{counts['consistent']}** hold up, **{counts['inconsistent']}** do not "
        f"and **{counts['superseded']}** have been overtaken by later figures; **{counts['unverifiable']}** "
        f"cannot be verified from the project's sources. The gaps come from "
        + "; ".join(f"{c} ({n})" for c, n in causes.items()) + ".")
    return {"sentence": sentence, "claims": len(table), "checked": checked, **counts,
            "causes": causes.to_dict()}
