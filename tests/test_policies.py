"""Grey-case policies of crmlib, one rule for the whole library (README: 常见错误信息 → 灰色情况).

- NaN amounts: an error that says how to drop or fill them; never silently dropped or taken as 0.
- Duplicate transactions: rows are taken as given (an identical row is a second purchase); functions do
  not de-duplicate behind the student's back. Call ``drop_duplicates()`` first when they are double entries.
- Customers with one purchase: included like everyone else (frequency 1).
- Dates later than ``as_of``: an error naming ``as_of``; never silently cut off.
- Timezone-aware dates: converted to UTC, then the timezone is dropped; naive dates are kept as they are.
- Zero totals in rates: a single rate (a number) with a zero denominator is an error; inside a table the
  affected cells are NaN (never 0 and never ±inf).

The generic checks run over tests/input_examples.py, so they cover new functions as they are registered.
"""
from __future__ import annotations

import doctest
import inspect
import re
import tomllib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import crmlib
from crmlib import _validation as v
from conftest import REPO
from input_examples import REGISTRY, numeric_values, roles, spanning_the_year, transaction_frames
from property_harness import PROPERTY, PUBLIC, REGISTERED, cases, column_name, draw_valid, expect_error, frame_of, \
    run, same_result


def takes_a_table(name: str) -> list[str]:
    return [r.param for r in roles(getattr(crmlib, name), REGISTRY[name].example, REGISTRY[name])
            if r.kind == "frame"]


def transaction_log_functions() -> list[str]:
    """Functions whose example has a customer column and a date column in the same table."""
    found = []
    for name in REGISTERED:
        rs = roles(getattr(crmlib, name), REGISTRY[name].example, REGISTRY[name])
        if any(r.kind == "column" and r.column_kind == "date" for r in rs) and \
                any(r.kind == "column" and r.param == "customer_col" for r in rs):
            found.append(name)
    return found


# ------------------------------------------------------------------ NaN amounts

@pytest.mark.parametrize("name, role", cases("column", "numeric"))
def test_nan_in_a_numeric_column_is_an_error_that_says_how_to_fix_it(name, role):
    entry = REGISTRY[name]
    if f"nan:{role.param}" in entry.exempt:
        pytest.skip(entry.exempt[f"nan:{role.param}"])
    call = entry.example.fresh()
    frame = frame_of(call, name, role)
    column = column_name(call, name, role)
    values = frame[column].astype(float)
    values.iloc[len(values) // 2] = np.nan
    func = getattr(crmlib, name)
    message = expect_error(name, call.replace(func, role.frame, frame.assign(**{column: values})), column)
    assert "缺失值" in message and ("dropna" in message or "fillna" in message), message


# ------------------------------------------------------------------ duplicates

@pytest.mark.parametrize("name", [n for n in REGISTERED if takes_a_table(n)])
def test_every_function_taking_a_table_declares_its_duplicate_policy(name):
    assert REGISTRY[name].duplicates in ("count", "reject"), (
        f"{name}: say in tests/input_examples.py whether duplicated rows are counted or rejected")


@pytest.mark.parametrize("name", [n for n in REGISTERED if takes_a_table(n) and REGISTRY[n].duplicates])
def test_duplicated_rows_are_taken_as_given(name):
    entry = REGISTRY[name]
    func = getattr(crmlib, name)
    call = entry.example.fresh()
    param = takes_a_table(name)[0]
    frame = call.bound(func)[param]
    doubled = call.replace(func, param, pd.concat([frame, frame.iloc[[0]]]))
    if entry.duplicates == "reject":
        expect_error(name, doubled, param)
    else:
        entry.check(run(name, doubled), doubled)


def test_a_duplicated_transaction_counts_as_a_second_purchase():
    tx = pd.DataFrame({"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                       "amount": [10.0, 5.0]})
    once = crmlib.rfm_table(tx)
    twice = crmlib.rfm_table(pd.concat([tx, tx.iloc[[0]]], ignore_index=True))
    assert twice.loc["a", "frequency"] == once.loc["a", "frequency"] + 1 == 2
    assert twice.loc["a", "monetary"] == 20.0 and twice.loc["b"].equals(once.loc["b"])
    assert crmlib.rfm_table(pd.concat([tx, tx.iloc[[0]]]).drop_duplicates()).equals(once)


# ------------------------------------------------------------------ one-purchase customers

@pytest.mark.parametrize("name", transaction_log_functions())
@PROPERTY
@given(tx=transaction_frames(min_rows=2, one_purchase=True).map(spanning_the_year))
def test_customers_with_one_purchase_are_included(name, tx):
    entry = REGISTRY[name]
    func = getattr(crmlib, name)
    call = entry.example.fresh().replace(func, takes_a_table(name)[0], tx)
    if "as_of" in inspect.signature(func).parameters:
        call = call.replace(func, "as_of", "2025-01-31")
    result = run(name, call)
    entry.check(result, call)
    if entry.one_purchase is not None:
        entry.one_purchase(result, call)


@given(tx=transaction_frames(one_purchase=True))
@PROPERTY
def test_rfm_of_one_purchase_customers(tx):
    out = crmlib.rfm_table(tx, as_of="2024-12-31")
    assert (out["frequency"] == 1).all()
    by_customer = tx.set_index("customer_id")
    assert out["recency"].to_dict() == (pd.Timestamp("2024-12-31") - by_customer["date"]).dt.days.to_dict()
    assert out["monetary"].to_dict() == by_customer["amount"].to_dict()


# ------------------------------------------------------------------ dates after as_of

@pytest.mark.parametrize("name, role", cases("date"))
def test_dates_later_than_as_of_are_an_error(name, role):
    func = getattr(crmlib, name)
    call = REGISTRY[name].example.fresh()
    date_roles = [r for r in roles(func, call, REGISTRY[name]) if r.kind == "column" and r.column_kind == "date"]
    if not date_roles:
        pytest.skip("no date column to compare with")
    frame = frame_of(call, name, date_roles[0])
    column = column_name(call, name, date_roles[0])
    early = frame[column].min()
    message = expect_error(name, call.replace(func, role.param, early.strftime("%Y-%m-%d")), role.param)
    assert re.search(r"\d{4}-\d{2}-\d{2}", message), "the message shows the dates involved"
    # on the last day itself, or later, the call works
    assert run(name, call.replace(func, role.param, frame[column].max())) is not None


def test_cutoff_day_helper():
    from crmlib._log import cutoff_day

    dates = pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01"]))
    assert cutoff_day("2024-02-01", dates, "demo", "date") == pd.Timestamp("2024-02-01")
    with pytest.raises(crmlib.CRMInputError, match=r"列 'date' 有 1 条记录晚于 as_of=2024-01-15.*df\[df\['date'\] < '2024-01-16'\]"):
        cutoff_day("2024-01-15", dates, "demo", "date")


# ------------------------------------------------------------------ time zones

@pytest.mark.parametrize("name, role", cases("column", "date"))
@PROPERTY
@given(data=st.data())
def test_timezone_aware_dates_are_converted_to_utc(name, role, data):
    func = getattr(crmlib, name)
    call = draw_valid(data, name)
    frame = frame_of(call, name, role)
    column = column_name(call, name, role)
    zone = data.draw(st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York"]), label="zone")
    hours = data.draw(st.integers(0, 23), label="hour")
    local = frame[column].dt.tz_localize(None) + pd.Timedelta(hours=hours)
    aware = local.dt.tz_localize(zone)
    naive_utc = aware.dt.tz_convert("UTC").dt.tz_localize(None)
    with_zone = call.replace(func, role.frame, frame.assign(**{column: aware}))
    in_utc = call.replace(func, role.frame, frame.assign(**{column: naive_utc}))
    same_result(run(name, with_zone), run(name, in_utc))


def test_date_helpers_follow_the_timezone_policy():
    shanghai = pd.DataFrame({"d": pd.to_datetime(["2024-01-01 07:00", "2024-01-02 09:00"]).tz_localize("Asia/Shanghai")})
    assert v.date_column(shanghai, "d", "demo").tolist() == [pd.Timestamp("2023-12-31 23:00"),
                                                              pd.Timestamp("2024-01-02 01:00")]
    mixed = pd.DataFrame({"d": ["2024-01-01T08:00+08:00", "2024-01-01T00:00+00:00", "2024-01-03"]})
    assert v.date_column(mixed, "d", "demo").tolist() == [pd.Timestamp("2024-01-01")] * 2 + [pd.Timestamp("2024-01-03")]
    assert v.as_timestamp("2024-01-01T08:00+08:00", "demo", "as_of") == pd.Timestamp("2024-01-01")


def test_date_strings_are_parsed_but_numbers_and_garbage_are_errors():
    frame = pd.DataFrame({"iso": ["2024-03-01", "2024-03-02"], "slash": ["2024/03/01", "2024/3/2"],
                          "ints": [20240301, 20240302], "obj_ints": pd.Series([20240301, "2024-03-02"], dtype=object),
                          "bad": ["2024-03-01", "下周一"], "blank": ["2024-03-01", " "]})
    assert v.date_column(frame, "iso", "demo").equals(v.date_column(frame, "slash", "demo"))
    for column, fragment in [("ints", "应该是日期，实际是数值"), ("obj_ints", "应该是日期，实际是数值"),
                             ("bad", r"无法识别为日期的值（共 1 个，例如 \['下周一'\]）"), ("blank", "1 个缺失日期")]:
        with pytest.raises(crmlib.CRMInputError, match=fragment):
            v.date_column(frame, column, "demo")
    for value in (20240301, 3.5, np.int64(7), True):
        with pytest.raises(crmlib.CRMInputError, match="参数 as_of 应该是日期"):
            v.as_timestamp(value, "demo", "as_of")


# ------------------------------------------------------------------ zero totals

def zero_total_cases() -> list:
    return [pytest.param(name, call, expected, id=f"{name}-{i}")
            for name in REGISTERED for i, (call, expected) in enumerate(REGISTRY[name].zero_total)]


@pytest.mark.parametrize("name, call, expected", zero_total_cases())
def test_zero_totals_give_nan_in_tables_or_an_error(name, call, expected):
    call = call.fresh()
    if expected == "error":
        expect_error(name, call)
    else:
        result = run(name, call)
        REGISTRY[name].check(result, call)
        values = numeric_values(result)
        assert not np.isinf(values).any(), "a zero denominator gave ±inf"


def test_a_table_rate_with_a_zero_denominator_is_nan_not_zero():
    tiny = pd.DataFrame({"segment": ["a", "b"], "revenue": [0.0, 10.0], "profit": [0.0, 0.0],
                         "service_cost": [0.0, 2.0]})
    table = crmlib.segment_summary(tiny)
    assert table["profit_share"].isna().all()          # total profit 0
    assert np.isnan(table.loc["a", "profit_per_service_cost"]) and table.loc["b", "profit_per_service_cost"] == 0
    spend = pd.DataFrame({"渠道": ["x", "y"], "spend": [100.0, 50.0], "first_booking": [0, 5]})
    cost = crmlib.acquisition_cost(spend, by="渠道")
    assert np.isnan(cost["x"]) and cost["y"] == 10.0


def test_a_single_rate_with_a_zero_denominator_is_an_error():
    with pytest.raises(crmlib.CRMInputError, match="必须大于 0"):
        crmlib.top_share(pd.DataFrame({"customer_id": ["a"], "amount": [0.0]}))
    with pytest.raises(crmlib.CRMInputError, match="第一层人数为 0"):
        crmlib.funnel_table({"触达": 0, "注册": 0})


# ------------------------------------------------------------------ the helper's other rules

def test_numeric_helper_accepts_numbers_stored_as_objects_but_not_text_or_complex():
    frame = pd.DataFrame({"obj": pd.Series([1, 2.5], dtype=object), "text": pd.Series(["1", "2"], dtype=object),
                          "cplx": [1 + 1j, 2 + 0j]})
    assert v.numeric_column(frame, "obj", "demo").tolist() == [1.0, 2.5]
    for column in ("text", "cplx"):
        with pytest.raises(crmlib.CRMInputError, match=f"列 '{column}' 应该是数值"):
            v.numeric_column(frame, column, "demo")


def test_scalar_helpers_reject_look_alikes():
    with pytest.raises(crmlib.CRMInputError, match="应该是有限的数字"):
        v.number(10 ** 400, "demo", "k")
    with pytest.raises(crmlib.CRMInputError, match="只能是"):
        v.choice(True, "demo", "bins", [1, 2])
    with pytest.raises(crmlib.CRMInputError, match="只能是"):
        v.choice(np.array(["a", "b"]), "demo", "mode", ["a", "b"])
    assert v.choice("a", "demo", "mode", ["a", "b"]) == "a"
    with pytest.raises(crmlib.CRMInputError, match="参数 horizontal 应该是 True 或 False"):
        v.boolean("False", "demo", "horizontal")
    assert v.boolean(np.True_, "demo", "horizontal") is True
    with pytest.raises(crmlib.CRMInputError, match="to_dict"):
        v.weights_mapping(pd.Series({"a": 1.0}), "demo")


def test_duplicated_column_names_and_column_less_tables_are_errors():
    doubled = pd.DataFrame([[1.0, 2.0]], columns=["amount", "amount"])
    with pytest.raises(crmlib.CRMInputError, match="2 个名为 'amount' 的列"):
        v.require_columns(doubled, "demo", amount_col="amount")
    with pytest.raises(crmlib.CRMInputError, match="没有任何列"):
        v.require_frame(pd.DataFrame(index=[0, 1]), "demo")
    with pytest.raises(crmlib.CRMInputError, match="应该是列名"):
        v.require_columns(pd.DataFrame({True: [1]}), "demo", flag_col=True)


# ------------------------------------------------------------------ documentation

def test_every_public_function_has_a_docstring_example_and_pytest_runs_them():
    finder = doctest.DocTestFinder()
    missing = [name for name in PUBLIC
               if not any(t.examples for t in finder.find(getattr(crmlib, name), name, globs={}))]
    assert missing == [], f"public functions without a docstring example: {missing}"
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "--doctest-modules" in config["addopts"] and "crmlib" in config["testpaths"]


def test_readme_lists_the_error_messages_and_the_policies():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "## 常见错误信息" in readme
    section = readme.split("## 常见错误信息", 1)[1].split("\n## ", 1)[0]
    for fragment in ["找不到列", "应该是数值", "缺失值", "无穷大", "负数", "空表", "需要 DataFrame", "应该是字典",
                     "没有名为", "无法识别为日期", "应该是数字", "应该是 True 或 False", "晚于", "时区", "重复",
                     "只买过一次", "分母", "NaN"]:
        assert fragment in section, fragment
