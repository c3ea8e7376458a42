"""nbgrader configuration of the course (course directory = this folder).

nbgrader ignores errors in this file and silently falls back to its defaults,
so the behaviour configured here is tested in tests/test_grading.py, not assumed.
"""
import os

c = get_config()  # noqa: F821 (provided by nbgrader)

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.course_id = "crm"

# The exchange (release → fetch → submit → collect; JupyterLab's Assignment List). On one
# machine it is the git-ignored folder exchange/ of the course, where the one user who
# submits is never named like the student id, so owners are not checked. On JupyterHub the
# instructor names the shared folder in CRM_EXCHANGE and the usual owner check stays on.
c.Exchange.root = os.environ.get("CRM_EXCHANGE") or os.path.join(COURSE_ROOT, "exchange")
c.ExchangeCollect.check_owner = bool(os.environ.get("CRM_EXCHANGE"))

# The stub that replaces a solution in the student version says, in Chinese, what to do.
c.ClearSolutions.code_stub = {
    "python": "# 在这里写你的代码\nraise NotImplementedError(\"这道练习还没有作答：删掉这一行，在这里写上你的代码\")"}

# A runaway answer cell is stopped after this many seconds; the notebook goes on.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Feedback must never show hidden tests: neither their source (ClearHiddenTests) nor
# the traceback of a failing hidden test, which quotes the failing lines
# (HideHiddenTestOutputs replaces such outputs with a short Chinese hint).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

from crmcourse.feedback import HideHiddenTestOutputs  # noqa: E402

# Pages nbgrader renders (formgrader, feedback) never run a submission's scripts: outputs are
# sanitized (raw HTML escaped, JavaScript dropped) and markdown answers lose their raw HTML.
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.filters = {"markdown2html": "crmcourse.safehtml.markdown2html"}

c.GenerateFeedback.preprocessors = [
    GetGrades, HideHiddenTestOutputs, ClearHiddenTests, CSSHTMLHeaderPreprocessor,
]

# The grade is decided outside the student's kernel (crmcourse/judge.py): before the kernel
# starts, the hidden tests are stripped from every graded test cell (StripHiddenTests, after
# nbgrader's OverwriteCells has restored the teacher's cells), so neither the kernel nor the
# notebook file in its folder holds them. After each test cell the kernel exports the answers
# as data, and SafeExecute runs the hidden tests on them in the grading process. A test cell
# also scores 0 if it never ran (kernel killed, runaway code, skipped) or ran after an answer
# cell patched builtins, comparison helpers or IPython itself (a second line of defence).
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, IgnorePattern, LimitOutput,
    OverwriteCells, OverwriteKernelspec, SaveAutoGrades,
)

from crmcourse.grading import SafeExecute  # noqa: E402
from crmcourse.judge import StripHiddenTests  # noqa: E402
from crmcourse.limits import LimitOutputBytes  # noqa: E402

c.Autograde.sanitize_preprocessors = [
    ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, StripHiddenTests, CheckCellMetadata,
]
# Outputs are capped by bytes (nbgrader's LimitOutput counts lines only): each cell as soon as it
# has run (SafeExecute), so a huge print never piles up in the grading process, and the notebook
# again at the end (LimitOutputBytes).
c.Autograde.autograde_preprocessors = [
    SafeExecute, LimitOutputBytes, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata,
]
