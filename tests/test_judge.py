"""The judge and the answer codec: hidden tests run outside the kernel, on data only."""
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_output

from crmcourse import answers
from crmcourse import notebooks as N
from crmcourse.course import chapters
from crmcourse.judge import (JUDGE_ERROR, StripHiddenTests, answer_names, apply_verdict, split_hidden,
                             verdict)
from conftest import COURSE


def _roundtrip(values: dict) -> dict:
    return answers.decode(answers.encode(values, list(values)), list(values))


@pytest.mark.parametrize("chapter", chapters(COURSE))
def test_every_graded_answer_is_assigned_by_the_solution(chapter):
    """The answers a graded test cell grades (free names of its hidden tests) are what its exercise's
    solution assigns; every graded test cell, second parts included, has hidden tests (a test cell
    without any would be scored by the visible self-check alone, in the student's own kernel)."""
    from crmcourse.check import graded_parts

    source = N.read(N.source_notebook(COURSE, chapter))
    solutions = {c.metadata.nbgrader["grade_id"]: N.solution_code(c.source) for c in source.cells if N.is_answer_cell(c)}
    tests = {N.meta(c)["grade_id"]: c.source for c in source.cells if N.is_test_cell(c)}
    parts = graded_parts(source)
    assert len(parts) == sum(1 for c in source.cells if N.is_test_cell(c)), f"{chapter}：有评分单元格不跟在答案单元格之后"
    for part in parts:
        names = answer_names(split_hidden(tests[part["test_id"]])[1])
        assigned = N.assigned_names(solutions[part["answer_id"]])
        assert names, f"{chapter} {part['test_id']}：隐藏测试没有读取任何答案变量"
        assert set(names) <= set(assigned), f"{chapter} {part['test_id']}：{set(names) - set(assigned)} 不是答案单元格赋值的变量"


def test_answer_names_ignore_what_the_test_defines_or_the_judge_provides():
    hidden = ("_d = load_dataset('x')\ndef _f(a):\n    return a + _k\nimport math as _m\n"
              "for _i in range(3):\n    assert _f(_i) < top_share + np.pi + crmlib.X\n"
              "assert [v for v in plan] == plan\n")
    assert answer_names(hidden) == ["_k", "top_share", "plan"]


VALUES = {
    "float": 0.3, "int": 7, "str": "餐饮企业", "bool": True, "none": None, "nan": float("nan"),
    "list": [1, "a", 2.5, None], "tuple": (1, 2), "dict": {"a": 1, 2: [3]}, "set": {1, 2},
    "np_float": np.float64(1.5), "np_int": np.int64(3), "np_bool": np.bool_(False),
    "array": np.arange(6, dtype="int32").reshape(2, 3),
    "series": pd.Series([1.0, -2.5], index=pd.Index(["M0001", "M0002"], name="customer_id"), name="profit"),
    "strings": pd.Series(["a", None, "c"]),
    "nullable": pd.Series([1, None], dtype="Int64"),
    "category": pd.Series(["A01", "A21", "A01"], dtype="category"),
    "dates": pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01"])),
    "zoned": pd.Series(pd.to_datetime(["2024-01-01 08:00"]).tz_localize("Asia/Shanghai")),
    "objects": pd.Series([1, "a"], dtype=object),
    "counts": pd.Series(["x", "y", "x"]).value_counts(),
    "frame": pd.DataFrame({"a": [1, 2], "b": ["u", "v"], "c": [True, False]}, index=pd.Index(["p", "q"], name="id")),
    "multi": pd.DataFrame({"n": [1, 2]}, index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)], names=["k", "i"])),
    "stamp": pd.Timestamp("2024-01-01"),
}


@pytest.mark.parametrize("name", list(VALUES))
def test_codec_keeps_values_and_exact_types(name):
    value = VALUES[name]
    state, got = _roundtrip({name: value})[name]
    assert state == "ok", got
    assert type(got) is type(value)
    if isinstance(value, pd.Series):
        pd.testing.assert_series_equal(got, value)
    elif isinstance(value, pd.DataFrame):
        pd.testing.assert_frame_equal(got, value)
    elif isinstance(value, np.ndarray):
        assert got.dtype == value.dtype and (got == value).all()
    elif name == "nan":
        assert got != got
    else:
        assert got == value


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False) | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
                    max_leaves=20))
def test_codec_round_trips_plain_data(value):
    state, got = _roundtrip({"x": value})["x"]
    assert state == "ok" and got == value and type(got) is type(value)


def test_codec_refuses_subclasses_and_unknown_types():
    class Liar(float):
        __eq__ = lambda self, other: True  # noqa: E731

    out = _roundtrip({"a": Liar(1.0), "b": object(), "c": pd.Series([1]).to_frame().style})
    assert [out[k][0] for k in "abc"] == ["unexportable"] * 3


@pytest.mark.parametrize("payload", [
    {"x": {"value": {"t": "pickle", "v": "gASVAAAAAAAAAAA="}}},
    {"x": {"value": {"t": "np", "dtype": "object", "v": 1}}},
    {"x": {"value": {"t": "Series", "dtype": "V8", "values": [], "index": {"t": "RangeIndex", "start": 0, "stop": 0, "step": 1}}}},
    {"x": {"value": {"t": "float", "v": "1e3"}}},
    {"x": {"value": {"t": "int", "v": True}}},
    {"x": {"value": {"t": "Series", "dtype": "int64", "values": [1, 2], "index": {"t": "RangeIndex", "start": 0, "stop": 5, "step": 1}}}},
    {"x": {"value": {"t": "RangeIndex", "start": 0, "stop": 5, "step": 0}}},
    {"x": {"value": {"t": "RangeIndex", "start": 0, "stop": 10 ** 18, "step": 1}}},  # a few bytes, 10^18 rows
    {"x": 3},
])
def test_decoder_accepts_data_only(payload):
    state, detail = answers.decode(json.dumps(payload), ["x"])["x"]
    assert state == "bad", detail


def _zoned(tz: str) -> str:
    return json.dumps({"x": {"value": {"t": "Series", "name": {"t": "none"}, "dtype": f"datetime64[ns, {tz}]",
                                       "values": [0], "index": {"t": "RangeIndex", "start": 0, "stop": 1, "step": 1,
                                                                "name": {"t": "none"}}}}})


def test_decoder_takes_time_zone_names_only_and_never_raises():
    """An odd time zone is this answer's problem: never a file the judge opens, never an error that
    stops the grading of the whole notebook (pandas raises KeyError for an unknown zone)."""
    for tz in ("UTC", "Asia/Shanghai"):
        assert answers.decode(_zoned(tz), ["x"])["x"][0] == "ok", tz
    for tz in ("Nowhere/Zone", "dateutil//usr/share/zoneinfo/UTC", "/usr/share/zoneinfo/UTC", "dateutil//etc/passwd"):
        state, detail = answers.decode(_zoned(tz), ["x"])["x"]
        assert state == "bad", (tz, detail)
    ok, why = verdict("assert x is None\n", _zoned("Nowhere/Zone"))
    assert not ok and "x" in why


def test_decoder_size_cap_and_garbage():
    assert answers.decode("x" * (answers.MAX_BYTES + 1), ["a"])["a"][0] == "bad"
    assert answers.decode("{not json", ["a"])["a"][0] == "bad"
    assert answers.decode("[]", ["a"])["a"][0] == "bad"
    assert answers.decode('{"a": {"value": ' + "[" * 100000 + "]" * 100000 + "}}", ["a"])["a"][0] == "bad"


def _export(names=None, **values) -> str:
    return answers.encode(values, names or list(values))


def test_verdict_reasons_never_show_the_test():
    hidden = "_e = 0.3\nassert type(share) is float\nassert -1e-9 < share - _e < 1e-9\n"
    assert verdict(hidden, _export(share=0.3)) == (True, "")
    ok, why = verdict(hidden, _export(share=0.4))
    assert not ok and "0.3" not in why and "_e" not in why
    ok, why = verdict(hidden, _export(['share'], other=1))
    assert not ok and "share" in why and "没有找到" in why
    ok, why = verdict(hidden, None)
    assert not ok and why
    ok, why = verdict("assert plan['x'] == 1\n", _export(plan=[1]))
    assert not ok and "TypeError" in why


def test_a_failed_verdict_comes_first_and_results_are_dropped():
    """nbgrader reads an execute_result before a later error as a partial grade."""
    from nbgrader.utils import determine_grade

    cell = new_code_cell("assert x")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 2, "grade_id": "t"}
    cell.outputs = [new_output("execute_result", data={"text/plain": "2"}, execution_count=1)]
    apply_verdict(cell, False, "no")
    assert cell.outputs[0]["ename"] == JUDGE_ERROR
    assert determine_grade(cell)[0] == 0
    cell.outputs = [new_output("execute_result", data={"text/plain": "0.5"}, execution_count=1)]
    apply_verdict(cell, True, "")
    assert determine_grade(cell)[0] == 2


def test_strip_hidden_tests_touches_graded_test_cells_only():
    test = new_code_cell("assert a\n### BEGIN HIDDEN TESTS\nassert a == 1\n### END HIDDEN TESTS\n")
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 1, "grade_id": "t"}
    mine = new_code_cell("a = 1  # ### BEGIN HIDDEN TESTS in a comment\n")
    mine.metadata["nbgrader"] = {"grade": False, "solution": True, "grade_id": "s"}
    stripper = StripHiddenTests()
    assert stripper.preprocess_cell(test, {}, 0)[0].source.strip() == "assert a"
    assert stripper.preprocess_cell(mine, {}, 1)[0].source == "a = 1  # ### BEGIN HIDDEN TESTS in a comment\n"


def test_a_kernel_that_ignores_interrupts_stops_the_run_with_the_reason(tmp_path):
    """Cells after an uninterruptible one would each wait out their timeout: stop and say why."""
    import time

    from nbformat.v4 import new_notebook

    from crmcourse.check import run

    looping = new_code_cell("import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.05)\n")
    later = [new_code_cell("x = 1") for _ in range(5)]
    started = time.monotonic()
    stopped, _ = run(new_notebook(cells=[looping, *later]), tmp_path, timeout=3)
    assert "中断" in stopped
    assert time.monotonic() - started < 40  # not 5 more timeouts
    assert all(cell.get("execution_count") is None for cell in later)


def test_an_interrupted_runaway_cell_lets_the_rest_run(tmp_path):
    from nbformat.v4 import new_notebook

    from crmcourse.check import run

    nb = new_notebook(cells=[new_code_cell("while True:\n    pass\n"), new_code_cell("x = 1\nx")])
    stopped, _ = run(nb, tmp_path, timeout=3)
    assert stopped == ""
    assert any(out["output_type"] == "error" for out in nb.cells[0].outputs)
    assert nb.cells[1].outputs[0]["data"]["text/plain"] == "1"


def test_feedback_line_follows_the_score_nbgrader_records():
    """A test cell with stderr output scores 0 in nbgrader: its feedback line must not say it passed."""
    from nbgrader.utils import determine_grade

    from crmcourse.feedback import PASSED_HINT, STDERR_HINT, HideHiddenTestOutputs

    def test_cell(*outputs):
        cell = new_code_cell("assert x")
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 2, "grade_id": "t"}
        cell.outputs = list(outputs)
        return cell

    cases = [(test_cell(), PASSED_HINT),
             (test_cell(new_output("stream", name="stderr", text="warning")), STDERR_HINT),
             (test_cell(new_output("error", ename=JUDGE_ERROR, evalue="没有找到答案变量 x", traceback=[])), "没有找到答案变量 x"),
             (test_cell(new_output("error", ename="AssertionError", evalue="应该是 float", traceback=[])), "应该是 float")]
    for cell, words in cases:
        passed = determine_grade(cell)[0] == 2
        shown, _ = HideHiddenTestOutputs().preprocess_cell(cell, {}, 0)
        text = shown.outputs[0].get("text") or shown.outputs[0].get("evalue")
        assert words in text and (PASSED_HINT in text) == passed


def test_check_scores_every_graded_test_cell():
    """An exercise in parts (a second graded test cell after the same answer) is checked part by part:
    the total is the notebook's full autograded total, never "all passed" with a part unchecked."""
    from conftest import CHAPTERS

    from crmcourse.check import build_check_notebook, report

    for chapter in chapters(COURSE):
        source = N.read(N.source_notebook(COURSE, chapter))
        tests = [c for c in source.cells if N.is_test_cell(c) and N.meta(c).get("points")]
        nb = build_check_notebook(N.read(CHAPTERS / f"{chapter}.ipynb"), source)
        rows, score, total = report(nb, source, "", {})
        assert total == sum(float(N.meta(c)["points"]) for c in tests), chapter
        assert [r["test_id"] for r in rows] == [N.meta(c)["grade_id"] for c in tests], chapter
        assert score == 0 and not any(r["passed"] for r in rows)


def _hidden(chapter: str, test_id: str) -> str:
    source = N.read(N.source_notebook(COURSE, chapter))
    return next(split_hidden(c.source)[1] for c in source.cells if N.meta(c).get("grade_id") == test_id)


@pytest.mark.parametrize("chapter, test_id, name, right, loose", [
    # month differences from days / 30: right after int(), but not the whole months asked for
    ("05_churn", "ex_diagonal_tests", "incident_ages",
     {"2023-05": [11, 12, 13], "2023-12": [4, 5, 6], "2024-03": [1, 2, 3]},
     {"2023-05": [11.2, 12.2, 13.23], "2023-12": [4.07, 5.07, 6.1], "2024-03": [1.03, 2.03, 3.07]}),
    ("01_selection", "ex_bad_tests", "bad_by_segment",
     pd.Series([167, 82, 41, 14, 7], index=["个人散客", "餐饮企业", "小型零售商", "机关团体", "酒店宾馆"]),
     pd.Series([167.5, 82.5, 41.5, 14.5, 7.5], index=["个人散客", "餐饮企业", "小型零售商", "机关团体", "酒店宾馆"])),
    ("06_retention", "ex_stages_tests", "stage_counts",
     pd.Series([11, 18, 70, 11], index=["考察期", "形成期", "稳定期", "退化期"]),
     pd.Series([11.6, 18.4, 70.9, 11.2], index=["考察期", "形成期", "稳定期", "退化期"])),
    ("06_retention", "ex_matrix_tests", "quadrant_counts",
     pd.Series([25, 18, 39, 28], index=["I", "II", "III", "IV"]),
     pd.Series([25.5, 18.5, 39.5, 28.5], index=["I", "II", "III", "IV"])),
])
def test_counts_are_whole_numbers_not_truncated(chapter, test_id, name, right, loose):
    """int() in a hidden test truncates: 11.6 people must not pass as 11."""
    hidden = _hidden(chapter, test_id)
    assert verdict(hidden, _export(**{name: right})) == (True, "")
    assert not verdict(hidden, _export(**{name: loose}))[0]
