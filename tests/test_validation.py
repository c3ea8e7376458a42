"""The one validation helper: error types and the Chinese messages it builds."""
import numpy as np
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


def test_day_month_year_date_strings_are_refused_not_guessed():
    """pandas reads '05/01/2024' as 1 May but '13/01/2024' as 13 January: crmlib does not guess."""
    frame = pd.DataFrame({"d": ["2024-01-02", "05/01/2024", "13/01/2024"]})
    with pytest.raises(crmlib.CRMInputError, match=r"列 'd' 里的日期 '05/01/2024' 写成了“日/月/年”或“月/日/年”.*format='%d/%m/%Y'"):
        v.date_column(frame, "d", "demo")
    with pytest.raises(crmlib.CRMInputError, match="参数 as_of 的日期 '1.2.24'"):
        v.as_timestamp("1.2.24", "demo", "as_of")
    year_first = pd.DataFrame({"d": ["2024/1/5", "2024-01-06 08:00", "2024.01.07", "20240108"]})
    assert v.date_column(year_first, "d", "demo").dt.day.tolist() == [5, 6, 7, 8]


def test_date_strings_are_parsed_once_per_distinct_value():
    """100 000 rows of '05 Jan 2024' go through dateutil once per distinct day (it took ~11 s row by row)."""
    import time

    days = pd.date_range("2023-01-01", periods=730)
    picks = np.random.default_rng(0).integers(0, 730, 100_000)
    frame = pd.DataFrame({"d": days.strftime("%d %b %Y")[picks]}, index=np.arange(100_000)[::-1])
    start = time.perf_counter()
    parsed = v.date_column(frame, "d", "demo")
    assert time.perf_counter() - start < 4
    assert parsed.index.equals(frame.index) and (parsed.to_numpy() == days[picks].to_numpy()).all()


def test_tables_with_two_level_column_names_and_columns_used_twice_are_refused():
    two_levels = pd.DataFrame({("amount", "sum"): [1.0], ("amount", "mean"): [1.0]})
    with pytest.raises(crmlib.CRMInputError, match=r"参数 summary 的列名有 2 层（MultiIndex.*展平"):
        v.require_frame(two_levels, "demo", param="summary")
    frame = pd.DataFrame({"customer_id": [1], "amount": [2.0]})
    with pytest.raises(crmlib.CRMInputError, match="参数 customer_col 和 amount_col 都是 'customer_id'"):
        v.require_columns(frame, "demo", customer_col="customer_id", amount_col="customer_id")


def test_customer_codes_refuse_unhashable_ids_and_sort_categories_by_value():
    from crmlib._log import customer_codes

    with pytest.raises(crmlib.CRMInputError, match="列 'customer_id' 里的客户编号应该是数字或文字"):
        customer_codes(pd.Series([["a"], ["b"]]), "demo", "customer_id")
    keys = pd.Series(pd.Categorical(["b", "a", "b"], categories=["z", "b", "a"]))
    codes, ids = customer_codes(keys, "demo", "customer_id")
    assert codes.tolist() == [1, 0, 1] and ids.tolist() == ["a", "b"] and not isinstance(ids, pd.CategoricalIndex)
