"""crmlib.development: funnel, acquisition cost, prospect qualification, personality."""
import math

import pandas as pd
import pytest

import crmlib
from crmlib import development as dev

STAGES = ["线索", "接通", "成交"]


def test_stage_counts_and_funnel_by_hand():
    leads = pd.DataFrame({"stage": ["线索", "接通", "成交", "接通", "线索"]})
    counts = dev.stage_counts(leads, stages=STAGES)
    assert counts.tolist() == [5, 3, 1]
    table = dev.funnel_table(counts)
    assert table.index.tolist() == STAGES
    assert math.isnan(table.loc["线索", "step_rate"])
    assert table.loc["接通", "step_rate"] == pytest.approx(3 / 5)
    assert table.loc["成交", "step_rate"] == pytest.approx(1 / 3)
    assert table.loc["成交", "overall_rate"] == pytest.approx(1 / 5)


def test_funnel_of_a_zero_layer_has_no_step_rate_after_it():
    table = dev.funnel_table({"a": 10, "b": 0, "c": 0})
    assert table.loc["b", "step_rate"] == 0 and math.isnan(table.loc["c", "step_rate"])


def test_acquisition_cost_by_hand_and_zero_customers():
    df = pd.DataFrame({"period": ["x", "x", "y"], "spend": [300.0, 100.0, 50.0], "first_booking": [3, 1, 0]})
    cost = dev.acquisition_cost(df, by="period")
    assert cost["x"] == 100.0 and math.isnan(cost["y"])


def test_qualify_prospects_lists_what_is_missing():
    df = pd.DataFrame({"has_budget": [True, False, True], "has_authority": [True, False, False],
                       "has_need": [True, True, False]}, index=["a", "b", "c"])
    result = dev.qualify_prospects(df)
    assert result["qualified"].tolist() == [True, False, False]
    assert result["missing"].tolist() == ["", "购买能力、决定权", "决定权、需求"]
    assert result.index.tolist() == ["a", "b", "c"]


def test_dominant_personality_breaks_ties_by_column_order():
    scores = pd.DataFrame({"活泼型": [2, 0], "力量型": [2, 0], "平和型": [1, 0], "分析型": [0, 0]})
    assert dev.dominant_personality(scores).tolist() == ["活泼型", "活泼型"]
    assert set(dev.PERSONALITY_TACTICS) == {"活泼型", "力量型", "平和型", "分析型"}


@pytest.mark.parametrize("call, message", [
    (lambda: dev.stage_counts(pd.DataFrame({"stage": ["线索", "成功"]}), stages=STAGES), "不在 stages 中的取值：成功"),
    (lambda: dev.stage_counts(pd.DataFrame({"stage": ["线索"]}), stages="线索"), "参数 stages 应该是"),
    (lambda: dev.funnel_table([10, 5]), "参数 counts 应该是 Series"),
    (lambda: dev.funnel_table({"a": 5, "b": 10}), "只减不增"),
    (lambda: dev.funnel_table({"a": 5, "b": -1}), "负数"),
    (lambda: dev.funnel_table({"a": 0, "b": 0}), "第一层人数为 0"),
    (lambda: dev.funnel_table({"a": "10", "b": "5"}), "应该是数值"),
    (lambda: dev.acquisition_cost(pd.DataFrame({"g": ["a"], "spend": ["1,000"], "first_booking": [1]}), by="g"),
     "列 'spend' 应该是数值"),
    (lambda: dev.qualify_prospects(pd.DataFrame({"has_budget": ["是"], "has_authority": [True], "has_need": [True]})),
     "列 'has_budget'（购买能力）应该是 True/False"),
    (lambda: dev.qualify_prospects(pd.DataFrame({"has_budget": pd.array([True, None], dtype="boolean"),
                                                 "has_authority": [True, True], "has_need": [True, True]})),
     "列 'has_budget'（购买能力）有 1 个缺失值"),
    (lambda: dev.dominant_personality(pd.DataFrame({"活泼": [1]}), columns=["活泼"]), "columns 中的性格"),
])
def test_bad_input_gets_a_chinese_error(call, message):
    with pytest.raises(crmlib.CRMInputError, match=message):
        call()


def test_missing_columns_are_key_errors():
    with pytest.raises(KeyError, match="请用 customers_col="):
        dev.acquisition_cost(pd.DataFrame({"g": ["a"], "spend": [1.0]}), by="g")
    with pytest.raises(KeyError, match="请用 stage_col="):
        dev.stage_counts(pd.DataFrame({"阶段": ["线索"]}), stages=STAGES)


def test_plot_funnel_returns_the_axes():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    assert dev.plot_funnel(dev.funnel_table({"a": 10, "b": 4}), ax=ax) is ax
    assert len(ax.patches) == 2
    plt.close(fig)


def test_pricing_tactics_are_the_eight_and_immutable():
    assert len(dev.PRICING_TACTICS) == 8 and len(set(dev.PRICING_TACTICS)) == 8
    assert isinstance(dev.PRICING_TACTICS, tuple)
    assert dev.PRICING_TACTICS[0] == "折扣定价" and dev.PRICING_TACTICS[-1] == "结果定价"
    assert crmlib.PRICING_TACTICS is dev.PRICING_TACTICS
