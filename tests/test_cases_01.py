"""第 01 章（客户选择）的案例数据 metro_customers 具备课文所依赖的性质。"""
import numpy as np
import pandas as pd
import pytest

import crmlib

SEGMENTS = {"餐饮企业", "小型零售商", "机关团体", "酒店宾馆", "个人散客"}


@pytest.fixture(scope="module")
def metro():
    return crmlib.customer_profit(crmlib.load_dataset("metro_customers"))


@pytest.fixture(scope="module")
def top20(metro):
    return metro.nlargest(int(len(metro) * 0.2), "revenue")


def test_shape_and_codes(metro):
    assert 400 <= len(metro) <= 2000
    assert metro["customer_id"].is_unique and metro["customer_id"].str.match(r"^M\d{4}$").all()
    assert set(metro["segment"]) == SEGMENTS
    # 专业客户都持会员卡，个人散客都不是会员
    assert (metro["member"] == (metro["segment"] != "个人散客")).all()
    assert metro["member"].dtype == bool
    for col in ["revenue", "service_cost", "service_hours", "bad_debt", "avg_delay_days", "distance_km"]:
        assert (metro[col] >= 0).all(), col
    assert metro["revenue"].gt(0).all() and metro["service_hours"].gt(0).all()
    assert metro["gross_margin_rate"].between(0, 0.3).all() and metro["discount_rate"].between(0, 0.1).all()
    cash = metro[~metro["member"]]
    assert (cash["payment_terms_days"] == 0).all() and (cash["bad_debt"] == 0).all()


def test_some_largest_accounts_lose_money(metro, top20):
    top10 = metro.nlargest(10, "revenue")
    assert (top10["profit"] < 0).sum() >= 3
    assert metro.loc[metro["revenue"].idxmax(), "profit"] < 0  # 最大的客户本身就亏钱
    assert 0.15 <= (top20["profit"] < 0).mean() <= 0.5


def test_revenue_rank_and_profit_rank_differ(metro):
    rho = metro["revenue"].rank().corr(metro["profit"].rank())
    assert 0.2 < rho < 0.8
    assert metro["profit"].idxmax() != metro["revenue"].idxmax()
    top10_rev = set(metro.nlargest(10, "revenue")["customer_id"])
    top10_profit = set(metro.nlargest(10, "profit")["customer_id"])
    assert len(top10_rev & top10_profit) <= 6


def test_some_small_accounts_are_highly_profitable(metro, top20):
    small = metro[metro["revenue"] <= metro["revenue"].median()]
    top_margin = top20["profit"].sum() / top20["revenue"].sum()
    assert top_margin < 0.07
    high = small[small["profit_margin"] >= 0.10]
    assert len(high) >= 20  # 每卖 100 元赚 10 元以上，大客户整体只赚不到 7 元
    assert (small["profit_margin"] > top_margin).sum() >= 60
    # 它们都是专业会员，绝大多数现款现货、没有坏账
    assert high["member"].all()
    assert (high["bad_debt"] == 0).mean() > 0.9 and (high["payment_terms_days"] == 0).mean() > 0.8


def test_small_accounts_can_beat_large_ones_over_five_years(metro, top20):
    years = np.arange(5)
    factor = (((1 + metro["growth_rate"].to_numpy())[:, None] / 1.08) ** years).sum(axis=1)
    value = pd.Series(metro["profit"].to_numpy() * factor, index=metro.index)
    small = metro["revenue"] <= metro["revenue"].median()
    growing = small & (metro["growth_rate"] >= 0.2)
    assert growing.sum() >= 15
    # 有成长性的小客户，五年价值超过收入前 20% 里的不少大客户
    assert (top20.index.map(value) < value[growing].max()).sum() >= 30


def test_large_accounts_carry_the_four_risks(metro, top20):
    others = metro[metro["member"]].drop(index=top20.index, errors="ignore")
    # 财务风险：赊账、拖款、坏账
    assert top20["payment_terms_days"].mean() > 2 * others["payment_terms_days"].mean()
    assert top20["avg_delay_days"].mean() > 2 * others["avg_delay_days"].mean()
    assert (top20["bad_debt"] / top20["revenue"]).mean() > 3 * (others["bad_debt"] / others["revenue"]).mean()
    # 利润风险：压价、额外要求
    assert top20["discount_rate"].mean() > 2 * others["discount_rate"].mean()
    assert top20["special_requests"].mean() > 2 * others["special_requests"].mean()
    # 流失风险：多头采购
    assert top20["other_suppliers"].mean() > 1.5 * others["other_suppliers"].mean()
    # 管理风险：窜货、乱价集中在大零售商
    retail = metro[metro["segment"] == "小型零售商"]
    big = retail["revenue"] > retail["revenue"].quantile(0.8)
    assert retail.loc[big, "resale_incidents"].mean() > 3 * retail.loc[~big, "resale_incidents"].mean()


def test_individual_buyers_earn_less_per_unit_of_service_cost(metro):
    table = crmlib.segment_summary(metro)
    per_cost = table["profit_per_service_cost"]
    assert per_cost["个人散客"] < per_cost.drop("个人散客").min()
    gross = metro.groupby("segment")["gross_profit"].sum() / metro.groupby("segment")["service_cost"].sum()
    assert gross["个人散客"] < 1 < gross.drop("个人散客").min()
    # 只服务会员：客户少了两成以上，销售额几乎不变，利润反而更高
    members = metro[metro["member"]]
    assert len(members) / len(metro) < 0.8
    assert members["revenue"].sum() / metro["revenue"].sum() > 0.98
    assert members["profit"].sum() > metro["profit"].sum()


def test_best_segment_per_service_hour_is_not_the_biggest_by_customers(metro):
    per_hour = metro.groupby("segment")["profit"].sum() / metro.groupby("segment")["service_hours"].sum()
    assert per_hour.idxmax() in {"机关团体", "酒店宾馆"}
    assert per_hour.idxmin() == "个人散客"
    assert metro["segment"].value_counts().idxmax() == "餐饮企业"


def test_bad_customer_flags_single_out_the_walk_in_buyers_and_credit_risks(metro):
    flags = crmlib.bad_customer_flags(metro)
    share = flags["few_buys_many_demands"].groupby(metro["segment"]).mean()
    assert share["个人散客"] > 0.9 and share.drop("个人散客").max() < 0.15
    assert flags.loc[metro["bad_debt"] > 0, "bad_credit"].all()
    # 被标记"不讲信誉"的客户平均利润率明显低于其他会员
    member = metro["member"]
    assert metro.loc[member & flags["bad_credit"], "profit_margin"].mean() < \
        metro.loc[member & ~flags["bad_credit"], "profit_margin"].mean() - 0.03


def test_capital_rate_turns_more_large_accounts_into_losses():
    base = crmlib.load_dataset("metro_customers")
    top = base.nlargest(int(len(base) * 0.2), "revenue").index
    losses = [int((crmlib.customer_profit(base, capital_rate=r).loc[top, "profit"] < 0).sum())
              for r in (0.0, 0.06, 0.15)]
    assert losses[0] < losses[1] < losses[2]


def test_large_band_margin_is_lowest_for_retailers_and_restaurants(metro):
    members = metro[metro["member"]]
    band = pd.qcut(members["revenue"], 3, labels=["小", "中", "大"])
    table = members.pivot_table(index="segment", columns=band, values="profit_margin", aggfunc="median",
                                observed=True)
    for segment in ["小型零售商", "餐饮企业"]:
        assert table.loc[segment].idxmin() == "大" and table.loc[segment, "大"] < 0.03
    for segment in ["机关团体", "酒店宾馆"]:
        assert table.loc[segment, "大"] >= table.loc[segment].max() - 0.02
        assert table.loc[segment, "大"] > 0.08
