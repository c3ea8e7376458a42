"""交易记录（一行一笔购买）的统一读法：客户编号和截止日 ``as_of`` 在所有函数里只有一种处理。

规则（README 的"灰色情况的统一规则"）：

* **客户编号**：不许缺失；可以是数字、文字或两者混合（例如 ``["a", 1, "b"]``）。结果按编号排序：
  同一类型按值排，混合时数字在前、文字在后（与 pandas 的排序相同）；分类（category）类型的编号
  也按取值排序，与普通的列结果相同。
* **截止日 as_of 是"一天"**：给定日期的时刻被忽略，那一天里任何时刻的购买都算在截止日之内；
  晚于那一天的记录报错（不会悄悄丢弃）。不给时取数据里最后一笔购买的那一天。
  带时区的日期（数据或 as_of）先换算成 UTC 再取日期。
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import _show, as_timestamp, fail


def customer_codes(keys: pd.Series, func: str, customer_col: str, *, sort: bool = True) -> tuple[np.ndarray, pd.Index]:
    """客户编号 → (每行的整数编号 0, 1, 2 …, 客户编号)。``sort=True`` 时编号顺序就是客户编号的排序顺序。

    >>> codes, ids = customer_codes(pd.Series(["b", 1, "a", 1]), "demo", "customer_id")
    >>> codes.tolist(), ids.tolist()
    ([2, 0, 1, 0], [1, 'a', 'b'])
    """
    if keys.isna().any():
        raise fail(func, f"列 {customer_col!r} 有 {int(keys.isna().sum())} 个缺失的客户编号。请先删除这些行。")
    if isinstance(keys.dtype, pd.CategoricalDtype):
        # 分类类型按取值本身排序（不按类别的先后），没出现的类别也不进结果：与普通的列结果相同
        keys = pd.Series(np.asarray(keys), index=keys.index)
    try:
        codes, uniques = pd.factorize(keys, sort=False)
    except TypeError:  # 列表、字典之类不可哈希的值
        raise fail(func, f"列 {customer_col!r} 里的客户编号应该是数字或文字，收到了 "
                         f"{_show(keys.head(3).tolist())} 这样的值。") from None
    uniques = pd.Index(uniques)
    if not sort or len(uniques) < 2:
        return codes.astype(np.int64), uniques
    kind = pd.api.types.infer_dtype(uniques, skipna=False)
    try:
        if kind == "string":
            # 定长 Unicode 数组排序比逐个比较 Python 字符串快得多，顺序相同（按码位）
            order = np.argsort(uniques.to_numpy().astype(str), kind="stable")
        else:
            order = uniques.argsort(kind="stable")
    except TypeError:  # 数字和文字混在一起：数字在前，文字在后（pandas 的排序）
        codes, uniques = pd.factorize(keys, sort=True)
        return codes.astype(np.int64), pd.Index(uniques)
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return position[codes], uniques[order]


def cutoff_day(as_of, dates: pd.Series, func: str, date_col: str) -> pd.Timestamp:
    """截止日（当天零点）：``as_of`` 那一天，默认数据里最后一笔购买的那一天；晚于它的记录报错。

    >>> dates = pd.Series(pd.to_datetime(["2024-01-02 00:00", "2024-01-10 15:00"]))
    >>> cutoff_day("2024-01-10", dates, "demo", "date")
    Timestamp('2024-01-10 00:00:00')
    >>> cutoff_day(None, dates, "demo", "date")
    Timestamp('2024-01-10 00:00:00')
    """
    last = dates.max().normalize()
    if as_of is None:
        return last
    day = as_timestamp(as_of, func, "as_of").normalize()
    if last > day:
        late = int((dates.dt.normalize() > day).sum())
        raise fail(func, f"列 {date_col!r} 有 {late} 条记录晚于 as_of={day:%Y-%m-%d}"
                         f"（最晚 {dates.max():%Y-%m-%d}）。如果只想分析截止日之前的数据，"
                         f"请先筛选：df[df[{date_col!r}] < '{day + pd.Timedelta(days=1):%Y-%m-%d}']；"
                         f"否则请把 as_of 设得晚一些。")
    return day
