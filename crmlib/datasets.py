"""按名字读取课程的案例数据，以及查看数据字典。

数据文件随 crmlib 一起安装（包 ``crmlib.data``），与当前工作目录无关。
"""
from __future__ import annotations

import difflib
from functools import lru_cache
from importlib import resources

import pandas as pd

from ._validation import fail

__all__ = ["list_datasets", "load_dataset", "describe_dataset"]


def _read(filename: str, **kwargs) -> pd.DataFrame:
    with resources.files("crmlib.data").joinpath(filename).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, **kwargs)


@lru_cache(maxsize=1)
def _catalog() -> pd.DataFrame:
    return _read("catalog.csv", dtype=str)


@lru_cache(maxsize=1)
def _dictionary() -> pd.DataFrame:
    return _read("data_dictionary.csv", dtype=str, keep_default_na=False)


def list_datasets() -> list[str]:
    """课程里所有案例数据集的名字（按字母排序）。

    >>> "shop_transactions" in list_datasets()
    True
    """
    return sorted(_catalog()["dataset"])


def _check_name(name, func: str) -> str:
    names = list_datasets()
    if not isinstance(name, str):
        raise fail(func, f"参数 name 应该是数据集名字（字符串），收到的是 {type(name).__name__}。"
                         f"可用的数据集：{', '.join(names)}。")
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"您是不是想写 {close[0]!r}？" if close else ""
        raise fail(func, f"没有名为 {name!r} 的数据集。{hint}可用的数据集：{', '.join(names)}。")
    return name


def describe_dataset(name: str) -> pd.DataFrame:
    """数据集的数据字典：每列的类型、单位与中文含义。

    参数：
        ``name``：数据集的名字（文字），可用的名字见 :func:`list_datasets`；拼错时报错并列出全部名字。

    >>> describe_dataset("shop_transactions").loc["amount", "unit"]
    '元'
    """
    _check_name(name, "describe_dataset")
    table = _dictionary()
    table = table[table["dataset"] == name].drop(columns="dataset").set_index("column")
    return table.rename_axis(None).copy()


def load_dataset(name: str) -> pd.DataFrame:
    """按名字读取一个案例数据集，日期列已解析成日期。每次返回一份新表。

    参数：
        ``name``：数据集的名字（文字），例如 ``'shop_transactions'``；可用的名字见 :func:`list_datasets`，拼错时报错并列出全部名字。

    >>> tx = load_dataset("shop_transactions")
    >>> tx.dtypes["date"].kind, tx.dtypes["amount"].kind
    ('M', 'f')
    """
    _check_name(name, "load_dataset")
    columns = describe_dataset(name)
    kinds = {"int": "int64", "float": "float64", "str": str, "bool": "bool"}
    dtypes = {col: kinds[kind] for col, kind in columns["dtype"].items() if kind in kinds}
    dates = [col for col, kind in columns["dtype"].items() if kind == "date"]
    frame = _read(f"{name}.csv", dtype=dtypes, parse_dates=dates, keep_default_na=False,
                  na_values={col: [""] for col, kind in columns["dtype"].items() if kind != "str"})
    return frame
