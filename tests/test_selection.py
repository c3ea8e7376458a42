"""crmlib.selection：客户利润、劣质客户标记、加权吸引力得分、客户群汇总。"""
import numpy as np
import pandas as pd
import pytest

import crmlib
from crmlib import attractiveness_score, bad_customer_flags, customer_profit, segment_summary


@pytest.fixture
def tiny():
    return pd.DataFrame({
        "customer_id": ["A", "B", "C"],
        "segment": ["酒店", "餐馆", "餐馆"],
        "revenue": [200_000.0, 30_000.0, 10_000.0],
        "gross_margin_rate": [0.08, 0.15, 0.16],
        "service_cost": [6_000.0, 1_200.0, 2_000.0],
        "bad_debt": [5_000.0, 0.0, 0.0],
        "payment_terms_days": [60, 0, 0],
        "avg_delay_days": [45.0, 0.0, 5.0],
        "special_requests": [25, 2, 1],
    })


# ---------------------------------------------------------------- customer_profit

def test_customer_profit_matches_hand_calculation(tiny):
    out = customer_profit(tiny, capital_rate=0.073)
    # A：毛利 200000×0.08 = 16000；资金占用 200000×(60+45)/365×0.073 = 4200；
    #    利润 16000 − 6000 − 5000 − 4200 = 800
    # B：毛利 4500，无赊账，利润 4500 − 1200 = 3300
    # C：毛利 1600；资金占用 10000×5/365×0.073 = 10；利润 1600 − 2000 − 10 = −410
    assert out["gross_profit"].round(6).tolist() == [16_000.0, 4_500.0, 1_600.0]
    assert out["capital_cost"].round(6).tolist() == [4_200.0, 0.0, 10.0]
    assert out["profit"].round(6).tolist() == [800.0, 3_300.0, -410.0]
    assert out["profit_margin"].round(6).tolist() == [0.004, 0.11, -0.041]
    # 其余列原样保留，顺序不变
    assert list(out.columns[: len(tiny.columns)]) == list(tiny.columns)


def test_customer_profit_optional_day_columns_and_rate(tiny):
    no_terms = customer_profit(tiny, terms_col=None, capital_rate=0.073)
    assert no_terms.loc[0, "capital_cost"] == pytest.approx(200_000 * 45 / 365 * 0.073)
    neither = customer_profit(tiny.drop(columns=["payment_terms_days", "avg_delay_days"]),
                              terms_col=None, delay_col=None)
    assert neither["capital_cost"].eq(0).all()
    free = customer_profit(tiny, capital_rate=0)
    assert free["profit"].tolist() == pytest.approx([5_000.0, 3_300.0, -400.0])
    # 资金成本率越高，赊账客户的利润越低，现款客户不受影响
    dear = customer_profit(tiny, capital_rate=0.2)
    assert dear.loc[0, "profit"] < free.loc[0, "profit"] and dear.loc[1, "profit"] == free.loc[1, "profit"]


def test_customer_profit_zero_revenue_margin_is_nan(tiny):
    frame = tiny.assign(revenue=[0.0, 30_000.0, 10_000.0])
    out = customer_profit(frame)
    assert np.isnan(out.loc[0, "profit_margin"]) and out.loc[0, "profit"] == pytest.approx(-11_000.0)


def test_customer_profit_does_not_mutate_input(tiny):
    before = tiny.copy(deep=True)
    out = customer_profit(tiny)
    pd.testing.assert_frame_equal(tiny, before)
    assert out is not tiny and "profit" not in tiny.columns


@pytest.mark.parametrize("change, kwargs, fragment", [
    (lambda d: d.drop(columns="service_cost"), {}, "customer_profit：找不到列 'service_cost'。现有列："),
    (lambda d: d, {"margin_col": "margin"}, "请用 margin_col='…' 指定"),
    (lambda d: d.assign(revenue=["1", "2", "3"]), {}, "列 'revenue' 应该是数值"),
    (lambda d: d.assign(revenue=[1.0, -2.0, 3.0]), {}, "列 'revenue' 有 1 个负数"),
    (lambda d: d.assign(bad_debt=[1.0, np.nan, 3.0]), {}, "列 'bad_debt' 有 1 个缺失值"),
    (lambda d: d.assign(gross_margin_rate=[8.0, 15.0, 16.0]), {}, "应该是比例.*请先除以 100"),
    (lambda d: d, {"capital_rate": 6}, "参数 capital_rate 应该 ≥ 0 且 ≤ 1"),
    (lambda d: d, {"capital_rate": "6%"}, "参数 capital_rate 应该是数字"),
    (lambda d: d.iloc[0:0], {}, "空表"),
])
def test_customer_profit_chinese_errors(tiny, change, kwargs, fragment):
    frame = change(tiny)
    before = frame.copy(deep=True)
    with pytest.raises(crmlib.CRMInputError, match=fragment):
        customer_profit(frame, **kwargs)
    pd.testing.assert_frame_equal(frame, before)


def test_customer_profit_missing_column_is_key_error(tiny):
    with pytest.raises(KeyError):
        customer_profit(tiny, bad_debt_col="坏账")


def test_customer_profit_rejects_non_frames():
    with pytest.raises(crmlib.CRMInputError, match="需要 pandas DataFrame，收到的是 list"):
        customer_profit([1, 2])


# ---------------------------------------------------------------- bad_customer_flags

def test_bad_customer_flags_hand_example(tiny):
    flags = bad_customer_flags(tiny)
    # 销售额中位数 30000：B、C 算"买得少"；C 服务成本占 20% > 15%，B 只占 4%
    assert flags["few_buys_many_demands"].tolist() == [False, False, True]
    # A 有坏账且拖延 45 天 > 30 天
    assert flags["bad_credit"].tolist() == [True, False, False]
    # A 提了 25 次额外要求 > 12
    assert flags["off_strategy"].tolist() == [True, False, False]
    assert flags["n_flags"].tolist() == [2, 0, 1]
    assert flags["bad_customer"].tolist() == [True, False, True]
    assert flags.index.equals(tiny.index)


def test_bad_customer_flags_thresholds_move_the_flags(tiny):
    strict = bad_customer_flags(tiny, max_service_ratio=0.03, max_delay_days=3, max_requests=1,
                                small_quantile=1.0)
    assert strict["few_buys_many_demands"].tolist() == [False, True, True]
    assert strict["bad_credit"].tolist() == [True, False, True]
    assert strict["off_strategy"].tolist() == [True, True, False]
    loose = bad_customer_flags(tiny.assign(bad_debt=0.0), max_delay_days=60, max_requests=100)
    assert loose["bad_credit"].sum() == 0 and loose["off_strategy"].sum() == 0


def test_bad_customer_flags_zero_revenue_with_service_cost_counts_as_demanding(tiny):
    flags = bad_customer_flags(tiny.assign(revenue=[200_000.0, 30_000.0, 0.0]))
    assert bool(flags.loc[2, "few_buys_many_demands"])


def test_bad_customer_flags_errors_and_no_mutation(tiny):
    before = tiny.copy(deep=True)
    with pytest.raises(crmlib.CRMMissingColumnError, match="请用 requests_col='…' 指定"):
        bad_customer_flags(tiny.drop(columns="special_requests"))
    with pytest.raises(crmlib.CRMInputError, match="参数 small_quantile 应该 ≥ 0 且 ≤ 1"):
        bad_customer_flags(tiny, small_quantile=50)
    with pytest.raises(crmlib.CRMInputError, match="列 'avg_delay_days' 有 1 个负数"):
        bad_customer_flags(tiny.assign(avg_delay_days=[-1.0, 0.0, 0.0]))
    bad_customer_flags(tiny)
    pd.testing.assert_frame_equal(tiny, before)


# ---------------------------------------------------------------- attractiveness_score

def test_attractiveness_score_hand_calculation():
    frame = pd.DataFrame({"profit": [100.0, 300.0, 200.0], "growth_rate": [0.1, 0.1, 0.1],
                          "avg_delay_days": [0.0, 60.0, 15.0]})
    score = attractiveness_score(frame, {"profit": 2, "avg_delay_days": 1, "growth_rate": 1},
                                 lower_is_better=["avg_delay_days"])
    # 标准化：profit → 0, 1, 0.5；拖延（越小越好）→ 1, 0, 0.75；growth 全相同 → 0.5
    # 得分 = (2×p + 1×d + 1×0.5) / 4 × 100
    expected = [(0 + 1 + 0.5) / 4 * 100, (2 + 0 + 0.5) / 4 * 100, (1 + 0.75 + 0.5) / 4 * 100]
    assert score.tolist() == pytest.approx(expected)
    assert score.name == "attractiveness" and score.index.equals(frame.index)
    # 只换方向，排序随之改变
    plain = attractiveness_score(frame, {"avg_delay_days": 1})
    assert plain.tolist() == pytest.approx([0.0, 100.0, 25.0])
    assert attractiveness_score(frame, {"avg_delay_days": 1}, lower_is_better="avg_delay_days").tolist() \
        == pytest.approx([100.0, 0.0, 75.0])


def test_attractiveness_score_weights_scale_free():
    frame = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [3.0, 1.0, 2.0]})
    one = attractiveness_score(frame, {"a": 0.3, "b": 0.7})
    ten = attractiveness_score(frame, {"a": 3, "b": 7})
    assert one.tolist() == pytest.approx(ten.tolist())
    assert 0 <= one.min() and one.max() <= 100


def test_attractiveness_score_errors():
    frame = pd.DataFrame({"a": [1.0, 2.0], "text": ["x", "y"], "gap": [1.0, None]})
    before = frame.copy(deep=True)
    with pytest.raises(crmlib.CRMMissingColumnError, match="weights 里的列 'profit' 不在表中"):
        attractiveness_score(frame, {"profit": 1})
    with pytest.raises(crmlib.CRMInputError, match="参数 weights 应该是字典"):
        attractiveness_score(frame, [("a", 1)])
    with pytest.raises(crmlib.CRMInputError, match=r"weights\['a'\] 应该 ≥ 0"):
        attractiveness_score(frame, {"a": -1})
    with pytest.raises(crmlib.CRMInputError, match="权重之和为 0"):
        attractiveness_score(frame, {"a": 0})
    with pytest.raises(crmlib.CRMInputError, match="没有出现在 weights 里"):
        attractiveness_score(frame, {"a": 1}, lower_is_better=["gap"])
    with pytest.raises(crmlib.CRMInputError, match="应该是列名的列表"):
        attractiveness_score(frame, {"a": 1}, lower_is_better=5)
    with pytest.raises(crmlib.CRMInputError, match="列 'text' 应该是数值"):
        attractiveness_score(frame, {"text": 1})
    with pytest.raises(crmlib.CRMInputError, match="列 'gap' 有 1 个缺失值"):
        attractiveness_score(frame, {"gap": 1})
    pd.testing.assert_frame_equal(frame, before)


# ---------------------------------------------------------------- segment_summary

def test_segment_summary_hand_calculation(tiny):
    table = segment_summary(customer_profit(tiny, capital_rate=0.073))
    assert table.index.tolist() == ["餐馆", "酒店"]  # 按利润从高到低
    assert table.index.name == "segment"
    assert table["customers"].tolist() == [2, 1]
    assert table["revenue"].tolist() == pytest.approx([40_000.0, 200_000.0])
    assert table["profit"].tolist() == pytest.approx([2_890.0, 800.0])
    assert table["profit_share"].tolist() == pytest.approx([2_890 / 3_690, 800 / 3_690])
    assert table["loss_share"].tolist() == pytest.approx([0.5, 0.0])
    assert table["profit_per_customer"].tolist() == pytest.approx([1_445.0, 800.0])
    assert table["profit_per_service_cost"].tolist() == pytest.approx([2_890 / 3_200, 800 / 6_000])


def test_segment_summary_custom_columns_and_errors(tiny):
    renamed = customer_profit(tiny).rename(columns={"segment": "客户群", "profit": "利润"})
    table = segment_summary(renamed, segment_col="客户群", profit_col="利润")
    assert table.index.name == "客户群" and set(table.index) == {"酒店", "餐馆"}
    with pytest.raises(crmlib.CRMMissingColumnError, match="请先用 customer_profit"):
        segment_summary(tiny)
    with pytest.raises(crmlib.CRMMissingColumnError, match="请用 segment_col='…' 指定"):
        segment_summary(customer_profit(tiny), segment_col="group")
    with pytest.raises(crmlib.CRMInputError, match="列 'segment' 有 1 个缺失值"):
        segment_summary(customer_profit(tiny).assign(segment=["酒店", None, "餐馆"]))


# ---------------------------------------------------------------- figures

def _close(ax):
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_plot_whale_curve_plots_cumulative_profit_shares_and_marks_the_peak():
    import matplotlib
    matplotlib.use("Agg")
    frame = pd.DataFrame({"profit": [-30.0, 50.0, 80.0, 0.0]})
    ax = crmlib.plot_whale_curve(frame)
    x, y = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    # 80, 50, 0, −30 of a total 100: 80 %, 130 %, 130 %, 100 %
    assert np.allclose(y, [80, 130, 130, 100]) and np.allclose(x, [25, 50, 75, 100])
    assert "峰值 130%：前 50% 的客户" in [t.get_text() for t in ax.texts]
    _close(ax)
    with pytest.raises(crmlib.CRMInputError, match="全部利润不大于 0"):
        crmlib.plot_whale_curve(pd.DataFrame({"profit": [-1.0, 0.5]}))
    assert frame["profit"].tolist() == [-30.0, 50.0, 80.0, 0.0]


def test_plot_profit_waterfall_steps_add_up_to_the_profit(tiny):
    import matplotlib
    matplotlib.use("Agg")
    table = customer_profit(tiny)
    ax = crmlib.plot_profit_waterfall(table.iloc[[0]])
    bars = ax.patches
    heights = [round(p.get_height() * 1e4, 2) for p in bars]
    row = table.iloc[0]
    assert heights == [round(row["gross_profit"], 2), round(-row["service_cost"], 2), round(-row["bad_debt"], 2),
                       round(-row["capital_cost"], 2), round(row["profit"], 2)]
    # every cost bar starts where the previous one ended
    assert abs(bars[1].get_y() - bars[0].get_height()) < 1e-9
    assert ax.get_title() == "客户 A：毛利是怎样被吃掉的"
    _close(ax)
    ax = crmlib.plot_profit_waterfall(table, title="全部客户")  # several rows: their totals
    assert abs(ax.patches[-1].get_height() * 1e4 - table["profit"].sum()) < 1e-6 and ax.get_title() == "全部客户"
    _close(ax)


def test_plot_profit_bars_colours_losses_red_and_keeps_the_order():
    import matplotlib
    matplotlib.use("Agg")
    frame = pd.DataFrame({"群": ["乙", "甲", "丙"], "profit": [2.0, -1.0, 0.5]})
    ax = crmlib.plot_profit_bars(frame, label_col="群", ylim=(-5, 5), title="利润")
    assert [p.get_height() for p in ax.patches] == [2.0, -1.0, 0.5]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["乙", "甲", "丙"]
    red = [p.get_facecolor()[0] > 0.6 and p.get_facecolor()[2] < 0.3 for p in ax.patches]
    assert red == [False, True, False]
    assert ax.get_ylim() == (-5.0, 5.0)
    _close(ax)
    with pytest.raises(crmlib.CRMInputError, match="下限 5 应该小于上限 1"):
        crmlib.plot_profit_bars(frame, ylim=(5, 1))


def test_plot_revenue_profit_one_colour_per_segment_on_a_log_axis(tiny):
    import matplotlib
    matplotlib.use("Agg")
    table = customer_profit(tiny)
    ax = crmlib.plot_revenue_profit(table)
    assert ax.get_xscale() == "log"
    assert [c.get_offsets().shape[0] for c in ax.collections] == [1, 2]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["酒店", "餐馆"]
    assert np.allclose(ax.collections[1].get_offsets()[:, 1], table["profit"].iloc[1:] / 1e4)
    _close(ax)
    with pytest.raises(crmlib.CRMInputError, match="对数刻度"):
        crmlib.plot_revenue_profit(table.assign(revenue=[0.0, 1.0, 2.0]))
