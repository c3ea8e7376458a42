"""Markdown from a submission rendered without any of its raw HTML.

nbgrader's formgrader template renders markdown cells (the written answers) with
``markdown2html`` and no sanitizing, so a ``<script>`` or ``<img onerror=…>`` in an
answer would run in the instructor's logged-in browser. The course configuration
(assignments/nbgrader_config.py) replaces that filter with this one for every HTML page
nbgrader renders (formgrader, feedback): ``<`` is escaped before the markdown is
rendered, so raw HTML shows as text (``<br>`` excepted), and links keep only web and mail addresses.
"""
from __future__ import annotations

import re

from nbconvert.filters import markdown2html_mistune

_BREAK = re.compile(r"&lt;br\s*/?&gt;", re.I)  # line breaks inside table cells (chapter 03) stay
_LINK = re.compile(r'(href|src)\s*=\s*"(?!https?:|mailto:|#|data:image/(png|jpeg|gif);)[^"]*"', re.I)


def markdown2html(source: str) -> str:
    html = markdown2html_mistune(str(source).replace("&", "&amp;").replace("<", "&lt;"))
    return _BREAK.sub("<br>", _LINK.sub(r'\1="#"', html))
