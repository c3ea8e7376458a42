"""What a feedback page must never show, found also when encoded.

``secrets`` lists what counts as secret in a teacher notebook (the hidden tests' lines and
their expected literals); ``leaks`` finds them in a page, in plain text and decoded (base64,
hex, zlib, rot13, reversed text, ``\\u`` escapes). ``crmcourse feedback`` withholds a page
that leaks a hidden-test line; tests/test_integrity.py checks every page of its attacked class.
"""
from __future__ import annotations

import ast
import base64
import binascii
import codecs
import re
import zlib
from pathlib import Path

from . import notebooks as N

def _notebook(nb):
    return N.read(nb) if isinstance(nb, (str, Path)) else nb


def _flat(text: str) -> str:
    return "".join(text.split())


def _significant_digits(text: str) -> int:
    mantissa = re.split(r"[eE]", text.lstrip("+-"))[0].replace(".", "").lstrip("0")
    return len(mantissa)


def _all_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(str(out.get("text", "")))
            for value in (out.get("data") or {}).values():
                parts.append(value if isinstance(value, str) else "")
    return "\n".join(parts)


def secrets(source_nb, release_nb, public: tuple[str, ...] | list[str] = (), literals: bool = True) -> list[str]:
    """What a feedback page must never show: hidden-test lines, and the expected literals of hidden tests.

    Lines: the distinctive lines of the hidden tests (``hidden_lines``).
    Literals: floats with at least 4 significant digits and strings of at least 4 characters
    written in hidden tests that appear neither in the visible tests nor in the student
    version (nor in any text of ``public``, e.g. the feedback page of an untouched blank
    submission, which holds the lesson's own outputs). ``literals=False``: the lines only.
    """
    if isinstance(source_nb, (str, Path)):
        source_nb = N.read(source_nb)
    lines = N.hidden_lines(source_nb)
    if not literals:
        return list(dict.fromkeys(lines))
    release_nb = _notebook(release_nb)
    visible = [N.split_tests(c.source)[0] for c in source_nb.cells if c.cell_type == "code"]
    public_text = "\n".join(visible + [_all_text(release_nb), *public])
    known = _flat(public_text)
    known_numbers = {float(t) for t in re.findall(r"\d+\.\d+", public_text)}
    found: dict[str, None] = dict.fromkeys(lines)
    for cell in source_nb.cells:
        if cell.cell_type != "code":
            continue
        _, hidden = N.split_tests(cell.source)
        if not hidden.strip():
            continue
        try:
            tree = ast.parse(hidden)
        except SyntaxError:
            continue
        # Column and dataset names are arguments and subscripts (``_tx["date"]``,
        # ``load_dataset("...")``): public. Expected values are assigned or compared.
        public_nodes = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript):
                public_nodes.update(map(id, ast.walk(node.slice)))
            elif isinstance(node, ast.Call):
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    if isinstance(arg, ast.Constant):
                        public_nodes.add(id(arg))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or id(node) in public_nodes:
                continue
            value = node.value
            if isinstance(value, float) and not isinstance(value, bool):
                text = repr(abs(value))
                if _significant_digits(text) >= 4 and "e" not in text and abs(value) not in known_numbers:
                    found[text] = None
            elif isinstance(value, str) and len(value.strip()) >= 4 and _flat(value) and _flat(value) not in known:
                found[value] = None
    return list(found)


_B64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2}){8,}")
_UESC = re.compile(r"(?:\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\U[0-9a-fA-F]{8})")


def _printable(text: str) -> bool:
    return bool(text) and sum(ch.isprintable() or ch in "\n\t" for ch in text) >= 0.8 * len(text)


def _decode_b64(run: str) -> list[str]:
    """Texts a base64-looking run may hold (standard or URL-safe alphabet, maybe zlib inside)."""
    out = []
    body = run.rstrip("=")
    for cut in range(4):  # the run may not start at a 4-character boundary
        chunk = body[cut:]
        chunk = chunk[: len(chunk) - len(chunk) % 4] if len(chunk) % 4 == 1 else chunk
        if len(chunk) < 12:
            break
        for alt in (None, b"-_"):
            try:
                raw = base64.b64decode(chunk + "=" * (-len(chunk) % 4), altchars=alt)
            except (binascii.Error, ValueError):
                continue
            try:
                out.append(zlib.decompress(raw).decode("utf-8", "ignore"))
            except zlib.error:
                pass
            text = raw.decode("utf-8", "ignore")
            if _printable(text):
                out.append(text)
            if ("-" not in chunk and "_" not in chunk) or alt:
                break
        if out:
            break
    return out


def html_text(html: str) -> str:
    """The visible text of an HTML page (tags removed, entities decoded, ANSI codes dropped)."""
    import html as htmllib

    text = re.sub(r"<style.*?</style>|<script.*?</script>", "", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "", text)
    text = htmllib.unescape(text)
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def decoded_views(text: str, depth: int = 2) -> list[tuple[str, str]]:
    """(name, text) for the text itself and the forms an attack may hide it in."""
    views = [("text", text), ("rot13", codecs.encode(text, "rot13")), ("reversed", text[::-1])]
    if _UESC.search(text):
        try:
            views.append(("unicode-escape", _UESC.sub(lambda m: m.group(0).encode().decode("unicode_escape"), text)))
        except (UnicodeDecodeError, ValueError):
            pass
    if depth <= 0:
        return views
    blobs: list[tuple[str, str]] = []
    for run in _B64.findall(text):
        for decoded in _decode_b64(run):
            blobs.append(("base64", decoded))
    for run in _HEX.findall(text):
        try:
            blobs.append(("hex", bytes.fromhex(run).decode("utf-8", "ignore")))
        except ValueError:
            pass
    for name, blob in blobs:
        if len(blob) >= 4:
            views += [(f"{name}>{sub}", t) for sub, t in decoded_views(blob, depth - 1)]
    return views


def leaks(text: str, secret_list: list[str]) -> list[str]:
    """The secrets found in ``text`` (an HTML page or plain text), also in decoded forms.

    Each hit reads ``"<form>: <secret>"``. Matching ignores whitespace; numbers also match
    when written with more trailing zeros (``0.30000``).
    """
    plain = html_text(text) if "<" in text else text
    sources = [plain] if plain == text else [plain, text]
    numbers, words, rest = {}, {}, []
    for s in secret_list:
        if re.fullmatch(r"\d+\.\d+", s):
            numbers[float(s)] = s
        elif re.fullmatch(r"[A-Za-z0-9_]+", s):
            words[s] = s
        else:
            rest.append((s, _flat(s)))
    hits: dict[str, None] = {}
    for source in sources:
        for form, view in decoded_views(source):
            flat = _flat(view)
            for s, f in rest:
                if f and f in flat:
                    hits[f"{form}: {s}"] = None
            if numbers:
                for token in re.findall(r"\d+\.\d+", view):
                    if float(token) in numbers:
                        hits[f"{form}: {numbers[float(token)]}"] = None
            if words:
                for token in set(re.findall(r"[A-Za-z0-9_]+", view)) & words.keys():
                    hits[f"{form}: {token}"] = None
    return list(hits)
