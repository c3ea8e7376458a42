"""客户开发的两个案例（第 02 章）。

``ctrip_acquisition``：为携程案例（从"硬销"到"诱销"）合成的获客记录。教材只给出案例的
标题和讨论题，渠道、金额和人数都是本课程设定的，不是携程的真实数字。硬销期靠人员推销——
派发会员卡、街头地推、电话外呼、报纸广告；诱销期让客户自己找上门——搜索引擎、联名卡、
老会员推荐积分、网站优惠内容。每个时期四个季度（``quarter`` 是时期内的序号 1—4），记录
每个渠道的投入、触达人数、注册会员、首次预订和 12 个月内再次预订的人数。生成器设定：
诱销期每位首单客户的成本更低、首单客户再次预订的比例更高；"网站优惠内容"招来的首单最便宜，
但这些客户很少回头，按"每位回头客户的成本"算，最便宜的是"会员推荐积分"。

``sales_pipeline``：一个电话销售团队的线索名单（合成）。每条线索记录它在销售漏斗中走到的最远
阶段、客户是否具备购买能力、购买决定权和需求三个条件、客户的性格类型，以及销售代表有没有用
与客户性格相配的谈法（``matched_tactic``）。生成器设定：三个条件齐备的线索走得更远；性格本身
不影响成交，用了相配的谈法，从"确认需求"起每一步往下走的概率更高；全队的瓶颈是"确认需求"，
而销售代表李强不按黄金时间打电话，他的瓶颈是"接通"。
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
    ("诱销期", "会员推荐积分", 15, 1500, 0.25, 0.28, 0.55),
    ("诱销期", "网站优惠内容", 20, 4000, 0.08, 0.40, 0.20),
]
QUARTERS = [1, 2, 3, 4]

STAGES = ["线索", "接通", "确认需求", "评估方案", "谈判", "成交"]
PERSONALITIES = ["活泼型", "力量型", "平和型", "分析型"]
REPS = ["王丽", "李强", "张敏", "刘洋", "陈静", "杨帆"]
SOURCES = ["展会名片", "官网留言", "老客户介绍", "购买名录"]


def _ctrip(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for period, channel, budget, reach_per, reg, first, repeat in CHANNELS:
        for quarter in QUARTERS:
            spend = round(budget * 10_000 * rng.uniform(0.85, 1.15), -2)
            reached = int(spend / 10_000 * reach_per * rng.uniform(0.9, 1.1))
            registered = int(rng.binomial(reached, reg))
            first_booking = int(rng.binomial(registered, first))
            repeat_12m = int(rng.binomial(first_booking, repeat))
            rows.append((period, quarter, channel, spend, reached, registered, first_booking, repeat_12m))
    return pd.DataFrame(rows, columns=["period", "quarter", "channel", "spend", "reached", "registered",
                                       "first_booking", "repeat_12m"])


def _pipeline(rng: np.random.Generator, n: int = 1200) -> pd.DataFrame:
    money = rng.random(n) < 0.6
    authority = rng.random(n) < 0.55
    need = rng.random(n) < 0.5
    rep = rng.choice(REPS, n)
    source = rng.choice(SOURCES, n, p=[0.3, 0.25, 0.2, 0.25])
    # 性格随机抽取、对成交没有影响；销售代表有没有用相配的谈法也是随机的（一半对一半）。
    personality = rng.choice(PERSONALITIES, n)
    matched = rng.random(n) < 0.5
    score = money.astype(int) + authority.astype(int) + need.astype(int)
    # 每一步继续往下走的概率：三个条件越齐，越容易走下去；"确认需求"一步最难，是全队的瓶颈。
    base = np.array([0.70, 0.40, 0.65, 0.65, 0.70])
    stage = np.zeros(n, dtype=int)
    alive = np.ones(n, dtype=bool)
    for step, p in enumerate(base, start=1):
        boost = np.where(score == 3, 1.45, np.where(score == 2, 1.0, 0.45))
        if step == 1:
            # 李强不按黄金时间打电话：接通的少。
            boost = boost * np.where(rep == "李强", 0.3, 1.0)
        if step >= 2:
            # 从"确认需求"起，谈法与客户性格相配，往下走的概率更高。
            boost = boost * np.where(matched, 1.12, 0.88)
        if step >= 3:
            boost = boost * np.where(need, 1.0, 0.5)
        advance = alive & (rng.random(n) < np.clip(p * boost, 0, 0.97))
        stage[advance] = step
        alive = advance
    return pd.DataFrame({
        "lead_id": [f"L{i:04d}" for i in range(1, n + 1)],
        "rep": rep,
        "source": source,
        "personality": personality,
        "matched_tactic": matched,
        "has_budget": money,
        "has_authority": authority,
        "has_need": need,
        "stage": [STAGES[s] for s in stage],
    })


def build(rng: np.random.Generator) -> list[Dataset]:
    return [
        Dataset("ctrip_acquisition", "携程案例的模拟获客记录：硬销期与诱销期（按季度、渠道，合成数据）", "02", _ctrip(rng), [
            Column("period", "str", "", "时期：硬销期（靠人员推销）/ 诱销期（吸引客户主动上门）"),
            Column("quarter", "int", "", "该时期内的第几个季度（1—4）"),
            Column("channel", "str", "", "获客渠道"),
            Column("spend", "float", "元", "本季度在该渠道的投入"),
            Column("reached", "int", "人", "触达的人数（拿到卡、看到广告、接到电话等）"),
            Column("registered", "int", "人", "注册成为会员的人数"),
            Column("first_booking", "int", "人", "完成首次预订的人数（真正开发成功的客户）"),
            Column("repeat_12m", "int", "人", "首次预订后 12 个月内再次预订的人数"),
        ]),
        Dataset("sales_pipeline", "电话销售团队的线索与销售漏斗（合成数据）", "02", _pipeline(rng), [
            Column("lead_id", "str", "", "线索编号"),
            Column("rep", "str", "", "负责的电话销售代表"),
            Column("source", "str", "", "线索来源"),
            Column("personality", "str", "", "客户的性格类型：活泼型 / 力量型 / 平和型 / 分析型"),
            Column("matched_tactic", "bool", "", "销售代表是否用了与客户性格相配的谈法（见 crmlib.PERSONALITY_TACTICS）"),
            Column("has_budget", "bool", "", "是否有购买能力（预算）"),
            Column("has_authority", "bool", "", "联系人是否有购买决定权"),
            Column("has_need", "bool", "", "是否确有需求"),
            Column("stage", "str", "", "在漏斗中走到的最远阶段：线索 / 接通 / 确认需求 / 评估方案 / 谈判 / 成交"),
        ]),
    ]
