"""ByteDance's fleet (supply): accelerators acquired per batch and year, by route, in chips and H100-equivalents.

Units: chips (units); H100-equivalents (H100e) = chips x the chip's rate / the H100 SXM's rate on one basis
(:data:`H100E_BASES`). Ascend chips carry the one utilisation factor of the serving model
(:func:`helpers.chips.efficiency`) on every basis. Rows come from data/fleet_estimates.csv.
"""
from __future__ import annotations

import pandas as pd

from helpers import chips, data, params

#: Routes of data/fleet_estimates.csv -> readable names (own and rent kept apart).
ROUTES = {"bought_in_china": "bought in China", "rented_abroad": "rented abroad", "owned_abroad": "owned abroad",
          "abroad_unspecified": "abroad, own or rented not reported", "in_house_asic": "in-house ASIC"}
#: Bases of H100-equivalents: dense BF16 compute (training), decode in the serving replica (inference, the one
#: serving basis) and one chip at the small-batch bound (where a high-bandwidth chip looks best).
H100E_BASES = ("dense_bf16", "decode", "decode_small_batch")


def h100e(units, chip_id: str, basis: str = "dense_bf16", assumptions=None, w=None, small_batch=chips.SMALL_BATCH):
    """H100-equivalents of ``units`` chips of ``chip_id``: units x the chip's rate / the H100 SXM's.

    The rate is dense BF16 TFLOPS (``basis`` 'dense_bf16'), decode tokens/s per chip of a serving replica at its
    best batch (``'decode'``, :func:`helpers.chips.replica`) or decode tokens/s of one chip at ``small_batch``
    sequences (``'decode_small_batch'``, :func:`helpers.chips.decode_rate`), under the serving ``assumptions``
    (default the shared model); an Ascend chip's rate carries :func:`helpers.chips.efficiency` on every basis.
    """
    w = chips.specs() if w is None else w
    eff = chips.efficiency(chip_id, assumptions)
    if basis == "dense_bf16":
        ratio = w.loc[chip_id, "dense_bf16_tflops"] * eff / w.loc["h100_sxm", "dense_bf16_tflops"]
    elif basis == "decode":
        ratio = (chips.replica(chip_id, assumptions, efficiency=eff, w=w)["per_chip"]
                 / chips.replica("h100_sxm", assumptions, w=w)["per_chip"])
    elif basis == "decode_small_batch":
        ratio = (chips.decode_rate(chip_id, small_batch, assumptions=assumptions, efficiency=eff, w=w)
                 / chips.decode_rate("h100_sxm", small_batch, assumptions=assumptions, w=w))
    else:
        raise ValueError(f"basis must be one of {H100E_BASES}, got {basis!r}")
    return params.array("units", units, inf=False) * float(ratio)


def fleet(h20_price_usd=None, assumptions=None, small_batch=chips.SMALL_BATCH) -> pd.DataFrame:
    """ByteDance's accelerators acquired per batch (``group_id``) of data/fleet_estimates.csv counted in the
    fleet: year, route, units_low / units_high (lowest low and highest high of the group; a filing's value
    cap divided by the lowest H20 price) and H100-equivalents on every basis of :data:`H100E_BASES`
    (``h100e_<basis>_low/high``: the low end counts the low chip, the high end the high chip; decode with
    ``assumptions``, default the shared serving model)."""
    from helpers import revenue

    f = data.load("fleet_estimates").query("in_fleet").astype({"units_low": float, "units_high": float})
    cap = f.value_cap_usd_m.notna()
    if (f.loc[cap, "chip_id_high"] != "h20").any():
        raise ValueError("a value cap is only converted to units for H20 rows")
    f.loc[cap, "units_high"] = f.loc[cap, "value_cap_usd_m"] * 1e6 / revenue.h20_price_range(h20_price_usd)[0]
    join = lambda s: ", ".join(dict.fromkeys(s))  # noqa: E731
    g = f.groupby("group_id", sort=False).agg(
        year=("year", "first"), route=("route", "first"), chip_id_low=("chip_id_low", "first"),
        chip_id_high=("chip_id_high", "first"), units_low=("units_low", "min"), units_high=("units_high", "max"),
        status=("status", join), source_id=("source_id", join)).reset_index()
    a = assumptions or chips.serving_assumptions()
    used = tuple(sorted(set(g.chip_id_low) | set(g.chip_id_high)))
    for basis in H100E_BASES:  # one H100e per chip and basis, then units x that
        per_chip = _per_chip(used, basis, tuple(sorted(a.items())), small_batch)
        for end in ("low", "high"):
            g[f"h100e_{basis}_{end}"] = g[f"units_{end}"] * g[f"chip_id_{end}"].map(per_chip)
    return g.sort_values(["year", "route"]).reset_index(drop=True)


@data.memo
def _per_chip(chip_ids: tuple, basis: str, assumptions: tuple, small_batch) -> dict:
    """H100e of one chip of each of ``chip_ids`` on ``basis`` (:func:`h100e`): the same for every batch and every H20
    price, so computed once per set of assumptions."""
    a, w = dict(assumptions), chips.specs()
    return {c: float(h100e(1, c, basis, a, w, small_batch)) for c in chip_ids}


def fleet_by_year(fl: pd.DataFrame) -> pd.DataFrame:
    """Cumulative fleet at the end of each year by route (everything acquired up to that year, nothing
    retired): year, route and the sums of the units / H100-equivalent columns of :func:`fleet`."""
    cols = [c for c in fl.columns if c.startswith(("units_", "h100e_"))]
    idx = pd.MultiIndex.from_product([range(int(fl.year.min()), int(fl.year.max()) + 1), list(ROUTES)], names=["year", "route"])
    per = fl.groupby(["year", "route"])[cols].sum().reindex(idx, fill_value=0.0)
    return per.groupby(level="route").cumsum().reset_index()


def total_grid(h20_prices, assumptions=None) -> pd.DataFrame:
    """The fleet at the end of its last year (:func:`fleet_by_year`, every route) for each H20 price of ``h20_prices``
    (None: the forecast's range): one row per price and count (``units`` and each basis of :data:`H100E_BASES`) with
    its ``low`` and ``high`` (lowest to highest sourced count) and the ``year``."""
    rows = []
    for price in h20_prices:
        by_year = fleet_by_year(fleet(price, assumptions))
        end = by_year[by_year.year == by_year.year.max()].sum(numeric_only=True)
        for count in ("units", *(f"h100e_{b}" for b in H100E_BASES)):
            rows.append({"h20_price_usd": price, "count": count, "year": int(by_year.year.max()),
                         "low": end[f"{count}_low"], "high": end[f"{count}_high"]})
    return pd.DataFrame(rows).assign(h20_price_usd=pd.Series([r["h20_price_usd"] for r in rows], dtype=object))
