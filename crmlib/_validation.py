"""输入检查：crmlib 里每个公开函数都通过这里报告错误。

所有错误都是 :class:`CRMInputError`（``ValueError`` 的子类）；缺少列时抛出
:class:`CRMMissingColumnError`，它同时也是 ``KeyError``。消息用中文写明：
哪个函数、哪个参数或列、实际收到了什么、该怎么改。

几种"灰色"输入的统一处理办法（README 的"常见错误信息"一节也有说明）：

* 数值列里的缺失值（NaN）和无穷大一律报错，不会悄悄删掉或当成 0；
* 日期列可以是 datetime，也可以是能解析的日期字符串（建议写成 ``'2024-03-01'``）；
  解析不了的值、缺失日期、纯数字都会报错；``'05/01/2024'`` 这样年份在后的写法看不出日和月谁在前，也报错；
* 带时区的日期先换算成 UTC 再去掉时区，不带时区的日期保持原样；
* 晚于 ``as_of`` 那一天的日期报错（见 ``crmlib/_log.py`` 的 :func:`cutoff_day`），不会悄悄丢弃。
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["CRMInputError", "CRMMissingColumnError"]

# 数值的绝对值上限：金额、人数、天数都远小于它；更大的数多半是录错了，算下去会溢出成无穷大
_LARGEST = 1e15

# pandas.api.types.infer_dtype 对"全是数字"的 object 列给出的类型名
_NUMBER_KINDS = frozenset({"integer", "floating", "mixed-integer-float", "decimal"})


class CRMInputError(ValueError):
    """crmlib 对不合规输入抛出的错误，消息为中文。"""


class CRMMissingColumnError(CRMInputError, KeyError):
    """找不到所需的列（同时是 ``KeyError``，方便 ``except KeyError``）。"""

    # KeyError 默认把消息显示成 repr（带引号），这里改回普通文本。
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _show(value, limit: int = 60) -> str:
    """把收到的值缩成一小段文字，放进错误消息。"""
    if isinstance(value, pd.DataFrame):
        return f"DataFrame（{value.shape[0]} 行 × {value.shape[1]} 列）"
    if isinstance(value, pd.Series):
        return f"Series（{len(value)} 个值）"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fail(func: str, message: str) -> CRMInputError:
    """构造一条标准格式的错误：``函数名：说明``。调用方负责 raise。"""
    return CRMInputError(f"{func}：{message}")


def require_frame(data, func: str, *, param: str = "data") -> pd.DataFrame:
    """检查 ``data`` 是非空 DataFrame，原样返回（不复制、不修改）。"""
    if isinstance(data, pd.Series):
        raise fail(func, f"参数 {param} 需要 DataFrame，收到的是 Series。"
                         f"请用 series.to_frame() 或传入整张表。")
    if not isinstance(data, pd.DataFrame):
        raise fail(func, f"参数 {param} 需要 pandas DataFrame，收到的是 "
                         f"{type(data).__name__}：{_show(data)}。请先用 pd.DataFrame(...) 或 load_dataset(...) 得到表格。")
    if data.shape[0] == 0:
        raise fail(func, f"参数 {param} 是空表（0 行），无法计算。请检查筛选条件是否把数据全部过滤掉了。")
    if data.shape[1] == 0:
        raise fail(func, f"参数 {param} 没有任何列，无法计算。请传入含数据列的表格。")
    if isinstance(data.columns, pd.MultiIndex):
        raise fail(func, f"参数 {param} 的列名有 {data.columns.nlevels} 层（MultiIndex，例如 {_show(data.columns[0])}），"
                         f"这里需要一层列名的表。常见于 groupby(...).agg([...]) 之后，请先展平，例如 "
                         f"df.columns = ['_'.join(map(str, c)) for c in df.columns]。")
    return data


def require_columns(data, func: str, *, param: str = "data", **columns: str) -> pd.DataFrame:
    """检查 ``data`` 是 DataFrame 且含有给定的列。

    关键字参数的名字是 crmlib 函数的参数名（如 ``amount_col``），值是列名。

    >>> require_columns(pd.DataFrame({"id": [1]}), "demo", customer_col="customer_id")
    Traceback (most recent call last):
    ...
    crmlib._validation.CRMMissingColumnError: demo：找不到列 'customer_id'。现有列：id。请用 customer_col='…' 指定。
    """
    require_frame(data, func, param=param)
    for option, column in columns.items():
        if isinstance(column, (bool, np.bool_)) or not isinstance(column, (str, int, np.integer)):
            raise fail(func, f"参数 {option} 应该是列名（字符串），收到的是 {type(column).__name__}：{_show(column)}。")
        if column not in data.columns:
            existing = ", ".join(map(str, data.columns)) or "（无）"
            raise CRMMissingColumnError(
                f"{func}：找不到列 {column!r}。现有列：{existing}。请用 {option}='…' 指定。")
        if (data.columns == column).sum() > 1:
            raise fail(func, f"参数 {param} 里有 {int((data.columns == column).sum())} 个名为 {column!r} 的列"
                             f"（{option}），无法确定用哪一个。请先删除或重命名重复的列。")
    seen = {}
    for option, column in columns.items():
        if column in seen:
            raise fail(func, f"参数 {seen[column]} 和 {option} 都是 {column!r}：它们应该是表里不同的两列。"
                             f"请检查是否把列名写重了。")
        seen[column] = option
    return data


def numeric_column(data: pd.DataFrame, column: str, func: str, *, allow_negative: bool = True,
                   allow_nan: bool = False) -> pd.Series:
    """取出一列数值（float），检查类型、缺失值、符号与大小（绝对值不超过 1e15）；不修改 ``data``。

    object 类型的列只要里面全是数字（没有文字）也接受；带逗号的金额文字、布尔值、复数都报错。
    """
    series = data[column]
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in _NUMBER_KINDS:
        series = series.astype(float)
    if (pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series)
            or pd.api.types.is_complex_dtype(series)):
        sample = series.dropna().head(3).tolist()
        raise fail(func, f"列 {column!r} 应该是数值，实际类型是 {series.dtype}（例如 {_show(sample)}）。"
                         f"如果数字带逗号或货币符号，请先清洗，例如 "
                         f"df[{column!r}].str.replace(',', '').astype(float)。")
    values = series.astype(float)
    if not allow_nan and values.isna().any():
        raise fail(func, f"列 {column!r} 有 {int(values.isna().sum())} 个缺失值（NaN）。"
                         f"请先用 dropna(subset=[{column!r}]) 删除或 fillna(...) 填补。")
    if np.isinf(values).any():
        raise fail(func, f"列 {column!r} 含有无穷大（inf），请先检查数据。")
    huge = values.abs() > _LARGEST
    if huge.any():
        raise fail(func, f"列 {column!r} 有 {int(huge.sum())} 个绝对值超过 {_LARGEST:g} 的数（例如 "
                         f"{values[huge].iloc[0]:g}），大得不合理，算下去会溢出。请检查单位或是否录错。")
    if not allow_negative and (values < 0).any():
        raise fail(func, f"列 {column!r} 有 {int((values < 0).sum())} 个负数（最小值 {values.min():g}），"
                         f"这里只接受非负数。退货等负数记录请先单独处理。")
    return values


def date_column(data: pd.DataFrame, column: str, func: str) -> pd.Series:
    """取出一列日期（无时区的 datetime64）；字符串日期会被解析，解析失败则报错。

    带时区的日期换算成 UTC 后去掉时区，这样不同时区的记录可以直接比较；不带时区的保持原样。
    数字（例如 20240101 或时间戳）不会被猜成日期，而是报错；``'05/01/2024'`` 这样年份在后、
    日和月顺序不明的文字也报错（不替学生猜是 5 月 1 日还是 1 月 5 日）。

    >>> date_column(pd.DataFrame({"d": ["2024-03-01", "2024-03-02T08:00+08:00"]}), "d", "demo").tolist()
    [Timestamp('2024-03-01 00:00:00'), Timestamp('2024-03-02 00:00:00')]
    """
    series = data[column]
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        parsed = series.dt.tz_convert("UTC").dt.tz_localize(None)
    elif pd.api.types.is_datetime64_any_dtype(series):
        parsed = series
    elif (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
          or pd.api.types.infer_dtype(series, skipna=True) in _NUMBER_KINDS | {"boolean", "mixed-integer"}):
        raise fail(func, f"列 {column!r} 应该是日期，实际是数值（类型 {series.dtype}，例如 "
                         f"{_show(series.dropna().head(3).tolist())}）。"
                         f"请用 pd.to_datetime(df[{column!r}]) 转换成日期，例如 20240301 写成 '2024-03-01'。")
    else:
        parsed = _parse_date_texts(series, column, func)
    if parsed.isna().any():
        raise fail(func, f"列 {column!r} 有 {int(parsed.isna().sum())} 个缺失日期。请先删除这些行。")
    return parsed


# "05/01/2024"、"5.1.24"：年份不在最前面，日和月谁在前看不出来（pandas 会按"月/日"猜，遇到 13 以上又改按"日/月"）
_DAY_MONTH_YEAR = re.compile(r"^\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}(?!\d)")


def _day_month_hint(example: str, where: str) -> str:
    return (f"{where}的日期 {example!r} 写成了“日/月/年”或“月/日/年”，看不出哪个是月份。"
            f"请写成 '2024-03-01' 这样年份在前的格式")


def _parse_date_texts(series: pd.Series, column: str, func: str) -> pd.Series:
    """文字（或混着日期对象）的日期列 → 无时区的 datetime；每个不同的值只解析一次（百万行也快）。"""
    try:
        codes, uniques = pd.factorize(series)
    except TypeError:  # 列表之类不可哈希的值
        raise fail(func, f"列 {column!r} 里有无法识别为日期的值。请检查格式，例如 '2024-03-01'。") from None
    values = pd.Series(np.asarray(uniques, dtype=object))
    ambiguous = values.map(lambda v: isinstance(v, str) and _DAY_MONTH_YEAR.match(v) is not None)
    if ambiguous.any():
        example = values[ambiguous].iloc[0]
        raise fail(func, _day_month_hint(example, f"列 {column!r} 里") +
                   f"，或者按实际格式先转换，例如 pd.to_datetime(df[{column!r}], format='%d/%m/%Y')（日/月/年）"
                   f"或 format='%m/%d/%Y'（月/日/年）。")
    try:
        parsed = pd.to_datetime(values, format="mixed", errors="coerce", utc=True)
    except (ValueError, TypeError, OverflowError):
        raise fail(func, f"列 {column!r} 里有无法识别为日期的值。请检查格式，例如 '2024-03-01'。") from None
    blank = values.map(lambda v: isinstance(v, str) and not v.strip())
    bad = (parsed.isna() & ~blank).to_numpy()
    if bad.any():
        rows = (codes >= 0) & bad[np.maximum(codes, 0)]
        raise fail(func, f"列 {column!r} 里有无法识别为日期的值（共 {int(rows.sum())} 个，例如 "
                         f"{_show(series[rows].head(3).tolist())}）。请检查格式，例如 '2024-03-01'。")
    stamps = parsed.dt.tz_localize(None).to_numpy()
    stamps = np.append(stamps, np.array(["NaT"], dtype=stamps.dtype))   # 编号 -1（缺失值）→ NaT
    return pd.Series(stamps[codes], index=series.index, name=series.name)


def as_timestamp(value, func: str, param: str) -> pd.Timestamp:
    """把 ``as_of`` 一类参数转成无时区的 Timestamp；数字不会被当作日期。"""
    if isinstance(value, (bool, np.bool_, int, float, np.number)) and not pd.isna(value):
        raise fail(func, f"参数 {param} 应该是日期，收到的是数字 {value!r}。请写成 '2024-12-31' 这样的格式。")
    if isinstance(value, str) and _DAY_MONTH_YEAR.match(value):
        raise fail(func, _day_month_hint(value, f"参数 {param} ") + "。")
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise fail(func, f"参数 {param} 应该是日期，收到的是 {_show(value)}。请写成 '2024-12-31' 这样的格式。") from None
    if pd.isna(stamp):
        raise fail(func, f"参数 {param} 不能是缺失值，请写成 '2024-12-31' 这样的日期。")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def number(value, func: str, param: str, *, minimum: float | None = None, maximum: float | None = None,
           integer: bool = False, inclusive: bool = True) -> float:
    """检查一个标量参数是有限数值（绝对值不超过 1e15）并在范围内，返回 float（或 int）。"""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise fail(func, f"参数 {param} 应该是数字，收到的是 {type(value).__name__}：{_show(value)}。")
    try:
        finite = bool(np.isfinite(value))
    except (TypeError, OverflowError):  # 超出浮点范围的巨大整数
        finite = False
    if not finite:
        raise fail(func, f"参数 {param} 应该是有限的数字，收到的是 {_show(value)}。")
    if abs(value) > _LARGEST:
        raise fail(func, f"参数 {param} 是 {value:g}，绝对值超过 {_LARGEST:g}，大得不合理，算下去会溢出。请检查单位或是否写错。")
    if integer and float(value) != int(value):
        raise fail(func, f"参数 {param} 应该是整数，收到的是 {value!r}。")
    low_bad = minimum is not None and (value < minimum if inclusive else value <= minimum)
    high_bad = maximum is not None and (value > maximum if inclusive else value >= maximum)
    if low_bad or high_bad:
        sign = ("≥", "≤") if inclusive else (">", "<")
        bounds = []
        if minimum is not None:
            bounds.append(f"{sign[0]} {minimum:g}")
        if maximum is not None:
            bounds.append(f"{sign[1]} {maximum:g}")
        raise fail(func, f"参数 {param} 应该 {' 且 '.join(bounds)}，收到的是 {value!r}。")
    return int(value) if integer else float(value)


def choice(value, func: str, param: str, options: Iterable) -> object:
    """检查参数取值在允许的选项里（True 不会被当成 1，数组之类的值直接判为不合法）。"""
    options = list(options)
    if not any(_same_option(value, option) for option in options):
        listed = "、".join(map(repr, options))
        raise fail(func, f"参数 {param} 只能是 {listed} 之一，收到的是 {_show(value)}。")
    return value


def boolean(value, func: str, param: str) -> bool:
    """检查开关参数是 True 或 False（字符串 'False' 不会被当成真）。

    >>> boolean("False", "demo", "horizontal")
    Traceback (most recent call last):
    ...
    crmlib._validation.CRMInputError: demo：参数 horizontal 应该是 True 或 False，收到的是 str：'False'。
    """
    if not isinstance(value, (bool, np.bool_)):
        raise fail(func, f"参数 {param} 应该是 True 或 False，收到的是 {type(value).__name__}：{_show(value)}。")
    return bool(value)


def text(value, func: str, param: str, *, optional: bool = False) -> str | None:
    """检查标题、标签、输出列名这类参数是文字（``str``）；``optional=True`` 时也接受 None。

    >>> text(pd.DataFrame({"a": [1]}), "demo", "title")
    Traceback (most recent call last):
    ...
    crmlib._validation.CRMInputError: demo：参数 title 应该是文字（str），收到的是 DataFrame：DataFrame（1 行 × 1 列）。
    """
    if value is None and optional:
        return None
    if not isinstance(value, str):
        also = "或 None" if optional else ""
        raise fail(func, f"参数 {param} 应该是文字（str）{also}，收到的是 {type(value).__name__}：{_show(value)}。")
    return value


def _same_option(value, option) -> bool:
    if isinstance(value, (bool, np.bool_)) != isinstance(option, (bool, np.bool_)):
        return False
    try:
        return bool(value == option)
    except (TypeError, ValueError):
        return False


def weights_mapping(weights, func: str, param: str = "weights", *, data: pd.DataFrame | None = None) -> dict[str, float]:
    """检查权重是 {列名: 非负数} 的字典，且至少一个为正；返回新字典。"""
    if not isinstance(weights, Mapping):
        hint = "可以用 weights.to_dict() 转成字典。" if isinstance(weights, pd.Series) else "列表没有列名，请写成字典。"
        raise fail(func, f"参数 {param} 应该是字典，例如 {{'revenue': 0.5, 'margin': 0.5}}，"
                         f"收到的是 {type(weights).__name__}：{_show(weights)}。{hint}")
    if not weights:
        raise fail(func, f"参数 {param} 是空字典，请至少给一个指标设置权重。")
    clean = {}
    for key, w in weights.items():
        clean[key] = number(w, func, f"{param}[{key!r}]", minimum=0)
        if data is not None and key not in data.columns:
            existing = ", ".join(map(str, data.columns))
            raise CRMMissingColumnError(f"{func}：{param} 里的列 {key!r} 不在表中。现有列：{existing}。")
    if sum(clean.values()) <= 0:
        raise fail(func, f"参数 {param} 的权重之和为 0，请至少给一个指标设置正权重。")
    return clean


def weights_and_directions(weights, lower_is_better, func: str, data: pd.DataFrame) -> tuple[dict[str, float], frozenset]:
    """多指标加权打分的两个参数：``weights`` 是 {列名: 非负权重}，``lower_is_better`` 是其中"越小越好"的列。

    >>> frame = pd.DataFrame({"revenue": [1.0], "complaints": [0]})
    >>> weights_and_directions({"revenue": 2, "complaints": 1}, "complaints", "demo", frame)
    ({'revenue': 2.0, 'complaints': 1.0}, frozenset({'complaints'}))
    """
    clean = weights_mapping(weights, func, data=data)
    if isinstance(lower_is_better, str):
        lower_is_better = [lower_is_better]
    if not isinstance(lower_is_better, (list, tuple, set, frozenset, pd.Index)):
        raise fail(func, f"参数 lower_is_better 应该是列名的列表，例如 [{next(iter(clean))!r}]，"
                         f"收到的是 {type(lower_is_better).__name__}。")
    stray = [col for col in lower_is_better if col not in clean]
    if stray:
        raise fail(func, f"lower_is_better 里的 {', '.join(map(repr, stray))} 没有出现在 weights 里。"
                         f"请先在 weights 中给它设置权重：{', '.join(map(repr, clean))}。")
    return clean, frozenset(lower_is_better)
