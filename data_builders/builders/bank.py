"""一家商业银行支行的个人客户：资产、带来的手续费收入、持有产品数、客户等级与排队等候时间
（第 04 章"客户分级" ``04_grading`` 里 VIP 客户优先办理一案的数据）。

支行按日均金融资产把客户分成四级：普通客户（5 万元以下）、金卡客户（5 万—50 万元）、
白金客户（50 万—200 万元）、钻石客户（200 万元及以上）。金卡客户在大厅取"优先号"，
白金和钻石客户进贵宾室办理。数据体现分级服务的两面（tests/test_cases_04.py 检查）：
人数很少的高等级客户持有大部分资产、贡献大部分手续费；普通客户等得最久、为排队投诉最多。
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .spec import Column, Dataset

N_CUSTOMERS = 1500
TIERS = ["普通客户", "金卡客户", "白金客户", "钻石客户"]
THRESHOLDS = [5.0, 50.0, 200.0]  # 万元
QUEUE = {"普通客户": "普通叫号", "金卡客户": "优先叫号", "白金客户": "贵宾室", "钻石客户": "贵宾室"}
WAIT_MEAN = {"普通客户": 24.0, "金卡客户": 11.0, "白金客户": 3.0, "钻石客户": 2.0}  # 分钟


def build(rng: np.random.Generator) -> list[Dataset]:
    n = N_CUSTOMERS
    age = np.clip(np.round(rng.normal(45, 14, n)), 18, 85).astype(int)
    # 资产随年龄略增，整体高度偏斜
    assets = np.round(3.0 * np.exp(0.012 * (age - 45)) * rng.lognormal(0.0, 1.6, n), 2)
    tier_idx = np.searchsorted(THRESHOLDS, assets, side="right")
    tier = np.array(TIERS)[tier_idx]
    products = np.clip(1 + rng.poisson(0.4 + 0.7 * np.log1p(assets)), 1, 12).astype(int)
    fee = np.round(20 + assets * 10_000 * rng.uniform(0.001, 0.004, n) * (0.5 + products / 4), 2)
    visits = rng.poisson(np.where(tier_idx >= 2, 4.0, 6.0) + 0.05 * (age - 45).clip(0))
    wait_mean = np.array([WAIT_MEAN[t] for t in tier])
    wait = np.round(rng.gamma(4.0, wait_mean / 4.0), 1)
    complaints = rng.poisson(0.02 * wait * np.maximum(visits, 1) / 6)
    frame = pd.DataFrame({
        "customer_id": [f"B{i:04d}" for i in range(1, n + 1)],
        "age": age,
        "assets": assets,
        "tier": tier,
        "products_held": products,
        "fee_income": fee,
        "counter_visits": visits.astype(int),
        "queue": [QUEUE[t] for t in tier],
        "avg_wait_min": wait,
        "queue_complaints": complaints.astype(int),
    })
    return [
        Dataset("bank_customers", "某银行支行的个人客户与排队等候（2024 年）", "04", frame, [
            Column("customer_id", "str", "", "客户编号"),
            Column("age", "int", "岁", "年龄"),
            Column("assets", "float", "万元", "日均金融资产（存款、理财、基金等）"),
            Column("tier", "str", "", "客户等级：普通客户（<5 万元）/ 金卡客户（5 万—50 万元）/ 白金客户（50 万—200 万元）/ 钻石客户（≥200 万元）"),
            Column("products_held", "int", "个", "持有的产品数（账户、理财、基金、保险、贷款、信用卡等）"),
            Column("fee_income", "float", "元", "一年里给银行带来的手续费及中间业务收入"),
            Column("counter_visits", "int", "次", "一年里到网点柜台办理业务的次数"),
            Column("queue", "str", "", "在网点的排队方式：普通叫号 / 优先叫号 / 贵宾室"),
            Column("avg_wait_min", "float", "分钟", "在网点的平均等候时间"),
            Column("queue_complaints", "int", "次", "一年里因排队等候投诉的次数"),
        ]),
    ]
