"""客户开发的两个案例（第 02 章）。

``ctrip_acquisition``：携程从"硬销"到"诱销"的获客记录。硬销期靠人海战术——在机场、
火车站派发会员卡、街头地推、电话外呼、报纸广告；诱销期改为让客户自己找上门——
搜索引擎、与银行航空公司的联名卡、老会员推荐积分、网站优惠内容。按季度记录每个渠道的
投入、触达人数、注册会员、首次预订和 12 个月内再次预订的人数。诱销期每位客户的获取
成本更低，首单客户再次预订的比例更高。

``sales_pipeline``：一个电话销售团队的线索名单。每条线索记录它在销售漏斗中走到的最远
阶段、客户是否具备购买能力、购买决定权和需求三个条件，以及客户的性格类型。三个条件
齐备的线索走得更远。
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .spec import Column, Dataset

# 渠道：(时期, 渠道, 每季度投入万元, 每万元触达人数, 注册率, 首单率, 复购率)
CHANNELS = [
    ("硬销期", "机场火车站派卡", 60, 900, 0.30, 0.12, 0.22),
    ("硬销期", "街头地推", 25, 1100, 0.20, 0.08, 0.18),
    ("硬销期", "电话外呼", 18, 700, 0.10, 0.10, 0.20),
    ("硬销期", "报纸广告", 30, 4000, 0.02, 0.25, 0.25),
    ("诱销期", "搜索引擎", 35, 3000, 0.06, 0.35, 0.40),
    ("诱销期", "银行航空联名卡", 40, 2000, 0.12, 0.30, 0.45),
    ("诱销期", "会员推荐积分", 15, 1500, 0.25, 0.40, 0.55),
    ("诱销期", "网站优惠内容", 20, 3500, 0.05, 0.30, 0.38),
]
QUARTERS = {"硬销期": ["2001Q1", "2001Q2", "2001Q3", "2001Q4"], "诱销期": ["2003Q1", "2003Q2", "2003Q3", "2003Q4"]}

STAGES = ["线索", "接通", "确认需求", "评估方案", "谈判", "成交"]
PERSONALITIES = ["活泼型", "力量型", "平和型", "分析型"]
REPS = ["王丽", "李强", "张敏", "刘洋", "陈静", "杨帆"]
SOURCES = ["展会名片", "官网留言", "老客户介绍", "购买名录"]


def _ctrip(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for period, channel, budget, reach_per, reg, first, repeat in CHANNELS:
        for quarter in QUARTERS[period]:
            spend = round(budget * 10_000 * rng.uniform(0.85, 1.15), -2)
            reached = int(spend / 10_000 * reach_per * rng.uniform(0.9, 1.1))
            registered = int(rng.binomial(reached, reg))
            first_booking = int(rng.binomial(registered, first))
            repeat_12m = int(rng.binomial(first_booking, repeat))
            rows.append((period, quarter, channel, spend, reached, registered, first_booking, repeat_12m))
    return pd.DataFrame(rows, columns=["period", "quarter", "channel", "spend", "reached", "registered",
                                       "first_booking", "repeat_12m"])


def _pipeline(rng: np.random.Generator, n: int = 600) -> pd.DataFrame:
    money = rng.random(n) < 0.6
    authority = rng.random(n) < 0.55
    need = rng.random(n) < 0.5
    score = money.astype(int) + authority.astype(int) + need.astype(int)
    # 每一步继续往下走的概率：三个条件越齐，越容易走下去；"确认需求"一步最难，是漏斗的瓶颈。
    base = np.array([0.70, 0.40, 0.60, 0.55, 0.60])
    stage = np.zeros(n, dtype=int)
    alive = np.ones(n, dtype=bool)
    for step, p in enumerate(base, start=1):
        boost = np.where(score == 3, 1.45, np.where(score == 2, 1.0, 0.45))
        if step >= 3:
            boost = boost * np.where(need, 1.0, 0.5)
        advance = alive & (rng.random(n) < np.clip(p * boost, 0, 0.97))
        stage[advance] = step
        alive = advance
    return pd.DataFrame({
        "lead_id": [f"L{i:04d}" for i in range(1, n + 1)],
        "rep": rng.choice(REPS, n),
        "source": rng.choice(SOURCES, n, p=[0.3, 0.25, 0.2, 0.25]),
        "personality": rng.choice(PERSONALITIES, n),
        "has_budget": money,
        "has_authority": authority,
        "has_need": need,
        "stage": [STAGES[s] for s in stage],
    })


def build(rng: np.random.Generator) -> list[Dataset]:
    return [
        Dataset("ctrip_acquisition", "携程的获客记录：硬销期与诱销期（按季度、渠道）", "02", _ctrip(rng), [
            Column("period", "str", "", "时期：硬销期（靠人员推销）/ 诱销期（吸引客户主动上门）"),
            Column("quarter", "str", "季度", "季度，如 2001Q1"),
            Column("channel", "str", "", "获客渠道"),
            Column("spend", "float", "元", "本季度在该渠道的投入"),
            Column("reached", "int", "人", "触达的人数（拿到卡、看到广告、接到电话等）"),
            Column("registered", "int", "人", "注册成为会员的人数"),
            Column("first_booking", "int", "人", "完成首次预订的人数（真正开发成功的客户）"),
            Column("repeat_12m", "int", "人", "首次预订后 12 个月内再次预订的人数"),
        ]),
        Dataset("sales_pipeline", "电话销售团队的线索与销售漏斗", "02", _pipeline(rng), [
            Column("lead_id", "str", "", "线索编号"),
            Column("rep", "str", "", "负责的电话销售代表"),
            Column("source", "str", "", "线索来源"),
            Column("personality", "str", "", "客户的性格类型：活泼型 / 力量型 / 平和型 / 分析型"),
            Column("has_budget", "bool", "", "是否有购买能力（预算）"),
            Column("has_authority", "bool", "", "联系人是否有购买决定权"),
            Column("has_need", "bool", "", "是否确有需求"),
            Column("stage", "str", "", "在漏斗中走到的最远阶段：线索 / 接通 / 确认需求 / 评估方案 / 谈判 / 成交"),
        ]),
    ]
