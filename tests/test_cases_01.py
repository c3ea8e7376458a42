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


def test_within_each_segment_the_largest_third_loses_most_often_with_enough_customers_per_cell(metro):
    members = metro[metro["member"]]
    band = pd.cut(members.groupby("segment")["revenue"].rank(pct=True), [0, 1 / 3, 2 / 3, 1], labels=["小", "中", "大"])
    loss = members.assign(band=band, loss=members["profit"] < 0)
    share = loss.pivot_table(index="segment", columns="band", values="loss", aggfunc="mean", observed=True)
    counts = loss.pivot_table(index="segment", columns="band", values="loss", aggfunc="size", observed=True)
    assert counts.to_numpy().min() >= 10  # no conclusion drawn from a handful of customers
    for segment in share.index:
        assert share.loc[segment].idxmax() == "大", segment
        assert share.loc[segment, "大"] >= share.loc[segment].drop("大").max() + 0.1, segment


def test_size_is_not_the_problem_credit_is(metro):
    members = metro[metro["member"]]
    band = pd.cut(members.groupby("segment")["revenue"].rank(pct=True), [0, 1 / 3, 2 / 3, 1], labels=["小", "中", "大"])
    credit = members["payment_terms_days"] > 0
    median = members.groupby([band, credit], observed=True)["profit_margin"].median()
    size = members.groupby([band, credit], observed=True).size()
    assert size.min() >= 10
    # the large accounts without credit have the best median margin of all; with credit it is negative
    assert median[("大", False)] == median.xs(False, level=1).max()
    assert median[("大", True)] < 0 < median[("大", False)]


def test_about_a_quarter_of_members_get_credit():
    """1.3 says the fictional store grants credit to about a quarter of its members."""
    raw = crmlib.load_dataset("metro_customers")
    share = (raw.loc[raw["member"], "payment_terms_days"] > 0).mean()
    assert 0.2 <= share <= 0.3


def test_small_growing_customer_overtakes_a_profitable_slow_growing_large_account(metro):
    """1.7 compares M0157 with M0159 at a 10 % discount rate (the exercise uses 8 %)."""
    rows = metro.set_index("customer_id")
    small, large = rows.loc["M0157"], rows.loc["M0159"]
    top20_ids = set(metro.nlargest(int(len(metro) * 0.2), "revenue")["customer_id"])
    assert "M0159" in top20_ids and "M0157" not in top20_ids
    assert small["revenue"] <= metro["revenue"].median() and large["revenue"] > 10 * small["revenue"]
    assert 0 < small["profit"] < large["profit"]  # both profitable, the large one more so this year
    assert large["bad_debt"] == 0
    assert large["growth_rate"] < 0.03 and small["growth_rate"] > 0.2
    value = lambda row, d: sum(row["profit"] * ((1 + row["growth_rate"]) / (1 + d)) ** t for t in range(5))
    assert value(small, 0.10) > value(large, 0.10) * 1.1


def test_walk_in_losses_rest_on_the_service_hours_assumption(metro):
    """1.11: walk-ins lose money only because they are set to need far more hours per visit than members."""
    walk_in = metro[~metro["member"]]
    members = metro[metro["member"]]
    assert (walk_in["payment_terms_days"] == 0).all() and (walk_in["bad_debt"] == 0).all()  # profit = gross − service
    visit_hours = walk_in["service_hours"].sum() / walk_in["order_count"].sum()
    member_hours = members["service_hours"].sum() / members["order_count"].sum()
    hourly_cost = walk_in["service_cost"].sum() / walk_in["service_hours"].sum()
    break_even = walk_in["gross_profit"].sum() / (walk_in["order_count"].sum() * hourly_cost)
    assert member_hours < break_even < visit_hours
    assert visit_hours > 2 * member_hours
    assert walk_in["profit"].sum() < 0
    at_member_hours = walk_in["gross_profit"] - walk_in["order_count"] * member_hours * hourly_cost
    assert at_member_hours.sum() > 0


def test_hand_built_criteria_match_the_library_flags(metro):
    """Exercise 3 builds the three criteria with boolean conditions; crmlib confirms them."""
    small = metro["revenue"] <= metro["revenue"].quantile(0.5)
    hand = ((small & (metro["service_cost"] / metro["revenue"] > 0.10))
            | (metro["bad_debt"] > 0) | (metro["avg_delay_days"] > 20) | (metro["special_requests"] > 10))
    flags = crmlib.bad_customer_flags(metro, max_service_ratio=0.10, max_delay_days=20, max_requests=10)
    assert hand.equals(flags["bad_customer"])
