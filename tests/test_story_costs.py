"""Headline numbers of notebook 02 (cloud economics) at the notebook's defaults, checked by hand."""
import pandas as pd
import pytest

from helpers import data, story_costs


def test_defaults_match_the_data_rows_they_stand_for():
    rc = data.load("running_costs").set_index("item_id")
    assert story_costs.DEFAULTS["pue"] == rc.loc["pue_global_2024", "value"]
    rent = data.load("rental_prices").set_index("price_id")
    assert story_costs.DEFAULTS["rental_price_usd_per_gpu_hour"] == rent.loc["rent_h100_semianalysis_jun2026",
                                                                             "price_usd_per_gpu_hour"]
    cap = data.load("bytedance_capacity").set_index("capacity_id")
    assert story_costs.DEFAULTS["budget_usd"] == cap.loc["cap_cloud_budget_7b_seed", "value_usd"]


def test_seed_count_implies_1_30_per_hour():
    a = story_costs.articles()
    # 7e9 / (614,682 x 8760) = 7e9 / 5,384,614,320 = 1.29999...
    assert a["implied_price"] == pytest.approx(1.30, abs=1e-4)
    # 7e9 / (1.33 x 8760) = 600,817.1
    assert a["gpus_at_seed_price"] == pytest.approx(600_817.1, abs=0.1)
    # 7e9 / (2.65 x 8760) = 7e9 / 23,214 = 301,542.2
    assert a["gpus_at_param_price"] == pytest.approx(301_542.2, abs=0.1)


def test_h200_fee_is_read_from_the_policy_event():
    fee = story_costs.h200_fee()
    assert fee["share"] == pytest.approx(0.25) and fee["event_id"] == "ev08"


def test_rent_vs_buy_breakeven_at_defaults():
    r = story_costs.rent_vs_buy()
    # H100 quotes outside China per GPU: 44,489.88; 270,000/8 = 33,750; 27,500; 310,000/8 = 38,750.
    # Median = (33,750 + 38,750) / 2 = 36,250.
    assert r["purchase_usd_per_gpu"]["central"] == pytest.approx(36_250)
    # Annual: 36,250/5 = 7,250 + 0.7 kW x 1.56 x 8760 h x 0.112 USD/kWh = 1,071.38 -> 8,321.38.
    assert r["annual_central"] == pytest.approx(8_321.383, abs=1e-3)
    # Break-even utilisation vs 2.65 USD/h: 8,321.38 / (8760 x 2.65) = 8,321.38 / 23,214 = 0.35846.
    assert r["breakeven_u_central"] == pytest.approx(0.35846, abs=1e-5)
    # Months at 80 %: rent 730 x 0.8 x 2.65 = 1,547.6 /month; power 730 x 0.7 x 1.56 x 0.112 = 89.28;
    # 36,250 / (1,547.6 - 89.28) = 36,250 / 1,458.32 = 24.857.
    assert r["breakeven_months_central"] == pytest.approx(24.857, abs=1e-3)


def test_licensed_h200_route_at_defaults():
    t = story_costs.routes().set_index("route")
    h200 = t.loc["Buy H200 in China under licence"]
    # China H200 quotes per GPU: 200,573/8 = 25,071.6; 215,000/8 = 26,875; 27,000; 35,000 -> median 26,937.5.
    # With the 25 % fee passed on: 33,671.875. Annual: 33,671.875/5 = 6,734.375
    # + 0.7 x 1.56 x 8760 x 0.088 = 841.80 -> 7,576.18 USD; / (8760 x 0.8) = 1.08108 USD per useful GPU-hour;
    # / 0.9895 dense BF16 PFLOP/s = 1.09255 USD per PFLOP-hour.
    assert h200["usd_per_gpu_hour"] == pytest.approx(1.08108, abs=1e-5)
    assert h200["usd_per_pflop_hour"] == pytest.approx(1.09255, abs=1e-5)
    # Rent H100 at the parameter price: 2.65 / 0.9895 = 2.6781 USD per PFLOP-hour.
    assert t.loc["Rent H100 abroad", "usd_per_pflop_hour"] == pytest.approx(2.6781, abs=1e-4)


def test_malaysia_cluster_values():
    m = story_costs.malaysia()
    # 2.5e9 / 36,000 = 69,444.4 per GPU; 2.5e9 / 500 = 5.0M per rack; 500 x 72 = 36,000.
    assert m["value_per_gpu"] == pytest.approx(69_444.44, abs=0.01)
    assert m["value_per_rack"] == pytest.approx(5.0e6)
    assert m["gpus_per_rack"] == 72
    # Payback at the median Blackwell rent 6.03 USD/h and 80 % use: revenue 730 x 0.8 x 6.03 = 3,521.52;
    # power 730 x 1.667 x 1.56 x 0.112 = 212.62; 69,444.44 / 3,308.90 = 20.987 months.
    assert m["payback_months"] == pytest.approx(20.987, abs=1e-3)


def test_headline_at_defaults():
    h = story_costs.headline()
    assert h["cheapest_route"] == "Buy H200 in China under licence"
    assert h["cheapest_usd_per_pflop_hour"] == pytest.approx(1.0926, abs=1e-4)
    assert h["breakeven_utilisation"] == pytest.approx(0.3585, abs=1e-4)
    assert "1.30" in h["sentence"] and "36%" in h["sentence"]


def test_other_parameters_change_the_headline():
    # Fee absorbed by Nvidia: 26,937.5/5 = 5,387.5 + 841.80 = 6,229.30 / 7,008 h = 0.88888 / 0.9895 = 0.89831.
    h = story_costs.headline(h200_fee_pass_through=0.0)
    assert h["cheapest_usd_per_pflop_hour"] == pytest.approx(0.89831, abs=1e-5)
    # A 3-year life makes owning dearer: 33,671.875/3 = 11,223.96 + 841.80 = 12,065.76 / 7,008 / 0.9895 = 1.73997.
    h = story_costs.headline(depreciation_years=3)
    assert h["cheapest_usd_per_pflop_hour"] == pytest.approx(1.7400, abs=1e-4)


# ------------------------------------------------------------------ notebook 02: charts and tables
@pytest.fixture(scope="module")
def ranked():
    return story_costs.routes().sort_values("usd_per_pflop_hour").reset_index(drop=True)


def _title(chart) -> dict:
    """Title (text and subtitle) of a charts.sourced chart."""
    return chart.to_dict()["vconcat"][0]["title"]


def test_lower_first():
    assert story_costs.lower_first("Buy H20 in China") == "buy H20 in China"


def test_h100_budget_quotes_and_curve():
    q = story_costs.h100_budget_quotes(7e9).set_index("price_id")
    assert set(q.chip_id) == {"h100_sxm"} and len(q) == len(story_costs.rental_quotes(("h100_sxm",)))
    # 7e9 / (2.65 x 8760) = 301,542.2; 7e9 / (12.29 x 8760) = 65,019.3
    assert q.loc["rent_h100_semianalysis_jun2026", "gpus"] == pytest.approx(301_542.2, abs=0.1)
    assert q.loc["rent_h100_aws_od_2023", "gpus"] == pytest.approx(65_019.3, abs=0.1)
    c = story_costs.budget_curve(8.76e9, 1.0, 100.0, points=3)
    # prices 1, 10, 100 USD/h; 8.76e9 / (price x 8760) = 1e6, 1e5, 1e4 GPUs
    assert list(c.price) == pytest.approx([1.0, 10.0, 100.0])
    assert list(c.gpus) == pytest.approx([1e6, 1e5, 1e4])


def test_chart_articles_states_the_computed_numbers():
    q = story_costs.h100_budget_quotes()
    chart = story_costs.chart_articles(story_costs.articles(), q)
    # 301,542 GPUs at 2.65 USD/h -> "302k"; the seed's count implies 1.30 USD/h (see above)
    assert _title(chart)["text"] == "USD 7 bn rents 302k H100 for a year at USD 2.65/h; the seed's count needs USD 1.30/h"
    assert "2023-2026" in _title(chart)["subtitle"][0]
    layers = chart.to_dict()["vconcat"][0]["layer"]
    assert len(layers) == 4  # curve, quotes, seed rule, seed label
    # x axis spans the cheapest (1.33) to the dearest (12.29) H100 quote
    assert layers[0]["encoding"]["x"]["scale"]["domain"] == pytest.approx([1.33, 12.29])
    # other budget: 3e9 / (2.00 x 8760) = 171,233 -> "171k"
    a = story_costs.articles(budget_usd=3e9, rental_price_usd_per_gpu_hour=2.0)
    chart = story_costs.chart_articles(a, story_costs.h100_budget_quotes(3e9), budget_usd=3e9,
                                       rental_price_usd_per_gpu_hour=2.0)
    assert _title(chart)["text"].startswith("USD 3 bn rents 171k H100 for a year at USD 2.00/h")


def test_owning_expression_is_the_annual_owning_cost():
    rvb = story_costs.rent_vs_buy()
    expr = story_costs.owning_expression(rvb)
    # life 5 years: 36,250 / 5 + 1,071.38 = 8,321.38 USD (test_rent_vs_buy_breakeven_at_defaults)
    assert eval(expr, {"life_years": 5}) == pytest.approx(8_321.383, abs=1e-3)
    # life 3 years, hosting 10 %: 36,250 / 3 + 1,071.38 + 3,625 = 16,779.72 USD
    expr = story_costs.owning_expression(rvb, hosting_share_per_year=0.1)
    assert eval(expr, {"life_years": 3}) == pytest.approx(16_779.716, abs=1e-3)


def test_chart_rent_vs_buy_title_and_sliders():
    chart = story_costs.chart_rent_vs_buy(story_costs.rent_vs_buy())
    # break-even 0.35846 -> "36%"
    assert _title(chart)["text"] == "Owning an H100 beats renting it at USD 2.65/h above 36% utilisation"
    assert _title(chart)["subtitle"] == ["Central H100 price USD 36,250 per GPU; power 0.7 kW x PUE 1.56 at "
                                         "0.112 USD/kWh; hosting share 0/yr"]
    params = {p["name"]: p for p in chart.to_dict()["params"]}
    assert params["rent_price"]["value"] == 2.65 and params["life_years"]["value"] == 5
    assert (params["rent_price"]["bind"]["min"], params["rent_price"]["bind"]["max"]) == (0.5, 8)
    # at 2.00 USD/h: 8,321.38 / (8760 x 2.00) = 0.47497 -> "47%"
    rvb = story_costs.rent_vs_buy(rental_price_usd_per_gpu_hour=2.0)
    chart = story_costs.chart_rent_vs_buy(rvb, rental_price_usd_per_gpu_hour=2.0)
    assert _title(chart)["text"].endswith("USD 2.00/h above 47% utilisation")


def test_routes_long_and_title(ranked):
    long = story_costs.routes_long(ranked)
    assert len(long) == 2 * len(story_costs.ROUTES) == 14
    assert list(long.metric.unique()) == ["USD per dense BF16 PFLOP-hour", "USD per million decode tokens"]
    h200 = long[(long.route == "Buy H200 in China under licence") & (long.metric == "USD per dense BF16 PFLOP-hour")]
    assert float(h200.mid.iloc[0]) == pytest.approx(1.09255, abs=1e-5)
    assert (long.low <= long.mid).all() and (long.mid <= long.high).all()
    # cheapest rental: 2.65 / 0.9895 = 2.6781 against 1.09255 -> 2.451 -> "2.5x"
    assert story_costs.routes_title(ranked) == ("Per dense PFLOP-hour, buy H200 in China under licence is cheapest; "
                                                "the cheapest rental costs 2.5x as much")
    # a rental cheapest (the other wording; its percentage is the notebook's, unchanged by the refactor)
    toy = pd.DataFrame({"route": ["Buy X", "Rent Y"], "mode": ["buy", "rent"], "usd_per_pflop_hour": [2.0, 1.0]})
    assert story_costs.routes_title(toy).startswith("Per dense PFLOP-hour, rent Y is cheapest, at ")
    assert story_costs.routes_title(toy.iloc[::-1]) == story_costs.routes_title(toy)  # ranks its input itself


def test_chart_routes(ranked):
    spec = story_costs.chart_routes(ranked, depreciation_years=3).to_dict()["vconcat"][0]
    assert spec["title"]["text"] == story_costs.routes_title(ranked)
    assert spec["title"]["subtitle"][0].endswith("Owning at 80% use over 3 years; decode batch 32")
    assert spec["facet"]["column"]["sort"] == ["USD per dense BF16 PFLOP-hour"]
    assert spec["spec"]["layer"][0]["encoding"]["y"]["sort"] == list(ranked.route)


def test_payback_cash():
    mal = story_costs.malaysia()
    cash = story_costs.payback_cash(mal)
    assert len(cash) == 3 * 73 and list(cash.rent.unique()) == [
        "low quote: USD 2.65/h", "median quote: USD 6.03/h", "high quote: USD 14.24/h"]
    median = cash[cash.rent.str.startswith("median")].set_index("month").cash_k
    # month 0: -69,444.44 USD; margin 730 x (0.8 x 6.03 - 1.667 x 1.56 x 0.112) = 3,308.90 USD per month
    assert median[0] == pytest.approx(-69.4444, abs=1e-4)
    assert median[12] == pytest.approx((-69_444.44 + 12 * 3_308.90) / 1e3, abs=1e-3)
    # paid back between months 20 and 21 (payback 20.987 months)
    assert median[20] < 0 < median[21]
    # hosting 12 % a year of 69,444.44 = 694.44 USD less per month
    hosted = story_costs.payback_cash(mal, months=12, hosting_share_per_year=0.12)
    assert len(hosted) == 3 * 13
    assert hosted[hosted.rent.str.startswith("median")].cash_k.iloc[-1] == pytest.approx(
        (-69_444.44 + 12 * (3_308.90 - 694.44)) / 1e3, abs=1e-3)


def test_chart_payback_title():
    # value per GPU 69,444 -> "69k"; payback 69,444.44 / (730 x (0.8 x 14.24 - 0.2912)) = 8.57 and
    # / (730 x (0.8 x 2.65 - 0.2912)) = 52.02 months
    t = _title(story_costs.chart_payback(story_costs.malaysia()))
    assert t["text"] == "Rented out at market rates, a USD 69k GPU pays back in 9–52 months"
    assert t["subtitle"][0].startswith("USD 2.5 bn / 36,000 GPUs; 80% of hours billed")


def test_sensitivity_and_largest_swings(ranked):
    tor = story_costs.sensitivity()
    assert set(tor.route) == {r["route"] for r in story_costs.ROUTES}
    assert (tor.swing > 0).all() and (tor.lo <= tor.hi).all()
    assert set(tor.parameter) <= set(story_costs.TORNADO_LABELS.values())
    rent = tor[tor.route == "Rent H100 abroad"].set_index("parameter")
    # only the quote moves it (one chip spec): 1.33 / 0.9895 = 1.34411 to 2.95 / 0.9895 = 2.98130
    assert list(rent.index) == ["purchase or rental price"]
    assert (rent.lo.iloc[0], rent.hi.iloc[0]) == pytest.approx((1.34411, 2.98130), abs=1e-5)
    fee = tor[(tor.route == "Buy H200 in China under licence") & (tor.parameter == "H200 fee passed on")]
    # fee absorbed 0.89831, passed on 1.09255 (test_other_parameters_change_the_headline)
    assert (float(fee.lo.iloc[0]), float(fee.hi.iloc[0])) == pytest.approx((0.89831, 1.09255), abs=1e-5)
    top = story_costs.largest_swings(tor)
    assert len(top) == 7 and top.swing.is_monotonic_decreasing
    # B200/GB200 rent from 2.65 / 2.25 = 1.17778 to 14.24 / 2.25 = 6.32889: swing 5.15111
    assert top.iloc[0].route == "Rent B200/GB200 abroad" and top.iloc[0].swing == pytest.approx(5.15111, abs=1e-5)
    assert top.set_index("route").loc["Buy H20 in China", "parameter"] == "utilisation"
    spec = story_costs.chart_sensitivity(tor, ranked).to_dict()["vconcat"][0]
    assert spec["facet"]["row"]["sort"] == list(ranked.route)
    assert spec["title"]["text"].startswith("Utilisation and the purchase price move owned routes most")


def test_routes_title_when_a_rental_is_cheapest():
    t = pd.DataFrame({"route": ["Rent X", "Buy Y"], "mode": ["rent", "buy"], "usd_per_pflop_hour": [0.6, 4.0]})
    # rental 0.6 / purchase 4.0 = 15% of the cheapest purchase
    assert story_costs.routes_title(t).endswith("at 15% of the cheapest purchase")
