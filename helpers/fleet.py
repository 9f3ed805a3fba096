"""ByteDance's fleet (supply): accelerators acquired per batch and year, by route, in chips and H100-equivalents.

Units: chips (units); H100-equivalents (H100e) = chips x the chip's rate / the H100 SXM's rate on one basis
(:data:`H100E_BASES`). Ascend chips carry the one utilisation factor of the serving model
(:func:`helpers.chips.efficiency`) on every basis. Rows come from data/fleet_estimates.csv.
"""
from __future__ import annotations

import functools

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
    if basis not in H100E_BASES:
        raise ValueError(f"basis must be one of {H100E_BASES}, got {basis!r}")
    a = chips.serving_assumptions() if assumptions is None else assumptions
    if w is None:  # the data's specs: each chip's rate is computed once per basis and set of assumptions
        key = (basis, tuple(sorted(a.items())), small_batch)
        ratio = _rate(chip_id, *key) / _rate("h100_sxm", *key)
    else:
        ratio = _chip_rate(chip_id, basis, a, w, small_batch) / _chip_rate("h100_sxm", basis, a, w, small_batch)
    return params.array("units", units, inf=False) * float(ratio)


def _chip_rate(chip_id: str, basis: str, a: dict, w: pd.DataFrame, small_batch):
    """The rate :func:`h100e` compares on ``basis``: dense BF16 TFLOPS, decode tokens/s per chip of a serving replica
    or of one chip at ``small_batch``; an Ascend chip's with :func:`helpers.chips.efficiency`."""
    eff = chips.efficiency(chip_id, a)
    if basis == "dense_bf16":
        return w.loc[chip_id, "dense_bf16_tflops"] * eff
    if basis == "decode":
        return chips.replica(chip_id, a, efficiency=eff, w=w)["per_chip"]
    return chips.decode_rate(chip_id, small_batch, assumptions=a, efficiency=eff, w=w)


@data.memo
def _rate(chip_id: str, basis: str, assumptions: tuple, small_batch):
    """:func:`_chip_rate` on the data's chip specs, read once per version of data/."""
    return _chip_rate(chip_id, basis, dict(assumptions), chips.specs(), small_batch)


def unit_price_range(chip_id: str, basis: str = "purchase", year: int | None = None, h20_price_usd=None) -> tuple[float, float]:
    """(lowest, highest) USD per chip of ``chip_id`` from the rows that count as evidence (:func:`helpers.data.reliable`).

    ``'purchase'``: price per GPU of every purchase_prices row of the chip, its low and high quotes included (a server's price over its GPUs, so a
    system's share of CPUs and networking counts too); the H20's is :func:`helpers.revenue.h20_price_range`
    (``h20_price_usd`` overrides it). ``'rental_year'``: a year of use (8,760 h) at the chip's rental prices dated in
    ``year``, every provider and term (list, marketplace, contract and index)."""
    from helpers import revenue

    if basis == "purchase" and chip_id == "h20":
        return revenue.h20_price_range(h20_price_usd)
    return _price_range(chip_id, basis, year)


@data.memo
def _price_range(chip_id: str, basis: str, year) -> tuple[float, float]:
    """:func:`unit_price_range` from the data (read once per version of data/: every fleet row asks)."""
    from helpers import costs

    if basis == "purchase":
        p = data.load("purchase_prices")
        p = data.reliable(p[p.chip_id == chip_id])
        per_gpu = pd.concat([p[c] / p.gpus_per_item for c in ("price_usd", "price_usd_low", "price_usd_high")])
    elif basis == "rental_year":
        r = data.load("rental_prices")
        r = data.reliable(r[r.chip_id == chip_id])
        per_gpu = r.loc[r.date.dt.year == year, "price_usd_per_gpu_hour"] * costs.HOURS_PER_YEAR
    else:
        raise ValueError(f"basis must be 'purchase' or 'rental_year', got {basis!r}")
    if per_gpu.dropna().empty:
        raise ValueError(f"no {basis} price for {chip_id} in the data" + (f" dated {year}" if year else ""))
    return float(per_gpu.min()), float(per_gpu.max())


def value_units(f: pd.DataFrame, rmb_per_usd: float, h20_price_usd=None) -> pd.DataFrame:
    """``f`` (rows of data/fleet_estimates.csv) with ``units_low`` / ``units_high`` filled where blank from the row's
    value: USD (RMB at ``rmb_per_usd``) x ``value_share`` over the highest unit price of the low chip (low end) and the
    lowest unit price of the high chip (high end), :func:`unit_price_range` on the row's ``value_basis``."""
    from helpers import revenue

    f = f.astype({"units_low": float, "units_high": float})
    v = f[f.value_m.notna()]
    usd, rmb = (v.value_m * 1e6 * v.value_share.fillna(1.0)).to_numpy(copy=True), (v.currency == "rmb").to_numpy()
    if rmb.any():
        usd[rmb] = revenue.rmb_to_usd(usd[rmb], rmb_per_usd)
    price = functools.cache(lambda chip, basis, year: unit_price_range(chip, basis, year, h20_price_usd))  # once per chip
    for end, dearest in (("low", 1), ("high", 0)):  # the low end at its chip's highest price, the high end at the lowest
        per_chip = [price(c, basis, year)[dearest] for c, basis, year in zip(v[f"chip_id_{end}"], v.value_basis, v.year)]
        f.loc[v.index, f"units_{end}"] = v[f"units_{end}"].fillna(pd.Series(usd / per_chip, index=v.index))
    return f


def fleet(h20_price_usd=None, assumptions=None, small_batch=chips.SMALL_BATCH, rate_id: str = "fx10") -> pd.DataFrame:
    """ByteDance's accelerators acquired per batch (``group_id``) of data/fleet_estimates.csv counted in the
    fleet: year, route, units_low / units_high (lowest low and highest high of the group's rows; a reported value
    becomes chips at the data's prices, :func:`value_units`, RMB at the rate ``rate_id`` of exchange_rates.csv) and
    H100-equivalents on every basis of :data:`H100E_BASES` (``h100e_<basis>_low/high``: the low end counts the low
    chip, the high end the high chip; decode with ``assumptions``, default the shared serving model)."""
    rows, g = _batches()
    fx = data.load("exchange_rates").set_index("rate_id")
    f = value_units(rows, float(fx.loc[rate_id, "rmb_per_usd"]), h20_price_usd).groupby("group_id", sort=False)
    g.insert(5, "units_low", f.units_low.min().to_numpy())  # the groups in the order of _batches
    g.insert(6, "units_high", f.units_high.max().to_numpy())
    a = assumptions or chips.serving_assumptions()
    used = tuple(sorted(set(g.chip_id_low) | set(g.chip_id_high)))
    for basis in H100E_BASES:  # one H100e per chip and basis, then units x that
        per_chip = _per_chip(used, basis, tuple(sorted(a.items())), small_batch)
        for end in ("low", "high"):
            g[f"h100e_{basis}_{end}"] = g[f"units_{end}"] * g[f"chip_id_{end}"].map(per_chip)
    return g.sort_values(["year", "route"]).reset_index(drop=True)


@data.memo
def _batches() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of data/fleet_estimates.csv counted in the fleet, and per batch (``group_id``, in order of appearance) what
    no price changes: year, route, chip_id_low / chip_id_high (of its first row), status and source_id (all its rows')."""
    f = data.load("fleet_estimates").query("in_fleet")
    join = lambda s: ", ".join(dict.fromkeys(s))  # noqa: E731
    return f, f.groupby("group_id", sort=False).agg(
        year=("year", "first"), route=("route", "first"), chip_id_low=("chip_id_low", "first"),
        chip_id_high=("chip_id_high", "first"), status=("status", join), source_id=("source_id", join)).reset_index()


@data.memo
def _per_chip(chip_ids: tuple, basis: str, assumptions: tuple, small_batch) -> dict:
    """H100e of one chip of each of ``chip_ids`` on ``basis`` (:func:`h100e`): the same for every batch and every H20
    price, so looked up once per set of assumptions."""
    return {c: float(h100e(1, c, basis, dict(assumptions), small_batch=small_batch)) for c in chip_ids}


def fleet_by_year(fl: pd.DataFrame) -> pd.DataFrame:
    """Cumulative fleet at the end of each year by route (everything acquired up to that year, nothing
    retired): year, route and the sums of the units / H100-equivalent columns of :func:`fleet`."""
    cols = [c for c in fl.columns if c.startswith(("units_", "h100e_"))]
    idx = pd.MultiIndex.from_product([range(int(fl.year.min()), int(fl.year.max()) + 1), list(ROUTES)], names=["year", "route"])
    per = fl.groupby(["year", "route"])[cols].sum().reindex(idx, fill_value=0.0)
    return per.groupby(level="route").cumsum().reset_index()


def shares(by_route: pd.DataFrame, route: str = "bought_in_china") -> dict[str, tuple[float, float]]:
    """Share of ``route`` in a fleet by route (rows of :func:`fleet_by_year` for one year), by compute: for units and
    each H100e basis, (share at the low ends, share at the high ends), each route's end over the sum of the same ends."""
    cols = ["units"] + [f"h100e_{b}" for b in H100E_BASES]
    one = by_route.set_index("route")
    return {c: tuple(float(one.loc[route, f"{c}_{e}"] / one[f"{c}_{e}"].sum()) for e in ("low", "high")) for c in cols}


def bottom_up(fl: pd.DataFrame, year: int, routes=None) -> dict[str, float]:
    """The batches of :func:`fleet` acquired in ``year`` (on ``routes``, default all) added up: units and H100e,
    low and high ends."""
    rows = fl[(fl.year == year) & (fl.route.isin(routes) if routes is not None else True)]
    return {c: float(rows[c].sum()) for c in fl.columns if c.startswith(("units_", "h100e_"))}


