"""The visible self-checks catch the usual mistakes (chapters 01 and 04) with a Chinese hint.

A self-study learner only sees the visible self-checks, so each plausible wrong answer below
(the solution with one targeted change) must fail its check with a hint that names that
mistake, never the expected value. The correct solution passes every check, and an
unanswered exercise says in Chinese that it is not answered yet.

Each chapter's student version runs once, with every exercise answered by its solution; the
wrong answers then run as extra cells in the same kernel (wrong answer, visible check, export
of the answers as data). The hidden tests (crmcourse/judge.py) are run on those exports too:
they must reject every wrong answer, including chapter 04's pyramid built on revenue.
"""
from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from crmcourse import answers
from crmcourse import notebooks as N
from crmcourse.judge import answer_names, split_hidden, verdict
from conftest import CHAPTERS, COURSE, once_per_worker

pytestmark = pytest.mark.xdist_group("selfchecks")

NOT_ANSWERED = "还没有作答"

# (answer cell, short name of the mistake, [(old, new), ...] applied to the solution, a piece of the hint)
WRONG = {
    "01_selection": [
        ("ex_profit", "forgot the delay days", [(' + raw["avg_delay_days"]', "")], "拖延天数"),
        ("ex_profit", "6 instead of 0.06", [("* 0.06", "* 6")], "写成小数 0.06"),
        ("ex_profit", "forgot the bad debts", [(' - raw["bad_debt"]', "")], "坏账"),
        ("ex_profit", "forgot the capital cost", [(" - capital_all", "")], "没有减去资金占用成本"),
        ("ex_profit", "index 0, 1, 2", [('.set_axis(raw["customer_id"])', "")], "索引应该是客户编号"),
        ("ex_top20", "count instead of share (float)", [(".mean())", ".sum())")], "人数"),
        ("ex_top20", "count instead of share (int)", [('float((top20["profit"] < 0).mean())', 'int((top20["profit"] < 0).sum())')], "人数"),
        ("ex_top20", "percent instead of share", [(".mean())", ".mean() * 100)")], "不要乘以 100"),
        ("ex_top20", "unsorted", [('metro.nlargest(int(len(metro) * 0.2), "revenue")', "metro.head(int(len(metro) * 0.2))")], "从大到小排序"),
        ("ex_top20", "nsmallest", [("nlargest", "nsmallest")], "销售额最小"),
        ("ex_top20", "all customers", [('top20["profit"]', 'metro["profit"]')], "全部客户"),
        ("ex_top20", "top 20% by profit", [('"revenue"', '"profit"')], "按利润排出"),
        ("ex_bad", "default thresholds", [(" > 0.10)", " > 0.15)"), ('["avg_delay_days"] > 20', '["avg_delay_days"] > 30'),
                                          ('["special_requests"] > 10', '["special_requests"] > 12')], "默认标准"),
        ("ex_bad", "unsorted", [("ascending=False", "ascending=True")], "从多到少"),
        ("ex_bad", "all customers of each segment", [('metro.loc[strict_bad, "segment"]', 'metro["segment"]')], "全部客户数"),
        ("ex_bad", "flags counted, not customers", [('metro.loc[strict_bad, "segment"].value_counts()',
                                                     '(few_buys.astype(int) + bad_credit + off_strategy).groupby(metro["segment"]).sum()')],
         "命中的条数"),
        ("ex_value", "years 1..5", [("range(5)", "range(1, 6)")], "t = 0、1、2、3、4"),
        ("ex_value", "no discount", [(" / 1.08", "")], "没有折现"),
        ("ex_value", "no growth", [('(1 + metro["growth_rate"]) / 1.08', "1 / 1.08")], "没有考虑增长"),
        ("ex_hour", "revenue per hour", [('"profit"', '"revenue"')], "销售额"),
        ("ex_hour", "mean of ratios", [('(sums["profit"] / sums["service_hours"])',
                                        '(metro["profit"] / metro["service_hours"]).groupby(metro["segment"]).mean()')], "平均数"),
        ("ex_hour", "unsorted", [("ascending=False", "ascending=True")], "从高到低"),
        ("ex_attractive", "no lower_is_better", [(', lower_is_better=["avg_delay_days", "special_requests"]', "")], "越小越好"),
        ("ex_attractive", "only one lower_is_better", [('["avg_delay_days", "special_requests"]', '["avg_delay_days"]')], "special_requests"),
        ("ex_attractive", "nsmallest", [("nlargest", "nsmallest")], "nsmallest"),
        ("ex_members", "member share instead of lost share", [('(~metro["member"]).mean()', 'metro["member"].mean()')], "会员所占的比例"),
        ("ex_members", "profit of the non-members", [('metro.loc[metro["member"], "profit"]', 'metro.loc[~metro["member"], "profit"]')], "非会员的利润"),
        ("ex_members", "lost customers counted", [('(~metro["member"]).mean()', '(~metro["member"]).sum()')], "不是人数"),
        ("ex_members", "not rounded", [('round(float(metro["profit"].sum()), 2)', 'float(metro["profit"].sum())')], "round"),
    ],
    "04_grading": [
        ("ex_top10", "revenue instead of profit", [('"profit"', '"revenue"')], "按销售额"),
        ("ex_top10", "top 20%", [("0.1", "0.2")], "前 20%"),
        ("ex_top10", "percent", [('value_col="profit"))', 'value_col="profit") * 100)')], "不是百分数"),
        ("ex_top10", "n+1 customers", [('float(crmlib.top_share(customers, 0.1, value_col="profit"))',
                                        'float(customers["profit"].nlargest(int(len(customers) * 0.1) + 1).sum() / customers["profit"].sum())')],
         "多算了一位"),
        ("ex_top10", "profitable customers as denominator", [
            ('float(crmlib.top_share(customers, 0.1, value_col="profit"))',
             'float(customers["profit"].nlargest(int(len(customers) * 0.1)).sum() / customers.loc[customers["profit"] > 0, "profit"].sum())')],
         "盈利的客户"),
        ("ex_top10", "unsorted", [('float(crmlib.top_share(customers, 0.1, value_col="profit"))',
                                   'float(customers["profit"].head(int(len(customers) * 0.1)).sum() / customers["profit"].sum())')], "排序"),
        ("ex_abc", "a class without customers (NaN)", [('value_col="amount")', 'value_col="amount", cuts=(0.8, 1.0))')], "缺失值（NaN）"),
        ("ex_abc", "no reindex", [('.reindex(["A", "B", "C"])', "")], "依次是 'A'、'B'、'C'"),
        ("ex_abc", "cumulative share including the customer", [(
            'abc_counts = crmlib.abc_classes(orders, value_col="amount")["abc"].value_counts().reindex(["A", "B", "C"])',
            '_s = orders.groupby("customer_id")["amount"].sum().sort_values(ascending=False)\n'
            '_cum = _s.cumsum() / _s.sum()\n'
            'abc_counts = pd.Series({"A": int((_cum < 0.8).sum()), "B": int(((_cum >= 0.8) & (_cum < 0.95)).sum()),'
            ' "C": int((_cum >= 0.95).sum())})')], "之前的累计占比"),
        ("ex_abc", "accumulated from the smallest", [(
            'abc_counts = crmlib.abc_classes(orders, value_col="amount")["abc"].value_counts().reindex(["A", "B", "C"])',
            '_s = orders.groupby("customer_id")["amount"].sum().sort_values()\n'
            '_before = (_s.cumsum() - _s) / _s.sum()\n'
            'abc_counts = pd.Series({"A": int((_before < 0.8).sum()), "B": int(((_before >= 0.8) & (_before < 0.95)).sum()),'
            ' "C": int((_before >= 0.95).sum())})')], "从高到低累加"),
        ("ex_abc", "loss makers among all customers", [('(_abc["abc"] == "A") & ', "")], "全部客户里亏损"),
        ("ex_tiers", "pyramid and totals on revenue", [('"profit"', '"revenue"')], "revenue"),
        ("ex_tiers", "pyramid ranked by revenue", [(
            'crmlib.customer_pyramid(customers, value_col="profit", cuts=(0.1, 0.3, 0.7))',
            'crmlib.customer_pyramid(customers, value_col="revenue", cuts=(0.1, 0.3, 0.7))'
            '.merge(customers[["customer_id", "profit"]], on="customer_id")')], "按销售额（revenue）排名"),
        ("ex_tiers", "old cuts", [(", cuts=(0.1, 0.3, 0.7)", "")], "默认分界点"),
        ("ex_tiers", "cuts per tier, not cumulative", [("(0.1, 0.3, 0.7)", "(0.1, 0.2, 0.4)")], "累计"),
        ("ex_tiers_lead", "profitable customers everywhere", [('(_new["tier"] == "重铅") & ', "")], "全部客户里盈利"),
        ("ex_tiers_lead", "profitable lead customers of the default pyramid", [(
            '_new = crmlib.customer_pyramid(customers, value_col="profit", cuts=(0.1, 0.3, 0.7))',
            '_new = crmlib.customer_pyramid(customers, value_col="profit")')], "默认分界点下重铅层"),
        ("ex_tiers_lead", "lowercase choice", [('lead_reason = "B"', 'lead_reason = "b"')], "大写字母"),
        ("ex_rfm", "threshold 5", [("high=4", "high=5")], "high=5"),
        ("ex_rfm", "every member who is not 重要价值 at high=4", [('(_s3 == "重要价值客户") & ', "")], "人数之差"),
        ("ex_rfm", "members who stay counted", [(' & (_s4 != "重要价值客户")', "")], "不要算进来"),
        ("ex_visits", "the whole team", [('.loc["张伟", "visits"]', '["visits"].sum()')], "整个团队"),
        ("ex_visits", "old cuts", [("cuts=(70, 50)", "cuts=(65, 45)")], "原来的分界点"),
        ("ex_visits", "default cuts", [(", cuts=(70, 50)", "")], "默认的分界点"),
        ("ex_visits", "old visit frequencies", [('{"A": 3, "B": 1, "C": 0.5}', '{"A": 2, "B": 1, "C": 1 / 3}')], "原来的拜访频次"),
        ("ex_visits", "names as an Index", [('sorted(_plan.index[_plan["load"] > 1].tolist())', '_plan.index[_plan["load"] > 1]')], "list"),
        ("ex_visits", "overloaded under the old plan", [(
            'overloaded = sorted(_plan.index[_plan["load"] > 1].tolist())',
            '_old = crmlib.visit_plan(crmlib.weighted_grade(customers, {"credit_score": 1, "revenue": 2, "growth_outlook": 1, "profit": 2},'
            ' cuts=(65, 45)), hours_per_visit=2, hours_available=120)\noverloaded = sorted(_old.index[_old["load"] > 1].tolist())')], "原方案"),
        ("ex_a06", "signals only from the boss", [('_insider = leads["respondent_role"].isin(["拍板人", "使用者", "参谋者"])',
                                                      '_insider = leads["respondent_role"] == "拍板人"')], "不一致"),
        ("ex_a06", "route 4 forgotten", [(" | (_informed & _interest)", "")], "不一致"),
        ("ex_a06", "route 4 on knowing the offer clearly", [('& leads["knows_us"] &', '& leads["knows_our_offer"] &')], "knows_us"),
        ("ex_vip", "sum instead of mean", [(".mean()", ".sum()")], "合计（sum）"),
        ("ex_vip", "median", [(".mean()", ".median()")], "中位数"),
        ("ex_vip", "only diamond customers", [('["白金客户", "钻石客户"]', '["钻石客户"]')], "两级"),
        ("ex_vip", "gold card customers counted as VIP", [('["白金客户", "钻石客户"]', '["金卡客户", "白金客户", "钻石客户"]')], "金卡客户不算"),
    ],
}
# Wrong answers only the visible check rejects (the hidden tests allow for them; the check still costs the points).
ONLY_VISIBLE = {("ex_members", "not rounded")}
CHAPTERS_TESTED = ["00_getting_started", "01_selection", "04_grading"]


def wrong_code(solution: str, changes) -> str:
    for old, new in changes:
        assert old in solution, f"the change {old!r} does not apply to the solution"
        solution = solution.replace(old, new)
    return solution


def _error(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out
    return None


def _export(cell):
    for out in cell.get("outputs", []):
        if answers.MIME in out.get("data", {}):
            return out["data"][answers.MIME]
    return None


# Runs in the kernel after the chapter: one wrong answer and its visible check, as the notebook
# would run them (the check runs even when the answer failed), reported as one line of JSON.
VARIANT = """
def __crm_variant(forget, answer, check):
    import json
    for name in forget:
        globals().pop(name, None)
    out = {}
    for part, code in (("answer", answer), ("check", check)):
        try:
            exec(compile(code, "<" + part + ">", "exec"), globals())
            out[part] = None
        except Exception as exc:
            out[part] = {"ename": type(exc).__name__, "evalue": str(exc)}
    print(json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
@once_per_worker
def runs():
    """Every tested chapter executed once (in parallel): solutions, then the wrong and the unanswered variants."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(CHAPTERS_TESTED)) as pool:
        return dict(zip(CHAPTERS_TESTED, pool.map(_run_chapter, CHAPTERS_TESTED)))


def _run_chapter(chapter: str) -> dict:
    import json

    source = N.read(N.source_notebook(COURSE, chapter))
    student = N.read(CHAPTERS / f"{chapter}.ipynb")
    nb = N.fill(student, N.solutions(source))
    # ipywidgets' interact can stall nbclient for a whole timeout (jupyter/nbclient#312) and figures
    # take most of a chapter's time: no check needs either.
    nb.cells = [new_code_cell("import matplotlib\nmatplotlib.use('agg')")] + \
        [c for c in nb.cells if "interact(" not in c.source]
    exercises = {ex.answer_id: ex for ex in N.exercises(source)}
    graded = {a: answer_names(split_hidden(ex.test_source)[1]) for a, ex in exercises.items()}
    stubs = {N.meta(c)["grade_id"]: c.source for c in student.cells if N.is_answer_cell(c)}
    # the correct answers as data, before any variant changes them
    exports_at = len(nb.cells)
    nb.cells.append(new_code_cell("\n".join(answers.kernel_code(graded[a]) for a in exercises)))
    nb.cells.append(new_code_cell(VARIANT))
    extra = {}

    def add(key, forget, code, ex):
        call = f"__crm_variant({forget!r}, {code!r}, {split_hidden(ex.test_source)[0]!r})"
        extra[key] = len(nb.cells)
        nb.cells.append(new_code_cell(call + "\n" + answers.kernel_code(graded[ex.answer_id])))

    for answer_id, mistake, changes, _ in WRONG.get(chapter, []):
        add((answer_id, mistake), [], wrong_code(exercises[answer_id].solution, changes), exercises[answer_id])
    for answer_id, ex in exercises.items():
        add((answer_id, "unanswered"), ex.names, stubs[answer_id], ex)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(CHAPTERS)}}).execute()
    tests = {N.meta(c)["grade_id"]: c for c in nb.cells if N.is_test_cell(c)}
    solved = {a: _error(tests[ex.test_id]) for a, ex in exercises.items()}
    exports = [o["data"][answers.MIME] for o in nb.cells[exports_at].outputs if answers.MIME in o.get("data", {})]
    assert len(exports) == len(exercises), nb.cells[exports_at].outputs
    variants = {}
    for key, index in extra.items():
        cell = nb.cells[index]
        assert _error(cell) is None, f"{chapter} {key}: {_error(cell)}"
        lines = [o["text"] for o in cell.outputs if o.get("name") == "stdout"]
        variants[key] = {**json.loads("".join(lines).strip().splitlines()[-1]), "export": _export(cell)}
    return {"exercises": exercises, "solved": solved, "variants": variants,
            "solution_exports": dict(zip(exercises, exports))}


def forbidden(value) -> list[str]:
    """Ways the expected value could show up in a hint."""
    import numpy as np
    import pandas as pd

    out: list[str] = []
    if isinstance(value, bool) or value is None:
        return out
    if isinstance(value, (int, np.integer)):
        return [str(int(value))] if abs(int(value)) >= 10 else []
    if isinstance(value, (float, np.floating)):
        v = float(value)
        out += [f"{v:.2f}", f"{v:.3g}", f"{v:,.0f}", f"{v:.0f}" if abs(v) >= 10 else ""]
        if abs(v) <= 1:
            out += [f"{v:.0%}", f"{v:.1%}"]
        return [s for s in out if s and s not in ("0", "1", "0.00", "1.00")]
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (f"{k}（{v}）", f"'{k}': '{v}'", f"{k}: {v}")]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in forbidden(v)]
    if isinstance(value, pd.Series):  # a long series: its first values stand for the rest
        return [s for v in value.tolist()[:40] for s in (forbidden(round(v, 2)) if isinstance(v, float) else forbidden(v))]
    return out


def _contains(text: str, piece: str) -> bool:
    """``piece`` in ``text`` as a whole number or word (not the 60 of 0.60)."""
    if re.fullmatch(r"[-\d.,%]+", piece):
        return re.search(r"(?<![\d.])" + re.escape(piece) + r"(?![\d%])", text) is not None
    return piece in text


CASES = [(chapter, *case) for chapter, cases in WRONG.items() for case in cases]


@pytest.mark.parametrize("chapter, answer_id, mistake, changes, hint", CASES,
                         ids=[f"{c[0][:2]}-{c[1]}-{c[2]}" for c in CASES])
def test_visible_check_names_the_mistake(runs, chapter, answer_id, mistake, changes, hint):
    run = runs[chapter]
    got = run["variants"][answer_id, mistake]
    assert got["answer"] is None, f"the wrong answer itself failed: {got['answer']}"
    error = got["check"]
    assert error is not None, f"{chapter} {answer_id}: the visible check passed the mistake '{mistake}'"
    assert error["ename"] == "AssertionError", f"{error['ename']}: {error['evalue']}"
    message = error["evalue"]
    for piece in [hint] if isinstance(hint, str) else hint:
        assert piece in message, f"{answer_id} '{mistake}': the hint names another mistake: {message}"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
    ex = run["exercises"][answer_id]
    names = answer_names(split_hidden(ex.test_source)[1])
    expected = answers.decode(run["solution_exports"][answer_id], names)
    for name in names:
        for piece in forbidden(expected[name][1]):
            assert not _contains(message, piece), f"{answer_id}: the hint shows the expected value {piece!r}: {message}"
    passed, _ = verdict(split_hidden(ex.test_source)[1], got["export"])
    assert not passed or (answer_id, mistake) in ONLY_VISIBLE, f"{answer_id} '{mistake}': the hidden tests accept this wrong answer"


@pytest.mark.parametrize("chapter", CHAPTERS_TESTED)
def test_solution_passes_every_visible_check_and_hidden_test(runs, chapter):
    run = runs[chapter]
    failed = {a: f"{e['ename']}: {e['evalue']}" for a, e in run["solved"].items() if e is not None}
    assert failed == {}
    for answer_id, ex in run["exercises"].items():
        passed, why = verdict(split_hidden(ex.test_source)[1], run["solution_exports"][answer_id])
        assert passed, f"{chapter} {answer_id}: {why}"


@pytest.mark.parametrize("chapter", CHAPTERS_TESTED)
def test_unanswered_exercise_says_so_in_chinese(runs, chapter):
    run = runs[chapter]
    for answer_id, ex in run["exercises"].items():
        got = run["variants"][answer_id, "unanswered"]
        assert got["answer"] is not None and got["answer"]["ename"] == "NotImplementedError"
        error = got["check"]
        assert error is not None and error["ename"] == "AssertionError", f"{answer_id}: {error}"
        names = answer_names(split_hidden(ex.test_source)[1])
        assert NOT_ANSWERED in error["evalue"] and names[0] in error["evalue"], f"{answer_id}: {error['evalue']}"


def _capture(values: dict) -> str:
    """An export as the kernel would send it, built without a kernel."""
    return answers.encode(values, list(values))


@pytest.mark.parametrize("change", [
    [('"profit"', '"revenue"')],
    [('crmlib.customer_pyramid(customers, value_col="profit", cuts=(0.1, 0.3, 0.7))',
      'crmlib.customer_pyramid(customers, value_col="revenue", cuts=(0.1, 0.3, 0.7))'
      '.merge(customers[["customer_id", "profit"]], on="customer_id")')],
], ids=["totals of revenue", "profit totals of a revenue pyramid"])
def test_a_pyramid_built_on_revenue_fails_the_hidden_tests(change):
    """Chapter 04 exercise 3: the tier counts do not depend on the column, the profit totals do."""
    import crmlib

    source = N.read(N.source_notebook(COURSE, "04_grading"))
    ex = next(e for e in N.exercises(source) if e.answer_id == "ex_tiers")
    hidden = split_hidden(ex.test_source)[1]
    names = answer_names(hidden)
    assert set(names) == {"tier_counts", "tier_profit"}

    def answer(code):
        scope = {"crmlib": crmlib, "customers": crmlib.load_dataset("carton_customers")}
        exec(code, scope)
        return _capture({name: scope[name] for name in names}), scope

    right, _ = answer(ex.solution)
    assert verdict(hidden, right) == (True, "")
    wrong, scope = answer(wrong_code(ex.solution, change))
    assert verdict(hidden, wrong)[0] is False
    assert scope["tier_counts"].tolist() == [24, 48, 96, 72]  # the counts alone cannot tell


# Chapter 04 exercise 6 (1): each lead's trap. The visible check looks at the format only (a hint
# would leave one plausible grade after a wrong try); the hidden tests must catch every trap.
LEAD_TRAPS = {"front desk refusal as A31": ("N1", "A31"), "exactly 500 counted as above": ("N2", "A08"),
              "user's complaint ignored": ("N3", "A08"), "open promise closed": ("N4", "A01")}


@pytest.mark.parametrize("mistake", list(LEAD_TRAPS))
def test_a_lead_trap_passes_the_visible_check_and_fails_the_hidden_tests(mistake):
    import crmlib

    source = N.read(N.source_notebook(COURSE, "04_grading"))
    ex = next(e for e in N.exercises(source) if e.answer_id == "ex_leads")
    visible, hidden = split_hidden(ex.test_source)
    assert answer_names(hidden) == ["four_grades"]
    scope = {"crmlib": crmlib}
    exec(ex.solution, scope)
    assert verdict(hidden, _capture({"four_grades": scope["four_grades"]})) == (True, "")
    lead, grade = LEAD_TRAPS[mistake]
    wrong = {**scope["four_grades"], lead: grade}
    exec(visible, {"crmlib": crmlib, "four_grades": wrong})  # says nothing about which lead is wrong
    assert verdict(hidden, _capture({"four_grades": wrong}))[0] is False


@pytest.mark.parametrize("chapter", CHAPTERS_TESTED)
def test_run_all_goes_past_every_exercise(chapter):
    """JupyterLab (and nbclient) go on after a cell tagged raises-exception: every answer and test cell has it.

    The tag is set in the teacher version; nbgrader's release keeps it in the student version.
    """
    for nb in (N.read(N.source_notebook(COURSE, chapter)), N.read(CHAPTERS / f"{chapter}.ipynb")):
        cells = [c for c in nb.cells if c.cell_type == "code" and (N.is_answer_cell(c) or N.is_test_cell(c))]
        assert cells
        untagged = [N.meta(c)["grade_id"] for c in cells if "raises-exception" not in c.metadata.get("tags", [])]
        assert untagged == [], f"{chapter}: Run All would stop at {untagged}"


def test_chapters_tell_how_to_get_the_full_verdict():
    for chapter in CHAPTERS_TESTED:
        text = "\n".join(c.source for c in N.read(CHAPTERS / f"{chapter}.ipynb").cells if c.cell_type == "markdown")
        assert f"crmcourse check work/{chapter}.ipynb" in text or "crmcourse check work/" in text, chapter
    intro = N.read(CHAPTERS / "00_getting_started.ipynb").cells[1].source
    assert "Run All Cells" in intro and "还没有作答" in intro


def test_student_stub_is_chinese():
    """nbgrader replaces each solution with ClearSolutions.code_stub (assignments/nbgrader_config.py)."""
    for chapter in CHAPTERS_TESTED:
        for cell in N.read(CHAPTERS / f"{chapter}.ipynb").cells:
            if N.is_answer_cell(cell) and cell.cell_type == "code":
                assert "# 在这里写你的代码" in cell.source and NOT_ANSWERED in cell.source, (chapter, cell.source)


# ------------------------------------------------------------------ crmcourse check on copies

@pytest.mark.parametrize("name, chapter", [("01_selection-Copy1.ipynb", "01_selection"), ("我的作业.ipynb", "04_grading"),
                                           ("00_getting_started (1).ipynb", "00_getting_started")])
def test_check_finds_the_chapter_of_a_renamed_copy(tmp_path, monkeypatch, name, chapter):
    from crmcourse.check import _source_for

    folder = tmp_path / "work"
    folder.mkdir()
    copy = folder / name
    copy.write_bytes((CHAPTERS / f"{chapter}.ipynb").read_bytes())
    monkeypatch.setenv("CRM_COURSE_ROOT", str(COURSE.parent))
    assert _source_for(copy) == N.source_notebook(COURSE, chapter)


def test_check_says_in_chinese_when_a_notebook_is_no_chapter(tmp_path, monkeypatch):
    from crmcourse.check import _source_for

    monkeypatch.setenv("CRM_COURSE_ROOT", str(COURSE.parent))
    other = tmp_path / "草稿.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[new_code_cell("1 + 1")]), str(other))
    from crmcourse.errors import CourseError

    with pytest.raises(CourseError) as stop:
        _source_for(other)
    assert "认不出" in str(stop.value) and "草稿.ipynb" in str(stop.value)


def test_check_shows_the_answer_cells_own_error():
    """A crmlib error in the answer cell (Chinese, with the fix) is the reason shown, not the check's."""
    from nbformat.v4 import new_output

    from crmcourse.check import build_check_notebook, report

    source = N.read(N.source_notebook(COURSE, "00_getting_started"))
    learner = N.fill(N.read(CHAPTERS / "00_getting_started.ipynb"), N.solutions(source))
    nb = build_check_notebook(learner, source)
    crmlib_says = "load_dataset：没有名为 'shop_customer' 的数据集。您是不是想写 'shop_customers'？"
    for number, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = number + 1
        gid = N.meta(cell).get("grade_id") or cell.metadata.get("crmcourse", {}).get("grade_id")
        if gid == "ex_members":
            cell.outputs = [new_output("error", ename="CRMInputError", evalue=crmlib_says, traceback=[])]
        elif gid == "ex_members_tests":
            cell.outputs = [new_output("error", ename="AssertionError", traceback=[],
                                       evalue="还没有作答：找不到 n_members。请先完成上面的答案单元格并运行它。")]
    rows, _, _ = report(nb, source, "", {})
    first = rows[0]
    assert first["answer_id"] == "ex_members" and not first["passed"]
    assert crmlib_says in first["message"] and "答案单元格" in first["message"]
    assert "is not defined" not in first["message"]
