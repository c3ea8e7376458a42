"""晨光社区超市：一家小店的会员与两年的购物小票（第 00 章的第一批数据）。

每位会员有自己的到店频率（伽马分布）和每次购物后"不再回来"的概率（贝塔分布），
这就是"买到不买为止"（buy-till-you-die）的常见设定：有人常来，有人来过一两次就流失。
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .spec import Column, Dataset

START = pd.Timestamp("2023-01-01")
END = pd.Timestamp("2024-12-31")
N_CUSTOMERS = 400

CHANNELS = ["门店办卡", "小程序注册", "社区团购群"]
DISTRICTS = ["东城", "西城", "南湖", "北苑"]
CATEGORIES = ["生鲜", "粮油", "日用品", "零食饮料", "乳品烘焙"]
CATEGORY_PRICE = {"生鲜": 45.0, "粮油": 60.0, "日用品": 38.0, "零食饮料": 25.0, "乳品烘焙": 30.0}


def build(rng: np.random.Generator) -> list[Dataset]:
    ids = [f"S{i:04d}" for i in range(1, N_CUSTOMERS + 1)]
    span = (END - START).days
    join_offset = np.sort(rng.integers(0, span - 60, N_CUSTOMERS))
    join = START + pd.to_timedelta(join_offset, unit="D")
    channel = rng.choice(CHANNELS, N_CUSTOMERS, p=[0.5, 0.3, 0.2])
    customers = pd.DataFrame({
        "customer_id": ids,
        "gender": rng.choice(["女", "男"], N_CUSTOMERS, p=[0.62, 0.38]),
        "age": np.clip(np.round(rng.normal(42, 13, N_CUSTOMERS)), 18, 80).astype(int),
        "district": rng.choice(DISTRICTS, N_CUSTOMERS),
        "channel": channel,
        "join_date": join,
    })

    # 到店频率（次/天）与流失概率；社区团购群的客户来得更勤，门店办卡的更稳定。
    rate = rng.gamma(1.6, 1 / 60, N_CUSTOMERS) * np.where(channel == "社区团购群", 1.5, 1.0)
    drop = rng.beta(1.2, np.where(channel == "门店办卡", 14.0, 8.0))
    basket = rng.lognormal(0.0, 0.35, N_CUSTOMERS)  # 每位客户的客单价倍数
    rows = []
    for i, cid in enumerate(ids):
        day = float(join_offset[i])
        while day <= span:
            category = CATEGORIES[rng.integers(len(CATEGORIES))]
            amount = CATEGORY_PRICE[category] * basket[i] * rng.lognormal(0.0, 0.45)
            rows.append((cid, START + pd.Timedelta(days=int(day)), category, round(float(amount), 2)))
            if rng.random() < drop[i]:
                break
            day += rng.exponential(1 / rate[i])
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "category", "amount"])
    tx = tx.sort_values(["date", "customer_id"], kind="mergesort").reset_index(drop=True)
    tx.insert(0, "order_id", [f"T{i:05d}" for i in range(1, len(tx) + 1)])

    return [
        Dataset("shop_customers", "晨光社区超市的会员", "00", customers, [
            Column("customer_id", "str", "", "会员编号"),
            Column("gender", "str", "", "性别：女 / 男"),
            Column("age", "int", "岁", "办卡时的年龄"),
            Column("district", "str", "", "居住片区：东城 / 西城 / 南湖 / 北苑"),
            Column("channel", "str", "", "成为会员的渠道：门店办卡 / 小程序注册 / 社区团购群"),
            Column("join_date", "date", "日期", "成为会员的日期"),
        ]),
        Dataset("shop_transactions", "晨光社区超市的购物小票（2023—2024 年）", "00", tx, [
            Column("order_id", "str", "", "小票编号"),
            Column("customer_id", "str", "", "会员编号，对应 shop_customers"),
            Column("date", "date", "日期", "购物日期"),
            Column("category", "str", "", "这张小票的主要品类"),
            Column("amount", "float", "元", "小票金额"),
        ]),
    ]
