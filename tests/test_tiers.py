"""crmlib.tiers（第 4 章 04_grading 的库模块）：帕累托表、ABC、金字塔、RFM、十级线索分级、加权综合分级、拜访计划。"""
import numpy as np
import pandas as pd
import pytest

import crmlib
from crmlib import (LEAD_GRADES, abc_classes, customer_pyramid, lead_grade, lead_grade_checks, pareto_table,
                    plot_pareto, plot_pyramid, pyramid_summary, rfm_scores, rfm_table, top_share, visit_plan,
                    weighted_grade)


@pytest.fixture
def tx():
    return pd.DataFrame({
        "customer_id": ["b", "a", "c", "a", "b", "d", "e"],
        "date": pd.to_datetime(["2024-03-01", "2024-01-10", "2024-02-01", "2024-03-20", "2024-03-25",
                                "2023-12-31", "2024-03-31"]),
        "amount": [40.0, 100.0, 30.0, 60.0, 20.0, 10.0, 0.0],
    })


# ---------------------------------------------------------------- pareto / top_share / ABC

def test_pareto_table_hand_calculation(tx):
    out = pareto_table(tx)
    # 合计：a 160、b 60、c 30、d 10、e 0，总 260
    assert out["customer_id"].tolist() == ["a", "b", "c", "d", "e"]
    assert out["amount"].tolist() == [160.0, 60.0, 30.0, 10.0, 0.0]
    assert out["rank"].tolist() == [1, 2, 3, 4, 5]
    assert out["customer_share"].tolist() == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert out["value_share"].tolist() == pytest.approx([160 / 260, 220 / 260, 250 / 260, 1.0, 1.0])


def test_pareto_ties_break_by_customer_id_and_order_does_not_matter():
    frame = pd.DataFrame({"customer_id": ["z", "m", "a", "q"], "amount": [5.0, 9.0, 5.0, 5.0]})
    first = pareto_table(frame)
    assert first["customer_id"].tolist() == ["m", "a", "q", "z"]
    shuffled = pareto_table(frame.iloc[[3, 1, 0, 2]])
    assert shuffled["customer_id"].tolist() == first["customer_id"].tolist()


def test_pareto_with_losses_is_a_whale_curve():
    frame = pd.DataFrame({"customer_id": list("abc"), "profit": [150.0, 10.0, -60.0]})
    out = pareto_table(frame, value_col="profit")
    assert out["value_share"].tolist() == pytest.approx([1.5, 1.6, 1.0])
    with pytest.raises(crmlib.CRMInputError, match="合计是 -10，必须大于 0"):
        pareto_table(frame.assign(profit=[10.0, 10.0, -30.0]), value_col="profit")


def test_top_share_rounds_the_head_count_up(tx):
    assert top_share(tx, 0.2) == pytest.approx(160 / 260)           # 1 位
    assert top_share(tx, 0.3) == pytest.approx(220 / 260)           # 1.5 → 2 位
    assert top_share(tx, 0.4) == pytest.approx(220 / 260)           # 2 位，不多算
    assert top_share(tx, 1.0) == pytest.approx(1.0)
    with pytest.raises(crmlib.CRMInputError, match="share 应该大于 0"):
        top_share(tx, 0)
    with pytest.raises(crmlib.CRMInputError, match="参数 share 应该 ≥ 0 且 ≤ 1"):
        top_share(tx, 20)


def test_abc_classes_customer_crossing_the_cut_is_in_the_upper_class():
    frame = pd.DataFrame({"customer_id": list("abcdefg"), "amount": [40.0, 30.0, 10.0, 10.0, 5.0, 4.0, 1.0]})
    out = abc_classes(frame)
    # 之前累计：a 0、b .40、c .70、d .80、e .90、f .95、g .99
    assert out["abc"].tolist() == ["A", "A", "A", "B", "B", "C", "C"]
    custom = abc_classes(frame, cuts=(0.5,), labels=("重点", "一般"))
    assert custom["abc"].tolist() == ["重点", "重点", "一般", "一般", "一般", "一般", "一般"]


def test_abc_errors(tx):
    with pytest.raises(crmlib.CRMInputError, match="labels 应该比 cuts 多一个"):
        abc_classes(tx, cuts=(0.8, 0.95), labels=("A", "B"))
    with pytest.raises(crmlib.CRMInputError, match="严格排列"):
        abc_classes(tx, cuts=(0.95, 0.8))
    with pytest.raises(crmlib.CRMInputError, match="列 'amount' 有 1 个负数"):
        abc_classes(tx.assign(amount=[1.0, -1.0, 1, 1, 1, 1, 1]))


def test_pareto_errors_are_chinese_and_name_the_column(tx):
    with pytest.raises(crmlib.CRMMissingColumnError, match="pareto_table：找不到列 'revenue'.*value_col='…'"):
        pareto_table(tx, value_col="revenue")
    with pytest.raises(KeyError):
        pareto_table(tx, customer_col="client")
    with pytest.raises(crmlib.CRMInputError, match="列 'amount' 有 1 个缺失值"):
        pareto_table(tx.assign(amount=[1.0, np.nan, 1, 1, 1, 1, 1]))
    with pytest.raises(crmlib.CRMInputError, match="缺失的客户编号"):
        pareto_table(tx.assign(customer_id=["a", None, "b", "c", "d", "e", "f"]))
    with pytest.raises(crmlib.CRMInputError, match="空表"):
        pareto_table(tx.iloc[:0])
    with pytest.raises(crmlib.CRMInputError, match="应该是数值"):
        pareto_table(tx.assign(amount=tx["amount"].astype(str)))


def test_plot_pareto_returns_axes_and_draws_the_curve(tx):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    out = plot_pareto(pareto_table(tx), ax=ax)
    assert out is ax
    assert list(ax.lines[0].get_ydata()) == pytest.approx([0, 160 / 260, 220 / 260, 250 / 260, 1, 1])
    assert "前 20% 的客户贡献 62% 的价值" in [t.get_text() for t in ax.texts]
    plt.close(fig)


# ---------------------------------------------------------------- pyramid

def test_customer_pyramid_cut_points_and_losses_go_to_lead():
    profit = [1000.0, 800, 600, 500, 400, 300, 200, 100, 50, 40, 30, 20, 10, 5, 1, 0, -1, -5, -50, -500]
    customers = pd.DataFrame({"customer_id": [f"c{i:02d}" for i in range(20)], "profit": profit})
    out = customer_pyramid(customers)  # 20 位：前 1 位铂金，到第 4 位黄金，到第 12 位钢铁
    tiers = out["tier"].astype(str).tolist()
    assert tiers == ["铂金"] + ["黄金"] * 3 + ["钢铁"] * 8 + ["重铅"] * 8
    # 利润 ≤ 0 的客户即使排名靠前也进重铅层
    tiny = pd.DataFrame({"customer_id": list("abcd"), "profit": [5.0, 0.0, -1.0, -2.0]})
    assert customer_pyramid(tiny, cuts=(0.25, 0.5, 0.75))["tier"].astype(str).tolist() == ["铂金", "重铅", "重铅", "重铅"]
    assert out["tier"].cat.ordered and list(out["tier"].cat.categories) == ["铂金", "黄金", "钢铁", "重铅"]


def test_customer_pyramid_sums_transactions_per_customer(tx):
    out = customer_pyramid(tx, value_col="amount", cuts=(0.2, 0.4, 0.8))
    assert out["customer_id"].tolist() == ["a", "b", "c", "d", "e"]
    assert out["tier"].astype(str).tolist() == ["铂金", "黄金", "钢铁", "钢铁", "重铅"]


def test_pyramid_summary_hand_calculation():
    customers = pd.DataFrame({"customer_id": list("abcdefghij"),
                              "profit": [500.0, 200, 100, 80, 60, 40, 20, 10, -10, -100]})
    summary = pyramid_summary(customer_pyramid(customers, cuts=(0.1, 0.3, 0.6)))
    assert summary.index.tolist() == ["铂金", "黄金", "钢铁", "重铅"]
    assert summary["customers"].tolist() == [1, 2, 3, 4]
    assert summary["profit"].tolist() == pytest.approx([500, 300, 180, -80])
    assert summary["value_share"].tolist() == pytest.approx([500 / 900, 300 / 900, 180 / 900, -80 / 900])
    assert summary["mean_value"].tolist() == pytest.approx([500, 150, 60, -20])


def test_pyramid_summary_lists_empty_tiers_and_rejects_unknown_names():
    customers = pd.DataFrame({"customer_id": list("ab"), "profit": [-1.0, -2.0]})
    summary = pyramid_summary(customer_pyramid(customers))
    assert summary["customers"].tolist() == [0, 0, 0, 2]
    bad = pd.DataFrame({"tier": ["钻石"], "profit": [1.0]})
    with pytest.raises(crmlib.CRMInputError, match="不认识的层名"):
        pyramid_summary(bad)


def test_customer_pyramid_errors():
    customers = pd.DataFrame({"customer_id": list("ab"), "profit": [1.0, 2.0]})
    with pytest.raises(crmlib.CRMInputError, match="需要正好 3 个分界点"):
        customer_pyramid(customers, cuts=(0.1, 0.5))
    with pytest.raises(crmlib.CRMInputError, match="严格排列"):
        customer_pyramid(customers, cuts=(0.1, 0.1, 0.5))
    with pytest.raises(crmlib.CRMInputError, match="应该是一组数字"):
        customer_pyramid(customers, cuts="0.1")
    with pytest.raises(crmlib.CRMMissingColumnError, match="找不到列 'profit'"):
        customer_pyramid(customers.rename(columns={"profit": "value"}))


def test_plot_pyramid_labels_each_tier():
    import matplotlib.pyplot as plt

    customers = pd.DataFrame({"customer_id": list("abcd"), "profit": [60.0, 30.0, 20.0, -10.0]})
    fig, ax = plt.subplots()
    out = plot_pyramid(pyramid_summary(customer_pyramid(customers, cuts=(0.25, 0.5, 0.75))), ax=ax)
    assert out is ax and len(ax.patches) == 4
    assert ax.texts[0].get_text() == "铂金层\n1 人 · 利润 60%"
    assert ax.texts[3].get_text() == "重铅层\n1 人 · 利润 -10%"
    plt.close(fig)


# ---------------------------------------------------------------- RFM

def test_rfm_table_hand_calculation(tx):
    out = rfm_table(tx)
    assert out.index.name == "customer_id" and out.index.tolist() == ["a", "b", "c", "d", "e"]
    assert out.columns.tolist() == ["recency", "frequency", "monetary"]
    # 最后一天 2024-03-31：a 最后 3-20 → 11 天；b 3-25 → 6；c 2-01 → 59；d 2023-12-31 → 91；e 当天 → 0
    assert out["recency"].tolist() == [11, 6, 59, 91, 0]
    assert out["frequency"].tolist() == [2, 2, 1, 1, 1]
    assert out["monetary"].tolist() == [160.0, 60.0, 30.0, 10.0, 0.0]
    assert out["recency"].dtype == "int64" and out["frequency"].dtype == "int64"
    later = rfm_table(tx, as_of="2024-04-30")
    assert later["recency"].tolist() == [41, 36, 89, 121, 30]


def test_rfm_table_custom_columns_string_dates_and_times_of_day():
    frame = pd.DataFrame({"cid": [1, 1, 2], "when": ["2024-05-01 09:00", "2024-05-03 23:59", "2024-05-03 08:00"],
                          "paid": [10, 20, 5]})
    out = rfm_table(frame, customer_col="cid", date_col="when", amount_col="paid")
    assert out.index.tolist() == [1, 2]
    assert out["recency"].tolist() == [0, 0]   # 按日历日计，不按小时
    assert out["monetary"].tolist() == [30.0, 5.0]


def test_rfm_table_errors_and_no_mutation(tx):
    before = tx.copy()
    rfm_table(tx)
    pd.testing.assert_frame_equal(tx, before)
    with pytest.raises(crmlib.CRMMissingColumnError,
                       match="rfm_table：找不到列 'value'。现有列：customer_id, date, amount。请用 amount_col='…' 指定。"):
        rfm_table(tx, amount_col="value")
    with pytest.raises(crmlib.CRMInputError, match="列 'date' 有 3 条记录晚于 as_of=2024-03-01"):
        rfm_table(tx, as_of="2024-03-01")
    with pytest.raises(crmlib.CRMInputError, match="参数 as_of 应该是日期"):
        rfm_table(tx, as_of="下个月")
    with pytest.raises(crmlib.CRMInputError, match="有 1 个负数"):
        rfm_table(tx.assign(amount=[1.0, -5, 1, 1, 1, 1, 1]))
    with pytest.raises(crmlib.CRMInputError, match="无法识别为日期"):
        rfm_table(tx.assign(date=["昨天"] * 7))
    with pytest.raises(crmlib.CRMInputError, match="应该是日期，实际是数值"):
        rfm_table(tx.assign(date=range(7)))


def test_customer_ids_of_mixed_types_are_read_like_everywhere_else(tx):
    """crmlib/_log.py: numbers first, then text (tests/test_log_conventions.py runs every log function)."""
    mixed = tx.assign(customer_id=["a", 1, "b", 2, "c", "d", "e"])
    assert rfm_table(mixed).index.tolist() == [1, 2, "a", "b", "c", "d", "e"]


def test_rfm_scores_hand_calculation_and_ties():
    rfm = pd.DataFrame({"recency": [1, 1, 10, 30, 60, 90, 120, 200, 300, 365],
                        "frequency": [9, 1, 1, 1, 2, 2, 3, 4, 5, 6],
                        "monetary": [500.0, 20, 30, 40, 50, 60, 70, 80, 90, 100]},
                       index=[f"c{i}" for i in range(10)])
    out = rfm_scores(rfm)
    # recency 越小越好：并列的 c0、c1 都取名次 9 → floor(8/10×5)+1 = 5
    assert out["R"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # frequency：三个 1 并列名次 1 → 1 分；两个 2 名次 4 → 2 分；3→名次 6→3；4→7→4；5→8→4；6→9→5；9→10→5
    assert out["F"].tolist() == [5, 1, 1, 1, 2, 2, 3, 4, 4, 5]
    assert out["M"].tolist() == [5, 1, 1, 2, 2, 3, 3, 4, 4, 5]
    assert out.loc["c0", "RFM"] == "555" and out.loc["c0", "segment"] == "重要价值客户"
    assert out.loc["c1", "segment"] == "一般发展客户"       # R 高、F 低、M 低
    assert out.loc["c9", "segment"] == "重要保持客户"       # R 低、F 高、M 高
    assert out.loc["c4", "RFM"] == "322" and out.loc["c4", "segment"] == "一般发展客户"  # 3 ≥ high=3 算高
    # 行的顺序不影响得分
    shuffled = rfm_scores(rfm.iloc[::-1])
    assert shuffled.loc[out.index, ["R", "F", "M"]].equals(out[["R", "F", "M"]])
    # 原列保留，不修改输入
    assert out[["recency", "frequency", "monetary"]].equals(rfm)


def test_rfm_scores_high_threshold_and_bins():
    rfm = pd.DataFrame({"recency": [1, 2, 3, 4], "frequency": [4, 3, 2, 1], "monetary": [4.0, 3.0, 2.0, 1.0]})
    out = rfm_scores(rfm, bins=2, high=2)
    assert out["RFM"].tolist() == ["222", "222", "111", "111"]
    assert out["segment"].tolist() == ["重要价值客户", "重要价值客户", "一般挽留客户", "一般挽留客户"]
    with pytest.raises(crmlib.CRMInputError, match="参数 high 应该 ≥ 1 且 ≤ 2"):
        rfm_scores(rfm, bins=2, high=3)
    with pytest.raises(crmlib.CRMInputError, match="参数 bins 应该是整数"):
        rfm_scores(rfm, bins=2.5)
    with pytest.raises(crmlib.CRMMissingColumnError, match="请用 monetary_col='…' 指定"):
        rfm_scores(rfm.drop(columns="monetary"))


# ---------------------------------------------------------------- ten-level lead grades

def lead(**facts):
    """一条"什么都还不知道"的线索，加上给定的事实。"""
    base = dict(company="", industry="", annual_sales=np.nan, phone="", fax="", respondent_role="",
                knows_us=False, knows_our_offer=False, considered_decision=False, reply="", asked_for_material=False,
                set_next_contact=False, asked_questions=False, considering_switch=False,
                unhappy_with_supplier=False, talking_to_new_supplier=False, needs_understood=False,
                can_meet_needs=False, sees_us_as_fit=False, quote_known=False, expected_amount=np.nan,
                affordable_amount=np.nan, offered_price=np.nan, floor_price=np.nan, verbal_commitment=False,
                substantive_action="", months_to_purchase=np.nan, contract_signed=False, purchased=False,
                paid=False, used_up=False, fully_collected=False, open_promises=0)
    base.update(facts)
    return base


def check(grade, **facts):
    return bool(lead_grade_checks(pd.DataFrame([lead(**facts)]))[grade].iloc[0])


KEY5 = dict(company="甲公司", industry="食品饮料", annual_sales=800.0, phone="1", fax="2")
INFORMED = dict(respondent_role="拍板人", knows_us=True, knows_our_offer=True, considered_decision=True)
KNOWS_ONLY = dict(INFORMED, knows_our_offer=False)   # 拍板人"知道"本厂，但不是"明确知道"
INTENT = dict(respondent_role="拍板人", considered_decision=True, needs_understood=True, can_meet_needs=True,
              sees_us_as_fit=True, quote_known=True)


def test_a21_every_record_is_at_least_a21():
    assert check("A21")
    assert lead_grade(pd.DataFrame([lead()]))["grade"].tolist() == ["A21"]


@pytest.mark.parametrize("field", ["company", "industry", "annual_sales", "phone", "fax"])
def test_a08_needs_all_five_key_facts(field):
    assert check("A08", **KEY5)
    missing = dict(KEY5, **{field: np.nan if field == "annual_sales" else ""})
    assert not check("A08", **missing)


def test_a08_industry_and_size_conditions():
    assert not check("A08", **dict(KEY5, industry="政府机构"))
    assert not check("A08", **dict(KEY5, industry="非营利机构"))
    assert not check("A08", **dict(KEY5, annual_sales=500.0))       # "超过"：等于不算
    assert check("A08", **dict(KEY5, annual_sales=500.5))
    frame = pd.DataFrame([lead(**dict(KEY5, annual_sales=300.0))])
    assert bool(lead_grade_checks(frame, min_annual_sales=200)["A08"].iloc[0])
    frame = pd.DataFrame([lead(**dict(KEY5, industry="医药"))])
    assert not bool(lead_grade_checks(frame, excluded_industries=["医药"])["A08"].iloc[0])


@pytest.mark.parametrize("grade, reply", [("A31", "明确拒绝"), ("A07", "中立")])
def test_a31_and_a07_need_all_four_conditions(grade, reply):
    assert check(grade, reply=reply, **INFORMED)
    for role in ("使用者", "参谋者", "其他", ""):                  # ① 必须是拍板人
        assert not check(grade, reply=reply, **dict(INFORMED, respondent_role=role))
    assert not check(grade, reply=reply, **dict(INFORMED, knows_us=False, knows_our_offer=False))  # ②
    assert not check(grade, reply=reply, **dict(INFORMED, considered_decision=False))   # ③
    other = "中立" if reply == "明确拒绝" else "明确拒绝"
    assert not check(grade, reply=other, **INFORMED)                                  # ④
    assert not check(grade, reply="积极", **INFORMED)


@pytest.mark.parametrize("signal", ["considering_switch", "unhappy_with_supplier", "talking_to_new_supplier"])
def test_a06_any_insider_signal_is_enough(signal):
    for role in ("拍板人", "使用者", "参谋者"):
        assert check("A06", respondent_role=role, **{signal: True})
    assert not check("A06", respondent_role="其他", **{signal: True})
    assert not check("A06", respondent_role="拍板人")


@pytest.mark.parametrize("ask", ["asked_for_material", "set_next_contact", "asked_questions"])
def test_a06_fourth_route_needs_informed_boss_and_one_request(ask):
    assert check("A06", **INFORMED, **{ask: True})
    assert not check("A06", **INFORMED)                                               # 三者都没有
    assert not check("A06", **dict(INFORMED, respondent_role="使用者"), **{ask: True})
    assert not check("A06", **dict(INFORMED, knows_us=False, knows_our_offer=False), **{ask: True})
    assert not check("A06", **dict(INFORMED, considered_decision=False), **{ask: True})
    assert check("A06", **KNOWS_ONLY, **{ask: True})                                   # ④ 只要"知道"


def test_a07_needs_knowing_us_a31_needs_knowing_our_offer_clearly():
    """标准：A31 ② 要"明确知道"本厂（knows_our_offer），A07 ② 和 A06 ④ ② 只要"知道"（knows_us）。"""
    assert check("A07", reply="中立", **KNOWS_ONLY)                     # 只因 knows_us 才是 A07
    assert not check("A31", reply="明确拒绝", **KNOWS_ONLY)             # 知道但不明确知道：不能是 A31
    assert check("A07", reply="中立", **dict(INFORMED, knows_us=False))  # 明确知道的当然也算知道
    rows = pd.DataFrame([lead(**KEY5, **KNOWS_ONLY, reply="中立"), lead(**KEY5, **KNOWS_ONLY, reply="明确拒绝"),
                         lead(**KEY5, **KNOWS_ONLY, reply="积极", set_next_contact=True)])
    assert lead_grade(rows)["grade"].tolist() == ["A07", "A08", "A06"]
    # 只有"明确知道"一列的表：把它映射成 knows_us，A07 和 A06 ④ 就按更严的"明确知道"核对
    strict = lead_grade(rows.drop(columns="knows_us"), columns={"knows_us": "knows_our_offer"})
    assert strict["grade"].tolist() == ["A08", "A08", "A08"]


@pytest.mark.parametrize("field", ["considered_decision", "needs_understood", "can_meet_needs", "sees_us_as_fit",
                                   "quote_known"])
def test_a05_needs_all_five_conditions(field):
    assert check("A05", **INTENT)
    assert not check("A05", **dict(INTENT, **{field: False}))
    assert not check("A05", **dict(INTENT, respondent_role="使用者"))


def test_a04_amount_and_price_conditions():
    ok = dict(expected_amount=20.0, affordable_amount=25.0, offered_price=3.6, floor_price=3.5)
    assert check("A04", **ok)
    assert check("A04", **dict(ok, expected_amount=25.0, offered_price=3.5))        # 边界都算
    assert not check("A04", **dict(ok, expected_amount=26.0))                       # ① 超出承受能力
    assert not check("A04", **dict(ok, offered_price=3.4))                          # ② 低于底价
    assert not check("A04", **dict(ok, offered_price=np.nan))                       # 还没谈到价格
    assert not check("A04", **dict(ok, affordable_amount=np.nan))


def test_a03_any_of_three():
    assert check("A03", verbal_commitment=True)
    assert check("A03", substantive_action="验厂")
    assert check("A03", substantive_action="打样")
    assert check("A03", months_to_purchase=2.0)
    assert not check("A03", months_to_purchase=2.5)
    assert not check("A03", months_to_purchase=-1.0)
    assert not check("A03")
    frame = pd.DataFrame([lead(months_to_purchase=3.0)])
    assert bool(lead_grade_checks(frame, sprint_months=3)["A03"].iloc[0])


@pytest.mark.parametrize("field", ["contract_signed", "purchased", "paid"])
def test_a02_any_of_three(field):
    assert check("A02", **{field: True})
    assert not check("A02")


def test_a01_all_three():
    done = dict(used_up=True, fully_collected=True, open_promises=0)
    assert check("A01", **done)
    assert not check("A01", **dict(done, used_up=False))
    assert not check("A01", **dict(done, fully_collected=False))
    assert not check("A01", **dict(done, open_promises=1))


def test_lead_grade_takes_the_highest_grade_met():
    rows = pd.DataFrame([
        lead(),                                                        # A21
        lead(**KEY5),                                                  # A08
        lead(**KEY5, **INFORMED, reply="明确拒绝"),                     # A31
        lead(**KEY5, **INFORMED, reply="中立"),                         # A07
        lead(**KEY5, **INFORMED, reply="积极", asked_questions=True),   # A06
        lead(**{**KEY5, **INFORMED, **INTENT}),                        # A05（也满足 A08）
        lead(**INTENT, expected_amount=10.0, affordable_amount=20.0, offered_price=4.0, floor_price=3.5),
        lead(**INTENT, substantive_action="打样"),                      # A03
        lead(**INTENT, paid=True, used_up=True, fully_collected=True, open_promises=2),  # A02：承诺未了
        lead(contract_signed=True, used_up=True, fully_collected=True),                 # A01
    ], index=[f"L{i}" for i in range(10)])
    out = lead_grade(rows)
    assert out["grade"].tolist() == ["A21", "A08", "A31", "A07", "A06", "A05", "A04", "A03", "A02", "A01"]
    assert out["grade_name"].tolist() == list(LEAD_GRADES.values())
    assert out.index.tolist() == rows.index.tolist()
    assert out.drop(columns=["grade", "grade_name"]).equals(rows)


def test_lead_grade_on_case_data_and_column_mapping():
    leads = crmlib.load_dataset("carton_leads")
    out = lead_grade(leads.rename(columns={"paid": "已付款"}), columns={"paid": "已付款"})
    assert out["grade"].tolist() == lead_grade(leads)["grade"].tolist()


def test_lead_grade_errors():
    rows = pd.DataFrame([lead()])
    with pytest.raises(crmlib.CRMMissingColumnError, match="找不到列 'quote_known'.*columns="):
        lead_grade(rows.drop(columns="quote_known"))
    with pytest.raises(crmlib.CRMMissingColumnError, match="找不到列 'knows_us'.*columns="):
        lead_grade(rows.drop(columns="knows_us"))
    with pytest.raises(crmlib.CRMInputError, match="列 'knows_us' 应该是 True/False"):
        lead_grade(rows.assign(knows_us="知道"))
    with pytest.raises(crmlib.CRMInputError, match="列 'paid' 应该是 True/False"):
        lead_grade(rows.assign(paid="是"))
    with pytest.raises(crmlib.CRMInputError, match="不是标准列名"):
        lead_grade(rows, columns={"price": "offered_price"})
    with pytest.raises(crmlib.CRMInputError, match="列 'open_promises' 有 1 个缺失值"):
        lead_grade(rows.assign(open_promises=np.nan))
    with pytest.raises(crmlib.CRMInputError, match="不能为负数"):
        lead_grade(rows.assign(open_promises=-1))
    with pytest.raises(crmlib.CRMInputError, match="参数 min_annual_sales 应该 ≥ 0"):
        lead_grade(rows, min_annual_sales=-5)
    with pytest.raises(crmlib.CRMInputError, match="需要 pandas DataFrame"):
        lead_grade([lead()])


# ---------------------------------------------------------------- weighted grade and visit plan

def test_weighted_grade_hand_calculation():
    frame = pd.DataFrame({"credit": [90, 60, 75, 80, 70], "revenue": [50.0, 400.0, 120.0, 80.0, 120.0],
                          "complaints": [0, 6, 1, 2, 3]})
    out = weighted_grade(frame, {"credit": 2, "revenue": 1, "complaints": 1}, lower_is_better=["complaints"],
                         cuts=(60, 45))
    # 百分位：credit 名次 5,1,3,4,2 → 1, 0, .5, .75, .25
    #         revenue 名次 1,5,3.5,2,3.5 → 0, 1, .625, .25, .625
    #         complaints（越少越好）名次 1,5,2,3,4 → 1, 0, .75, .5, .25
    expected = [(2 * 1 + 0 + 1) / 4, (0 + 1 + 0) / 4, (2 * .5 + .625 + .75) / 4, (2 * .75 + .25 + .5) / 4,
                (2 * .25 + .625 + .25) / 4]
    assert out["score"].tolist() == pytest.approx([100 * e for e in expected])
    assert out["grade"].tolist() == ["A", "C", "B", "B", "C"]
    assert out.drop(columns=["score", "grade"]).equals(frame)


def test_weighted_grade_score_on_a_cut_gets_the_higher_grade():
    """"得分 ≥ 分界点"：正好等于分界点的客户属于高一级。"""
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0]})          # 百分位 0、0.5、1 → 得分 0、50、100
    out = weighted_grade(frame, {"a": 1}, cuts=(100, 50))
    assert out["score"].tolist() == [0.0, 50.0, 100.0]
    assert out["grade"].tolist() == ["C", "B", "A"]


def test_weighted_grade_scale_free_and_single_row():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 1.0, 2.0]})
    one = weighted_grade(frame, {"a": 1, "b": 1})["score"]
    two = weighted_grade(frame, {"a": 10, "b": 10})["score"]
    assert one.tolist() == pytest.approx(two.tolist())
    assert weighted_grade(frame.iloc[:1], {"a": 1})["score"].tolist() == [50.0]


def test_weighted_grade_errors():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, np.nan]})
    with pytest.raises(crmlib.CRMMissingColumnError, match="weights 里的列 'c' 不在表中"):
        weighted_grade(frame, {"c": 1})
    with pytest.raises(crmlib.CRMInputError, match="没有出现在 weights 里"):
        weighted_grade(frame, {"a": 1}, lower_is_better=["b"])
    with pytest.raises(crmlib.CRMInputError, match="列 'b' 有 1 个缺失值"):
        weighted_grade(frame, {"b": 1})
    with pytest.raises(crmlib.CRMInputError, match="从大到小严格排列"):
        weighted_grade(frame, {"a": 1}, cuts=(40, 70))
    with pytest.raises(crmlib.CRMInputError, match="参数 cuts 应该 ≥ 0 且 ≤ 100"):
        weighted_grade(frame, {"a": 1}, cuts=(170, 40))
    with pytest.raises(crmlib.CRMInputError, match="权重之和为 0"):
        weighted_grade(frame, {"a": 0})


def test_visit_plan_hand_calculation():
    book = pd.DataFrame({"salesperson": ["甲", "甲", "甲", "乙", "乙", "丙"], "grade": ["A", "A", "C", "B", "C", "C"]})
    out = visit_plan(book, hours_per_visit={"A": 3, "B": 2, "C": 1.5}, hours_available=10)
    assert out.loc["甲", ["n_A", "n_B", "n_C"]].tolist() == [2, 0, 1]
    # 甲：2×2 + 1/3 = 4.333 次；2×2×3 + 1/3×1.5 = 12.5 小时 → 1.25（排不过来）
    assert out.loc["甲", "visits"] == pytest.approx(2 * 2 + 1 / 3)
    assert out.loc["甲", "hours"] == pytest.approx(12.5)
    assert out.loc["甲", "load"] == pytest.approx(1.25)
    assert out.loc["乙", "hours"] == pytest.approx(2 + 0.5)
    assert out.loc["丙", "visits"] == pytest.approx(1 / 3)
    assert int(out[["n_A", "n_B", "n_C"]].to_numpy().sum()) == len(book)


def test_visit_plan_errors():
    book = pd.DataFrame({"salesperson": ["甲", "乙"], "grade": ["A", "D"]})
    with pytest.raises(crmlib.CRMInputError, match=r"等级 \['D'\] 没有在 visits_per_month 里设置"):
        visit_plan(book)
    with pytest.raises(crmlib.CRMInputError, match="hours_per_visit 缺少等级"):
        visit_plan(book.assign(grade="A"), hours_per_visit={"B": 1})
    with pytest.raises(crmlib.CRMInputError, match="参数 hours_available 应该 > 0"):
        visit_plan(book.assign(grade="A"), hours_available=0)
    with pytest.raises(crmlib.CRMInputError, match="有缺失值"):
        visit_plan(book.assign(grade=["A", None]))
    with pytest.raises(crmlib.CRMMissingColumnError, match="请用 salesperson_col='…' 指定"):
        visit_plan(book.rename(columns={"salesperson": "rep"}))


# ---------------------------------------------------------------- shared promises

@pytest.mark.parametrize("call", [
    lambda d: pareto_table(d), lambda d: abc_classes(d), lambda d: customer_pyramid(d, value_col="amount"),
    lambda d: rfm_table(d), lambda d: top_share(d)])
def test_transaction_functions_do_not_mutate_input(tx, call):
    before = tx.copy()
    call(tx)
    pd.testing.assert_frame_equal(tx, before)
