"""crmlib.objections: the rule-based classifier, its evaluation and the choice of handling method."""
import pandas as pd
import pytest

import crmlib
from crmlib import objections as ob


def test_rules_follow_priority_order_and_fall_back_to_unknown():
    texts = pd.Series(["这么贵，质量靠得住吗？", "质量靠得住吗？", "今天天气不错"], index=[10, 11, 12])
    assert ob.classify_objections(texts).to_dict() == {10: "价格异议", 11: "产品异议", 12: "未识别"}
    # put 产品异议 first: the mixed sentence changes class
    reordered = {"产品异议": ob.OBJECTION_KEYWORDS["产品异议"], "价格异议": ob.OBJECTION_KEYWORDS["价格异议"]}
    assert ob.classify_objections(texts, keywords=reordered).tolist() == ["产品异议", "产品异议", "未识别"]


def test_keywords_are_literal_not_regular_expressions():
    assert ob.classify_objections(["价格(太)高"], keywords={"价格异议": ("(太)",)}).tolist() == ["价格异议"]
    assert ob.classify_objections(["价格太高"], keywords={"价格异议": ("(太)",)}).tolist() == ["未识别"]


def test_confusion_table_and_accuracy_by_hand():
    actual = ["价格异议", "价格异议", "产品异议", "服务异议"]
    predicted = ["价格异议", "产品异议", "产品异议", "未识别"]
    table = ob.confusion_table(actual, predicted)
    assert table.loc["价格异议", "价格异议"] == 1 and table.loc["价格异议", "产品异议"] == 1
    assert table.loc["服务异议", "未识别"] == 1 and int(table.to_numpy().sum()) == 4
    assert ob.classification_accuracy(actual, predicted) == 0.5


@pytest.mark.parametrize("kind, nature, misinformed, expected", [
    ("价格异议", "假异议", False, "忽视法"),
    ("服务异议", "隐藏异议", False, "询问法"),
    ("产品异议", "真异议", False, "补偿法"),
    ("价格异议", "真异议", False, "补偿法"),
    ("支付能力异议", "真异议", False, "“是的……如果”法"),
    ("服务异议", "真异议", False, "“是的……如果”法"),
    ("购买时间异议", "真异议", False, "太极法"),
    ("需求异议", "假异议", True, "直接反驳法"),
])
def test_suggest_method(kind, nature, misinformed, expected):
    assert ob.suggest_method(kind, nature, misinformed=misinformed) == expected
    assert expected in ob.HANDLING_METHODS.index


def test_method_success_rates_by_hand():
    calls = pd.DataFrame({"method": ["询问法", "询问法", "忽视法", "忽视法"],
                          "nature": ["隐藏异议", "隐藏异议", "假异议", "隐藏异议"],
                          "closed": [True, True, False, True]})
    rates = ob.method_success_rates(calls)
    assert rates.loc["询问法", "隐藏异议"] == 1.0 and rates.loc["忽视法", "假异议"] == 0.0
    assert pd.isna(rates.loc["询问法", "假异议"])


@pytest.mark.parametrize("call, message", [
    (lambda: ob.classify_objections(pd.DataFrame({"text": ["太贵"]})), "整张 DataFrame"),
    (lambda: ob.classify_objections(["太贵", None]), "不是文字的值"),
    (lambda: ob.classify_objections([]), "是空的"),
    (lambda: ob.classify_objections(42), "收到的是 int"),
    (lambda: ob.classify_objections(["太贵"], keywords=["贵"]), "keywords 应该是非空字典"),
    (lambda: ob.classify_objections(["太贵"], keywords={"价格异议": "贵"}), "一组非空字符串"),
    (lambda: ob.confusion_table(["a", "b"], ["a"]), "长度必须相同"),
    (lambda: ob.suggest_method("价钱异议", "真异议"), "参数 objection_type 只能是"),
    (lambda: ob.suggest_method("价格异议", "真的"), "参数 nature 只能是"),
    (lambda: ob.method_success_rates(pd.DataFrame({"method": ["a"], "nature": ["b"], "closed": ["是"]})),
     "列 'closed' 应该是 True/False"),
    (lambda: ob.success_rate_intervals(pd.DataFrame({"method": ["a"], "closed": [True]}), by=None, level=1.5),
     "参数 level"),
    (lambda: ob.success_rate_intervals(pd.DataFrame({"method": ["a", None], "closed": [True, False]}), by=None),
     "缺失值"),
    (lambda: ob.plot_success_rates(pd.DataFrame({"method": ["a"], "n": [3], "rate": [60.0], "lower": [0.2],
                                                 "upper": [0.9]})), "0 和 1 之间"),
    # rate outside its interval (was matplotlib's "'xerr' must not contain negative values")
    (lambda: ob.plot_success_rates(pd.DataFrame({"method": ["a"], "n": [3], "rate": [0.1], "lower": [0.2],
                                                 "upper": [0.9]})), "rate 不在 lower 和 upper 之间"),
    # a missing count in an Int64 column (was "int() argument must be ... not 'NAType'")
    (lambda: ob.plot_success_rates(pd.DataFrame({"method": ["a", "b"], "n": pd.array([3, None], dtype="Int64"),
                                                 "rate": [0.5, 0.5], "lower": [0.2, 0.2], "upper": [0.9, 0.9]})),
     "列 'n' 有 1 个缺失值"),
    # an unknown outcome would be dropped from the rate but counted in n
    (lambda: ob.success_rate_intervals(pd.DataFrame({"method": ["a", "a"], "closed": pd.array([True, None],
                                                                                             dtype="boolean")}), by=None),
     "列 'closed' 有 1 个缺失值"),
])
def test_bad_input_gets_a_chinese_error_naming_the_problem(call, message):
    with pytest.raises(crmlib.CRMInputError, match=message):
        call()


def test_plots_take_nullable_counts_and_repeated_row_labels():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = ob.confusion_table(["价格异议", "产品异议"], ["价格异议", "价格异议"]).astype("Int64")
    ax = ob.plot_confusion(table)            # was "Image data of dtype object cannot be converted to float"
    assert sorted(t.get_text() for t in ax.texts) == ["0", "0", "1", "1"]
    rates = ob.success_rate_intervals(pd.DataFrame({"method": ["a", "b", "b"], "closed": [True, False, True]}), by=None)
    ax = ob.plot_success_rates(rates.set_axis([0, 0]))   # was "'x' and 'y' must have the same size"
    assert len(ax.texts) == 2
    plt.close("all")


def test_missing_column_is_a_key_error():
    with pytest.raises(KeyError, match="找不到列 'closed'"):
        ob.method_success_rates(pd.DataFrame({"method": ["a"], "nature": ["b"]}))


def test_inputs_are_not_mutated():
    texts = pd.Series(["太贵了。", "售后跟得上吗？"])
    before = texts.copy()
    ob.classify_objections(texts)
    pd.testing.assert_series_equal(texts, before)


def test_default_keywords_are_read_only_and_a_copy_is_editable():
    with pytest.raises(TypeError):
        ob.OBJECTION_KEYWORDS["价格异议"] = ("贵",)
    mine = dict(ob.OBJECTION_KEYWORDS)
    mine["购买时间异议"] = mine["购买时间异议"] + ("商量",)
    assert "商量" not in ob.OBJECTION_KEYWORDS["购买时间异议"]
    assert ob.classify_objections(["我得先跟老板商量一下"], keywords=mine).tolist() == ["购买时间异议"]
    assert ob.classify_objections(["我得先跟老板商量一下"]).tolist() == ["未识别"]
    for change in (lambda k: k.update({"x": ("y",)}), lambda k: k.pop("价格异议"), lambda k: k.clear(),
                   lambda k: k.setdefault("x", ()), lambda k: k.__delitem__("价格异议")):
        with pytest.raises(TypeError, match="只读"):
            change(ob.OBJECTION_KEYWORDS)
    import copy
    import pickle

    for duplicate in (copy.copy, copy.deepcopy, lambda k: pickle.loads(pickle.dumps(k))):
        twin = duplicate(ob.OBJECTION_KEYWORDS)
        twin["价格异议"] = ("贵",)     # an ordinary dict: editable
        assert type(twin) is dict and ob.OBJECTION_KEYWORDS["价格异议"] != ("贵",)


def test_one_method_rule_everywhere():
    """suggest_method, HANDLING_METHODS' best_for column and the data generator agree on every true objection."""
    from data_builders.builders import objections as builder

    assert dict(ob._TRUE_OBJECTION_METHOD) == builder.TRUE_METHOD
    assert set(builder.METHODS) == set(ob.HANDLING_METHODS.index)
    for kind in ob.OBJECTION_TYPES:
        method = ob.suggest_method(kind, "真异议")
        assert method == builder.TRUE_METHOD[kind]
        assert kind.removesuffix("异议") in ob.HANDLING_METHODS.loc[method, "best_for"]
        others = ob.HANDLING_METHODS.drop(index=method)["best_for"]
        assert not others.str.contains(kind.removesuffix("异议")).any(), kind
    assert "补偿法" == ob.suggest_method("价格异议", "真异议") != ob.suggest_method("支付能力异议", "真异议")


def test_wilson_intervals_by_hand():
    calls = pd.DataFrame({"method": ["询问法"] * 4 + ["忽视法"] * 2, "nature": ["隐藏异议"] * 6,
                          "closed": [1, 1, 1, 0, 0, 1]})
    before = calls.copy()
    table = ob.success_rate_intervals(calls).set_index("method")
    pd.testing.assert_frame_equal(calls, before)
    assert list(table.columns) == ["nature", "n", "closed", "rate", "lower", "upper"]
    # Wilson 95%: k = 3, n = 4, z = 1.96 -> centre 0.6275, half 0.3269 (worked out by hand)
    assert table.loc["询问法", "n"] == 4 and table.loc["询问法", "closed"] == 3
    assert table.loc["询问法", "lower"] == pytest.approx(0.3006, abs=1e-3)
    assert table.loc["询问法", "upper"] == pytest.approx(0.9544, abs=1e-3)
    assert table.loc["忽视法", "rate"] == 0.5
    wider = ob.success_rate_intervals(calls, level=0.99).set_index("method")
    assert wider.loc["询问法", "lower"] < table.loc["询问法", "lower"]
    # the intervals agree with method_success_rates' point estimates
    rates = ob.method_success_rates(calls)
    assert rates.loc["询问法", "隐藏异议"] == table.loc["询问法", "rate"]


def test_plot_success_rates_draws_one_point_per_cell():
    import matplotlib.pyplot as plt

    calls = pd.DataFrame({"method": ["询问法", "询问法", "忽视法", "忽视法"], "nature": ["隐藏异议", "假异议"] * 2,
                          "closed": [True, False, True, True]})
    ax = ob.plot_success_rates(ob.success_rate_intervals(calls), by="nature")
    assert ax.get_xlabel() == "成交率" and [t.get_text() for t in ax.get_yticklabels()] == ["忽视法", "询问法"]
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["假异议", "隐藏异议"]
    assert sorted(t.get_text() for t in ax.texts) == ["n=1"] * 4
    plt.close("all")
