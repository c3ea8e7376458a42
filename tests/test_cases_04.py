"""第 04 章（04_grading，客户分级）案例数据的性质：课文和练习依赖这些性质成立。"""
import numpy as np
import pandas as pd
import pytest

import crmlib


@pytest.fixture(scope="module")
def leads():
    return crmlib.load_dataset("carton_leads")


@pytest.fixture(scope="module")
def graded(leads):
    return crmlib.lead_grade(leads)


@pytest.fixture(scope="module")
def customers():
    return crmlib.load_dataset("carton_customers")


@pytest.fixture(scope="module")
def bank():
    return crmlib.load_dataset("bank_customers")


# ---------------------------------------------------------------- carton_leads

def test_every_one_of_the_ten_grades_occurs(graded):
    counts = graded["grade"].value_counts()
    assert set(counts.index) == set(crmlib.LEAD_GRADES)
    assert counts.min() >= 3


def test_lead_counts_narrow_from_a21_to_a01(graded):
    """A real pipeline: every step towards closing loses leads (A31, the refusals, leave it on the side)."""
    counts = graded["grade"].value_counts()
    ladder = [counts[g] for g in crmlib.LEAD_GRADES if g != "A31"]
    assert all(a > b for a, b in zip(ladder, ladder[1:])), ladder
    assert ladder[0] >= 8 * ladder[-1]
    assert counts["A31"] < counts["A08"]


def test_a21_leads_fail_a08_for_each_single_reason(graded):
    a21 = graded[graded["grade"] == "A21"]
    complete = (a21[["company", "industry", "phone", "fax"]] != "").all(axis=1) & a21["annual_sales"].notna()
    assert (a21.loc[complete, "industry"].isin(["政府机构", "非营利机构"])).sum() >= 2     # 行业要回避
    assert (complete & (a21["annual_sales"] <= 500) & ~a21["industry"].isin(["政府机构", "非营利机构"])).sum() >= 1
    assert ((a21["fax"] == "") & (a21["phone"] != "") & a21["annual_sales"].notna()).sum() >= 1
    assert ((a21["phone"] == "") & (a21["fax"] != "")).sum() >= 1


def test_a_refusal_by_someone_other_than_the_boss_is_not_a31(graded):
    others = graded[(graded["reply"] == "明确拒绝") & (graded["respondent_role"] != "拍板人")]
    assert len(others) >= 2 and (others["grade"] == "A08").all()
    neutral_users = graded[(graded["reply"] == "中立") & (graded["respondent_role"] == "使用者")
                           & ~graded[["considering_switch", "unhappy_with_supplier", "talking_to_new_supplier"]].any(axis=1)]
    assert len(neutral_users) >= 2 and (neutral_users["grade"] != "A07").all()


def test_knowing_us_is_weaker_than_knowing_our_offer(graded):
    """A07 and A06 ④ need the decision-maker to know the factory (knows_us), A31 to know it clearly (knows_our_offer)."""
    assert (graded["knows_us"] | ~graded["knows_our_offer"]).all()      # 明确知道的也知道
    knows_only = graded[graded["knows_us"] & ~graded["knows_our_offer"] & (graded["respondent_role"] == "拍板人")]
    assert (knows_only["grade"] == "A07").sum() >= 2                    # 只因 knows_us 才是 A07
    only_route4 = ~knows_only[["considering_switch", "unhappy_with_supplier", "talking_to_new_supplier"]].any(axis=1)
    assert ((knows_only["grade"] == "A06") & only_route4).sum() >= 2     # 只因 knows_us 才走通 A06 ④
    refused = knows_only[knows_only["reply"] == "明确拒绝"]
    assert len(refused) >= 1 and (refused["grade"] == "A08").all()     # 拒绝了，但不是明确知道：不是 A31（课文的"差一点"表）


def test_a06_is_reached_by_each_of_its_four_routes(leads, graded):
    a06 = graded[graded["grade"] == "A06"]
    insiders = a06["respondent_role"].isin(["拍板人", "使用者", "参谋者"])
    for signal in ["considering_switch", "unhappy_with_supplier", "talking_to_new_supplier"]:
        assert (a06[signal] & insiders).sum() >= 2, signal
    only_route4 = ~a06[["considering_switch", "unhappy_with_supplier", "talking_to_new_supplier"]].any(axis=1)
    assert only_route4.sum() >= 6
    assert (a06["respondent_role"] == "使用者").sum() >= 1          # 使用者的不满也算
    # 几乎到了意向级、只差不知道报价的线索
    assert (a06["needs_understood"] & a06["sees_us_as_fit"] & ~a06["quote_known"]).sum() >= 2


def test_near_misses_between_a05_a04_a02_a01(graded):
    a05 = graded[graded["grade"] == "A05"]
    assert (a05["offered_price"] < a05["floor_price"]).sum() >= 1
    assert (a05["expected_amount"] > a05["affordable_amount"]).sum() >= 1
    a03 = graded[graded["grade"] == "A03"]
    assert (a03["substantive_action"] == "验厂").sum() >= 1 and (a03["substantive_action"] == "打样").sum() >= 1
    assert (a03["verbal_commitment"]).sum() >= 1 and (a03["months_to_purchase"] <= 2).sum() >= 1
    a02 = graded[graded["grade"] == "A02"]
    assert (a02["used_up"] & a02["fully_collected"] & (a02["open_promises"] > 0)).sum() >= 2
    assert (a02["paid"] & ~a02["contract_signed"]).sum() >= 1


def test_grades_follow_the_sales_process(graded):
    # 越往后的等级，前面的事实越齐全：A05 及以上都是拍板人给的反馈，都知道报价
    late = graded[graded["grade"].isin(["A05", "A04", "A03", "A02", "A01"])]
    assert (late["respondent_role"] == "拍板人").all() and late["quote_known"].all()
    assert graded.loc[graded["grade"] == "A31", "refusal_reason"].ne("").mean() > 0.5


# ---------------------------------------------------------------- carton_customers / orders

def test_customer_revenue_and_order_count_match_the_order_log(customers):
    orders = crmlib.load_dataset("carton_orders")
    per = orders.groupby("customer_id")["amount"].agg(["sum", "size"]).reindex(customers["customer_id"])
    assert np.allclose(per["sum"].to_numpy(), customers["revenue"].to_numpy(), atol=0.05)
    assert (per["size"].to_numpy() == customers["order_count"].to_numpy()).all()
    assert orders["date"].dt.year.eq(2024).all()
    assert np.allclose(customers["profit"], customers["gross_profit"] - customers["service_cost"], atol=0.011)


def test_revenue_is_concentrated_roughly_80_20(customers):
    share = crmlib.top_share(customers, 0.2, value_col="revenue")
    assert 0.70 <= share <= 0.85


def test_big_customers_are_not_always_profitable(customers):
    top = customers.nlargest(24, "revenue")
    assert (top["profit"] < 0).sum() >= 4
    assert 0.1 <= (customers["profit"] < 0).mean() <= 0.35
    whale = crmlib.pareto_table(customers, value_col="profit")
    assert whale["value_share"].max() > 1.15           # 盈利客户创造的利润超过全部利润


def test_pyramid_default_puts_every_loss_maker_in_lead(customers):
    pyramid = crmlib.customer_pyramid(customers)
    losers = pyramid[pyramid["profit"] <= 0]
    assert (losers["tier"] == "重铅").all()
    summary = crmlib.pyramid_summary(pyramid)
    assert summary.loc["铂金", "value_share"] > 0.5 and summary.loc["重铅", "value_share"] < 0


def test_the_biggest_customers_in_the_lead_tier(customers):
    """Lesson 4.4: the customers ranked 1, 3 and 4 by revenue lose money (and sit in 重铅)."""
    top = customers.sort_values("revenue", ascending=False).head(5)
    assert [i + 1 for i, p in enumerate(top["profit"]) if p <= 0] == [1, 3, 4]


def test_lead_tier_total_turns_positive_at_the_sliders_extremes(customers):
    """The widget's question: the 重铅 total is negative by default, positive with every slider at its minimum."""
    def lead_total(cuts):
        return crmlib.pyramid_summary(crmlib.customer_pyramid(customers, cuts=cuts)).loc["重铅", "profit"]
    assert lead_total((0.05, 0.20, 0.60)) < 0 < lead_total((0.01, 0.06, 0.16))


def test_new_cuts_put_profitable_customers_in_lead(customers):
    """Exercise 3: with cuts (0.1, 0.3, 0.7) the 重铅 tier still holds profitable customers, fewer than by default."""
    def profitable_lead(cuts):
        p = crmlib.customer_pyramid(customers, cuts=cuts)
        return int(((p["tier"] == "重铅") & (p["profit"] > 0)).sum())
    assert 0 < profitable_lead((0.1, 0.3, 0.7)) < profitable_lead((0.05, 0.2, 0.6))


def test_abc_on_revenue_puts_loss_makers_in_a(customers):
    """Lesson 4.3 and exercise 2: the shop is less concentrated than the carton maker; some A accounts lose money."""
    shop_abc = crmlib.abc_classes(crmlib.load_dataset("shop_transactions"))
    assert (shop_abc["abc"] == "A").mean() > 0.3
    abc = crmlib.abc_classes(crmlib.load_dataset("carton_orders")).merge(customers[["customer_id", "profit"]])
    assert (abc["abc"] == "A").mean() < 0.25
    assert ((abc["abc"] == "A") & (abc["profit"] < 0)).sum() >= 3


def test_percentile_weighting_hides_gaps_and_counts_size_twice(customers):
    """Lesson 4.7: the two largest accounts differ by millions but by one rank; revenue and profit ranks correlate."""
    top2 = customers["revenue"].nlargest(2)
    assert top2.iloc[0] - top2.iloc[1] > 1_500_000
    assert customers.loc[top2.index[0], "profit"] < 0
    ranks = customers[["revenue", "profit", "credit_score", "growth_outlook"]].rank()
    assert ranks["revenue"].corr(ranks["profit"]) > 0.6
    assert abs(ranks["revenue"].corr(ranks["growth_outlook"])) < 0.2


def test_visit_plan_fits_now_and_overloads_one_rep_under_the_new_plan(customers):
    """Lesson 4.7 (nobody above 100 %, 张伟 highest, 陈静 lowest) and exercise 5 (someone overloaded)."""
    weights = {"credit_score": 1, "revenue": 2, "growth_outlook": 1, "profit": 2}
    now = crmlib.visit_plan(crmlib.weighted_grade(customers, weights, cuts=(65, 45)))
    assert now["load"].max() < 1 and now["load"].idxmax() == "张伟" and now["load"].idxmin() == "陈静"
    new = crmlib.visit_plan(crmlib.weighted_grade(customers, weights, cuts=(70, 50)),
                            visits_per_month={"A": 3, "B": 1, "C": 0.5})
    assert 1 <= (new["load"] > 1).sum() <= 2


def test_demanding_customers_complain_and_pay_late(customers):
    late = customers["avg_delay_days"] > 30
    assert late.sum() >= 5
    assert customers.loc[late, "credit_score"].mean() < customers.loc[~late, "credit_score"].mean() - 10


# ---------------------------------------------------------------- bank_customers

def test_bank_tiers_follow_the_asset_thresholds(bank):
    expected = pd.cut(bank["assets"], [-np.inf, 5, 50, 200, np.inf], right=False,
                      labels=["普通客户", "金卡客户", "白金客户", "钻石客户"]).astype(str)
    assert (expected == bank["tier"]).all()
    assert set(bank["tier"]) == {"普通客户", "金卡客户", "白金客户", "钻石客户"}


def test_few_vip_customers_hold_most_assets_and_fees(bank):
    vip = bank["tier"].isin(["白金客户", "钻石客户"])
    assert vip.mean() < 0.06
    assert bank.loc[vip, "assets"].sum() / bank["assets"].sum() > 0.4
    assert bank.loc[vip, "fee_income"].sum() / bank["fee_income"].sum() > 0.4


def test_ordinary_customers_wait_longest_and_complain_most(bank):
    wait = bank.groupby("queue")["avg_wait_min"].mean()
    assert wait["普通叫号"] > 2 * wait["优先叫号"] > 2 * wait["贵宾室"]
    complaints = bank.groupby("tier")["queue_complaints"].mean()
    assert complaints["普通客户"] > complaints["白金客户"] and complaints["普通客户"] > complaints["钻石客户"]


# ---------------------------------------------------------------- shop RFM (used in the lesson)

@pytest.fixture(scope="module")
def rfm():
    return crmlib.rfm_table(crmlib.load_dataset("shop_transactions"))


def test_shop_rfm_has_all_eight_segments(rfm):
    scores = crmlib.rfm_scores(rfm)
    assert set(scores["segment"]) == set(crmlib.RFM_SEGMENTS.values())
    assert scores["segment"].value_counts().min() >= 5


def test_rfm_threshold_moves_the_segments(rfm):
    """Lesson 4.6: high=3 makes about four in ten members 重要价值客户 (a 3-3-3 member too); 4 halves it; 5 leaves few."""
    share = {h: (crmlib.rfm_scores(rfm, high=h)["segment"] == "重要价值客户").mean() for h in (3, 4, 5)}
    assert 0.3 < share[3] < 0.45 and share[4] < share[3] / 2 + 0.01 and share[5] < 0.1
    scores = crmlib.rfm_scores(rfm)
    assert (scores.loc[scores["RFM"] == "333", "segment"] == "重要价值客户").sum() >= 1
    low = crmlib.rfm_scores(rfm, high=4)["segment"]
    assert (low == "一般挽留客户").sum() > 1.8 * (scores["segment"] == "一般挽留客户").sum()
    # exercise 4: the demoted members land in several segments, most of all 重要保持客户
    moved = low[(scores["segment"] == "重要价值客户") & (low != "重要价值客户")].value_counts()
    assert len(moved) >= 5 and moved.idxmax() == "重要保持客户"


def test_rfm_ties_move_whole_groups(rfm):
    """Lesson 4.6: tied members share the lowest rank, so F=1 holds far more than a fifth and F=5 fewer."""
    f = crmlib.rfm_scores(rfm)["F"].value_counts()
    n = len(rfm)
    assert f[1] > 0.25 * n and f[5] < 0.2 * n
    assert (rfm["recency"] == 0).sum() >= 2
