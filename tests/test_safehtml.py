"""Pages nbgrader renders for the course (formgrader, feedback) run none of a submission's scripts."""
import pytest
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from crmcourse.launch import course_config
from crmcourse.safehtml import markdown2html
from conftest import COURSE, active

INJECTIONS = new_notebook(cells=[
    new_markdown_cell('我的回答 <img src=x onerror="window.PWNED=1"> <script>window.PWNED=2</script> '
                      '[链接](javascript:window.PWNED=3) <a href="javascript:window.PWNED=4">a</a>',
                      metadata={"nbgrader": {"grade": True, "solution": True, "grade_id": "w", "points": 3,
                                             "locked": False, "schema_version": 3, "task": False, "score": 0}}),
    new_code_cell("x = 1", outputs=[
        new_output("display_data", data={"text/html": '<script>window.PWNED=5</script><b onmouseover="window.PWNED=6">b</b>',
                                         "text/plain": "x"}),
        new_output("display_data", data={"application/javascript": "window.PWNED=7"}),
        new_output("display_data", data={"text/markdown": '<img src=x onerror="window.PWNED=8">'}),
        new_output("display_data", data={"image/svg+xml": '<svg onload="window.PWNED=9"></svg>'}),
    ]),
])


# What nbgrader's formgrader handler and feedback converter pass to their templates.
RESOURCES = {"assignment_id": "ch", "notebook_id": "ch", "submission_id": "1", "index": 0, "total": 1,
             "base_url": "", "student": "s1", "last_name": "", "first_name": "", "notebook_path": "x.ipynb",
             "nbgrader": {"notebook": "ch", "assignment": "ch", "student": "s1", "score": 0, "max_score": 3,
                          "late_penalty": 0}}


def _feedback_config():
    """The exporter configuration nbgrader's GenerateFeedback builds from the course configuration."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    config = course_config(COURSE)
    return GenerateFeedback(coursedir=CourseDirectory(config=config), config=config).config


def _formgrade_config():
    """The exporter configuration of nbgrader's formgrader (FormgradeExtension.build_extra_config)."""
    from nbgrader.server_extensions.formgrader import handlers

    config = course_config(COURSE)
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    return config


def test_the_check_itself_sees_scripts():
    """Without the course's settings the page carries the injections (else this test proves nothing)."""
    html, _ = HTMLExporter().from_notebook_node(INJECTIONS)
    assert len(active(html)) >= 4


@pytest.mark.parametrize("page", [_feedback_config, _formgrade_config], ids=["feedback", "formgrader"])
def test_course_pages_run_no_submission_script(page):
    html, _ = HTMLExporter(config=page()).from_notebook_node(INJECTIONS, resources=dict(RESOURCES))
    assert not active(html), active(html)
    assert "我的回答" in html


def test_markdown_answers_keep_their_text_and_line_breaks():
    html = markdown2html("**要点**：a < b & c<br>下一行 <script>x</script>")
    assert "<strong>要点</strong>" in html and "<br>" in html and "&lt;script&gt;" in html and "<script>" not in html
