"""The one validation helper: error types and the Chinese messages it builds."""
import pandas as pd
import pytest

import crmlib
from crmlib import _validation as v


def test_missing_column_error_is_key_error_and_value_error_with_readable_text():
    frame = pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"], "value": [3.0]})
    with pytest.raises(KeyError) as info:
        v.require_columns(frame, "rfm_table", amount_col="amount")
    error = info.value
    assert isinstance(error, crmlib.CRMInputError) and isinstance(error, ValueError)
    assert str(error) == ("rfm_table：找不到列 'amount'。现有列：customer_id, date, value。"
                          "请用 amount_col='…' 指定。")


@pytest.mark.parametrize("bad, fragment", [
    (pd.Series([1, 2]), "收到的是 Series"),
    ([1, 2], "收到的是 list"),
    (pd.DataFrame({"a": []}), "空表"),
])
def test_require_frame_names_what_it_got(bad, fragment):
    with pytest.raises(crmlib.CRMInputError, match=fragment):
        v.require_frame(bad, "demo", param="transactions")


def test_numeric_column_rejects_text_nan_negative_and_inf():
    frame = pd.DataFrame({"text": ["1,200", "3"], "nan": [1.0, None], "neg": [1.0, -2.0], "inf": [1.0, float("inf")]})
    with pytest.raises(crmlib.CRMInputError, match=r"列 'text' 应该是数值.*str\.replace"):
        v.numeric_column(frame, "text", "demo")
    with pytest.raises(crmlib.CRMInputError, match="列 'nan' 有 1 个缺失值"):
        v.numeric_column(frame, "nan", "demo")
    with pytest.raises(crmlib.CRMInputError, match="列 'neg' 有 1 个负数"):
        v.numeric_column(frame, "neg", "demo", allow_negative=False)
    with pytest.raises(crmlib.CRMInputError, match="inf"):
        v.numeric_column(frame, "inf", "demo")
    assert v.numeric_column(frame, "neg", "demo").tolist() == [1.0, -2.0]


def test_date_column_parses_strings_converts_timezones_and_rejects_garbage():
    frame = pd.DataFrame({"d": ["2024-01-02", "2024-03-04"], "tz": pd.to_datetime(["2024-01-01 08:00"]).tz_localize(
        "Asia/Shanghai").repeat(2), "bad": ["2024-01-01", "昨天"], "num": [1, 2]})
    assert v.date_column(frame, "d", "demo").dt.month.tolist() == [1, 3]
    assert v.date_column(frame, "tz", "demo").iloc[0] == pd.Timestamp("2024-01-01 00:00")
    with pytest.raises(crmlib.CRMInputError, match="列 'bad' 里有无法识别为日期的值"):
        v.date_column(frame, "bad", "demo")
    with pytest.raises(crmlib.CRMInputError, match="pd.to_datetime"):
        v.date_column(frame, "num", "demo")


def test_number_choice_and_weights():
    assert v.number(3, "demo", "k", minimum=0, integer=True) == 3
    with pytest.raises(crmlib.CRMInputError, match="参数 rate 应该 ≥ 0 且 ≤ 1"):
        v.number(1.5, "demo", "rate", minimum=0, maximum=1)
    with pytest.raises(crmlib.CRMInputError, match="应该是数字"):
        v.number(True, "demo", "k")
    with pytest.raises(crmlib.CRMInputError, match="只能是 'a'、'b' 之一"):
        v.choice("c", "demo", "mode", ["a", "b"])
    with pytest.raises(crmlib.CRMInputError, match="应该是字典"):
        v.weights_mapping([0.5, 0.5], "demo")
    with pytest.raises(crmlib.CRMInputError, match="权重之和为 0"):
        v.weights_mapping({"a": 0}, "demo")
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(KeyError, match="'b' 不在表中"):
        v.weights_mapping({"b": 1}, "demo", data=frame)
    assert v.weights_mapping({"a": 2}, "demo", data=frame) == {"a": 2.0}
