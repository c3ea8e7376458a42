"""第 00 章（开始学习）的案例数据 shop_customers / shop_transactions 具备课文和参考答案依赖的性质。"""
import pytest

import crmlib


@pytest.fixture(scope="module")
def shop():
    return crmlib.load_dataset("shop_customers"), crmlib.load_dataset("shop_transactions")


def test_every_member_in_the_sample_has_receipts(shop):
    customers, tx = shop
    assert customers["customer_id"].is_unique
    assert set(tx["customer_id"]) == set(customers["customer_id"])


def test_receipts_per_member_rank_the_channels_differently_from_the_raw_counts(shop):
    """Exercise 3 and written question 2: the raw counts favour the biggest channel, per member the group buyers."""
    customers, tx = shop
    counts = tx.merge(customers[["customer_id", "channel"]], on="customer_id").groupby("channel").size()
    members = customers["channel"].value_counts()
    per_member = counts / members
    assert counts.idxmax() == members.idxmax() == "门店办卡"
    assert counts.idxmin() == "社区团购群"
    assert list(per_member.sort_values(ascending=False).index) == ["社区团购群", "门店办卡", "小程序注册"]
    assert per_member["社区团购群"] > 1.15 * per_member.drop("社区团购群").max()


def test_monthly_sales_climb_then_stop_rising_in_late_2024(shop):
    """The lesson: members join over time, so sales climb; the reference answer: no more growth in 2024's second half."""
    _, tx = shop
    monthly = tx.groupby(tx["date"].dt.to_period("M"))["amount"].sum()
    assert monthly.iloc[:6].mean() < 0.5 * monthly.iloc[12:18].mean()
    assert monthly.iloc[18:].mean() < monthly.iloc[12:18].mean()
