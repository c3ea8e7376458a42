"""crmlib.retention：老客户经济账、CLV、生命周期阶段与模式、客户价值矩阵、赢回模拟、sBG。"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import crmlib  # noqa: E402
from crmlib import (CRMInputError, CRMMissingColumnError, clv_table, customer_lifetime_value,  # noqa: E402
                    lifecycle_path, lifecycle_pattern, lifecycle_stage, plot_sbg, plot_value_matrix, sbg_curve,
                    sbg_fit, selling_economics, simulate_winback, value_matrix)


# ---------------------------------------------------------------- selling_economics

def test_selling_economics_hand_calculation():
    # 预算 6000 元，老客户每人 10 元、新客户 60 元；成功率 50% 与 15%
    table = selling_economics(6000, existing_contact_cost=10, margin_per_sale=50)
    assert table.index.tolist() == ["新客户", "老客户"]
    assert table["contacts"].tolist() == pytest.approx([100.0, 600.0])
    assert table["sales"].tolist() == pytest.approx([15.0, 300.0])
    assert table["cost_per_sale"].tolist() == pytest.approx([400.0, 20.0])   # 60 / 0.15 与 10 / 0.5
    assert table["profit"].tolist() == pytest.approx([15 * 50 - 6000, 300 * 50 - 6000])
    # 每成交一单，新客户的花费是老客户的 6 × 0.5 / 0.15 = 20 倍
    assert table.loc["新客户", "cost_per_sale"] / table.loc["老客户", "cost_per_sale"] == pytest.approx(20.0)


def test_selling_economics_options():
    table = selling_economics(1000, existing_contact_cost=5, new_cost_multiple=10, new_success_rate=0.2,
                              existing_success_rate=0.4)
    assert table.loc["新客户", "contact_cost"] == pytest.approx(50.0)
    assert table.loc["新客户", "sales"] == pytest.approx(1000 / 50 * 0.2)
    assert table["profit"].tolist() == pytest.approx([-1000.0, -1000.0])  # 默认毛利为 0


@pytest.mark.parametrize("kwargs, fragment", [
    ({"budget": -1, "existing_contact_cost": 10}, "参数 budget 应该 ≥ 0"),
    ({"budget": 100, "existing_contact_cost": 0}, "参数 existing_contact_cost 应该 > 0"),
    ({"budget": 100, "existing_contact_cost": 10, "new_success_rate": 15}, "参数 new_success_rate 应该 ≥ 0 且 ≤ 1"),
    ({"budget": 100, "existing_contact_cost": 10, "existing_success_rate": 0}, "成功率不能为 0"),
    ({"budget": "100", "existing_contact_cost": 10}, "参数 budget 应该是数字"),
])
def test_selling_economics_errors(kwargs, fragment):
    budget = kwargs.pop("budget")
    with pytest.raises(CRMInputError, match=fragment) as info:
        selling_economics(budget, **kwargs)
    assert str(info.value).startswith("selling_economics：")


# ---------------------------------------------------------------- customer_lifetime_value / clv_table

def test_clv_closed_form_hand_calculation():
    # m / (1 + d − r) = 100 / 0.3
    assert customer_lifetime_value(100, 0.8, 0.1) == pytest.approx(333.3333333)
    # 两期：100/1.1 + 100×0.8/1.1² = 90.909 + 66.116
    assert customer_lifetime_value(100, 0.8, 0.1, periods=2) == pytest.approx(100 / 1.1 + 80 / 1.21)
    # 没有折现、保持率 0.5：100 × (1 + 0.5 + 0.25 + …) = 200
    assert customer_lifetime_value(100, 0.5, 0.0) == pytest.approx(200.0)
    # 保持率 1、折现率 0、有限期：就是 m × T
    assert customer_lifetime_value(100, 1.0, 0.0, periods=5) == pytest.approx(500.0)
    # 获客成本直接减掉
    assert customer_lifetime_value(100, 0.5, 0.0, acquisition_cost=30) == pytest.approx(170.0)
    assert type(customer_lifetime_value(100, 0.8, 0.1)) is float


def test_clv_grows_with_retention_and_falls_with_discount():
    values = [customer_lifetime_value(100, r, 0.1) for r in (0.5, 0.7, 0.9)]
    assert values == sorted(values) and values[2] > 2.9 * values[0]   # 500 对 166.7：保持率从 0.5 到 0.9，价值翻三倍
    assert customer_lifetime_value(100, 0.8, 0.2) < customer_lifetime_value(100, 0.8, 0.05)


def test_clv_vectorised_keeps_series_index():
    margins = pd.Series([100.0, 50.0, 0.0], index=["A", "B", "C"])
    out = customer_lifetime_value(margins, pd.Series([0.5, 0.5, 0.9], index=["A", "B", "C"]), 0.0)
    assert isinstance(out, pd.Series) and out.index.tolist() == ["A", "B", "C"]
    assert out.tolist() == pytest.approx([200.0, 100.0, 0.0])
    arr = customer_lifetime_value([100.0, 100.0], [0.5, 0.8], 0.1)
    assert isinstance(arr, np.ndarray) and arr.tolist() == pytest.approx([100 / 0.6, 100 / 0.3])
    assert margins.tolist() == [100.0, 50.0, 0.0]  # 输入不变


def test_clv_aligns_series_by_index():
    margins = pd.Series([100.0, 50.0, 0.0], index=["A", "B", "C"])
    rates = pd.Series([0.9, 0.5, 0.0], index=["C", "A", "B"])       # 同样的客户，顺序不同
    out = customer_lifetime_value(margins, rates, 0.0)
    assert out.index.tolist() == ["A", "B", "C"]
    assert out.tolist() == pytest.approx([100 / 0.5, 50 / 1.0, 0.0])   # A 配 0.5，B 配 0.0，C 配 0.9
    # 第一个 Series 可以不是 margin：结果用它的索引；折现率也按客户对齐（C 的折现率是 1.0）
    out = customer_lifetime_value(100.0, rates, pd.Series([0.0, 0.0, 1.0], index=["A", "B", "C"]))
    assert out.index.tolist() == ["C", "A", "B"] and out.tolist() == pytest.approx([100 / 1.1, 200.0, 100.0])
    # 列表和数组按位置对应
    assert customer_lifetime_value([100.0, 50.0], [0.5, 0.0], 0.0).tolist() == pytest.approx([200.0, 50.0])
    assert rates.index.tolist() == ["C", "A", "B"]                   # 输入不变


@pytest.mark.parametrize("rates, fragment", [
    (pd.Series([0.5, 0.5], index=["A", "X"]), "索引对不上"),
    (pd.Series([0.5, 0.5, 0.5], index=["A", "A", "B"]), "索引有重复的标签"),
])
def test_clv_series_that_do_not_align(rates, fragment):
    margins = pd.Series([100.0, 50.0], index=["A", "B"])
    with pytest.raises(CRMInputError, match=fragment) as info:
        customer_lifetime_value(margins, rates, 0.1)
    assert str(info.value).startswith("customer_lifetime_value：")


def test_clv_table_sums_to_closed_form():
    table = clv_table(100, 0.8, 0.1, periods=3)
    assert table.index.tolist() == [1, 2, 3] and table.index.name == "period"
    assert table["alive"].tolist() == pytest.approx([1.0, 0.8, 0.64])
    assert table["present_value"].tolist() == pytest.approx([100 / 1.1, 80 / 1.1 ** 2, 64 / 1.1 ** 3])
    assert table["cumulative_value"].iloc[-1] == pytest.approx(customer_lifetime_value(100, 0.8, 0.1, periods=3))
    long = clv_table(100, 0.8, 0.1, periods=400)
    assert long["cumulative_value"].iloc[-1] == pytest.approx(customer_lifetime_value(100, 0.8, 0.1))


@pytest.mark.parametrize("args, kwargs, fragment", [
    ((100, 1.2, 0.1), {}, "参数 retention_rate 应该 ≥ 0 且 ≤ 1"),
    ((100, 0.8, -0.1), {}, "参数 discount_rate 应该 ≥ 0"),
    ((100, 1.0, 0.0), {}, "无限期的终身价值是无穷大"),
    ((100, 0.8, 0.1), {"periods": 2.5}, "参数 periods 应该是整数"),
    (("100", 0.8, 0.1), {}, "参数 margin 应该是数字或一串数字"),
    (([100, np.nan], 0.8, 0.1), {}, "缺失值"),
    (([100, 200, 300], [0.5, 0.6], 0.1), {}, "长度对不上"),
    (([], 0.8, 0.1), {}, "参数 margin 是空的"),
    ((pd.Series([1.0, 2.0]), [0.5, 1.5], 0.1), {}, "参数 retention_rate 应该 ≤ 1"),
])
def test_clv_errors(args, kwargs, fragment):
    with pytest.raises(CRMInputError, match=fragment) as info:
        customer_lifetime_value(*args, **kwargs)
    assert str(info.value).startswith("customer_lifetime_value：")


def test_clv_table_with_a_huge_discount_rate_has_no_overflow_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = clv_table(100, 0.8, 1e14, periods=10_000)
    assert table["discount_factor"].iloc[-1] == 0.0 and np.isfinite(table.to_numpy()).all()


def test_clv_table_errors():
    with pytest.raises(CRMInputError, match="clv_table：参数 periods 应该 ≥ 1"):
        clv_table(100, 0.8, 0.1, periods=0)
    with pytest.raises(CRMInputError, match="clv_table：参数 margin 应该是数字"):
        clv_table([100], 0.8, 0.1)


# ---------------------------------------------------------------- lifecycle

@pytest.fixture
def panel():
    # A：试探两期后快速上量、稳定三期、然后下降退出（提前退出型）
    # B：试探一期就走了（早期流产型）
    # C：试探后上量，没稳定就掉下来（中途夭折型）
    # D：一直稳定到最后（长期保持型）
    # E：最后一期才来（考察期，尚未结束）
    rows = {
        "A": [10, 10, 60, 90, 90, 95, 90, 20, 0, 0],
        "B": [0, 8, 0, 0, 0, 0, 0, 0, 0, 0],
        "C": [0, 0, 10, 10, 40, 70, 10, 0, 0, 0],
        "D": [20, 20, 60, 100, 100, 100, 100, 100, 100, 100],
        "E": [0, 0, 0, 0, 0, 0, 0, 0, 0, 15],
    }
    records = [(cid, q + 1, float(a)) for cid, amounts in rows.items() for q, a in enumerate(amounts) if a > 0]
    return pd.DataFrame(records, columns=["customer_id", "quarter", "amount"])


def test_lifecycle_path_hand_calculation(panel):
    path = lifecycle_path(panel, trial_periods=2)
    assert path.columns.tolist() == list(range(1, 11)) and path.index.tolist() == list("ABCDE")
    # A：recent = [5, 10, 35, 75, 90, 92.5, 92.5, 55, 10, 0]；75 > 1.25×35 仍在形成，90 / 75 = 1.2 < 1.25 稳定；
    #    第 8 期采购额 20 < 0.5 × 92.5（历史最高的 recent），进入退化期
    #    第 9 期没有采购仍是退化期；第 10 期已经连续 2 期没有采购：已结束
    assert path.loc["A"].tolist() == ["考察期", "考察期", "形成期", "形成期", "稳定期", "稳定期", "稳定期",
                                      "退化期", "退化期", "已结束"]
    # B 第 2 期来过一次：第 3 期仍在考察期，第 4 期起连续两期没有采购，关系已结束（不再是考察期或退化期）
    assert pd.isna(path.loc["B", 1]) and path.loc["B"].tolist()[1:] == ["考察期", "考察期"] + ["已结束"] * 7
    assert path.loc["C"].tolist()[4:] == ["形成期", "形成期", "退化期", "退化期", "已结束", "已结束"]
    assert path.loc["E"].isna().sum() == 9 and path.loc["E", 10] == "考察期"
    # 退出以后的每一期都是已结束
    for cid in "ABC":
        last = panel.loc[panel["customer_id"] == cid, "quarter"].max()
        assert (path.loc[cid, last + 2:] == "已结束").all() and "已结束" not in path.loc[cid, :last + 1].tolist()
    # exit_periods=3：要连续 3 期没有采购才算结束
    assert lifecycle_path(panel, trial_periods=2, exit_periods=3).loc["A", 10] == "退化期"


def test_lifecycle_path_column_is_stage_as_of_that_period(panel):
    path = lifecycle_path(panel, trial_periods=2)
    for t in (4, 7, 9, 10):
        stage = lifecycle_stage(panel[panel["quarter"] <= t], trial_periods=2, as_of=t)
        assert path[t].dropna().to_dict() == stage["stage"].to_dict(), t
        assert ((stage["stage"] == "已结束") == stage["ended"]).all()


def test_lifecycle_path_customer_who_comes_back_is_judged_again():
    frame = pd.DataFrame({"customer_id": ["A"] * 6, "quarter": [1, 2, 3, 4, 5, 9],
                          "amount": [10.0, 10, 40, 40, 40, 30]})
    path = lifecycle_path(frame, trial_periods=2).loc["A"].tolist()
    assert path[5:] == ["退化期", "已结束", "已结束", "形成期"]   # 第 9 期又来采购：重新按规则判断（recent 从 0 升到 15）
    assert lifecycle_pattern(frame, trial_periods=2, long_periods=5).loc["A", "pattern"] == "尚未结束"


def test_lifecycle_stage_current(panel):
    stage = lifecycle_stage(panel, trial_periods=2)
    assert stage.index.name == "customer_id"
    assert stage["stage"].to_dict() == {"A": "已结束", "B": "已结束", "C": "已结束", "D": "稳定期", "E": "考察期"}
    assert stage["ended"].to_dict() == {"A": True, "B": True, "C": True, "D": False, "E": False}
    assert stage.loc["A", "first_period"] == 1 and stage.loc["A", "last_period"] == 8
    assert stage.loc["E", "tenure"] == 1 and stage.loc["D", "recent"] == pytest.approx(100.0)
    assert stage.loc["A", "peak"] == pytest.approx(92.5)
    # 截到第 6 期看：A 正处于稳定期，C 还在形成期
    early = lifecycle_stage(panel[panel["quarter"] <= 6], trial_periods=2)
    assert early.loc["A", "stage"] == "稳定期" and early.loc["C", "stage"] == "形成期"
    # as_of 晚于数据：最后几期按 0 计
    later = lifecycle_stage(panel, trial_periods=2, as_of=12)
    assert later.loc["D", "stage"] == "已结束" and bool(later.loc["E", "ended"])
    assert lifecycle_stage(panel, trial_periods=2, as_of=11).loc["D", "stage"] == "退化期"   # 只空了一期


def test_lifecycle_pattern_four_patterns(panel):
    pattern = lifecycle_pattern(panel, trial_periods=2, long_periods=4)
    assert pattern["pattern"].to_dict() == {"A": "提前退出型", "B": "早期流产型", "C": "中途夭折型",
                                            "D": "长期保持型", "E": "尚未结束"}
    assert pattern.loc["A", "stable_periods"] == 3 and pattern.loc["D", "stable_periods"] == 6
    # 把"长期"的门槛降到 3 期，A 也算长期保持型
    assert lifecycle_pattern(panel, trial_periods=2, long_periods=3).loc["A", "pattern"] == "长期保持型"


def test_lifecycle_sums_duplicate_rows_and_does_not_mutate(panel):
    doubled = pd.concat([panel.assign(amount=panel["amount"] / 2)] * 2, ignore_index=True)
    before = doubled.copy(deep=True)
    pd.testing.assert_frame_equal(lifecycle_stage(doubled, trial_periods=2), lifecycle_stage(panel, trial_periods=2))
    pd.testing.assert_frame_equal(doubled, before)


@pytest.mark.parametrize("change, kwargs, fragment", [
    (lambda d: d.drop(columns="quarter"), {}, "lifecycle_stage：找不到列 'quarter'。现有列：customer_id, amount"),
    (lambda d: d.assign(quarter=d["quarter"] + 0.5), {}, "应该是整数的期序号"),
    (lambda d: d.assign(amount=-d["amount"]), {}, "列 'amount' 有"),
    (lambda d: d.assign(amount="1"), {}, "列 'amount' 应该是数值"),
    (lambda d: d, {"decline_ratio": 1.5}, "参数 decline_ratio 应该 > 0 且 < 1"),
    (lambda d: d, {"window": 0}, "参数 window 应该 ≥ 1"),
    (lambda d: d, {"as_of": 5}, "条记录晚于 as_of=5"),
    (lambda d: d.iloc[0:0], {}, "空表"),
    # a customer whose every record is 0 never bought: no stage (was an IndexError)
    (lambda d: pd.concat([d, pd.DataFrame({"customer_id": ["Z"], "quarter": [3], "amount": [0.0]})]), {},
     r"列 'amount' 里有 1 位客户每期的采购额都是 0（例如 \['Z'\]）"),
    # a customer-by-period matrix of 10^9 periods (was a MemoryError)
    (lambda d: d, {"as_of": 10 ** 9}, "多于 10000 期"),
    (lambda d: d.assign(quarter=d["quarter"] * 10 ** 8), {}, "列 'quarter' 从 100000000 到"),
    (lambda d: d, {"window": 10 ** 9}, "参数 window 应该 ≥ 1 且 ≤ 10000"),
    (lambda d: d, {"exit_periods": 10 ** 9}, "参数 exit_periods 应该 ≥ 1 且 ≤ 10000"),
    (lambda d: d.assign(customer_id=[[c] for c in d["customer_id"]]), {}, "客户编号应该是数字或文字"),
])
def test_lifecycle_errors(panel, change, kwargs, fragment):
    frame = change(panel)
    before = frame.copy(deep=True)
    with pytest.raises(CRMInputError, match=fragment):
        lifecycle_stage(frame, **kwargs)
    pd.testing.assert_frame_equal(frame, before)


def test_lifecycle_orders_categorical_customer_ids_like_text(panel):
    categorical = panel.assign(customer_id=pd.Categorical(panel["customer_id"], categories=list("ZEDCBA")))
    for func in (lifecycle_stage, lifecycle_path, lifecycle_pattern):
        pd.testing.assert_frame_equal(func(categorical), func(panel))


def test_lifecycle_missing_column_is_key_error(panel):
    with pytest.raises(KeyError):
        lifecycle_pattern(panel, amount_col="sales")
    with pytest.raises(CRMMissingColumnError, match="请用 amount_col='…' 指定"):
        lifecycle_path(panel, amount_col="sales")


# ---------------------------------------------------------------- value matrix

@pytest.fixture
def accounts():
    return pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
                         "current_value": [10.0, 8.0, 1.0, 2.0, 5.0],
                         "growth_potential": [9.0, 1.0, 8.0, 2.0, 5.0]})


def test_value_matrix_quadrants_and_strategies(accounts):
    out = value_matrix(accounts, current_cut=5, potential_cut=5)
    # 恰好等于分界线算"高"
    assert out["quadrant"].tolist() == ["IV", "III", "II", "I", "IV"]
    assert out["priority"].tolist() == [1, 2, 3, 4, 1]
    assert out.loc[1, "segment"] == "高当前价值客户" and "维持" in out.loc[1, "strategy"]
    assert "重点投入" in out.loc[0, "strategy"] and "放弃" in out.loc[3, "strategy"]
    assert list(out.columns[:3]) == list(accounts.columns) and "quadrant" not in accounts.columns


def test_value_matrix_default_cut_is_median(accounts):
    out = value_matrix(accounts)   # 中位数：当前价值 5，增值潜力 5
    assert out["quadrant"].tolist() == ["IV", "III", "II", "I", "IV"]
    low = value_matrix(accounts, current_cut=0, potential_cut=100)
    assert set(low["quadrant"]) == {"III"}


@pytest.mark.parametrize("change, kwargs, fragment", [
    (lambda d: d.drop(columns="growth_potential"), {}, "value_matrix：找不到列 'growth_potential'"),
    (lambda d: d, {"current_col": "value"}, "请用 current_col='…' 指定"),
    (lambda d: d.assign(current_value=[1.0, np.nan, 2, 3, 4]), {}, "列 'current_value' 有 1 个缺失值"),
    (lambda d: d, {"current_cut": "高"}, "参数 current_cut 应该是数字"),
])
def test_value_matrix_errors(accounts, change, kwargs, fragment):
    with pytest.raises(CRMInputError, match=fragment):
        value_matrix(change(accounts), **kwargs)


def test_plot_value_matrix(accounts):
    fig, ax = plt.subplots()
    out = plot_value_matrix(accounts, current_cut=5, potential_cut=5, ax=ax)
    assert out is ax and len(ax.collections) == 4
    counts = sorted(len(c.get_offsets()) for c in ax.collections)
    assert counts == [1, 1, 1, 2]
    assert [t.get_text() for t in ax.get_legend().get_texts()][0].startswith("IV 最有价值客户（2）")
    with pytest.raises(CRMInputError, match="参数 ax 应该是 matplotlib 的坐标轴"):
        plot_value_matrix(accounts, ax=fig)
    plt.close("all")


# ---------------------------------------------------------------- simulate_winback

def test_simulate_winback_hand_calculation():
    sim = simulate_winback(100, periods=3, winback_rate=0.2, retention_rate=0.9, visit_rate=0.5, nights=2,
                           price=100, unit_cost=40, program_cost=100)
    # 第 1 期：回来 20，入住 20 次 × 2 晚 = 40 晚；利润 40 × 60 − 100 = 2300
    # 第 2 期：回来 80 × 0.2 = 16，留下 18（走了 2），入住 16 + 9 = 25 次 = 50 晚；利润 3000 − 100 = 2900
    # 第 3 期：回来 12.8，留下 34 × 0.9 = 30.6，入住 12.8 + 15.3 = 28.1 次
    assert sim["winback"].tolist() == pytest.approx([20.0, 16.0, 12.8])
    assert sim["continuing"].tolist() == pytest.approx([0.0, 18.0, 30.6])
    assert sim["gone"].tolist() == pytest.approx([0.0, 2.0, 3.4])
    assert sim["active"].tolist() == pytest.approx([20.0, 34.0, 43.4])
    assert sim["lost"].tolist() == pytest.approx([80.0, 64.0, 51.2])
    assert sim["visits"].tolist() == pytest.approx([20.0, 25.0, 28.1])
    assert sim["profit"].tolist() == pytest.approx([2300.0, 2900.0, 28.1 * 2 * 60 - 100])
    assert sim["cumulative_profit"].iloc[1] == pytest.approx(5200.0)
    assert sim["recovered_share"].tolist() == pytest.approx([0.2, 0.36, 0.488])
    # 人数守恒：仍流失 + 在住 + 再次离开 = 最初的流失人数
    assert (sim["lost"] + sim["active"] + sim["gone"].cumsum()).tolist() == pytest.approx([100.0] * 3)


def test_simulate_winback_per_period_inputs():
    price = [60.0] * 2 + [100.0] * 2
    sim = simulate_winback(50, periods=4, winback_rate=0.5, retention_rate=[0.9, 0.9, 0.2, 0.9],
                           price=price, unit_cost=40)
    assert sim["revenue"].tolist() == pytest.approx((sim["visits"] * np.array(price)).tolist())
    assert sim.loc[3, "continuing"] == pytest.approx(sim.loc[2, "active"] * 0.2)


def test_simulate_winback_empty_pool_has_undefined_recovery():
    sim = simulate_winback(0, periods=2, winback_rate=0.2, retention_rate=0.9, price=100, unit_cost=40,
                           program_cost=50)
    assert sim["recovered_share"].isna().all() and sim["profit"].tolist() == [-50.0, -50.0]


@pytest.mark.parametrize("kwargs, fragment", [
    ({"winback_rate": 1.5}, "参数 winback_rate 应该 ≥ 0 且 ≤ 1"),
    ({"price": [100, 200]}, "参数 price 给了 2 个值，而 periods=3"),
    ({"unit_cost": -1}, "参数 unit_cost 应该 ≥ 0"),
    ({"periods": 0}, "参数 periods 应该 ≥ 1"),
    ({"retention_rate": "高"}, "参数 retention_rate 应该是数字或一串数字"),
])
def test_simulate_winback_errors(kwargs, fragment):
    base = dict(periods=3, winback_rate=0.2, retention_rate=0.9, price=100, unit_cost=40)
    base.update(kwargs)
    with pytest.raises(CRMInputError, match=fragment) as info:
        simulate_winback(100, **base)
    assert str(info.value).startswith("simulate_winback：")


# ---------------------------------------------------------------- sBG

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]      # Fader & Hardie (2007)，regular 客户，第 0—7 年
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]     # 同文的 high end 客户


def test_sbg_fit_matches_published_example():
    fit = sbg_fit(REGULAR)
    assert fit["alpha"] == pytest.approx(0.704, abs=0.001) and fit["beta"] == pytest.approx(1.182, abs=0.001)
    # 对数似然按定义逐项手算：P(T=1) = α/(α+β)，P(T=t) = P(T=t−1)·(β+t−2)/(α+β+t−1)
    a, b = fit["alpha"], fit["beta"]
    p = [a / (a + b)]
    for t in range(2, 8):
        p.append(p[-1] * (b + t - 2) / (a + b + t - 1))
    lost = -np.diff(REGULAR)
    loglik = float(np.sum(lost * np.log(p)) + REGULAR[-1] * np.log(1 - sum(p)))
    assert fit["log_likelihood"] == pytest.approx(loglik)
    assert sbg_fit(REGULAR[:5])["log_likelihood"] != pytest.approx(loglik)
    high = sbg_fit(HIGH_END)
    assert high["alpha"] == pytest.approx(0.668, abs=0.001) and high["beta"] == pytest.approx(3.806, abs=0.002)


def test_sbg_projection_matches_published_holdout():
    # 论文里第 8—12 年的实际人数：223, 207, 194, 183, 173；模型预测应在几个百分点以内
    fit = sbg_fit(REGULAR)
    curve = sbg_curve(fit["alpha"], fit["beta"], periods=12, cohort_size=1000)
    actual = np.array([223, 207, 194, 183, 173])
    assert np.abs(curve["survivors"].iloc[8:].to_numpy() / actual - 1).max() < 0.05


def test_sbg_curve_hand_calculation():
    # α = 1、β = 2：P(T=1) = 1/3；P(T=2) = 1/3 × 2/4 = 1/6；S(1) = 2/3，S(2) = 1/2；r_2 = (2+1)/(1+2+1) = 3/4
    curve = sbg_curve(1.0, 2.0, periods=2, cohort_size=60)
    assert curve["survival"].tolist() == pytest.approx([1.0, 2 / 3, 0.5])
    assert curve["survivors"].tolist() == pytest.approx([60.0, 40.0, 30.0])
    assert curve["churn_prob"].iloc[1:].tolist() == pytest.approx([1 / 3, 1 / 6])
    assert np.isnan(curve["retention_rate"].iloc[0])
    assert curve["retention_rate"].iloc[1:].tolist() == pytest.approx([2 / 3, 3 / 4])
    # 保持率随时间上升
    long = sbg_curve(0.7, 1.2, periods=20)
    assert long["retention_rate"].iloc[1:].is_monotonic_increasing


def test_sbg_fit_recovers_simulated_parameters():
    rng = np.random.default_rng(7)
    theta = rng.beta(2.0, 6.0, 20_000)
    life = rng.geometric(theta)
    survivors = [int((life > t).sum()) for t in range(10)]
    fit = sbg_fit(survivors)
    assert fit["alpha"] == pytest.approx(2.0, rel=0.2) and fit["beta"] == pytest.approx(6.0, rel=0.2)


@pytest.mark.parametrize("survivors, fragment", [
    ([1000, 600], "至少要有 3 个数"),
    ([0, 0, 0], "必须大于 0"),
    ([100, 80, 90], "应该逐期不增"),
    ([100, 100, 100], "没有任何客户流失"),
    ([100, -5, -10], "参数 survivors 应该 ≥ 0"),
    ("1000,600,400", "参数 survivors 应该是数字或一串数字"),
])
def test_sbg_errors(survivors, fragment):
    with pytest.raises(CRMInputError, match=fragment) as info:
        sbg_fit(survivors)
    assert str(info.value).startswith("sbg_fit：")


def test_sbg_curve_errors():
    with pytest.raises(CRMInputError, match="sbg_curve：参数 alpha 应该 > 0"):
        sbg_curve(0, 1.0)


def test_plot_sbg():
    ax = plot_sbg(REGULAR, horizon=12)
    assert len(ax.lines) == 3
    observed, fitted, projected = ax.lines
    assert observed.get_ydata().tolist() == REGULAR
    assert projected.get_xdata()[-1] == 12 and "0.704" in fitted.get_label()
    ax2 = plot_sbg(REGULAR, horizon=10, show_retention=True)
    assert ax2.lines[0].get_ydata()[0] == pytest.approx(0.631) and ax2.get_ylabel() == "保持率"
    with pytest.raises(CRMInputError, match="参数 horizon 应该 ≥ 7"):
        plot_sbg(REGULAR, horizon=3)
    plt.close("all")


def test_names_are_exported():
    for name in ["selling_economics", "customer_lifetime_value", "clv_table", "lifecycle_path", "lifecycle_stage",
                 "lifecycle_pattern", "value_matrix", "plot_value_matrix", "simulate_winback", "sbg_fit",
                 "sbg_curve", "plot_sbg"]:
        assert name in crmlib.__all__ and callable(getattr(crmlib, name))
