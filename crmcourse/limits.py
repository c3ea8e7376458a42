"""Byte limits on what a graded notebook keeps of its outputs.

nbgrader's ``LimitOutput`` counts lines: one ``print`` of a 50 MB string, or a 50 MB
``display_data``, passes it untouched into the graded notebook, the gradebook's
formgrader view and the feedback page. ``LimitOutputBytes`` (an autograde preprocessor,
registered in assignments/nbgrader_config.py right after ``SafeExecute``) caps every
output type by bytes:

* ``stream`` (stdout and stderr): the start of the text is kept;
* ``display_data`` / ``execute_result``: every MIME type counts; the smallest
  representations are kept while they fit, the others are dropped;
* ``error``: the exception name, a shortened message and the first and last traceback
  lines are kept.

A cut output keeps its type and stream name (nbgrader scores a test cell 0 for an error
output or any stderr output, so grades do not change) and gets a Chinese note that
contains :data:`MARK`; ``crmcourse autograde`` looks for it to name the limit in the
student's result line. A notebook as a whole keeps at most ``max_total_bytes`` of
outputs; later outputs are reduced to the note.
"""
from __future__ import annotations

import json

from nbformat import NotebookNode
from traitlets import Integer

from nbgrader.preprocessors.base import NbGraderPreprocessor

MARK = "输出过长"
OUTPUT_BYTES = 1024 ** 2           # one output
TOTAL_BYTES = 20 * 1024 ** 2       # all outputs of one notebook
_SMALLEST = 512                    # below this, an output is only its note


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _size(value) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sum(len(v.encode("utf-8", "surrogatepass")) for v in value)
    try:
        return len(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    except (TypeError, ValueError):
        return len(repr(value))


def _head(text: str, max_bytes: int) -> str:
    """The longest start of ``text`` that fits in ``max_bytes`` UTF-8 bytes."""
    if max_bytes <= 0:
        return ""
    if len(text) <= max_bytes // 4:
        return text
    return text.encode("utf-8", "surrogatepass")[:max_bytes].decode("utf-8", "ignore")


def note(total: int, limit: int, what: str = "这段输出") -> str:
    return f"[{MARK}：{what}共 {total:,} 字节，超过 {limit:,} 字节的上限，其余部分已省略]"


def output_size(out) -> int:
    kind = out.get("output_type")
    if kind == "stream":
        return _size(out.get("text", ""))
    if kind in ("display_data", "execute_result"):
        return sum(_size(v) for v in (out.get("data") or {}).values()) + _size(out.get("metadata") or {})
    if kind == "error":
        return _size(out.get("ename", "")) + _size(out.get("evalue", "")) + _size(out.get("traceback") or [])
    return _size(dict(out))


def cap_output(out, max_bytes: int) -> tuple[NotebookNode, bool]:
    """``out`` cut to at most about ``max_bytes`` (plus a note); (output, whether it was cut)."""
    size = output_size(out)
    if size <= max_bytes:
        return out, False
    kind = out.get("output_type")
    if kind == "stream":
        text = note(size, max_bytes)
        keep = _head(_text(out.get("text", "")), max_bytes - _size(text) - 2)
        return NotebookNode(output_type="stream", name=out.get("name", "stdout"),
                            text=(keep + "\n…\n" if keep else "") + text + "\n"), True
    if kind in ("display_data", "execute_result"):
        data = out.get("data") or {}
        sizes = sorted((_size(v), mime) for mime, v in data.items())
        message = note(size, max_bytes, "这个显示结果")
        budget = max_bytes - _size(message) - 2
        kept, used = {}, 0
        for n, mime in sizes:
            if mime != "text/plain" and used + n <= budget:
                kept[mime] = data[mime]
                used += n
        plain = _head(_text(data.get("text/plain", "")), budget - used)
        kept["text/plain"] = (plain + "\n…\n" if plain else "") + message
        new = NotebookNode(output_type=kind, data=NotebookNode(kept), metadata=NotebookNode())
        if kind == "execute_result":
            new["execution_count"] = out.get("execution_count")
        return new, True
    if kind == "error":
        message = note(size, max_bytes, "这段报错")
        budget = max(0, max_bytes - _size(message))
        ename = _head(str(out.get("ename", "")), 200)
        evalue = str(out.get("evalue", ""))
        if _size(evalue) > budget // 4:
            evalue = _head(evalue, budget // 4) + "…"
        lines = [str(line) for line in (out.get("traceback") or [])]
        room = budget - _size(evalue)
        first, last = [], []
        for line in lines:  # the first lines, then the last ones (the exception itself)
            if _size(first) + _size(line) > room // 2:
                break
            first.append(line)
        for line in reversed(lines[len(first):]):
            if _size(first) + _size(last) + _size(line) > room:
                break
            last.insert(0, line)
        if len(first) + len(last) < len(lines):
            if not last and len(first) < len(lines):  # the last line alone is too long: its start
                last = [_head(lines[-1], max(0, room - _size(first)))]
            traceback = first + [message] + last
        else:
            traceback = first + last + [message]
        return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=traceback), True
    return NotebookNode(output_type="stream", name="stdout", text=note(size, max_bytes) + "\n"), True


def _reduced(out, size: int, limit: int) -> NotebookNode:
    """Only the note, in an output of the same kind (an error stays an error, stderr stays stderr)."""
    text = note(size, limit, "本 notebook 的输出")
    kind = out.get("output_type")
    if kind == "stream":
        return NotebookNode(output_type="stream", name=out.get("name", "stdout"), text=text + "\n")
    if kind == "error":
        return NotebookNode(output_type="error", ename=_head(str(out.get("ename", "")), 200), evalue=text,
                            traceback=[text])
    new = NotebookNode(output_type=kind if kind in ("display_data", "execute_result") else "display_data",
                       data=NotebookNode({"text/plain": text}), metadata=NotebookNode())
    if kind == "execute_result":
        new["execution_count"] = out.get("execution_count")
    return new


def cap_outputs(outputs, max_bytes: int = OUTPUT_BYTES, room: int | None = None) -> tuple[list, int, bool]:
    """Cap each output to ``max_bytes`` and all of them to ``room``; (outputs, bytes kept, whether any was cut)."""
    kept, used, cut = [], 0, False
    for out in outputs:
        size = output_size(out)
        left = max_bytes if room is None else min(max_bytes, room - used)
        if size <= left:
            kept.append(out)
            used += size
            continue
        cut = True
        if left < _SMALLEST:
            new = _reduced(out, size, room if room is not None else max_bytes)
        else:
            new, _ = cap_output(out, left)
        kept.append(new)
        used += output_size(new)
    return kept, used, cut


def cell_was_cut(cell) -> bool:
    """Whether an output of this cell carries the truncation note."""
    for out in cell.get("outputs", []) or []:
        kind = out.get("output_type")
        if kind == "stream" and MARK in _text(out.get("text", ""))[-300:]:
            return True
        if kind in ("display_data", "execute_result") and MARK in _text((out.get("data") or {}).get("text/plain", ""))[-300:]:
            return True
        if kind == "error" and any(MARK in str(line) for line in (out.get("traceback") or [])[-3:]):
            return True
    return False


class LimitOutputBytes(NbGraderPreprocessor):
    """Caps every output of every code cell by bytes (stream, display_data, execute_result, error)."""

    max_bytes = Integer(OUTPUT_BYTES, help="Bytes one output may keep (-1: no limit).").tag(config=True)
    max_total_bytes = Integer(TOTAL_BYTES, help="Bytes all outputs of a notebook may keep (-1: no limit).").tag(config=True)

    def preprocess(self, nb, resources):
        if self.max_bytes < 0 and self.max_total_bytes < 0:
            return nb, resources
        per_output = self.max_bytes if self.max_bytes >= 0 else 1 << 62
        used, cut_cells = 0, []
        for index, cell in enumerate(nb.cells):
            if cell.get("cell_type") != "code" or not cell.get("outputs"):
                continue
            room = None if self.max_total_bytes < 0 else max(0, self.max_total_bytes - used)
            cell.outputs, kept, cut = cap_outputs(cell.outputs, per_output, room)
            used += kept
            if cut:
                cut_cells.append(index)
        if cut_cells:
            self.log.warning("Output over the byte limit cut in cells %s", ", ".join(map(str, cut_cells)))
            resources.setdefault("crm_limits", {})["output_cut"] = cut_cells
        return nb, resources

    def preprocess_cell(self, cell, resources, index):  # not used: preprocess works on the whole notebook
        return cell, resources


def cap_executed_cell(cell=None, cell_index=None, execute_reply=None, **_) -> None:
    """nbclient ``on_cell_executed`` hook: cap a cell's outputs as soon as it has run.

    Called by SafeExecute after every cell: keeps the grading process from holding many
    huge outputs of earlier cells while later cells run.
    """
    if cell is not None and cell.get("outputs"):
        cell.outputs, _, _ = cap_outputs(cell.outputs, OUTPUT_BYTES)
