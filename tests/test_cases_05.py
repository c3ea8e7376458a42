"""Chapter 05 case data: the properties the churn lesson relies on."""
from __future__ import annotations

import pandas as pd
import pytest

import crmlib


@pytest.fixture(scope="module")
def orders():
    return crmlib.load_dataset("churn_orders")


@pytest.fixture(scope="module")
def export():
    return crmlib.load_dataset("export_orders")


def test_portuguese_client_bought_450_wan_in_2010_with_a_300_wan_april_order_every_year(export):
    pt = export[export["client_id"] == "PT01"]
    assert pt["amount"][pt["order_date"].dt.year == 2010].sum() == pytest.approx(450.0)
    april = pt[pt["order_date"].dt.month == 4]
    assert sorted(april["order_date"].dt.year) == [2007, 2008, 2009, 2010]
    assert (april["amount"] == 300.0).all() and (april["ship_date"].dt.month == 5).all()
    assert pt["order_date"].max() < pd.Timestamp("2010-10-01")      # 之后再没有下单
    assert export["order_date"].max() <= pd.Timestamp("2011-04-30")


def _export_flags(export, as_of, threshold):
    seen = export[export["order_date"] <= as_of]
    return crmlib.interval_anomaly(seen, customer_col="client_id", date_col="order_date", as_of=as_of,
                                   threshold=threshold)


def test_order_gaps_warn_about_the_portuguese_client_in_april_and_earlier_with_a_lower_threshold(export):
    assert bool(_export_flags(export, "2011-04-15", 2.0).loc["PT01", "anomaly"])
    assert not bool(_export_flags(export, "2011-01-31", 2.0).loc["PT01", "anomaly"])
    assert bool(_export_flags(export, "2011-01-31", 1.5).loc["PT01", "anomaly"])   # 春节前就能发现
    assert not bool(_export_flags(export, "2010-10-31", 1.5).loc["PT01", "anomaly"])
    # 其他客户中只有 2009 年停止进口的希腊客户同样被标出
    flagged = _export_flags(export, "2011-04-15", 2.0)
    assert sorted(flagged.index[flagged["anomaly"]]) == ["GR01", "PT01"]


def test_mrs_miao_buys_every_four_weeks_then_stops_and_later_buys_baby_products():
    tx = crmlib.load_dataset("miao_purchases")
    hygiene = tx[tx["category"] == "卫生用品"]
    miao = hygiene[hygiene["customer_id"] == "K017"]
    assert miao["date"].max() < pd.Timestamp("2000-08-15")
    assert 26 <= miao["date"].diff().dt.days.median() <= 30
    early = crmlib.interval_anomaly(hygiene[hygiene["date"] <= "2000-09-15"], as_of="2000-09-15")
    assert not early["anomaly"].any()
    later = crmlib.interval_anomaly(hygiene[hygiene["date"] <= "2000-10-15"], as_of="2000-10-15")
    assert bool(later.loc["K017", "anomaly"]) and 1 <= int(later["anomaly"].sum()) <= 3
    baby = tx[(tx["customer_id"] == "K017") & (tx["category"] == "孕婴用品")]
    assert len(baby) >= 6 and baby["date"].min() >= pd.Timestamp("2001-02-01")


def test_logistics_incident_raises_churn_in_2024_first_half(orders):
    rates = crmlib.period_churn(orders).set_index("period")["churn_rate"]
    normal = rates[["2023Q2", "2023Q3", "2023Q4"]].mean()
    assert rates["2024Q1"] > normal + 0.05 and rates["2024Q2"] > normal + 0.05
    assert rates["2024Q3"] < rates["2024Q2"]


def test_service_is_the_top_reason_and_fault_churn_the_largest_type():
    survey = crmlib.load_dataset("churn_reasons")
    table = crmlib.reasons_pareto(survey)
    assert table["reason"].iloc[0] == "服务"
    assert set(table["reason"]) == {"价格", "产品", "服务", "技术", "促销", "需求", "管理", "政治", "其他"}
    types = survey["churn_type"].value_counts(normalize=True)
    assert types.index[0] == "过失流失"
    assert types["自然流失"] < 0.2 and types["恶意被动流失"] < types["非恶意被动流失"]
    # 在物流出问题的几个月里离开的客户，抱怨配送的最多
    incident = survey[(survey["last_order"] >= "2024-04-01") & (survey["last_order"] <= "2024-06-30")]
    assert incident["detail"].value_counts().index[0] == "配送一再延误"


def test_survey_covers_only_customers_lost_by_the_90_day_window(orders):
    survey = crmlib.load_dataset("churn_reasons")
    status = crmlib.churn_status(orders, window_days=90)
    assert status.loc[survey["customer_id"], "churned"].all()
    last = orders.groupby("customer_id")["date"].max()
    assert (last[survey["customer_id"]].to_numpy() == survey["last_order"].to_numpy()).all()
    assert 0.4 < len(survey) / status["churned"].sum() < 0.8


def test_loyal_customers_recommend_more_than_lost_ones(orders):
    customers = crmlib.load_dataset("churn_customers")
    referrers = set(customers.loc[customers["referred_by"] != "", "referred_by"])
    assert referrers <= set(customers["customer_id"])
    status = crmlib.churn_status(orders, window_days=90)
    recommends = status.index.isin(list(referrers))
    rate = pd.Series(recommends, index=status.index).groupby(status["churned"]).mean()
    assert rate[False] > rate[True] + 0.03


def test_market_share_and_rank_worsen_when_churn_rises(orders):
    market = crmlib.load_dataset("churn_market").set_index("quarter")
    revenue = orders.groupby(orders["date"].dt.to_period("Q").astype(str))["amount"].sum() / 10_000
    share = revenue / market["market_size"]
    assert share["2024Q2"] < share["2024Q1"]
    assert market.loc["2024Q2", "industry_rank"] > market.loc["2024Q1", "industry_rank"]
