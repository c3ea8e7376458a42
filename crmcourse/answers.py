"""Graded answers as data: encoded in the student's kernel, decoded by the judge.

The kernel runs untrusted code, so nothing it sends back may execute anything when read:
answers travel as tagged JSON (never pickle) and are rebuilt only from a fixed list of
types: ``None``, ``bool``, ``int``, ``float``, ``str``, ``list``, ``tuple``, ``set``,
``frozenset``, ``dict``, numpy scalars and arrays of numeric or boolean dtype, and pandas
``Series``, ``DataFrame`` and ``Index`` (values, index, columns, names and dtypes kept).
Types are kept exactly (a numpy ``float64`` comes back as ``float64``, not ``float``), so
hidden tests judge the same objects they would have judged in the kernel.

``emit`` (the kernel side) only uses the standard library, numpy and pandas; its source is
sent to the kernel by ``kernel_code``. A value of any other type (a subclass included) is
reported as unexportable and its exercise scores 0 with a Chinese reason.
"""
from __future__ import annotations

import json
import math
import re

MIME = "application/vnd.crmcourse.answers+json"
MAX_BYTES = 8_000_000       # all answers of one test cell, encoded
MAX_DEPTH = 32              # nesting of lists / dicts
MAX_RANGE = 10_000_000      # elements of a RangeIndex (every other value is bounded by its bytes)

_NUMERIC_DTYPE = re.compile(r"^(bool|u?int(8|16|32|64)|float(16|32|64))$")
_PANDAS_DTYPE = re.compile(r"^(object|str|string|category|boolean|U?Int(8|16|32|64)|Float(32|64)"
                           r"|(datetime|timedelta)64\[(s|ms|us|ns)(, [A-Za-z0-9_+\-/]{1,40})?\])$")


class AnswerFormatError(ValueError):
    """What came back from the kernel is not a value the judge accepts."""


# --------------------------------------------------------------------------- kernel side

class Unexportable(TypeError):
    pass


def _float(v):
    return v if math.isfinite(v) else repr(v)  # 'nan', 'inf', '-inf'


def _column(values, dtype) -> dict:
    """One column (Series values, Index values, array) as {'dtype', 'values'}."""
    import numpy as np
    import pandas as pd

    name = str(dtype)
    kind = getattr(dtype, "kind", "O")
    if isinstance(dtype, pd.CategoricalDtype):
        cat = pd.Categorical(values)
        return {"dtype": "category", "ordered": bool(cat.ordered),
                "categories": _index(pd.Index(cat.categories)), "codes": [int(c) for c in cat.codes]}
    if isinstance(dtype, np.dtype) and kind in "biuf":
        return {"dtype": name, "values": [_float(x) if kind == "f" else x for x in np.asarray(values).tolist()]}
    if kind in "Mm":  # datetimes and timedeltas (with or without a time zone) as integers of their unit
        return {"dtype": name, "values": pd.array(values).asi8.tolist()}
    if name in ("str", "string") or name.startswith(("Int", "UInt", "Float", "boolean")):
        return {"dtype": name, "values": [None if x is None or x is pd.NA or (type(x) is float and x != x)
                                          else _enc(x.item() if isinstance(x, np.generic) else x, 1)
                                          for x in pd.array(values)]}
    if name == "object":
        return {"dtype": "object", "values": [_enc(x, 1) for x in np.asarray(values, dtype=object).tolist()]}
    raise Unexportable(f"dtype {name}")


def _index(index) -> dict:
    import pandas as pd

    if type(index) is pd.RangeIndex:
        return {"t": "RangeIndex", "start": index.start, "stop": index.stop, "step": index.step,
                "name": _enc(index.name, 1)}
    if type(index) is pd.MultiIndex:
        return {"t": "MultiIndex", "names": [_enc(n, 1) for n in index.names],
                "levels": [_column(index.get_level_values(i), index.levels[i].dtype) for i in range(index.nlevels)]}
    if type(index) in (pd.Index, pd.DatetimeIndex, pd.TimedeltaIndex, pd.CategoricalIndex):
        return {"t": "Index", "name": _enc(index.name, 1), **_column(index.array, index.dtype)}
    raise Unexportable(type(index).__name__)


def _enc(v, depth: int = 0):
    import numpy as np
    import pandas as pd

    if depth > MAX_DEPTH:
        raise Unexportable("嵌套太深")
    t = type(v)
    if v is None:
        return {"t": "none"}
    if t is bool:
        return {"t": "bool", "v": v}
    if t is int:
        if abs(v) >= 10 ** 30:
            raise Unexportable("整数太大")
        return {"t": "int", "v": v}
    if t is float:
        return {"t": "float", "v": _float(v)}
    if t is str:
        return {"t": "str", "v": v}
    if t in (list, tuple, set, frozenset):
        return {"t": t.__name__, "v": [_enc(x, depth + 1) for x in v]}
    if t is dict:
        return {"t": "dict", "v": [[_enc(k, depth + 1), _enc(x, depth + 1)] for k, x in v.items()]}
    if t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
             np.float16, np.float32, np.float64):
        x = v.item()
        return {"t": "np", "dtype": np.dtype(t).name, "v": _float(x) if isinstance(x, float) else x}
    if t is np.ndarray:
        if v.dtype.kind not in "biuf" or v.ndim > 2:
            raise Unexportable(f"ndarray {v.dtype}")
        return {"t": "ndarray", "shape": list(v.shape), **_column(v.ravel(), v.dtype)}
    if t is pd.Series:
        return {"t": "Series", "name": _enc(v.name, 1), "index": _index(v.index), **_column(v.array, v.dtype)}
    if t is pd.DataFrame:
        return {"t": "DataFrame", "index": _index(v.index), "columns": _index(v.columns),
                "data": [_column(v.iloc[:, i].array, v.dtypes.iloc[i]) for i in range(v.shape[1])]}
    if isinstance(v, pd.Index):
        return _index(v)
    if t is pd.Timestamp:
        return {"t": "Timestamp", "v": v.isoformat()}
    raise Unexportable(t.__name__)


def encode(namespace: dict, names: list[str]) -> str:
    """The named values of ``namespace`` as the JSON text the judge decodes (kernel side)."""
    payload = {}
    for name in names:
        if name not in namespace:
            payload[name] = {"missing": True}
            continue
        try:
            payload[name] = {"value": _enc(namespace[name])}
        except Unexportable as exc:
            payload[name] = {"unexportable": str(exc)[:200]}
        except Exception as exc:  # an object that fails while being read: its own problem
            payload[name] = {"unexportable": type(exc).__name__}
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False)
    if len(text) > MAX_BYTES:
        text = json.dumps({name: {"unexportable": "太大"} for name in names})
    return text


def emit(namespace: dict, names: list[str]) -> None:
    """Publish the named values as one display output of MIME type ``MIME`` (kernel side)."""
    from IPython.display import publish_display_data

    publish_display_data({MIME: encode(namespace, names)})


def kernel_code(names: list[str]) -> str:
    """Code run in the student's kernel after a graded test cell: emits ``names`` as data."""
    from pathlib import Path

    source = Path(__file__).read_text(encoding="utf-8")
    return ("(lambda __crm: exec(compile(%r, '<crmcourse answers>', 'exec'), __crm)"
            " or __crm['emit'](get_ipython().user_ns, %r))({})" % (source, list(names)))


# --------------------------------------------------------------------------- judge side

def _need(cond: bool, what: str) -> None:
    if not cond:
        raise AnswerFormatError(what)


def _dec_float(v):
    if isinstance(v, str):
        _need(v in ("nan", "inf", "-inf"), "float")
        return float(v)
    _need(type(v) in (int, float) and type(v) is not bool, "float")
    return float(v)


def _time_zones() -> set[str]:
    """The IANA time-zone names (e.g. ``Asia/Shanghai``), the only ones a datetime answer may carry."""
    import zoneinfo

    return zoneinfo.available_timezones()


def _dec_column(c: dict):
    """A pandas array (or numpy array) from a column encoding."""
    import numpy as np
    import pandas as pd

    _need(isinstance(c, dict) and isinstance(c.get("dtype"), str), "column")
    dtype = c["dtype"]
    if dtype == "category":
        categories = _dec_index(c.get("categories"))
        codes = c.get("codes")
        _need(isinstance(codes, list) and all(type(x) is int and -1 <= x < len(categories) for x in codes), "codes")
        return pd.Categorical.from_codes(codes, categories=categories, ordered=bool(c.get("ordered")))
    values = c.get("values")
    _need(isinstance(values, list), "values")
    if _NUMERIC_DTYPE.match(dtype):
        if dtype.startswith("float"):
            values = [_dec_float(x) for x in values]
        elif dtype == "bool":
            _need(all(type(x) is bool for x in values), "bool values")
        else:
            _need(all(type(x) is int for x in values), "int values")
        return np.array(values, dtype=dtype)
    _need(bool(_PANDAS_DTYPE.match(dtype)), f"dtype {dtype[:40]}")
    if dtype.startswith(("datetime64", "timedelta64")):
        _need(all(type(x) is int for x in values), "datetime values")
        unit = dtype.split("[")[1].split(",")[0].rstrip("]")
        base = "datetime64" if dtype.startswith("datetime") else "timedelta64"
        raw = np.array(values, dtype="int64").view(f"{base}[{unit}]")
        if "," in dtype:
            tz = dtype.split(",")[1].strip().rstrip("]")
            # A time-zone name only: pandas would also take "dateutil/<any path>" and open that file here.
            _need(tz == "UTC" or tz in _time_zones(), "time zone")
            return pd.array(raw).tz_localize("UTC").tz_convert(tz)
        return pd.array(raw)
    decoded = [None if x is None else _dec(x, 1) for x in values]
    if dtype == "object":
        out = np.empty(len(decoded), dtype=object)
        out[:] = decoded
        return out
    return pd.array(decoded, dtype=dtype)


def _dec_index(d):
    import pandas as pd

    _need(isinstance(d, dict), "index")
    t = d.get("t")
    if t == "RangeIndex":
        _need(all(type(d.get(k)) is int for k in ("start", "stop", "step")) and d["step"] != 0, "RangeIndex")
        # the one compact encoding: its length is not bounded by MAX_BYTES, so bound it here
        _need(len(range(d["start"], d["stop"], d["step"])) <= MAX_RANGE, "RangeIndex")
        return pd.RangeIndex(d["start"], d["stop"], d["step"], name=_dec(d.get("name"), 1))
    if t == "MultiIndex":
        levels = d.get("levels")
        names = d.get("names")
        _need(isinstance(levels, list) and isinstance(names, list) and len(levels) == len(names) and levels, "MultiIndex")
        arrays = [_dec_column(level) for level in levels]
        return pd.MultiIndex.from_arrays(arrays, names=[_dec(n, 1) for n in names])
    _need(t == "Index", "index type")
    return pd.Index(_dec_column(d), name=_dec(d.get("name"), 1), tupleize_cols=False)


def _dec(d, depth: int = 0):
    import numpy as np
    import pandas as pd

    _need(depth <= MAX_DEPTH + 2 and isinstance(d, dict) and isinstance(d.get("t"), str), "value")
    t, v = d["t"], d.get("v")
    if t == "none":
        return None
    if t == "bool":
        _need(type(v) is bool, "bool")
        return v
    if t == "int":
        _need(type(v) is int and abs(v) < 10 ** 30, "int")
        return v
    if t == "float":
        return _dec_float(v)
    if t == "str":
        _need(type(v) is str, "str")
        return v
    if t in ("list", "tuple", "set", "frozenset"):
        _need(isinstance(v, list), t)
        items = [_dec(x, depth + 1) for x in v]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[t](items)
    if t == "dict":
        _need(isinstance(v, list) and all(isinstance(p, list) and len(p) == 2 for p in v), "dict")
        return {_dec(k, depth + 1): _dec(x, depth + 1) for k, x in v}
    if t == "np":
        _need(isinstance(d.get("dtype"), str) and bool(_NUMERIC_DTYPE.match(d["dtype"])), "numpy dtype")
        kind = np.dtype(d["dtype"]).kind
        value = _dec_float(v) if kind == "f" else v
        _need(kind == "f" or (kind == "b" and type(v) is bool) or (kind in "iu" and type(v) is int), "numpy value")
        return np.dtype(d["dtype"]).type(value)
    if t == "ndarray":
        shape = d.get("shape")
        _need(isinstance(shape, list) and 1 <= len(shape) <= 2 and all(type(n) is int and n >= 0 for n in shape)
              and bool(_NUMERIC_DTYPE.match(str(d.get("dtype")))), "ndarray")
        flat = _dec_column(d)
        _need(flat.size == math.prod(shape), "ndarray shape")
        return flat.reshape(shape)
    if t == "Series":
        index = _dec_index(d.get("index"))
        values = _dec_column(d)
        _need(len(values) == len(index), "Series length")
        return pd.Series(values, index=index, name=_dec(d.get("name"), 1), copy=False)
    if t == "DataFrame":
        index, columns = _dec_index(d.get("index")), _dec_index(d.get("columns"))
        data = d.get("data")
        _need(isinstance(data, list) and len(data) == len(columns), "DataFrame columns")
        arrays = [_dec_column(c) for c in data]
        _need(all(len(a) == len(index) for a in arrays), "DataFrame length")
        frame = pd.DataFrame(dict(enumerate(arrays)), index=index) if arrays else pd.DataFrame(index=index)
        frame.columns = columns
        return frame
    if t in ("Index", "RangeIndex", "MultiIndex"):
        return _dec_index(d)
    if t == "Timestamp":
        _need(type(v) is str and len(v) < 64, "Timestamp")
        return pd.Timestamp(v)
    raise AnswerFormatError(f"type {t[:40]}")


def decode(text: str, names: list[str]) -> dict[str, tuple]:
    """name -> ("ok", value) | ("missing", "") | ("unexportable", why) | ("bad", why)."""
    if not isinstance(text, str) or len(text) > MAX_BYTES:
        return {n: ("bad", "导出的数据太大") for n in names}
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: a deeply nested document
        return {n: ("bad", "导出的数据不是合法的 JSON") for n in names}
    if not isinstance(payload, dict):
        return {n: ("bad", "导出的数据格式不对") for n in names}
    out = {}
    for name in names:
        item = payload.get(name)
        if not isinstance(item, dict):
            out[name] = ("bad", "缺少导出记录")
        elif item.get("missing") is True:
            out[name] = ("missing", "")
        elif "unexportable" in item:
            out[name] = ("unexportable", str(item["unexportable"])[:200])
        else:
            try:
                out[name] = ("ok", _dec(item.get("value")))
            except AnswerFormatError as exc:
                out[name] = ("bad", f"无法还原（{exc}）")
            except Exception as exc:  # noqa: BLE001 - whatever pandas or numpy raise on odd data: this answer only
                out[name] = ("bad", f"无法还原（{type(exc).__name__}）")
    return out
