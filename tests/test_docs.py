"""Every public crmlib parameter is explained in its function's docstring, shared ones in the same words.

Parameters that many functions share (``customer_col``, ``as_of``, ``ax``, ``title`` …) are described
once in ``crmlib/_docs.py`` and put into docstrings by ``@shared_docs`` from a ``{shared:name}`` line.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import crmlib
from crmlib._docs import SHARED, shared_docs


def _public_functions() -> list[tuple[str, object]]:
    found = []
    for name in crmlib.__all__:
        obj = getattr(crmlib, name)
        if callable(obj) and not isinstance(obj, type):
            found.append((name, obj))
    return found


PUBLIC = _public_functions()
PARAMETERS = [pytest.param(name, param, id=f"{name}-{param}")
              for name, func in PUBLIC for param in inspect.signature(func).parameters]


def _named(param: str, doc: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(param)}(?![A-Za-z0-9_])", doc) is not None


def test_the_public_api_has_parameters_to_check():
    assert len(PUBLIC) > 50 and len(PARAMETERS) > 250


@pytest.mark.parametrize("name, param", PARAMETERS)
def test_every_parameter_is_named_in_the_docstring(name, param):
    doc = getattr(crmlib, name).__doc__ or ""
    assert _named(param, doc), (
        f"crmlib.{name}: parameter {param!r} is not named in the docstring. Add it to the 参数： section "
        f"(one line: what it is, default, unit, allowed values), or use {{shared:{param}}} if it is in "
        f"crmlib/_docs.py SHARED.")


def _all_crmlib_functions():
    for info in pkgutil.iter_modules(crmlib.__path__, "crmlib."):
        if info.name == "crmlib._docs":  # its own docstrings show the placeholder syntax
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and obj.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", obj


def test_no_shared_placeholder_is_left_unfilled():
    left = [where for where, func in _all_crmlib_functions() if "{shared:" in (func.__doc__ or "")]
    assert left == [], f"{{shared:…}} left in these docstrings (decorate them with @shared_docs): {left}"


SHARED_USES = [pytest.param(name, param, id=f"{name}-{param}")
               for name, func in PUBLIC for param in inspect.signature(func).parameters if param in SHARED]


@pytest.mark.parametrize("name, param", SHARED_USES)
def test_a_shared_parameter_is_described_in_the_shared_words(name, param):
    doc = getattr(crmlib, name).__doc__ or ""
    line = f"``{param}``：{SHARED[param]}"
    assert line in doc, (f"crmlib.{name}: {param!r} must be described by the line {{shared:{param}}} "
                         f"(crmlib/_docs.py), not in its own words.")
    assert doc.count(f"``{param}``：") == 1, f"crmlib.{name}: {param!r} is described twice"


def test_every_shared_description_is_used_by_at_least_two_functions():
    used = {}
    for _, func in PUBLIC:
        for param in inspect.signature(func).parameters:
            used[param] = used.get(param, 0) + 1
    assert {p: used.get(p, 0) for p in SHARED if used.get(p, 0) < 2} == {}


def test_an_unknown_placeholder_is_an_error():
    def demo():
        """说明。

        参数：
            {shared:no_such_parameter}
        """

    with pytest.raises(KeyError, match="no_such_parameter"):
        shared_docs(demo)
