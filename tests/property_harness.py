"""The shared harness of the property tests (test_bad_input.py, test_policies.py).

Hypothesis settings, the list of public functions, how a registered example call is varied, run
and compared, and the check that a call raised the library's Chinese error and left its arguments
unchanged. Valid example inputs come from tests/input_examples.py.
"""
from __future__ import annotations

import copy
import math
import re
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import crmlib
from input_examples import REGISTRY, Call, numeric_values, roles

# Fixed seed and no example database: the same inputs on every machine and every run. No shrinking:
# a failure is reported with the generated input as it is, which keeps a failing run short too.
PROPERTY = settings(max_examples=10, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def public_functions() -> list[str]:
    """Every public callable of crmlib except the error classes."""
    names = []
    for name in crmlib.__all__:
        obj = getattr(crmlib, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            continue
        if callable(obj):
            names.append(name)
    return sorted(names)


PUBLIC = public_functions()
REGISTERED = [name for name in PUBLIC if name in REGISTRY]


def cases(kind: str, column_kind: str | None = None, *, fixed: bool = True) -> list:
    """(function, parameter) pairs whose parameter has the given role in the registered example."""
    found = []
    for name in REGISTERED:
        entry = REGISTRY[name]
        for role in roles(getattr(crmlib, name), entry.example, entry):
            if role.kind == kind and (column_kind is None or role.column_kind == column_kind):
                if f"{kind}:{role.param}" in entry.exempt or (role.fixed and not fixed):
                    continue
                found.append(pytest.param(name, role, id=f"{name}-{role.param}"))
    return found


# ------------------------------------------------------------------ calling and checking

DATA_TYPES = (dict, list, tuple, set, np.ndarray, str, bytes, int, float, complex, bool, np.generic, type(None),
              pd.Timestamp)


def snapshot(value):
    """A deep copy of caller data; other objects (Axes, figures) are compared by identity only."""
    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        return value.copy(deep=True)
    if isinstance(value, np.ndarray) and value.dtype == object and not all(
            isinstance(v, DATA_TYPES) for v in value.ravel()):
        return value  # e.g. an array of Axes: compared by identity
    if isinstance(value, DATA_TYPES):
        return copy.deepcopy(value)
    return value


def assert_same(before, after, where: str) -> None:
    """Deep equality that treats NaN as equal to NaN and checks dtypes, index, names and attrs."""
    if isinstance(before, pd.DataFrame):
        assert isinstance(after, pd.DataFrame), where
        pd.testing.assert_frame_equal(after, before, check_exact=True, obj=where)
        assert after.attrs == before.attrs and after.flags.allows_duplicate_labels == before.flags.allows_duplicate_labels
    elif isinstance(before, pd.Series):
        pd.testing.assert_series_equal(after, before, check_exact=True, obj=where)
        assert after.attrs == before.attrs, where
    elif isinstance(before, pd.Index):
        pd.testing.assert_index_equal(after, before, exact=True, obj=where)
    elif isinstance(before, np.ndarray) and before.dtype == object and before is not after:
        assert before.shape == after.shape, where
        for b, a in zip(before.ravel(), after.ravel()):
            assert_same(b, a, where)
    elif isinstance(before, np.ndarray):
        assert before.dtype == after.dtype and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"), where
    elif isinstance(before, dict):
        assert type(after) is type(before) and list(after) == list(before), f"{where}: keys changed"
        for key in before:
            assert_same(before[key], after[key], f"{where}[{key!r}]")
    elif isinstance(before, (list, tuple)):
        assert type(after) is type(before) and len(after) == len(before), f"{where}: length changed"
        for i, (b, a) in enumerate(zip(before, after)):
            assert_same(b, a, f"{where}[{i}]")
    elif isinstance(before, float) and math.isnan(before):
        assert isinstance(after, float) and math.isnan(after), where
    else:
        assert before is after or before == after, where


@contextmanager
def unchanged(name: str, call: Call):
    """Check that the call leaves every argument exactly as it was, whatever happens inside."""
    func = getattr(crmlib, name)
    values = call.bound(func)
    before = {param: snapshot(value) for param, value in values.items()}
    try:
        yield
    finally:
        plt.close("all")
        for param, value in values.items():
            assert_same(before[param], value, f"{name}() changed its argument {param}")


def run(name: str, call: Call):
    with unchanged(name, call):
        return getattr(crmlib, name)(*call.args, **call.kwargs)


def expect_error(name: str, call: Call, *mentions, key_error: bool = False) -> str:
    """The call raises CRMInputError whose Chinese message names the function and each of ``mentions``."""
    with unchanged(name, call):
        try:
            getattr(crmlib, name)(*call.args, **call.kwargs)
        except crmlib.CRMInputError as error:
            caught = error
        except Exception as error:  # a raw pandas/numpy/matplotlib error is exactly what must not happen
            pytest.fail(f"{name} raised a raw {type(error).__name__} instead of CRMInputError: {error}")
        else:
            pytest.fail(f"{name} accepted a bad input without an error: {call!r}"[:2000])
    message = str(caught)
    assert CHINESE.search(message), f"message is not in Chinese: {message}"
    assert name in message, f"message does not name the function {name}: {message}"
    for mention in mentions:
        assert str(mention) in message, f"message does not name {mention!r}: {message}"
    if key_error:
        assert isinstance(caught, KeyError) and isinstance(caught, crmlib.CRMMissingColumnError), \
            f"a missing column must raise CRMMissingColumnError (a KeyError), got {type(caught).__name__}"
    return message


def same_result(a, b) -> None:
    """Two results of crmlib calls are equal (frames, series, numbers, Axes drawings)."""
    from matplotlib.axes import Axes

    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)
    elif isinstance(a, Axes):
        assert [(p.get_x(), p.get_height()) for p in a.patches] == [(p.get_x(), p.get_height()) for p in b.patches]
    elif isinstance(a, float):
        assert a == b or (math.isnan(a) and math.isnan(b))
    else:
        assert a == b


def draw_valid(data, name: str) -> Call:
    return data.draw(REGISTRY[name].strategy(), label="valid call").fresh()


def frame_of(call: Call, name: str, role) -> pd.DataFrame:
    return call.bound(getattr(crmlib, name))[role.frame]


def column_name(call: Call, name: str, role) -> str:
    return role.param if role.fixed else call.bound(getattr(crmlib, name))[role.param]


@st.composite
def typos(draw, word: str, avoid) -> str:
    """A misspelling of ``word``: a letter dropped, doubled, swapped or changed, a stray space or case."""
    kinds = ["drop", "double", "upper", "space", "suffix"] + (["swap"] if len(word) > 1 else [])
    kind = draw(st.sampled_from(kinds))
    i = draw(st.integers(0, max(len(word) - 1, 0)))
    if kind == "drop" and len(word) > 1:
        typo = word[:i] + word[i + 1:]
    elif kind == "double":
        typo = word[:i] + word[i] + word[i:]
    elif kind == "swap" and i < len(word) - 1:
        typo = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    elif kind == "upper":
        typo = word.upper() if word.upper() != word else word + "_"
    elif kind == "space":
        typo = word + " "
    else:
        typo = word + "s"
    if typo == word or typo in avoid:
        typo = word + "_x"
    return typo
