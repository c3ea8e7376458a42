"""Valid example inputs for every public crmlib function, keyed by function name.

tests/test_bad_input.py and tests/test_policies.py feed these to the library, derive bad inputs from
them and check the results. A public function without an entry here makes
``test_every_public_function_has_a_registered_example`` fail, so a new function is covered as soon as
it is added to ``crmlib.__all__`` and registered here.

How to register a function ``f``::

    REGISTRY["f"] = Entry(
        example=Call((frame,), {"amount_col": "amount"}),  # one fixed valid call (small, hand-made)
        valid=some_strategy,                                 # optional: hypothesis strategy of valid Calls
        check=check_f,                                       # asserts the documented shape and types
        nonnegative=("amount_col",),                         # numeric columns where a negative is an error
        duplicates="count",                                  # "count" or "reject" (functions taking a table)
    )

The roles of the parameters (table, column, numeric column, date column, number, switch, date option,
choice, weights, list of columns, Series, dataset name, Axes) are derived from the example and the
signature; the tests then generate the matching bad inputs. Further fields, all optional:

- ``bad``: extra bad values for parameters no role covers, e.g. ``{"color": ["不是颜色"]}``;
- ``choices``: string parameters that must be one of a fixed set (a typo must be rejected);
- ``array_ok``: number parameters that also accept a list of numbers;
- ``fixed_columns``: ``{table parameter: (column, ...)}`` for columns read by a fixed name;
- ``text``: further parameters that accept only text (output column names such as ``score_col``);
  titles and axis labels (:data:`TEXT_PARAMS`) are found by name;
- ``empty``: ``"ok"`` when an empty table legitimately gives an empty result;
- ``one_purchase``: an extra check for a log in which every customer bought once;
- ``zero_total``: calls whose rate denominators are 0, each with ``"nan"`` or ``"error"``;
- ``exempt``: switches one derived check off, keyed ``"<role>:<param>"`` (e.g. ``"date:as_of"``),
  ``"nan:<column or param>"`` (missing values are meaningful there) or
  ``"weights:<param>:<kind>"``; the value says why. Keep exemptions rare and documented in the
  function's docstring.
"""
from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from hypothesis import strategies as st

import crmlib


# ------------------------------------------------------------------ the registry's types

@dataclass(frozen=True)
class Call:
    """Positional and keyword arguments of one call; ``fresh()`` gives an independent deep copy."""
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def fresh(self) -> "Call":
        return Call(copy.deepcopy(self.args), copy.deepcopy(self.kwargs))

    def replace(self, func, param: str, value) -> "Call":
        """The same call with ``param`` set to ``value`` (as keyword if it is keyword-only)."""
        sig = inspect.signature(func)
        names = list(sig.parameters)
        args, kwargs = list(self.args), dict(self.kwargs)
        index = names.index(param)
        if index < len(args):
            args[index] = value
        elif sig.parameters[param].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and index == len(args):
            args.append(value)
        else:
            kwargs[param] = value
        return Call(tuple(args), kwargs)

    def bound(self, func) -> dict:
        """Every parameter's value in this call, defaults included."""
        bound = inspect.signature(func).bind(*self.args, **self.kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)


@dataclass
class Entry:
    example: Call
    check: Callable[[object, Call], None]
    valid: st.SearchStrategy | None = None
    nonnegative: tuple[str, ...] = ()
    empty: str = "reject"               # "reject": an empty table is an error; "ok": it gives an empty result
    duplicates: str | None = None       # "count": duplicated rows are taken as they are; "reject": error
    one_purchase: Callable[[object, Call], None] | None = None   # check for a log where everyone bought once
    zero_total: list[tuple[Call, str]] = field(default_factory=list)  # (call, "nan" | "error")
    bad: dict[str, list] = field(default_factory=dict)
    exempt: dict[str, str] = field(default_factory=dict)
    choices: tuple[str, ...] = ()       # string options that must be one of a fixed set
    array_ok: tuple[str, ...] = ()      # number options that also accept a list/array/Series of numbers
    fixed_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # {table param: columns read by name}
    text: tuple[str, ...] = ()          # output names that accept only text (besides TEXT_PARAMS)

    def strategy(self) -> st.SearchStrategy:
        return self.valid if self.valid is not None else st.just(self.example)


# ------------------------------------------------------------------ roles of parameters

DATE_OPTION = re.compile(r"^(as_of|start|end|.*_date|date_from|date_to)$")

# Titles and labels drawn on a figure: only text (str) is accepted, None where the default is None.
TEXT_PARAMS = frozenset({"title", "label", "xlabel", "ylabel", "value_label", "loop_label", "unit"})


@dataclass(frozen=True)
class Role:
    kind: str          # frame, series, column, column_list, weights, dataset, axes, boolean, number, date, choice, text
    param: str         # the parameter; for a column read by a fixed name (``fixed``), the column's name
    frame: str | None = None     # for columns: the table parameter the column belongs to
    column_kind: str | None = None   # for columns: numeric, date, other
    optional: bool = False       # None is a valid value
    fixed: bool = False          # a column the function reads by its fixed name (no *_col parameter)


def _column_kind(column: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(column):
        return "date"
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return "numeric"
    return "other"


def _annotation(func, param) -> str:
    ann = inspect.signature(func).parameters[param].annotation
    return "" if ann is inspect.Parameter.empty else str(ann)


def roles(func, call: Call, entry: "Entry | None" = None) -> list[Role]:
    """What each parameter of ``func`` is, judged from a valid call, the signature and the entry."""
    sig = inspect.signature(func)
    values = call.bound(func)
    frames = {p: v for p, v in values.items() if isinstance(v, pd.DataFrame)}
    datasets = set(crmlib.list_datasets())
    found = []
    for param, value in values.items():
        spec = sig.parameters[param]
        if spec.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        ann = _annotation(func, param)
        optional = spec.default is None or "None" in ann
        owner = next((name for name, frame in frames.items()
                      if _hashable(value) and value in frame.columns), None)
        if param in TEXT_PARAMS or (entry is not None and param in entry.text):
            found.append(Role("text", param, optional=optional))
        elif param in frames:
            found.append(Role("frame", param))
        elif isinstance(value, pd.Series):
            found.append(Role("series", param))
        elif owner is not None and not isinstance(value, bool):
            found.append(Role("column", param, owner, _column_kind(frames[owner][value]), optional))
        elif entry is not None and param in entry.choices:
            found.append(Role("choice", param, optional=optional))
        elif (isinstance(value, (list, tuple)) and value and frames
              and all(isinstance(v, str) and any(v in f.columns for f in frames.values()) for v in value)):
            found.append(Role("column_list", param, next(iter(frames)), None, optional))
        elif isinstance(value, Mapping):
            found.append(Role("weights", param, next(iter(frames), None), None, optional))
        elif isinstance(value, str) and value in datasets:
            found.append(Role("dataset", param))
        elif param == "ax":
            found.append(Role("axes", param, optional=True))
        elif isinstance(value, (bool, np.bool_)):
            found.append(Role("boolean", param))
        elif isinstance(value, (int, float, np.integer, np.floating)) or (
                value is None and re.search(r"\b(int|float)\b", ann) and "str" not in ann):
            found.append(Role("number", param, optional=optional))
        elif DATE_OPTION.match(param) or "Timestamp" in ann or "datetime" in ann:
            found.append(Role("date", param, optional=optional))
        elif "Literal[" in ann:
            found.append(Role("choice", param, optional=optional))
    for frame_param, columns in (entry.fixed_columns.items() if entry is not None else ()):
        for column in columns:
            found.append(Role("column", column, frame_param, _column_kind(frames[frame_param][column]), fixed=True))
    return found


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return isinstance(value, (str, int, np.integer))


# ------------------------------------------------------------------ strategies for valid inputs

def _index(n: int) -> st.SearchStrategy:
    """Row labels: the usual 0..n-1, a reversed range, or text labels (catches positional slips)."""
    return st.sampled_from([
        pd.RangeIndex(n),
        pd.Index(np.arange(n)[::-1] * 10 + 5),
        pd.Index([f"k{i}" for i in range(n)]),
    ])


money = st.floats(0, 50_000, allow_nan=False).map(lambda x: round(x, 2))
segments = st.sampled_from(["餐馆", "酒店", "小超市", "机关食堂", "散客"])


@st.composite
def metro_frames(draw, min_rows: int = 1, max_rows: int = 8) -> pd.DataFrame:
    """Metro-like customer tables: one row per customer with the columns crmlib.selection reads."""
    n = draw(st.integers(min_rows, max_rows))
    col = lambda elements: draw(st.lists(elements, min_size=n, max_size=n))  # noqa: E731
    frame = pd.DataFrame({
        "customer_id": [f"M{i:03d}" for i in range(n)],
        "segment": col(segments),
        "revenue": col(money),
        "gross_margin_rate": col(st.floats(-0.2, 0.4).map(lambda x: round(x, 3))),
        "service_cost": col(st.floats(0, 5_000).map(lambda x: round(x, 2))),
        "bad_debt": col(st.floats(0, 2_000).map(lambda x: round(x, 2))),
        "payment_terms_days": col(st.sampled_from([0, 15, 30, 60])),
        "avg_delay_days": col(st.floats(0, 60).map(lambda x: round(x, 1))),
        "special_requests": col(st.integers(0, 40)),
        "profit": col(st.floats(-5_000, 20_000).map(lambda x: round(x, 2))),
    }, index=draw(_index(n)))
    frame["payment_terms_days"] = frame["payment_terms_days"].astype("int64")
    frame["special_requests"] = frame["special_requests"].astype("int64")
    return frame


@st.composite
def transaction_frames(draw, min_rows: int = 1, max_rows: int = 12, one_purchase: bool = False) -> pd.DataFrame:
    """Transaction logs (customer_id, date, amount), dates in 2024, amounts > 0."""
    n = draw(st.integers(min_rows, max_rows))
    if one_purchase:
        customers = [f"C{i:02d}" for i in range(n)]
    else:
        customers = draw(st.lists(st.sampled_from(["C01", "C02", "C03", "C04"]), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 364), min_size=n, max_size=n))
    amounts = draw(st.lists(st.floats(0.5, 5_000).map(lambda x: round(x, 2)), min_size=n, max_size=n))
    return pd.DataFrame({
        "customer_id": customers,
        "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
        "amount": amounts,
    }, index=draw(_index(n)))


def spanning_the_year(frame: pd.DataFrame) -> pd.DataFrame:
    """The same log with its first purchase on 2 January and its last on 30 December (several periods)."""
    dates = frame["date"].copy()
    dates.iloc[0], dates.iloc[-1] = pd.Timestamp("2024-01-02"), pd.Timestamp("2024-12-30")
    return frame.assign(date=dates)


@st.composite
def bar_frames(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 5))
    labels = draw(st.lists(st.sampled_from(["门店", "小程序", "社区团购群", "电话", "上门"]),
                           min_size=n, max_size=n, unique=True))
    values = draw(st.lists(st.floats(-1_000, 1_000, allow_nan=False).map(lambda x: round(x, 1)),
                           min_size=n, max_size=n))
    return pd.DataFrame({"渠道": labels, "人数": values}, index=draw(_index(n)))


# ------------------------------------------------------------------ result checks

def is_frame(x) -> bool:
    return isinstance(x, pd.DataFrame)


def numeric_values(result) -> np.ndarray:
    if isinstance(result, pd.DataFrame):
        numeric = result.select_dtypes("number")
        return numeric.to_numpy(dtype=float).ravel()
    if isinstance(result, pd.Series) and pd.api.types.is_numeric_dtype(result) \
            and not pd.api.types.is_bool_dtype(result):
        return result.to_numpy(dtype=float)
    return np.array([])


def first_frame(call: Call) -> pd.DataFrame:
    return next(v for v in list(call.args) + list(call.kwargs.values()) if isinstance(v, pd.DataFrame))


def check_list_datasets(result, call):
    assert isinstance(result, list) and result == sorted(result) and len(result) >= 2
    assert all(isinstance(name, str) for name in result)


def check_load_dataset(result, call):
    name = call.args[0]
    assert is_frame(result) and len(result) > 0
    assert list(result.columns) == list(crmlib.describe_dataset(name).index)


def check_describe_dataset(result, call):
    assert is_frame(result) and {"dtype", "unit", "description"} <= set(result.columns)
    assert result.index.is_unique and len(result) > 0


def check_use_chinese_font(result, call):
    assert result == crmlib.CHINESE_FONT_FAMILY


def check_plot_bar(result, call):
    from matplotlib.axes import Axes

    frame = first_frame(call)
    assert isinstance(result, Axes)
    if call.kwargs.get("ax") is not None:
        assert result is call.kwargs["ax"]
    heights = [p.get_width() if call.kwargs.get("horizontal") else p.get_height() for p in result.patches]
    assert [float(h) for h in heights] == frame[call.kwargs["y"]].astype(float).tolist()


PROFIT_COLUMNS = ["gross_profit", "capital_cost", "profit", "profit_margin"]


def check_customer_profit(result, call):
    frame = first_frame(call)
    assert is_frame(result) and result is not frame
    assert list(result.columns) == list(frame.columns) + [c for c in PROFIT_COLUMNS if c not in frame.columns]
    assert result.index.equals(frame.index)
    for column in PROFIT_COLUMNS:
        assert result[column].dtype == np.float64, column
    revenue = frame["revenue"].astype(float)
    # profit_margin is NaN exactly where revenue is 0 (documented); everything else is finite
    assert result["profit_margin"].isna().equals(revenue == 0)
    assert np.isfinite(result[["gross_profit", "capital_cost", "profit"]].to_numpy()).all()


FLAG_COLUMNS = ["few_buys_many_demands", "bad_credit", "off_strategy", "n_flags", "bad_customer"]


def check_bad_customer_flags(result, call):
    frame = first_frame(call)
    assert is_frame(result) and list(result.columns) == FLAG_COLUMNS
    assert result.index.equals(frame.index)
    assert all(result[c].dtype == bool for c in FLAG_COLUMNS if c != "n_flags")
    assert result["n_flags"].dtype == np.int64
    assert result["n_flags"].equals(result[FLAG_COLUMNS[:3]].sum(axis=1).astype("int64"))
    assert result["bad_customer"].equals(result["n_flags"] > 0)


def check_attractiveness_score(result, call):
    frame = first_frame(call)
    assert isinstance(result, pd.Series) and result.name == "attractiveness"
    assert result.dtype == np.float64 and result.index.equals(frame.index)
    assert ((result >= -1e-9) & (result <= 100 + 1e-9)).all()


SUMMARY_COLUMNS = ["customers", "revenue", "profit", "profit_share", "loss_share", "profit_per_customer",
                   "service_cost", "profit_per_service_cost"]


def check_segment_summary(result, call):
    frame = first_frame(call)
    segment_col = call.kwargs.get("segment_col", "segment")
    assert is_frame(result) and list(result.columns) == SUMMARY_COLUMNS
    assert sorted(result.index) == sorted(frame[segment_col].unique())
    assert result["customers"].dtype == np.int64 and int(result["customers"].sum()) == len(frame)
    assert result["profit"].is_monotonic_decreasing
    assert not np.isinf(numeric_values(result)).any()


# ------------------------------------------------------------------ the registry

_tiny_metro = pd.DataFrame({
    "customer_id": ["A", "B", "C"],
    "segment": ["酒店", "餐馆", "餐馆"],
    "revenue": [200_000.0, 30_000.0, 10_000.0],
    "gross_margin_rate": [0.08, 0.15, 0.16],
    "service_cost": [6_000.0, 1_200.0, 2_000.0],
    "bad_debt": [5_000.0, 0.0, 0.0],
    "payment_terms_days": [60, 0, 0],
    "avg_delay_days": [45.0, 0.0, 5.0],
    "special_requests": [25, 2, 1],
    "profit": [800.0, 3_300.0, -410.0],
})

_zero_metro = _tiny_metro.assign(revenue=0.0, profit=0.0, service_cost=0.0)

REGISTRY: dict[str, Entry] = {
    # ---- datasets
    "list_datasets": Entry(example=Call(), check=check_list_datasets),
    "load_dataset": Entry(
        example=Call(("shop_customers",)), check=check_load_dataset,
        valid=st.sampled_from(crmlib.list_datasets()).map(lambda name: Call((name,)))),
    "describe_dataset": Entry(
        example=Call(("shop_transactions",)), check=check_describe_dataset,
        valid=st.sampled_from(crmlib.list_datasets()).map(lambda name: Call((name,)))),
    # ---- plotting
    "use_chinese_font": Entry(example=Call(), check=check_use_chinese_font),
    "plot_bar": Entry(
        example=Call((pd.DataFrame({"渠道": ["门店", "小程序"], "人数": [30, 12]}),), {"x": "渠道", "y": "人数"}),
        valid=st.builds(lambda frame, horizontal: Call((frame,), {"x": "渠道", "y": "人数", "horizontal": horizontal}),
                        bar_frames(), st.booleans()),
        check=check_plot_bar, duplicates="count",
        bad={"color": ["不是颜色", 3.5, [1, 2]]}),
    # ---- selection (chapter 01)
    "customer_profit": Entry(
        example=Call((_tiny_metro,)), check=check_customer_profit,
        valid=st.builds(lambda frame, rate: Call((frame,), {"capital_rate": rate}),
                        metro_frames(), st.sampled_from([0.0, 0.06, 0.2])),
        nonnegative=("revenue_col", "service_cost_col", "bad_debt_col", "terms_col", "delay_col"),
        duplicates="count",
        zero_total=[(Call((_zero_metro,)), "nan")]),
    "bad_customer_flags": Entry(
        example=Call((_tiny_metro,)), check=check_bad_customer_flags,
        valid=metro_frames().map(lambda frame: Call((frame,))),
        nonnegative=("revenue_col", "service_cost_col", "bad_debt_col", "delay_col", "requests_col"),
        duplicates="count",
        zero_total=[(Call((_zero_metro,)), "nan")]),
    "attractiveness_score": Entry(
        example=Call((_tiny_metro, {"profit": 3, "avg_delay_days": 1}), {"lower_is_better": ["avg_delay_days"]}),
        check=check_attractiveness_score,
        valid=st.builds(lambda frame, w1, w2: Call((frame, {"profit": w1, "avg_delay_days": w2}),
                                                   {"lower_is_better": ["avg_delay_days"]}),
                        metro_frames(), st.integers(1, 5), st.sampled_from([0, 0.5, 2])),
        duplicates="count",
        zero_total=[(Call((_zero_metro, {"profit": 1})), "nan")]),
    "segment_summary": Entry(
        example=Call((_tiny_metro,)), check=check_segment_summary,
        valid=metro_frames().map(lambda frame: Call((frame,))),
        nonnegative=("service_cost_col",),
        duplicates="count",
        zero_total=[(Call((_zero_metro,)), "nan")]),
}


# ------------------------------------------------------------------ chapter 04: tiers

def _tx_call(**kwargs):
    return lambda frame: Call((frame,), dict(kwargs))


def check_pareto_table(result, call):
    frame = first_frame(call)
    value_col = call.kwargs.get("value_col", "amount")
    customer_col = call.kwargs.get("customer_col", "customer_id")
    assert is_frame(result)
    assert list(result.columns) == [customer_col, value_col, "rank", "customer_share", "value_share"]
    assert len(result) == frame[customer_col].nunique() and result[customer_col].is_unique
    assert result["rank"].tolist() == list(range(1, len(result) + 1))
    assert result[value_col].is_monotonic_decreasing
    assert abs(float(result["value_share"].iloc[-1]) - 1.0) < 1e-9
    assert abs(float(result[value_col].sum()) - float(frame[value_col].sum())) < 1e-6


def check_top_share(result, call):
    assert type(result) is float and result > 0   # may exceed 1 only when some values are negative


def check_axes(result, call):
    from matplotlib.axes import Axes

    assert isinstance(result, Axes)
    if call.kwargs.get("ax") is not None:
        assert result is call.kwargs["ax"]


# chapters 00 and 01: figures
REGISTRY.update({
    "plot_process": Entry(
        example=Call((["识别", "接触", "改进"],)), check=check_axes,
        bad={"steps": ["识别", ["只有一步"], ["识别", 3], []], "title": [3], "color": ["不是颜色"]}),
    "plot_revenue_profit": Entry(
        example=Call((_tiny_metro,)), check=check_axes, nonnegative=("revenue_col",), duplicates="count",
        bad={"title": [3]}),
    "plot_whale_curve": Entry(example=Call((_tiny_metro,)), check=check_axes, duplicates="count"),
    "plot_profit_waterfall": Entry(
        example=Call((crmlib.customer_profit(_tiny_metro.drop(columns="profit")),)), check=check_axes,
        nonnegative=("service_cost_col", "bad_debt_col", "capital_col"), duplicates="count"),
    "plot_profit_bars": Entry(
        example=Call((_tiny_metro,), {"label_col": "segment", "ylim": (-1000.0, 5000.0)}), check=check_axes,
        duplicates="count", bad={"ylim": [(5, 1), "0,1", (1,)]}),
})


def check_abc_classes(result, call):
    check_pareto_table(result.drop(columns="abc"), call)
    labels = list(call.kwargs.get("labels", ("A", "B", "C")))
    assert set(result["abc"]) <= set(labels) and result["abc"].iloc[0] == labels[0]
    order = result["abc"].map({label: i for i, label in enumerate(labels)})
    assert order.is_monotonic_increasing


def check_customer_pyramid(result, call):
    frame = first_frame(call)
    value_col = call.kwargs.get("value_col", "profit")
    customer_col = call.kwargs.get("customer_col", "customer_id")
    assert is_frame(result)
    assert list(result.columns) == [customer_col, value_col, "rank", "customer_share", "tier"]
    assert len(result) == frame[customer_col].nunique()
    assert isinstance(result["tier"].dtype, pd.CategoricalDtype)
    assert list(result["tier"].cat.categories) == crmlib.PYRAMID_TIERS
    assert (result.loc[result[value_col] <= 0, "tier"] == "重铅").all()
    assert result["tier"].cat.codes.is_monotonic_increasing


def check_pyramid_summary(result, call):
    frame = first_frame(call)
    value_col = call.kwargs.get("value_col", "profit")
    assert is_frame(result) and list(result.index) == crmlib.PYRAMID_TIERS
    assert list(result.columns) == ["customers", "customer_share", value_col, "value_share", "mean_value"]
    assert int(result["customers"].sum()) == len(frame)
    assert abs(float(result[value_col].sum()) - float(frame[value_col].sum())) < 1e-6


def check_rfm_table(result, call):
    frame = first_frame(call)
    assert is_frame(result) and list(result.columns) == ["recency", "frequency", "monetary"]
    assert result.index.name == "customer_id" and sorted(result.index) == sorted(frame["customer_id"].unique())
    assert result["recency"].dtype == np.int64 and result["frequency"].dtype == np.int64
    assert result["monetary"].dtype == np.float64
    assert (result["recency"] >= 0).all() and int(result["frequency"].sum()) == len(frame)
    assert abs(float(result["monetary"].sum()) - float(frame["amount"].sum())) < 1e-6


def check_rfm_scores(result, call):
    frame = first_frame(call)
    bins = call.kwargs.get("bins", 5)
    assert is_frame(result) and list(result.columns) == list(frame.columns) + ["R", "F", "M", "RFM", "segment"]
    assert result.index.equals(frame.index)
    for col in "RFM":
        assert result[col].dtype == np.int64 and result[col].between(1, bins).all()
    assert set(result["segment"]) <= set(crmlib.RFM_SEGMENTS.values())


def check_lead_grade_checks(result, call):
    frame = first_frame(call)
    assert is_frame(result) and list(result.columns) == list(crmlib.LEAD_GRADES)
    assert result.index.equals(frame.index) and all(result[c].dtype == bool for c in result.columns)
    assert result["A21"].all()


def check_lead_grade(result, call):
    frame = first_frame(call)
    assert is_frame(result) and list(result.columns) == list(frame.columns) + ["grade", "grade_name"]
    assert result.index.equals(frame.index)
    assert set(result["grade"]) <= set(crmlib.LEAD_GRADES)
    assert (result["grade_name"] == result["grade"].map(crmlib.LEAD_GRADES)).all()


def check_weighted_grade(result, call):
    frame = first_frame(call)
    assert is_frame(result) and list(result.columns) == list(frame.columns) + ["score", "grade"]
    assert result.index.equals(frame.index) and result["score"].dtype == np.float64
    assert result["score"].between(0, 100).all() and set(result["grade"]) <= {"A", "B", "C"}


def check_visit_plan(result, call):
    frame = first_frame(call)
    visits = call.kwargs.get("visits_per_month") or {"A": 2, "B": 1, "C": 1 / 3}
    assert is_frame(result)
    assert list(result.columns) == [f"n_{g}" for g in visits] + ["visits", "hours", "load"]
    assert sorted(result.index) == sorted(frame["salesperson"].unique())
    assert int(result[[f"n_{g}" for g in visits]].to_numpy().sum()) == len(frame)
    assert (result[["visits", "hours", "load"]] >= 0).all().all()


_tiny_tx = pd.DataFrame({"customer_id": ["a", "b", "a", "c", "d", "a"],
                         "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-08", "2024-02-01",
                                                 "2024-02-03", "2024-03-10"]),
                         "amount": [50.0, 30.0, 30.0, 15.0, 5.0, 20.0]})
_profits = pd.DataFrame({"customer_id": list("abcdefghij"),
                         "profit": [900.0, 500.0, 300.0, 200.0, 120.0, 80.0, 40.0, 10.0, -5.0, -60.0]})
_rfm = pd.DataFrame({"recency": [5, 40, 5, 200, 90], "frequency": [8, 3, 1, 1, 12],
                     "monetary": [900.0, 300.0, 80.0, 50.0, 1500.0]}, index=list("abcde"))
_grades = pd.DataFrame({"credit": [90, 60, 75, 80], "revenue": [50.0, 400.0, 120.0, 80.0],
                        "complaints": [0, 6, 1, 2]})
_book = pd.DataFrame({"salesperson": ["张", "张", "张", "李"], "grade": ["A", "B", "C", "A"]})
_leads = crmlib.load_dataset("carton_leads").head(40)
_LEAD_NUMERIC = ("annual_sales", "expected_amount", "affordable_amount", "offered_price", "floor_price",
                 "months_to_purchase", "open_promises")
_LEAD_OTHER = ("company", "respondent_role", "reply", "quote_known", "paid")
_LEAD_TEXT_UNKNOWN = {f"nan:{column}": "missing text = not known yet, the condition is not met (documented)"
                      for column in ("company", "respondent_role", "reply")}


@st.composite
def pyramid_inputs(draw):
    frame = draw(metro_frames(min_rows=1, max_rows=10))
    return frame[["customer_id", "profit"]]


@st.composite
def rfm_inputs(draw):
    n = draw(st.integers(1, 10))
    col = lambda lo, hi: draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))  # noqa: E731
    return pd.DataFrame({"recency": col(0, 400), "frequency": col(1, 30),
                         "monetary": [float(x) for x in col(1, 9_000)]}, index=draw(_index(n)))


@st.composite
def grade_inputs(draw):
    n = draw(st.integers(1, 8))
    col = lambda lo, hi: draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))  # noqa: E731
    frame = pd.DataFrame({"credit": col(0, 100), "revenue": [float(x) for x in col(0, 900)],
                          "complaints": col(0, 9)}, index=draw(_index(n)))
    weights = {"credit": draw(st.integers(1, 3)), "revenue": draw(st.integers(1, 3)), "complaints": 1}
    return Call((frame, weights), {"lower_is_better": ["complaints"]})


@st.composite
def visit_inputs(draw):
    n = draw(st.integers(1, 10))
    frame = pd.DataFrame({"salesperson": draw(st.lists(st.sampled_from(["张", "李", "王"]), min_size=n, max_size=n)),
                          "grade": draw(st.lists(st.sampled_from("ABC"), min_size=n, max_size=n))},
                         index=draw(_index(n)))
    visits = {"A": draw(st.sampled_from([2, 4])), "B": 1, "C": draw(st.sampled_from([0.5, 1]))}
    return Call((frame,), {"visits_per_month": visits, "hours_per_visit": draw(st.sampled_from([1.0, 2.5])),
                           "hours_available": 40.0})


REGISTRY.update({
    "pareto_table": Entry(
        example=Call((_tiny_tx,)), check=check_pareto_table,
        valid=transaction_frames().map(_tx_call()), duplicates="count",
        zero_total=[(Call((_tiny_tx.assign(amount=0.0),)), "error")]),
    "top_share": Entry(
        example=Call((_tiny_tx, 0.2)), check=check_top_share,
        valid=st.builds(lambda frame, share: Call((frame, share)), transaction_frames(),
                        st.sampled_from([0.1, 0.2, 0.5, 1.0])),
        duplicates="count", zero_total=[(Call((_tiny_tx.assign(amount=0.0), 0.2)), "error")]),
    "plot_pareto": Entry(
        example=Call((crmlib.pareto_table(_tiny_tx),)), check=check_axes,
        valid=transaction_frames().map(lambda frame: Call((crmlib.pareto_table(frame),))),
        duplicates="count"),
    "abc_classes": Entry(
        example=Call((_tiny_tx,)), check=check_abc_classes,
        valid=transaction_frames().map(_tx_call()), nonnegative=("value_col",), duplicates="count",
        bad={"cuts": [(0.95, 0.8), "0.8", (0.8, 1.5), ()], "labels": ["ABC", ("A", "B")]},
        zero_total=[(Call((_tiny_tx.assign(amount=0.0),)), "error")]),
    "customer_pyramid": Entry(
        example=Call((_profits,), {"cuts": (0.1, 0.3, 0.9)}), check=check_customer_pyramid,
        valid=pyramid_inputs().map(_tx_call()), duplicates="count",
        bad={"cuts": [(0.3, 0.1, 0.9), (0.1, 0.3), "0.1", (0.1, 0.3, 1.2)]},
        zero_total=[(Call((_profits.assign(profit=0.0),)), "nan")]),
    "pyramid_summary": Entry(
        example=Call((crmlib.customer_pyramid(_profits),)), check=check_pyramid_summary,
        valid=pyramid_inputs().map(lambda frame: Call((crmlib.customer_pyramid(frame),))),
        duplicates="count",
        zero_total=[(Call((crmlib.customer_pyramid(_profits.assign(profit=0.0)),)), "nan")]),
    "plot_pyramid": Entry(
        example=Call((crmlib.pyramid_summary(crmlib.customer_pyramid(_profits)),)), check=check_axes,
        nonnegative=("customers_col",), duplicates="count",
        exempt={"nan:share_col": "value_share is NaN when the total is 0 (zero-total policy); drawn as '—'"}),
    "rfm_table": Entry(
        example=Call((_tiny_tx,)), check=check_rfm_table,
        valid=st.builds(lambda frame, late: Call((frame,), {"as_of": "2025-01-31"} if late else {}),
                        transaction_frames(), st.booleans()),
        nonnegative=("amount_col",), duplicates="count",
        one_purchase=lambda result, call: None),
    "rfm_scores": Entry(
        example=Call((_rfm,)), check=check_rfm_scores,
        valid=st.builds(lambda frame, bins: Call((frame,), {"bins": bins, "high": 2}), rfm_inputs(),
                        st.sampled_from([3, 5])),
        nonnegative=("recency_col", "frequency_col", "monetary_col"), duplicates="count"),
    "lead_grade_checks": Entry(
        example=Call((_leads,)), check=check_lead_grade_checks, duplicates="count",
        fixed_columns={"leads": _LEAD_NUMERIC + _LEAD_OTHER},
        bad={"columns": [["annual_sales"], {"不是标准列名": "x"}], "excluded_industries": [3]},
        exempt={"nan:expected_amount": "missing = not yet discussed (documented)",
                "nan:affordable_amount": "missing = not yet discussed (documented)",
                "nan:offered_price": "missing = not yet discussed (documented)",
                "nan:floor_price": "missing = not yet discussed (documented)",
                "nan:months_to_purchase": "missing = not yet discussed (documented)",
                "nan:annual_sales": "missing = key fact unknown (documented)",
                **_LEAD_TEXT_UNKNOWN},
        nonnegative=("open_promises",)),
    "lead_grade": Entry(
        example=Call((_leads,)), check=check_lead_grade, duplicates="count",
        fixed_columns={"leads": _LEAD_NUMERIC + _LEAD_OTHER},
        bad={"columns": [["annual_sales"], {"不是标准列名": "x"}]},
        exempt={"nan:expected_amount": "missing = not yet discussed (documented)",
                "nan:affordable_amount": "missing = not yet discussed (documented)",
                "nan:offered_price": "missing = not yet discussed (documented)",
                "nan:floor_price": "missing = not yet discussed (documented)",
                "nan:months_to_purchase": "missing = not yet discussed (documented)",
                "nan:annual_sales": "missing = key fact unknown (documented)",
                **_LEAD_TEXT_UNKNOWN},
        nonnegative=("open_promises",)),
    "weighted_grade": Entry(
        example=Call((_grades, {"credit": 1, "revenue": 2, "complaints": 1}), {"lower_is_better": ["complaints"]}),
        check=check_weighted_grade, valid=grade_inputs(), duplicates="count",
        bad={"cuts": [(40.0, 70.0), (70.0, 140.0), "70"], "labels": ["ABC", ("A", "B")]},
        text=("score_col", "grade_col"),
        zero_total=[(Call((_grades, {"credit": 0, "revenue": 0})), "error")]),
    "visit_plan": Entry(
        example=Call((_book,), {"visits_per_month": {"A": 4, "B": 2, "C": 1}, "hours_per_visit": 1.5,
                                "hours_available": 30}),
        check=check_visit_plan, valid=visit_inputs(), duplicates="count",
        exempt={"weights:visits_per_month:unknown key": "an extra grade nobody has is harmless",
                "weights:visits_per_month:all zero": "zero visits is a valid plan"},
        zero_total=[(Call((_book,), {"hours_available": 0}), "error")]),
})


# ------------------------------------------------------------------ chapter 03: objections

_texts = pd.Series(["太贵了。", "售后服务跟得上吗？", "你好", "我再考虑考虑"], index=[3, 1, 7, 0])
_actual = pd.Series(["价格异议", "价格异议", "产品异议", "服务异议"])
_predicted = pd.Series(["价格异议", "产品异议", "产品异议", "未识别"])
_calls = crmlib.load_dataset("objection_calls").head(30)


def check_classify_objections(result, call):
    texts = call.args[0]
    assert isinstance(result, pd.Series) and result.name == "predicted"
    assert result.index.equals(texts.index)
    assert set(result) <= set(crmlib.OBJECTION_TYPES) | {"未识别"}


def check_confusion_table(result, call):
    actual, predicted = call.args
    assert is_frame(result) and int(result.to_numpy().sum()) == len(actual)
    assert sorted(result.index) == sorted(set(actual))
    assert all(pd.api.types.is_integer_dtype(dtype) for dtype in result.dtypes)


def check_classification_accuracy(result, call):
    actual, predicted = call.args
    assert type(result) is float
    expected = sum(a == p for a, p in zip(list(actual), list(predicted))) / len(actual)
    assert abs(result - expected) < 1e-12


def check_suggest_method(result, call):
    assert isinstance(result, str) and result in crmlib.HANDLING_METHODS.index


def check_success_rate_intervals(result, call):
    frame = first_frame(call)
    assert is_frame(result) and int(result["n"].sum()) == len(frame)
    assert ((result["lower"] <= result["rate"]) & (result["rate"] <= result["upper"])).all()
    assert result["lower"].between(0, 1).all() and result["upper"].between(0, 1).all()


def check_method_success_rates(result, call):
    frame = first_frame(call)
    by = call.kwargs.get("by", "nature")
    assert is_frame(result) and sorted(result.index) == sorted(frame["method"].unique())
    assert sorted(result.columns) == sorted(frame[by].unique())
    values = result.to_numpy(dtype=float)
    assert ((values[~np.isnan(values)] >= 0) & (values[~np.isnan(values)] <= 1)).all()


REGISTRY.update({
    "classify_objections": Entry(
        example=Call((_texts,)), check=check_classify_objections,
        bad={"keywords": [["贵"], {"价格异议": "贵"}, {}]}),
    "confusion_table": Entry(example=Call((_actual, _predicted)), check=check_confusion_table),
    "classification_accuracy": Entry(example=Call((_actual, _predicted)), check=check_classification_accuracy),
    "suggest_method": Entry(
        example=Call(("价格异议", "真异议"), {"misinformed": False}), check=check_suggest_method,
        choices=("objection_type", "nature")),
    "method_success_rates": Entry(
        example=Call((_calls,)), check=check_method_success_rates, duplicates="count"),
    "plot_confusion": Entry(
        example=Call((crmlib.confusion_table(_actual, _predicted),)), check=check_axes, duplicates="count",
        bad={"cmap": ["不是色图", 3]}),
    "success_rate_intervals": Entry(
        example=Call((_calls,), {"by": "nature"}), check=check_success_rate_intervals, duplicates="count"),
    "plot_success_rates": Entry(
        example=Call((crmlib.success_rate_intervals(_calls, by=None),)), check=check_axes, duplicates="count"),
})


# ------------------------------------------------------------------ chapter 02: development

_stage_leads = pd.DataFrame({"stage": ["线索", "接通", "成交", "接通", "线索"]}, index=[4, 3, 2, 1, 0])
_STAGES = ["线索", "接通", "成交"]
_funnel_counts = pd.Series({"触达": 1000, "注册": 200, "首单": 50})
_spend = pd.DataFrame({"渠道": ["a", "a", "b", "c"], "spend": [100.0, 200.0, 50.0, 80.0],
                       "first_booking": [1, 2, 0, 4]})
_prospects = pd.DataFrame({"has_budget": [True, True, False], "has_authority": [True, False, True],
                           "has_need": [True, False, True]})
_personality = pd.DataFrame({"活泼型": [3, 1, 2], "力量型": [3, 2, 2], "平和型": [1, 5, 0], "分析型": [0, 2, 4]})


def check_stage_counts(result, call):
    frame = first_frame(call)
    stages = list(call.kwargs["stages"])
    assert isinstance(result, pd.Series) and result.name == "count" and list(result.index) == stages
    assert pd.api.types.is_integer_dtype(result) and int(result.iloc[0]) == len(frame)
    assert result.is_monotonic_decreasing


def check_funnel_table(result, call):
    counts = call.args[0]
    assert is_frame(result) and list(result.columns) == ["count", "step_rate", "overall_rate"]
    assert len(result) == len(counts) and np.isnan(result["step_rate"].iloc[0])
    assert result["overall_rate"].iloc[0] == 1.0 and result["overall_rate"].is_monotonic_decreasing


def check_acquisition_cost(result, call):
    frame = first_frame(call)
    by = call.kwargs["by"]
    assert isinstance(result, pd.Series) and result.name == "cost_per_customer"
    assert sorted(result.index) == sorted(frame[by].unique()) and result.dtype == np.float64
    per_group = frame.groupby(by)["first_booking"].sum()
    assert result.isna().equals((per_group == 0).reindex(result.index))


def check_qualify_prospects(result, call):
    frame = first_frame(call)
    assert is_frame(result) and list(result.columns) == ["qualified", "missing"]
    assert result.index.equals(frame.index) and result["qualified"].dtype == bool
    assert (result["qualified"] == (result["missing"] == "")).all()


def check_dominant_personality(result, call):
    frame = first_frame(call)
    columns = list(call.kwargs.get("columns", ("活泼型", "力量型", "平和型", "分析型")))
    assert isinstance(result, pd.Series) and result.name == "personality" and result.index.equals(frame.index)
    assert set(result) <= set(columns)


@st.composite
def funnel_counts(draw):
    n = draw(st.integers(2, 5))
    first = draw(st.integers(1, 5_000))
    shares = sorted(draw(st.lists(st.floats(0, 1), min_size=n - 1, max_size=n - 1)), reverse=True)
    return pd.Series([first] + [int(first * s) for s in shares], index=[f"第{i}层" for i in range(n)])


REGISTRY.update({
    "stage_counts": Entry(
        example=Call((_stage_leads,), {"stages": _STAGES}), check=check_stage_counts, duplicates="count",
        bad={"stages": ["线索", ["线索"], ["线索", "线索", "成交"], 3]}),
    "funnel_table": Entry(
        example=Call((_funnel_counts,)), check=check_funnel_table,
        valid=funnel_counts().map(lambda counts: Call((counts,))),
        zero_total=[(Call((pd.Series({"触达": 0, "注册": 0}),)), "error")]),
    "plot_funnel": Entry(
        example=Call((crmlib.funnel_table(_funnel_counts),)), check=check_axes, duplicates="count",
        fixed_columns={"table": ("count", "overall_rate")}, nonnegative=("count",),
        bad={"color": ["不是颜色", 3.5]}),
    "acquisition_cost": Entry(
        example=Call((_spend,), {"by": "渠道"}), check=check_acquisition_cost,
        nonnegative=("spend_col", "customers_col"), duplicates="count",
        zero_total=[(Call((_spend.assign(first_booking=0),), {"by": "渠道"}), "nan")]),
    "qualify_prospects": Entry(example=Call((_prospects,)), check=check_qualify_prospects, duplicates="count"),
    "dominant_personality": Entry(
        example=Call((_personality,)), check=check_dominant_personality, duplicates="count"),
})


# ------------------------------------------------------------------ chapter 06: retention

_purchases = pd.DataFrame({"customer_id": ["A", "A", "A", "A", "B", "B", "C"], "quarter": [1, 2, 3, 4, 3, 4, 1],
                           "amount": [50.0, 50, 50, 50, 10, 30, 20]})
_matrix = pd.DataFrame({"current_value": [9.0, 8.0, 1.0, 2.0], "growth_potential": [7.0, 1.0, 9.0, 2.0]})
_SURVIVORS = [1000, 631, 468, 382, 326, 289, 262, 241]
_LIFECYCLE_AS_OF = {"date:as_of": "as_of is a period number here, not a date"}
_BAD_PERIOD = {"as_of": ["昨天", 2.5, True]}


def frame_with(columns: list, *, index_name=None, rows=None):
    def check(result, call):
        assert is_frame(result) and list(result.columns) == columns, list(getattr(result, "columns", []))
        if index_name is not None:
            assert result.index.name == index_name
        if rows is not None:
            assert len(result) == rows(call)
    return check


def customers_in(call, col="customer_id"):
    return first_frame(call)[col].nunique()


def check_float(result, call):
    assert type(result) is float and np.isfinite(result)


def check_clv(result, call):
    if all(isinstance(a, (int, float)) for a in call.args):
        check_float(result, call)
    else:
        assert isinstance(result, (pd.Series, np.ndarray)) and np.isfinite(np.asarray(result, dtype=float)).all()


def check_lifecycle_path(result, call):
    frame = first_frame(call)
    assert is_frame(result) and sorted(result.index) == sorted(frame["customer_id"].unique())
    assert result.index.name == "customer_id"


def check_sbg_fit(result, call):
    assert isinstance(result, pd.Series) and {"alpha", "beta"} <= set(result.index)
    assert (result[["alpha", "beta"]] > 0).all()


REGISTRY.update({
    "selling_economics": Entry(
        example=Call((12000,), {"existing_contact_cost": 20, "margin_per_sale": 100}),
        check=frame_with(["contact_cost", "contacts", "success_rate", "sales", "cost_per_sale", "profit"])),
    "customer_lifetime_value": Entry(
        example=Call((100, 0.8, 0.1)), check=check_clv,
        valid=st.builds(lambda m, r, d, t: Call((m, r, d), {"periods": t}),
                        st.floats(-100, 1_000), st.floats(0, 0.95), st.floats(0, 0.3), st.none() | st.integers(1, 40)),
        array_ok=("margin", "retention_rate", "discount_rate", "acquisition_cost"),
        zero_total=[(Call((100, 1.0, 0.0)), "error")]),
    "clv_table": Entry(
        example=Call((100, 0.8, 0.1), {"periods": 3}),
        check=frame_with(["alive", "expected_margin", "discount_factor", "present_value", "cumulative_value"],
                         index_name="period", rows=lambda call: call.kwargs["periods"])),
    "lifecycle_path": Entry(
        example=Call((_purchases,), {"trial_periods": 1}), check=check_lifecycle_path, duplicates="count",
        nonnegative=("amount_col",), exempt=_LIFECYCLE_AS_OF, bad=_BAD_PERIOD),
    "lifecycle_stage": Entry(
        example=Call((_purchases,), {"trial_periods": 1}), duplicates="count",
        check=frame_with(["first_period", "last_period", "tenure", "recent", "previous", "peak", "stage", "ended"],
                         index_name="customer_id", rows=customers_in),
        nonnegative=("amount_col",), exempt=_LIFECYCLE_AS_OF, bad=_BAD_PERIOD),
    "lifecycle_pattern": Entry(
        example=Call((_purchases,), {"trial_periods": 1, "long_periods": 2}), duplicates="count",
        check=frame_with(["max_stage", "stable_periods", "ended", "pattern"], index_name="customer_id",
                         rows=customers_in),
        nonnegative=("amount_col",), exempt=_LIFECYCLE_AS_OF, bad=_BAD_PERIOD),
    "value_matrix": Entry(
        example=Call((_matrix,), {"current_cut": 5, "potential_cut": 5}), duplicates="count",
        check=frame_with(["current_value", "growth_potential", "high_current", "high_potential", "quadrant",
                          "segment", "strategy", "priority"], rows=lambda call: len(first_frame(call)))),
    "plot_value_matrix": Entry(
        example=Call((_matrix,), {"current_cut": 5, "potential_cut": 5}), check=check_axes, duplicates="count"),
    "simulate_winback": Entry(
        example=Call((100,), {"periods": 2, "winback_rate": 0.2, "retention_rate": 0.9, "visit_rate": 0.5,
                              "price": 100, "unit_cost": 40}),
        check=frame_with(["winback", "continuing", "gone", "active", "lost", "visits", "nights", "revenue", "cost",
                          "profit", "cumulative_profit", "recovered_share"], index_name="period",
                         rows=lambda call: call.kwargs["periods"]),
        zero_total=[(Call((0,), {"periods": 2, "winback_rate": 0.2, "retention_rate": 0.9, "price": 100,
                                 "unit_cost": 40}), "nan")]),
    "sbg_fit": Entry(
        example=Call((_SURVIVORS,)), check=check_sbg_fit,
        bad={"survivors": [[1000, 0 + 631], "1000,631,468", [1000, 631, 700], [0, 0, 0], [1000, np.nan, 400], None]}),
    "sbg_curve": Entry(
        example=Call((1.0, 1.0), {"periods": 3, "cohort_size": 100}),
        check=frame_with(["survival", "survivors", "retention_rate", "churn_prob"], index_name="period",
                         rows=lambda call: call.kwargs["periods"] + 1)),
    "plot_sbg": Entry(
        example=Call((_SURVIVORS,), {"horizon": 12}), check=check_axes,
        bad={"survivors": ["1000,631", [1000, 631, 700]], "show_retention": ["False"]}),
})


# ------------------------------------------------------------------ chapter 05: churn

_churn_tx = pd.DataFrame({"customer_id": ["a", "b", "c", "a", "c", "a"],
                          "date": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-03-01", "2024-04-02",
                                                  "2024-05-20", "2024-07-01"]),
                          "amount": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]})
_gaps_tx = pd.DataFrame({"customer_id": ["a"] * 4 + ["b"] * 4,
                         "date": pd.to_datetime(["2024-01-01", "2024-01-29", "2024-02-26", "2024-03-25",
                                                 "2024-01-10", "2024-02-10", "2024-03-10", "2024-04-10"])})
_survey = pd.DataFrame({"reason": ["服务", "价格", "服务", "产品", "服务", "价格"]})
_summary = pd.DataFrame({"frequency": [0, 1, 3, 0, 5, 2, 0, 1], "recency": [0, 20, 30, 0, 38, 15, 0, 5],
                         "T": [40, 38, 39, 35, 40, 36, 30, 39]})
_PARAMS = {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}


def check_rate(result, call):
    assert type(result) is float and 0 <= result <= 1


def check_cohort(result, call):
    frame = first_frame(call)
    assert is_frame(result) and result.index.name == "cohort"
    assert all(result[c].dtype == np.float64 for c in result.columns)
    if call.kwargs.get("values", "count") == "count":
        assert int(result.iloc[:, 0].sum()) == frame["customer_id"].nunique()
    else:
        assert (result.iloc[:, 0] == 1).all()


def check_prob_alive(result, call):
    frame = first_frame(call)
    assert isinstance(result, pd.Series) and result.index.equals(frame.index)
    assert result.between(0, 1).all()


def check_bgnbd_predict(result, call):
    frame = first_frame(call)
    assert isinstance(result, pd.Series) and result.index.equals(frame.index)
    assert (result >= 0).all() and np.isfinite(result).all()


def check_bgnbd(result, call):
    assert isinstance(result, pd.Series) and result.index.tolist() == ["r", "alpha", "a", "b", "log_likelihood"]
    assert (result.drop("log_likelihood") > 0).all() and result.dtype == float


REGISTRY.update({
    "churn_rate": Entry(example=Call((30, 200)), check=check_rate, zero_total=[(Call((0, 0)), "error")],
                        bad={"lost": [300, -1]}),
    "retention_rate": Entry(example=Call((170, 200)), check=check_rate, zero_total=[(Call((0, 0)), "error")],
                            bad={"retained": [300, -1]}),
    "period_churn": Entry(
        example=Call((_churn_tx,)), duplicates="count", choices=("freq",),
        valid=transaction_frames(min_rows=2).map(spanning_the_year).map(_tx_call()),
        check=frame_with(["period", "customers", "retained", "lost", "churn_rate", "retention_rate"])),
    "churn_status": Entry(
        example=Call((_churn_tx,), {"window_days": 90, "as_of": "2024-07-30"}), duplicates="count",
        valid=transaction_frames().map(_tx_call(window_days=90, as_of="2025-01-31")),
        check=frame_with(["first_purchase", "last_purchase", "days_since_last", "churned"],
                         index_name="customer_id", rows=customers_in),
        one_purchase=lambda result, call: None),
    "cohort_table": Entry(
        example=Call((_churn_tx,)), check=check_cohort, duplicates="count", choices=("freq", "values"),
        valid=st.builds(lambda frame, values: Call((frame,), {"values": values}), transaction_frames(),
                        st.sampled_from(["count", "share"]))),
    "plot_cohort_heatmap": Entry(
        example=Call((crmlib.cohort_table(_churn_tx, values="share"),)), check=check_axes, duplicates="count",
        bad={"cmap": ["不是色图"], "annotate": ["False"]}),
    "reasons_pareto": Entry(
        example=Call((_survey,)), duplicates="count",
        check=frame_with(["reason", "count", "share", "cum_share", "vital"],
                         rows=lambda call: first_frame(call)["reason"].nunique())),
    "plot_reasons_pareto": Entry(
        example=Call((crmlib.reasons_pareto(_survey),)), check=check_axes, duplicates="count",
        nonnegative=("value_col",)),
    "interval_anomaly": Entry(
        example=Call((_gaps_tx,), {"as_of": "2024-06-01"}), duplicates="count",
        check=frame_with(["purchases", "typical_gap", "last_purchase", "current_gap", "gap_ratio", "anomaly"],
                         index_name="customer_id", rows=customers_in),
        one_purchase=lambda result, call: None),
    "btyd_summary": Entry(
        example=Call((_churn_tx,), {"amount_col": "amount", "as_of": "2024-08-01"}), duplicates="count",
        valid=transaction_frames().map(_tx_call(amount_col="amount", as_of="2025-01-31")),
        nonnegative=("amount_col",), choices=("freq",),
        check=frame_with(["frequency", "recency", "T", "monetary_value"], index_name="customer_id",
                         rows=customers_in),
        one_purchase=lambda result, call: None),
    "bgnbd_fit": Entry(
        example=Call((_summary,)), check=check_bgnbd, duplicates="count",
        nonnegative=("frequency_col", "recency_col", "T_col")),
    "prob_alive": Entry(
        example=Call((_summary, _PARAMS)), check=check_prob_alive, duplicates="count",
        nonnegative=("frequency_col", "recency_col", "T_col"),
        exempt={"weights:params:unknown key": "extra keys are ignored (documented)",
                "weights:params:Series": "bgnbd_fit's own result is a Series"}),
    "bgnbd_predict": Entry(
        example=Call((_summary, _PARAMS, 30)), check=check_bgnbd_predict, duplicates="count",
        nonnegative=("frequency_col", "recency_col", "T_col"),
        exempt={"weights:params:unknown key": "extra keys are ignored (documented)",
                "weights:params:Series": "bgnbd_fit's own result is a Series"}),
    "plot_prob_alive_matrix": Entry(
        example=Call((_PARAMS,), {"T": 39, "max_frequency": 10}), check=check_axes,
        bad={"cmap": ["不是色图"], "unit": [7]},
        exempt={"weights:params:unknown key": "extra keys are ignored (documented)",
                "weights:params:Series": "bgnbd_fit's own result is a Series"}),
})
