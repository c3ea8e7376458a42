"""案例数据集的描述：表本身，加上数据字典里每一列的类型、单位和含义。"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

# 数据字典里允许的类型；load_dataset 按它解析列（date 会被解析成日期）。
DTYPES = ("int", "float", "str", "date", "bool")


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    unit: str
    description: str

    def __post_init__(self):
        if self.dtype not in DTYPES:
            raise ValueError(f"列 {self.name!r} 的类型 {self.dtype!r} 不在 {DTYPES} 中")


@dataclass
class Dataset:
    name: str
    title: str
    chapter: str
    frame: pd.DataFrame
    columns: list[Column] = field(default_factory=list)

    def check(self) -> None:
        """表的列必须和数据字典一一对应，顺序一致。"""
        described = [c.name for c in self.columns]
        if list(self.frame.columns) != described:
            raise ValueError(f"{self.name}: 表的列 {list(self.frame.columns)} 与数据字典 {described} 不一致")
