"""Bad input never crashes crmlib obscurely and never changes the caller's data.

Property tests over every name in ``crmlib.__all__``. Valid example inputs come from
tests/input_examples.py (one entry per public function; a function without one fails the first test
below). From each valid call the tests derive the bad inputs a student produces — a misspelt column,
amounts as text with commas, NaN, ±inf, negative amounts, an empty table, a Series or list instead of a
DataFrame, a list instead of a dict of weights, wrong scalar types, a dataset name with a typo, dates
that cannot be parsed — and check that each raises ``crmlib.CRMInputError`` (a missing column also a
``KeyError``) whose message contains Chinese text, the function's name and the offending parameter or
column. Every call, valid or not, must leave its arguments exactly as they were.

Dates given as parsable strings are accepted (see README, 常见错误信息): a call with ISO date strings
must give the same result as with datetime values.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import crmlib
from input_examples import REGISTRY, Call, numeric_values, roles
from property_harness import (CHINESE, PROPERTY, PUBLIC, REGISTERED, cases, column_name, draw_valid, expect_error,
                              frame_of, run, same_result, typos, unchanged)


# ------------------------------------------------------------------ coverage of the public API

@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_function_has_a_registered_example(name):
    assert name in REGISTRY, (
        f"crmlib.{name} has no valid example in tests/input_examples.py: register one (example call, result "
        f"check, policies) so that the bad-input and no-mutation property tests cover it.")


def test_registry_names_only_public_functions():
    assert sorted(set(REGISTRY) - set(PUBLIC)) == []


def test_roles_are_found_in_the_examples():
    """The role finder sees what the tests rely on (a broken finder would silently test nothing)."""
    found = {(name, r.param): (r.kind, r.column_kind) for name in REGISTERED
             for r in roles(getattr(crmlib, name), REGISTRY[name].example, REGISTRY[name])}
    expected = {
        ("plot_bar", "data"): ("frame", None), ("plot_bar", "y"): ("column", "numeric"),
        ("plot_bar", "x"): ("column", "other"), ("plot_bar", "horizontal"): ("boolean", None),
        ("plot_bar", "ax"): ("axes", None), ("load_dataset", "name"): ("dataset", None),
        ("customer_profit", "revenue_col"): ("column", "numeric"),
        ("customer_profit", "capital_rate"): ("number", None),
        ("attractiveness_score", "weights"): ("weights", None),
        ("attractiveness_score", "lower_is_better"): ("column_list", None),
        ("rfm_table", "date_col"): ("column", "date"), ("rfm_table", "as_of"): ("date", None),
        ("lead_grade", "annual_sales"): ("column", "numeric"), ("suggest_method", "nature"): ("choice", None),
        ("classify_objections", "texts"): ("series", None), ("visit_plan", "visits_per_month"): ("weights", None),
        ("plot_bar", "title"): ("text", None), ("plot_sbg", "label"): ("text", None),
        ("weighted_grade", "score_col"): ("text", None), ("weighted_grade", "grade_col"): ("text", None),
    }
    for key, value in expected.items():
        if key[0] in REGISTRY:
            assert found.get(key) == value, key


# ------------------------------------------------------------------ valid inputs

@pytest.mark.parametrize("name", REGISTERED)
@PROPERTY
@given(data=st.data())
def test_valid_inputs_give_the_documented_result(name, data):
    call = draw_valid(data, name)
    result = run(name, call)
    REGISTRY[name].check(result, call)
    assert not np.isinf(numeric_values(result)).any(), "a valid input gave ±inf in the result"
    for value in call.bound(getattr(crmlib, name)).values():
        if isinstance(value, (pd.DataFrame, pd.Series)):
            assert result is not value, f"{name} returned its input instead of a new object"


# ------------------------------------------------------------------ tables

def not_a_table(frame: pd.DataFrame):
    return st.sampled_from([
        ("Series", lambda: frame.iloc[:, 0].copy()),
        ("dict", lambda: frame.to_dict("list")),
        ("list of rows", lambda: frame.to_dict("records")),
        ("ndarray", lambda: frame.to_numpy()),
        ("None", lambda: None),
        ("file name", lambda: "metro_customers.csv"),
        ("number", lambda: 3),
    ])


@pytest.mark.parametrize("name, role", cases("frame"))
@PROPERTY
@given(data=st.data())
def test_something_other_than_a_table_is_rejected(name, role, data):
    call = draw_valid(data, name)
    frame = call.bound(getattr(crmlib, name))[role.param]
    _, make = data.draw(not_a_table(frame), label="instead of a DataFrame")
    expect_error(name, call.replace(getattr(crmlib, name), role.param, make()), role.param)


@pytest.mark.parametrize("name, role", cases("frame"))
def test_an_empty_table_is_rejected(name, role):
    entry = REGISTRY[name]
    call = entry.example.fresh()
    frame = call.bound(getattr(crmlib, name))[role.param]
    empty = call.replace(getattr(crmlib, name), role.param, frame.iloc[0:0])
    if entry.empty == "ok":
        result = run(name, empty)
        assert len(result) == 0
    else:
        expect_error(name, empty, role.param)
    no_columns = call.replace(getattr(crmlib, name), role.param, pd.DataFrame(index=frame.index))
    expect_error(name, no_columns, role.param)


# ------------------------------------------------------------------ columns

@pytest.mark.parametrize("name, role", cases("column"))
@PROPERTY
@given(data=st.data())
def test_a_misspelt_column_name_is_a_key_error_naming_it(name, role, data):
    func = getattr(crmlib, name)
    call = draw_valid(data, name)
    frame = frame_of(call, name, role)
    column = column_name(call, name, role)
    typo = data.draw(typos(column, set(frame.columns)), label="typo")
    if not role.fixed:
        # the student passes the wrong name ...
        expect_error(name, call.replace(func, role.param, typo), typo, role.param, key_error=True)
    # ... or their table names the column differently from what the function expects
    renamed = frame.rename(columns={column: typo})
    mentions = (column,) if role.fixed else (column, role.param)
    expect_error(name, call.replace(func, role.frame, renamed), *mentions, key_error=True)


@pytest.mark.parametrize("name, role", cases("column", fixed=False))
@PROPERTY
@given(data=st.data())
def test_a_column_parameter_of_the_wrong_type_is_rejected(name, role, data):
    call = draw_valid(data, name)
    column = column_name(call, name, role)
    options = [3.5, [column], {column: 1}] + ([] if role.optional else [None])
    bad = data.draw(st.sampled_from(options), label="column parameter")
    expect_error(name, call.replace(getattr(crmlib, name), role.param, bad), role.param)


@pytest.mark.parametrize("name, role", cases("column"))
def test_a_duplicated_column_is_rejected(name, role):
    call = REGISTRY[name].example.fresh()
    frame = frame_of(call, name, role)
    column = column_name(call, name, role)
    doubled = pd.concat([frame, frame[[column]]], axis=1)
    expect_error(name, call.replace(getattr(crmlib, name), role.frame, doubled), column)


def two_column_parameters() -> list:
    """(function, first column role, second column role) for column parameters of the same table."""
    found = []
    for name in REGISTERED:
        entry = REGISTRY[name]
        own = [r for r in roles(getattr(crmlib, name), entry.example, entry)
               if r.kind == "column" and not r.fixed and f"column:{r.param}" not in entry.exempt]
        for first, second in zip(own, own[1:]):
            if first.frame == second.frame:
                found.append(pytest.param(name, first, second, id=f"{name}-{first.param}-{second.param}"))
    return found


@pytest.mark.parametrize("name, first, second", two_column_parameters())
def test_one_column_given_for_two_parameters_is_rejected(name, first, second):
    """``amount_col='customer_id'`` would sum customer numbers: two roles never share one column."""
    func = getattr(crmlib, name)
    call = REGISTRY[name].example.fresh()
    column = column_name(call, name, first)
    expect_error(name, call.replace(func, second.param, column), first.param, second.param, repr(column))


@pytest.mark.parametrize("name, role", cases("frame"))
def test_a_table_with_two_levels_of_column_names_is_rejected(name, role):
    """``groupby(...).agg([...])`` gives two-level column names; ``df['amount']`` would then be a whole table."""
    func = getattr(crmlib, name)
    call = REGISTRY[name].example.fresh()
    frame = call.bound(func)[role.param]
    two_levels = frame.set_axis(pd.MultiIndex.from_arrays([frame.columns, ["x"] * frame.shape[1]]), axis=1)
    message = expect_error(name, call.replace(func, role.param, two_levels), role.param)
    assert "MultiIndex" in message, message


def nullable(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table with pandas' nullable dtypes (Int64, Float64, boolean, string) and categorical text."""
    out = frame.convert_dtypes()
    for column in out.columns:
        if out[column].dtype == "string" and out[column].nunique() < len(out):
            out[column] = out[column].astype("category")
    return out


@pytest.mark.parametrize("name, role", cases("frame"))
def test_nullable_and_categorical_dtypes_work_like_the_usual_ones(name, role):
    func = getattr(crmlib, name)
    entry = REGISTRY[name]
    call = entry.example.fresh()
    frame = call.bound(func)[role.param]
    converted = call.replace(func, role.param, nullable(frame))
    try:
        result = run(name, converted)
    except crmlib.CRMInputError as error:   # a clear refusal is allowed (e.g. a count column must be numbers) ...
        assert CHINESE.search(str(error)) and name in str(error), str(error)
        return
    same_values(result, run(name, call))     # ... a silently different result is not


def same_values(a, b) -> None:
    """Equal labels and values, whatever the dtypes (Int64 vs int64, category vs str) and the index type."""
    from matplotlib.axes import Axes

    if isinstance(a, pd.Series):
        a, b = a.to_frame("value"), b.to_frame("value")
    if isinstance(a, pd.DataFrame):
        assert list(map(str, a.columns)) == list(map(str, b.columns))
        assert list(map(str, a.index)) == list(map(str, b.index)), (list(a.index), list(b.index))
        for column in a.columns:
            x, y = a[column], b[column]
            if all(pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v) for v in (x, y)):
                assert np.allclose(x.to_numpy(float), y.to_numpy(float), equal_nan=True), column
            else:
                assert list(map(str, x)) == list(map(str, y)), column
    elif not isinstance(a, Axes):
        same_result(a, b)


@pytest.mark.parametrize("name, role", cases("column"))
def test_a_missing_value_in_a_nullable_column_is_not_passed_over(name, role):
    """pd.NA in an Int64 / boolean / string column: an error naming the column, unless missing is documented."""
    func = getattr(crmlib, name)
    entry = REGISTRY[name]
    if f"nan:{role.param}" in entry.exempt or role.column_kind == "other" and name in TEXT_LABELS_MAY_BE_MISSING:
        pytest.skip("a missing value is meaningful here (documented)")
    call = entry.example.fresh()
    frame = nullable(frame_of(call, name, role))
    column = column_name(call, name, role)
    if isinstance(frame[column].dtype, pd.CategoricalDtype):
        frame[column] = frame[column].astype("string")
    holed = frame[column].copy()
    holed.iloc[len(holed) // 2] = pd.NA
    expect_error(name, call.replace(func, role.frame, frame.assign(**{column: holed})), column)


# Label columns only written on a figure or copied into the result: a missing label is shown as it is.
TEXT_LABELS_MAY_BE_MISSING = frozenset({"plot_bar", "plot_profit_bars", "plot_reasons_pareto", "plot_success_rates"})


NUMERIC_DAMAGE = ["NaN", "inf", "-inf", "text with commas", "currency text", "True/False", "negative", "huge"]


@pytest.mark.parametrize("name, role", cases("column", "numeric"))
@PROPERTY
@given(data=st.data())
def test_bad_values_in_a_numeric_column_are_rejected(name, role, data):
    func = getattr(crmlib, name)
    entry = REGISTRY[name]
    call = draw_valid(data, name)
    frame = frame_of(call, name, role).copy()
    column = column_name(call, name, role)
    kinds = [d for d in NUMERIC_DAMAGE if not (d == "NaN" and f"nan:{role.param}" in entry.exempt)]
    damage = data.draw(st.sampled_from(kinds), label="damage")
    row = data.draw(st.integers(0, len(frame) - 1), label="row")
    values = frame[column].astype(float)
    if damage == "negative":
        values.iloc[row] = -abs(values.iloc[row]) / 2 - 0.01
        broken = frame.assign(**{column: values})
        if role.param not in entry.nonnegative:
            # negative numbers are allowed here (e.g. profit): a valid result, or at most a clear error
            # about that column (e.g. "the total must be positive")
            with_negative = call.replace(func, role.frame, broken)
            try:
                result = run(name, with_negative)
            except crmlib.CRMInputError as error:
                assert column in str(error) and CHINESE.search(str(error)), str(error)
            else:
                entry.check(result, with_negative)
            return
    elif damage in ("NaN", "inf", "-inf", "huge"):   # 1e300: sums and products would overflow to ±inf
        values.iloc[row] = {"NaN": np.nan, "inf": np.inf, "-inf": -np.inf, "huge": 1e300}[damage]
        broken = frame.assign(**{column: values})
    elif damage == "text with commas":
        text = values.map(lambda v: f"{v:,.2f}").astype(object)
        text.iloc[row] = "1,234.50"
        broken = frame.assign(**{column: text})
    elif damage == "currency text":
        broken = frame.assign(**{column: values.map(lambda v: f"¥{v:.2f}")})
    else:
        broken = frame.assign(**{column: values > values.median()})
    expect_error(name, call.replace(func, role.frame, broken), column)


@pytest.mark.parametrize("name, role", cases("column", "numeric"))
def test_an_absurdly_large_number_in_a_numeric_column_is_rejected(name, role):
    """1e300 is finite, but sums and products of it overflow to ±inf (a silently wrong result)."""
    func = getattr(crmlib, name)
    call = REGISTRY[name].example.fresh()
    frame = frame_of(call, name, role)
    column = column_name(call, name, role)
    values = frame[column].astype(float)
    values.iloc[0] = 1e300
    message = expect_error(name, call.replace(func, role.frame, frame.assign(**{column: values})), column)
    assert "1e+15" in message, message


# ------------------------------------------------------------------ dates

@pytest.mark.parametrize("name, role", cases("column", "date"))
@PROPERTY
@given(data=st.data())
def test_bad_values_in_a_date_column_are_rejected(name, role, data):
    func = getattr(crmlib, name)
    call = draw_valid(data, name)
    frame = frame_of(call, name, role)
    column = column_name(call, name, role)
    damage = data.draw(st.sampled_from(["unparsable", "missing", "numbers"]), label="damage")
    row = data.draw(st.integers(0, len(frame) - 1), label="row")
    if damage == "numbers":
        broken = frame.assign(**{column: frame[column].dt.strftime("%Y%m%d").astype("int64")})
    else:
        text = frame[column].dt.strftime("%Y-%m-%d").astype(object)
        text.iloc[row] = None if damage == "missing" else data.draw(
            st.sampled_from(["昨天", "2024-13-45", "2024-02-30", "n/a", "1", "三月一日", "03/04/2024", "4.3.24"]),
            label="text")
        broken = frame.assign(**{column: text})
    expect_error(name, call.replace(func, role.frame, broken), column)


@pytest.mark.parametrize("name, role", cases("column", "date"))
@PROPERTY
@given(data=st.data())
def test_dates_as_parsable_strings_are_accepted(name, role, data):
    """Policy: a date column of strings such as '2024-03-01' works as if it held dates."""
    func = getattr(crmlib, name)
    call = draw_valid(data, name)
    frame = frame_of(call, name, role)
    column = column_name(call, name, role)
    fmt = data.draw(st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S"]), label="format")
    as_text = call.replace(func, role.frame, frame.assign(**{column: frame[column].dt.strftime(fmt)}))
    same_result(run(name, as_text), run(name, call))


# ------------------------------------------------------------------ options

BAD_NUMBERS = ["3", [1], True, np.nan, np.inf, -np.inf, 10 ** 400, 1e300, {"a": 1}]


@pytest.mark.parametrize("name, role", cases("number"))
@PROPERTY
@given(data=st.data())
def test_a_number_option_of_the_wrong_type_is_rejected(name, role, data):
    call = draw_valid(data, name)
    options = BAD_NUMBERS + ([] if role.optional else [None])
    if role.param in REGISTRY[name].array_ok:  # a list of numbers is fine here, a list of text is not
        options = [o for o in options if not isinstance(o, list)] + [["1,200", "3"], [1.0, np.nan]]
    bad = data.draw(st.sampled_from(options), label="option")
    expect_error(name, call.replace(getattr(crmlib, name), role.param, bad), role.param)


@pytest.mark.parametrize("name, role", cases("boolean"))
@PROPERTY
@given(data=st.data())
def test_a_switch_that_is_not_true_or_false_is_rejected(name, role, data):
    call = draw_valid(data, name)
    bad = data.draw(st.sampled_from(["False", "yes", None, [True], "否"]), label="switch")
    expect_error(name, call.replace(getattr(crmlib, name), role.param, bad), role.param)


@pytest.mark.parametrize("name, role", cases("date"))
@PROPERTY
@given(data=st.data())
def test_a_date_option_that_is_not_a_date_is_rejected(name, role, data):
    call = draw_valid(data, name)
    bad = data.draw(st.sampled_from(["昨天", "2024-13-45", 20241231, 3.5, True, ["2024-12-31"], "12/03/2025"]
                                    + ([] if role.optional else [None])), label="date option")
    expect_error(name, call.replace(getattr(crmlib, name), role.param, bad), role.param)


@pytest.mark.parametrize("name, role", cases("axes"))
@PROPERTY
@given(data=st.data())
def test_something_other_than_axes_is_rejected(name, role, data):
    call = draw_valid(data, name)
    kind = data.draw(st.sampled_from(["figure", "axes array", "text", "number"]), label="ax")
    if kind in ("figure", "axes array"):
        fig, axes = plt.subplots(1, 2)
        bad = fig if kind == "figure" else axes
    else:
        bad = "ax" if kind == "text" else 1
    expect_error(name, call.replace(getattr(crmlib, name), role.param, bad), role.param)


@pytest.mark.parametrize("name, role", cases("choice"))
@PROPERTY
@given(data=st.data())
def test_an_option_outside_the_allowed_choices_is_rejected(name, role, data):
    call = draw_valid(data, name)
    value = call.bound(getattr(crmlib, name))[role.param]
    bad = data.draw(st.one_of(typos(str(value), set()), st.sampled_from([1, True, ["x"]])), label="choice")
    expect_error(name, call.replace(getattr(crmlib, name), role.param, bad), role.param)


@pytest.mark.parametrize("name, role", cases("text"))
def test_a_title_or_label_that_is_not_text_is_rejected_before_drawing(name, role):
    """Titles, axis labels and output column names take only text (``None`` too where that is the default)."""
    func = getattr(crmlib, name)
    call = REGISTRY[name].example.fresh()
    bads = [pd.DataFrame({"标题": ["a", "b"]}), 3, ["标题"]] + ([] if role.optional else [None])
    for bad in bads:
        wrong = call.replace(func, role.param, bad)
        plt.close("all")
        with pytest.raises(crmlib.CRMInputError):
            func(*wrong.args, **wrong.kwargs)
        assert plt.get_fignums() == [], f"{name} drew a figure before rejecting {role.param}={bad!r}"
        expect_error(name, wrong, role.param)


def extra_bad_cases() -> list:
    return [pytest.param(name, param, value, id=f"{name}-{param}-{value!r}")
            for name in REGISTERED for param, values in REGISTRY[name].bad.items() for value in values]


@pytest.mark.parametrize("name, param, value", extra_bad_cases())
def test_registered_bad_values_are_rejected(name, param, value):
    call = REGISTRY[name].example.fresh()
    expect_error(name, call.replace(getattr(crmlib, name), param, value), param)


# ------------------------------------------------------------------ weights, column lists, dataset names

@pytest.mark.parametrize("name, role", cases("weights"))
@PROPERTY
@given(data=st.data())
def test_weights_that_are_not_a_dict_of_non_negative_numbers_are_rejected(name, role, data):
    func = getattr(crmlib, name)
    call = draw_valid(data, name)
    weights = call.bound(func)[role.param]
    key = next(iter(weights))
    columns = set(frame_of(call, name, role).columns) if role.frame else set()
    kinds = [k for k in ["list", "tuple", "Series", "pairs", "text weight", "negative", "NaN", "empty",
                         "unknown key", "all zero"] if f"weights:{role.param}:{k}" not in REGISTRY[name].exempt]
    kind = data.draw(st.sampled_from(kinds), label="weights")
    bad = {
        "list": lambda: list(weights.values()),
        "tuple": lambda: tuple(weights.values()),
        "Series": lambda: pd.Series(weights),
        "pairs": lambda: list(weights.items()),
        "text weight": lambda: {**weights, key: "0.5"},
        "negative": lambda: {**weights, key: -1},
        "NaN": lambda: {**weights, key: np.nan},
        "empty": lambda: {},
        "unknown key": lambda: {**weights, data.draw(typos(str(key), columns | set(weights)), label="key"): 1},
        "all zero": lambda: {k: 0 for k in weights},
    }[kind]()
    mention = role.param if kind not in ("unknown key",) else next(k for k in bad if k not in weights)
    expect_error(name, call.replace(func, role.param, bad), mention)


@pytest.mark.parametrize("name, role", cases("column_list"))
@PROPERTY
@given(data=st.data())
def test_a_misspelt_name_in_a_list_of_columns_is_rejected(name, role, data):
    func = getattr(crmlib, name)
    call = draw_valid(data, name)
    listed = list(call.bound(func)[role.param])
    columns = set(frame_of(call, name, role).columns)
    typo = data.draw(typos(listed[0], columns), label="typo")
    expect_error(name, call.replace(func, role.param, [typo] + listed[1:]), typo)
    expect_error(name, call.replace(func, role.param, 3), role.param)


@pytest.mark.parametrize("name, role", cases("dataset"))
@PROPERTY
@given(data=st.data())
def test_a_dataset_name_with_a_typo_gets_a_suggestion(name, role, data):
    func = getattr(crmlib, name)
    call = draw_valid(data, name)
    real = call.bound(func)[role.param]
    typo = data.draw(typos(real, set(crmlib.list_datasets())), label="typo")
    message = expect_error(name, call.replace(func, role.param, typo), typo)
    assert all(n in message for n in crmlib.list_datasets()), "the message lists the valid names"
    wrong_type = data.draw(st.sampled_from([3, None, [real], b"shop_customers"]), label="not a name")
    expect_error(name, call.replace(func, role.param, wrong_type), role.param)


@pytest.mark.parametrize("name, role", cases("series"))
@PROPERTY
@given(data=st.data())
def test_something_other_than_a_series_is_rejected(name, role, data):
    call = draw_valid(data, name)
    series = call.bound(getattr(crmlib, name))[role.param]
    kind = data.draw(st.sampled_from(["None", "number", "dict", "DataFrame", "missing value"]), label="kind")
    if kind == "missing value":
        row = data.draw(st.integers(0, len(series) - 1), label="row")
        holed = series.astype(object).copy()
        holed.iloc[row] = None
        bad = holed
    else:
        bad = {"None": None, "number": 3, "dict": {"a": [1]}, "DataFrame": series.to_frame()}[kind]
    expect_error(name, call.replace(getattr(crmlib, name), role.param, bad), role.param)


# ------------------------------------------------------------------ the harness itself can fail

def test_the_mutation_check_catches_an_in_place_change():
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    with pytest.raises(AssertionError, match="changed its argument"):
        with unchanged("plot_bar", Call((frame,), {"x": "a", "y": "a"})):
            frame.loc[0, "a"] = 99.0
    weights = {"a": 1}
    with pytest.raises(AssertionError):
        with unchanged("attractiveness_score", Call((frame, weights))):
            weights["b"] = 2


def test_expect_error_rejects_raw_errors_and_english_messages(monkeypatch):
    def raw(*args, **kwargs):
        raise TypeError("unsupported operand")

    def english(*args, **kwargs):
        raise crmlib.CRMInputError("load_dataset: no such dataset name")

    for fake in (raw, english):
        monkeypatch.setattr(crmlib, "load_dataset", fake)
        with pytest.raises(pytest.fail.Exception if fake is raw else AssertionError):
            expect_error("load_dataset", Call(("x",)), "name")
