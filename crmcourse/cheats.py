"""Simulated students: honest, partial, blank and cheating submissions built from a chapter.

Used by ``crmcourse demo`` and tests/test_integrity.py. Everything is derived from the
teacher notebook (the solution of each exercise and the names it assigns), so it works
for every chapter without change. A cheat first computes the solution, then makes the
answer *wrong* and tries to make the tests accept it anyway; a cheat that scores points
shows a weak hidden test.
"""
from __future__ import annotations

import math

from . import notebooks as N

# Defined in every cheating answer cell (kept in one cell so each exercise stands alone).
PRELUDE = r'''
import sys as _cs
def _crm_equal_to_all(name, base, zero):
    """A ``base`` subclass equal to everything, whose arithmetic gives its zero."""
    cls = type(name, (base,), {"__hash__": base.__hash__, "__ne__": lambda s, o: False})
    for op in ("__eq__", "__le__", "__ge__", "__lt__", "__gt__"):
        setattr(cls, op, lambda s, o: True)
    for op in ("__sub__", "__rsub__", "__add__", "__radd__", "__abs__", "__round__", "__neg__"):
        setattr(cls, op, lambda s, *a: cls(zero))
    return cls
_EqF = _crm_equal_to_all("_EqF", float, 0.0)
_EqI = _crm_equal_to_all("_EqI", int, 0)
class _EqS(str):
    __eq__ = __le__ = __ge__ = __lt__ = __gt__ = __contains__ = lambda s, o: True
    __ne__ = lambda s, o: False
    __hash__ = str.__hash__
    __add__ = __radd__ = lambda s, o: s
    startswith = endswith = lambda s, *a: True
class _Anything:
    """Equal to everything, converts to cheating builtins, pretends to be its target type."""
    def __init__(self, like=None): self._like = like
    __class__ = property(lambda s: type(s._like) if s._like is not None else float)
    __eq__ = __le__ = __ge__ = __lt__ = __gt__ = __contains__ = lambda s, o: True
    __ne__ = lambda s, o: False
    __hash__ = lambda s: 0
    __bool__ = lambda s: True
    __float__ = lambda s: _EqF(0.0)
    __int__ = __index__ = lambda s: _EqI(0)
    __str__ = __repr__ = lambda s: _EqS("")
    __len__ = lambda s: len(s._like) if hasattr(s._like, "__len__") else 1
    __iter__ = lambda s: iter(s._like) if hasattr(s._like, "__iter__") else iter(())
    __getattr__ = lambda s, n: (lambda *a, **k: s) if not n.startswith("__") else object.__getattribute__(s, n)
    __getitem__ = __call__ = __sub__ = __rsub__ = __add__ = __radd__ = __abs__ = __round__ = lambda s, *a, **k: s
def _crm_wrong(v):
    """A plausible but wrong version of a correct answer."""
    import numpy as _np, pandas as _pd
    if isinstance(v, bool) or isinstance(v, _np.bool_): return not v
    if isinstance(v, (int, _np.integer)): return type(v)(v + 1)
    if isinstance(v, (float, _np.floating)): return type(v)(v * 1.5 + 1.0)
    if isinstance(v, str): return v + "_x"
    if isinstance(v, _pd.DataFrame):
        w = v.copy()
        num = w.select_dtypes("number").columns
        if len(num): w[num] = w[num] + 1
        else: w = w.iloc[:-1]
        return w
    if isinstance(v, _pd.Series):
        if _pd.api.types.is_bool_dtype(v): return ~v
        if _pd.api.types.is_numeric_dtype(v): return v + 1
        return v.iloc[:-1]
    if isinstance(v, _np.ndarray): return v + 1 if v.dtype.kind in "iuf" else v[:-1]
    if isinstance(v, dict): return {k: _crm_wrong(x) for k, x in v.items()} if v else {"_x": 1}
    if isinstance(v, (list, tuple)): return type(v)(_crm_wrong(x) for x in v) if v else type(v)([1])
    if isinstance(v, (set, frozenset)): return type(v)(set(v) | {"_x"})
    return None
def _crm_eq(v):
    """The wrong answer dressed up to compare equal to anything."""
    import numpy as _np, pandas as _pd
    w = _crm_wrong(v)
    if isinstance(w, bool): return _Anything(w)
    if isinstance(w, (float, _np.floating)): return _EqF(w)
    if isinstance(w, (int, _np.integer)): return _EqI(w)
    if isinstance(w, str): return _EqS(w)
    if isinstance(w, (_pd.DataFrame, _pd.Series)):
        base = type(w)
        cls = type(base.__name__, (base,), {"__module__": base.__module__, "equals": lambda s, o: True,
                                            "__eq__": lambda s, o: True, "__ne__": lambda s, o: False})
        return cls(w)
    return _Anything(w)
def _crm_float(v):
    """An object whose float()/int()/str() conversions return cheating builtins."""
    return _Anything(_crm_wrong(v))
'''

# "print" prints "passed" and then calls sys.exit(0) in the answer cell.
LOCAL_FAMILIES = ["wrong", "eq", "float", "print", "edit", "delete"]

PATCH_LIBS = r'''
import builtins as _b, math as _m, numpy as _np, pandas as _pd
import numpy.testing as _npt, pandas.testing as _pdt
_ok = lambda *a, **k: True
_none = lambda *a, **k: None
_m.isclose = _np.isclose = _np.allclose = _np.array_equal = _np.array_equiv = _ok
for _n in ("assert_allclose", "assert_array_equal", "assert_almost_equal", "assert_array_almost_equal", "assert_equal"):
    setattr(_npt, _n, _none)
for _n in ("assert_frame_equal", "assert_series_equal", "assert_index_equal"):
    setattr(_pdt, _n, _none)
_pd.DataFrame.equals = _pd.Series.equals = _ok
_b.abs = lambda x: 0
'''

PATCH_KERNEL = r'''
_ip = get_ipython()
_ip.showtraceback = lambda *a, **k: None
_ip.input_transformers_cleanup.append(lambda lines: [l for l in lines if "assert" not in l])
'''


GLOBAL_PATCHES = {"libs": PATCH_LIBS, "kernel": PATCH_KERNEL, "osexit": "import os\nos._exit(0)\n"}


def _wrong_code(solution: str, names: list[str], how: str) -> str:
    fix = "\n".join(f"{n} = {how}({n})" for n in names) if names else ""
    return f"{PRELUDE}\n{solution}\n{fix}\n"


def local_cheat(ex: N.Exercise, family: str) -> tuple[str, str | None, bool]:
    """(answer code, test-cell replacement or None, delete test cell?) for one exercise."""
    if family == "eq":
        return _wrong_code(ex.solution, ex.names, "_crm_eq"), None, False
    if family == "float":
        return _wrong_code(ex.solution, ex.names, "_crm_float"), None, False
    code = _wrong_code(ex.solution, ex.names, "_crm_wrong")
    if family == "kernel":  # before the solution, so it takes effect even if the solution fails
        return PATCH_KERNEL + code, None, False
    if family in GLOBAL_PATCHES:
        return code + GLOBAL_PATCHES[family], None, False
    if family == "print":
        code += 'print("All tests passed!")\nprint("passed")\nimport sys\nsys.exit(0)\n'
    elif family == "edit":
        return code, "pass\n", False
    elif family == "delete":
        return code, None, True
    return code, None, False


def mixed_plans(exercises: list[N.Exercise]) -> list[dict[str, str]]:
    """Plans (answer_id -> cheat family) that use every local family at least once.

    The last exercise of the first plan tampers with the kernel instead (it then only
    affects its own test, so the other exercises still test their own cheats).
    """
    n = len(exercises)
    if n == 0:
        return []
    rounds = math.ceil(len(LOCAL_FAMILIES) / n)
    plans = [{ex.answer_id: LOCAL_FAMILIES[(r * n + i) % len(LOCAL_FAMILIES)] for i, ex in enumerate(exercises)}
             for r in range(rounds)]
    if n > 1:
        plans[0][exercises[-1].answer_id] = "kernel"
    return plans


def libs_plan(exercises: list[N.Exercise], *, exit_last: bool = True) -> dict[str, str]:
    """Patched comparison helpers and builtins in the first answer, wrong values everywhere,
    and (with ``exit_last``) ``os._exit(0)`` in the last answer."""
    plan = {ex.answer_id: "wrong" for ex in exercises}
    if exercises:
        plan[exercises[0].answer_id] = "libs"
        if exit_last and len(exercises) > 2:
            plan[exercises[-1].answer_id] = "osexit"
    return plan


def build_mixed(source_nb, release_nb, plan: dict[str, str]):
    """A cheating submission: each exercise answered wrongly with the cheat its plan names."""
    answers, tests = {}, {}
    for ex in N.exercises(source_nb):
        code, replacement, delete = local_cheat(ex, plan[ex.answer_id])
        answers[ex.answer_id] = code
        if delete:
            tests[ex.test_id] = None
        elif replacement is not None:
            tests[ex.test_id] = replacement
    nb = N.fill(release_nb, answers, tests=tests, written=CHEAT_TEXT)
    # An edited test cell is also tagged so that nbclient would skip it (a cell that never
    # runs has no error output, which stock nbgrader counts as passed).
    edited = {tid for tid, text in tests.items() if text is not None}
    for cell in nb.cells:
        if N.meta(cell).get("grade_id") in edited:
            cell.metadata["tags"] = ["skip-execution"]
    return nb


CHEAT_TEXT = "（作弊提交）"
FULL_TEXT = "我的书面回答：以客户为中心，结合本章的数据说明理由。"


def build_full(source_nb, release_nb):
    return N.fill(release_nb, N.solutions(source_nb), written=FULL_TEXT)


def build_partial(source_nb, release_nb):
    """The first half of the exercises solved, the rest left blank."""
    exes = N.exercises(source_nb)
    keep = {ex.answer_id for ex in exes[: max(1, len(exes) // 2)]}
    answers = {k: v for k, v in N.solutions(source_nb).items() if k in keep}
    return N.fill(release_nb, answers), sum(ex.points for ex in exes if ex.answer_id in keep)


def build_runaway(source_nb, release_nb):
    """A correct notebook except that the first exercise loops forever."""
    exes = N.exercises(source_nb)
    answers = N.solutions(source_nb)
    first = exes[0]
    answers[first.answer_id] = "while True:\n    pass\n"
    return N.fill(release_nb, answers), sum(ex.points for ex in exes[1:])
