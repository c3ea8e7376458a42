"""CDNOW 客户汇总（第 5 章验证 BG/NBD 用）：不是合成数据，而是已发表的真实数据。

原始文件 ``data_builders/raw/cdnow_customers_summary.csv`` 逐字节复制自 lifetimes 0.11.3（MIT 许可）随包
发布的同名文件，来源与许可见 ``data_builders/raw/README.md``。这里只把列名 ``ID`` 改成 ``customer_id``，
不用随机数。Fader、Hardie 和 Lee（2005）在这份数据上得到 BG/NBD 参数 r 0.243、α 4.414、a 0.793、b 2.426。
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .spec import Column, Dataset

RAW = Path(__file__).resolve().parent.parent / "raw" / "cdnow_customers_summary.csv"


def build(rng: np.random.Generator) -> list[Dataset]:
    frame = pd.read_csv(RAW, dtype={"ID": "int64", "frequency": "int64", "recency": "float64", "T": "float64"})
    frame = frame.rename(columns={"ID": "customer_id"})
    return [Dataset("cdnow_summary", "CDNOW 网上唱片店 1997 年第一季度新客户的购买汇总（真实数据，BG/NBD 经典算例）", "05",
                    frame, [
                        Column("customer_id", "int", "", "客户编号"),
                        Column("frequency", "int", "次", "39 周观察期内的重复购买次数（第一次购买不算）"),
                        Column("recency", "float", "周", "第一次到最后一次购买相隔的周数；没有重复购买为 0"),
                        Column("T", "float", "周", "第一次购买到观察期末（1997 年 9 月底）的周数"),
                    ])]
