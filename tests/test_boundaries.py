"""Behaviours at the edges that a round of small hand-made bugs found untested: a chip's spec bounds in its
serving replica, and a route's legal status in a month that contains a rule date."""
import pytest

from helpers import chips, costs, params


def test_replica_reads_the_bound_it_is_asked_for():
    """The Ascend 910B's memory is 32-64 GB (low-high). Eight chips at the low bound hold 8 x 0.9 x 32 = 230.4 GB:
    the 230 GB of FP8 weights leave room for floor(0.4 / 0.25) = 1 sequence of KV cache, so batch 1, decoding
    at the low bandwidth 0.8 TB/s x MBU 0.6 over the 23 GB of active weights + 0.25 GB of KV = 20.645 tokens/s
    per chip. At the central 64 GB memory is no limit (923 sequences fit) and the per-user speed decides."""
    a = chips.serving_assumptions()
    assert (a["total_params_b"], a["active_params_b"], a["bytes_per_param"], a["kv_cache_gb_per_seq"], a["mbu"]) == \
        (230, 23, 1, 0.25, 0.6)
    low, mid = chips.replica("ascend_910b", a, bound="low"), chips.replica("ascend_910b", a, bound="central")
    assert (low["chips"], low["batch"]) == (8, 1)
    assert low["per_chip"] == pytest.approx(0.8e12 * 0.6 / (23e9 + 0.25e9))
    assert mid["batch"] > 100 and mid["per_chip"] > 50 * low["per_chip"]


@pytest.mark.parametrize("as_of, route, status", [
    ("2025-03", "Buy H20 in China", "open"),                   # before the licence letter of 2025-04-09
    ("2025-04", "Buy H20 in China", "licence required"),       # the month that contains it: in force by its end
    ("2023-09", "Buy H800 in China", "open"),
    ("2023-10", "Buy H800 in China", "blocked"),               # effective immediately for Nvidia on 2023-10-23
    ("2026-01", "Buy H200 in China under licence", "licence required"),  # customs stop 2026-01-14 lifted by the approval of 2026-01-28
    ("2026-02", "Buy H200 in China under licence", "conditional"),  # US licences of Feb 2026: conditional on both sides
])
def test_status_in_a_month_is_the_status_at_its_end(as_of, route, status):
    """`as_of` is a month; a route's status is the one in force on its last day (a rule dated inside the month
    counts). Evaluating at the month's first day, or a month late, flips these."""
    p = {**params.defaults("02_cloud_economics"), "as_of": as_of}
    t = costs.routes(**p).set_index("route")
    assert t.loc[route, "status"] == status
    assert costs.as_of_end(as_of).day >= 28
