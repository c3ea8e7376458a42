"""客户保持（第 06 章）的三组案例数据。

1. **南苑与伊顿两家酒店赢回流失顾客**（教材案例）：两家规格相当、相距不到 1 公里的四星级酒店，
   各有 300 位已经流失的老顾客。南苑做"关系投资"（客户经理回访、生日关怀、按原价入住），
   伊顿做"价格促销"（前 12 个月房价约打六五折，第 13 个月起恢复原价）。数据是此后 24 个月里
   这些顾客的每一次入住（``hotel_stays``）、顾客名单（``hotel_guests``）和两家酒店每月的
   房价与关系投资费用（``hotel_programs``）。按案例：伊顿的流失顾客回访得快、回来得多，
   但靠低价拉回的顾客在提价后大批再次流失，低价也压薄了每晚的利润；南苑回来的人少，
   回来的却留得住，24 个月的累计利润反超伊顿（tests/test_cases_06.py 检查）。

2. **恒信办公用品公司的企业客户**：250 家企业客户 20 个季度（2020—2024 年）的采购额
   （``office_purchases``）与客户档案（``office_customers``）。每家客户按教材的四种生命周期
   模式之一生成（早期流产型、中途夭折型、提前退出型、长期保持型，另有一批最近才开始合作、
   模式尚未定型的新客户）：考察期试探性的小订单、形成期采购额快速增长、稳定期占到客户
   总采购额的大部分、退化期采购额下降而客户自身的总采购额（``wallet``）并未下降。
   生成时设定的模式记在 ``design_pattern`` 列，用来检验按规则判断的模式准不准。

3. **南苑酒店会员俱乐部**：2017 年加入的 1000 位年费会员每年是否续费（到 2024 年共 8 年）。
   每位会员有自己的退会概率（贝塔分布），每年按这个概率决定是否退会，这正是
   "移位贝塔几何"（shifted-beta-geometric，sBG）模型的设定，用来练习保持率的预测。
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .spec import Column, Dataset

# ------------------------------------------------------------------ 酒店赢回案例
MONTHS = 24
N_LOST = 300
LIST_RATE = 458.0        # 两家酒店的门市价（元/晚）
PROMO_RATE = 298.0       # 伊顿促销价（元/晚，约六五折），前 12 个月
PROMO_MONTHS = 12
NIGHT_COST = 190.0       # 每晚的变动服务成本（元）：客房清洁、布草、水电、早餐
CARE_COST = 25.0         # 南苑每晚额外的关怀成本（元）：欢迎水果、个性化布置
NANYUAN_PROGRAM = 6_000.0    # 南苑每月关系投资（元）：客户经理、回访、生日关怀
EATON_ADS = 6_000.0          # 伊顿促销期每月的广告与短信费用（元）
SEGMENTS = ["商务客", "旅游客", "会议客"]
SEGMENT_P = [0.5, 0.3, 0.2]
PRICE_SENSITIVE_P = {"商务客": 0.35, "旅游客": 0.7, "会议客": 0.5}
STAY_P = {"商务客": 0.55, "旅游客": 0.3, "会议客": 0.4}  # 回来以后，每月入住的概率


def _hotel_guests(rng: np.random.Generator, hotel: str, prefix: str) -> pd.DataFrame:
    segment = rng.choice(SEGMENTS, N_LOST, p=SEGMENT_P)
    sensitive = rng.random(N_LOST) < np.vectorize(PRICE_SENSITIVE_P.get)(segment)
    return pd.DataFrame({
        "guest_id": [f"{prefix}{i:03d}" for i in range(1, N_LOST + 1)],
        "hotel": hotel,
        "segment": segment,
        "price_sensitive": sensitive,
    })


def _hotel_month_rates(hotel: str, month: int, sensitive: np.ndarray):
    """某月的赢回概率（流失 → 回来）与再次流失概率（回来 → 彻底离开），按顾客是否价格敏感。"""
    if hotel == "南苑":
        win = np.where(sensitive, 0.02, 0.05)
        leave = np.where(sensitive, 0.04, 0.015)
    elif month <= PROMO_MONTHS:  # 伊顿促销期：低价把人迅速拉回来，但服务被摊薄
        win = np.where(sensitive, 0.17, 0.07)
        leave = np.where(sensitive, 0.04, 0.06)
    elif month == PROMO_MONTHS + 1:  # 恢复原价：靠低价建立的关系大批瓦解
        win = np.where(sensitive, 0.01, 0.03)
        leave = np.where(sensitive, 0.6, 0.2)
    else:
        win = np.where(sensitive, 0.01, 0.03)
        leave = np.where(sensitive, 0.25, 0.12)
    return win, leave


def _simulate_hotel(rng: np.random.Generator, guests: pd.DataFrame, hotel: str) -> pd.DataFrame:
    sensitive = guests["price_sensitive"].to_numpy()
    stay_p = guests["segment"].map(STAY_P).to_numpy()
    state = np.zeros(N_LOST, dtype=int)  # 0 仍流失，1 已回来，2 回来后又彻底离开
    rows = []
    for month in range(1, MONTHS + 1):
        win, leave = _hotel_month_rates(hotel, month, sensitive)
        u = rng.random(N_LOST)
        came_back = (state == 0) & (u < win)
        left_again = (state == 1) & (u < leave)
        state = np.where(came_back, 1, np.where(left_again, 2, state))
        # 当月回来的顾客一定入住一次，其余已回来的顾客按各自的概率入住
        stays = came_back | ((state == 1) & ~came_back & (rng.random(N_LOST) < stay_p))
        nights = 1 + rng.poisson(0.8, N_LOST)
        rate = PROMO_RATE if (hotel == "伊顿" and month <= PROMO_MONTHS) else LIST_RATE
        unit_cost = NIGHT_COST + (CARE_COST if hotel == "南苑" else 0.0)
        idx = np.flatnonzero(stays)
        rows.append(pd.DataFrame({
            "hotel": hotel,
            "guest_id": guests["guest_id"].to_numpy()[idx],
            "month": month,
            "nights": nights[idx],
            "room_rate": rate,
            "revenue": np.round(nights[idx] * rate, 2),
            "service_cost": np.round(nights[idx] * unit_cost, 2),
        }))
    return pd.concat(rows, ignore_index=True)


def _hotel(rng: np.random.Generator) -> list[Dataset]:
    nanyuan = _hotel_guests(rng, "南苑", "N")
    eaton = _hotel_guests(rng, "伊顿", "Y")
    guests = pd.concat([nanyuan, eaton], ignore_index=True)
    stays = pd.concat([_simulate_hotel(rng, nanyuan, "南苑"), _simulate_hotel(rng, eaton, "伊顿")],
                      ignore_index=True)
    months = np.arange(1, MONTHS + 1)
    programs = pd.concat([
        pd.DataFrame({"hotel": "南苑", "month": months, "room_rate": LIST_RATE,
                      "program_cost": NANYUAN_PROGRAM, "policy": "关系投资"}),
        pd.DataFrame({"hotel": "伊顿", "month": months,
                      "room_rate": np.where(months <= PROMO_MONTHS, PROMO_RATE, LIST_RATE),
                      "program_cost": np.where(months <= PROMO_MONTHS, EATON_ADS, 0.0),
                      "policy": np.where(months <= PROMO_MONTHS, "价格促销", "恢复原价")}),
    ], ignore_index=True)
    return [
        Dataset("hotel_guests", "南苑与伊顿酒店的流失顾客（赢回案例）", "06", guests, [
            Column("guest_id", "str", "", "顾客编号：N 开头是南苑的顾客，Y 开头是伊顿的顾客"),
            Column("hotel", "str", "", "顾客原来常住的酒店：南苑 / 伊顿"),
            Column("segment", "str", "", "顾客类型：商务客 / 旅游客 / 会议客"),
            Column("price_sensitive", "bool", "", "是否价格敏感（主要看价格决定住哪家）"),
        ]),
        Dataset("hotel_stays", "南苑与伊顿酒店流失顾客回来后的入住记录（24 个月）", "06", stays, [
            Column("hotel", "str", "", "酒店：南苑 / 伊顿"),
            Column("guest_id", "str", "", "顾客编号，对应 hotel_guests"),
            Column("month", "int", "月", "赢回行动开始后的第几个月（1—24）"),
            Column("nights", "int", "晚", "这次入住的晚数"),
            Column("room_rate", "float", "元/晚", "这次入住的房价"),
            Column("revenue", "float", "元", "这次入住的房费收入 = 晚数 × 房价"),
            Column("service_cost", "float", "元", "这次入住的变动服务成本（南苑含每晚 25 元的关怀成本）"),
        ]),
        Dataset("hotel_programs", "南苑与伊顿酒店每月的房价与营销投入", "06", programs, [
            Column("hotel", "str", "", "酒店：南苑 / 伊顿"),
            Column("month", "int", "月", "赢回行动开始后的第几个月（1—24）"),
            Column("room_rate", "float", "元/晚", "当月向回来的顾客收取的房价"),
            Column("program_cost", "float", "元", "当月的营销投入：南苑是关系投资，伊顿是促销广告"),
            Column("policy", "str", "", "当月的策略：关系投资 / 价格促销 / 恢复原价"),
        ]),
    ]


# ------------------------------------------------------------------ 恒信办公用品公司
QUARTERS = 20
INDUSTRIES = ["制造业", "金融保险", "教育培训", "政府机关", "互联网"]
PATTERNS = ["早期流产型", "中途夭折型", "提前退出型", "长期保持型"]
PATTERN_N = {"早期流产型": 50, "中途夭折型": 45, "提前退出型": 45, "长期保持型": 70}
N_NEW = 40  # 最近才开始合作、模式尚未定型的新客户


def _share_path(rng: np.random.Generator, pattern: str, start: int) -> np.ndarray:
    """一家客户各季度的"钱包份额"（我们的采购额 / 客户的总采购额）。"""
    share = np.zeros(QUARTERS)
    t = start - 1  # 0 起算的季度下标
    trial = int(rng.integers(1, 4)) if pattern == "早期流产型" else int(rng.integers(2, 4))
    probe = rng.uniform(0.05, 0.12, trial)
    if pattern == "早期流产型":
        share[t:t + trial] = probe[: max(0, QUARTERS - t)]
        return share
    parts = [probe]
    ramp_len = int(rng.integers(2, 4)) if pattern == "中途夭折型" else int(rng.integers(3, 5))
    top = rng.uniform(0.55, 0.8)
    ramp = np.linspace(0.12, top, ramp_len + 2)[1:-1] if pattern == "中途夭折型" else \
        np.linspace(0.12, top, ramp_len + 1)[1:]
    parts.append(ramp)
    if pattern == "中途夭折型":
        parts.append(ramp[-1] * np.array([0.3, 0.1])[: int(rng.integers(1, 3))])
    elif pattern == "提前退出型":
        stable = top * rng.uniform(0.9, 1.1, int(rng.integers(2, 4)))
        parts += [stable, top * np.array([0.3, 0.1])[: int(rng.integers(1, 3))]]
    elif pattern == "长期保持型":
        stable = top * rng.uniform(0.9, 1.1, QUARTERS)
        parts.append(stable)
    else:  # 尚未定型的新客户：试探之后开始上量，合作时间还太短，看不出最终的模式
        parts += [top * rng.uniform(0.9, 1.1, QUARTERS)]
    path = np.concatenate(parts)
    length = min(len(path), QUARTERS - t)
    share[t:t + length] = path[:length]
    if pattern == "长期保持型" and rng.random() < 0.25:
        # 少数长期客户在最后两个季度开始减少采购（稳定期后期退出的迹象）
        share[-2:] *= np.array([0.45, 0.2])
    return share


def _office(rng: np.random.Generator) -> list[Dataset]:
    design = np.concatenate([np.repeat(PATTERNS, [PATTERN_N[p] for p in PATTERNS]),
                             np.repeat("尚未定型", N_NEW)])
    rng.shuffle(design)
    n = len(design)
    start = np.where(design == "长期保持型", rng.integers(1, 6, n),
                     np.where(design == "尚未定型", rng.integers(13, 21, n),
                              np.where(design == "早期流产型", rng.integers(1, 16, n), rng.integers(1, 9, n))))
    industry = rng.choice(INDUSTRIES, n, p=[0.3, 0.15, 0.2, 0.15, 0.2])
    wallet = np.round(rng.lognormal(np.log(30_000), 0.6, n), -2)  # 客户每季度办公用品总采购额
    margin = np.round(rng.uniform(0.18, 0.3, n), 3)
    shares = np.vstack([_share_path(rng, p, s) for p, s in zip(design, start)])
    # 客户自身的总采购额大体平稳、略有增长：退化期的下降来自份额，而不是客户自己缩小了
    growth = (1.0 + rng.normal(0.01, 0.004, n))[:, None] ** np.arange(QUARTERS)[None, :]
    amounts = shares * wallet[:, None] * growth * rng.lognormal(0.0, 0.12, shares.shape)
    ids = np.array([f"H{i:03d}" for i in range(1, n + 1)])
    cust_idx, q_idx = np.nonzero(amounts > 0)
    purchases = pd.DataFrame({
        "customer_id": ids[cust_idx],
        "quarter": q_idx + 1,
        "amount": np.round(amounts[cust_idx, q_idx], 2),
    })
    customers = pd.DataFrame({
        "customer_id": ids,
        "industry": industry,
        "first_quarter": start.astype(int),
        "wallet": np.round(wallet * growth[:, -1], 2),
        "margin_rate": margin,
        "design_pattern": design,
    })
    return [
        Dataset("office_customers", "恒信办公用品公司的企业客户", "06", customers, [
            Column("customer_id", "str", "", "客户编号"),
            Column("industry", "str", "", "客户所在行业"),
            Column("first_quarter", "int", "季度", "第一次采购的季度（1 = 2020 年第一季度，20 = 2024 年第四季度）"),
            Column("wallet", "float", "元", "客户最近一个季度办公用品的总采购额（向所有供应商），即客户的\u201c钱包\u201d"),
            Column("margin_rate", "float", "", "公司在这家客户身上的毛利率（比例）"),
            Column("design_pattern", "str", "", "生成数据时设定的生命周期模式（早期流产型 / 中途夭折型 / 提前退出型 / 长期保持型 / 尚未定型）"),
        ]),
        Dataset("office_purchases", "恒信办公用品公司企业客户的季度采购额（2020—2024 年）", "06", purchases, [
            Column("customer_id", "str", "", "客户编号，对应 office_customers"),
            Column("quarter", "int", "季度", "季度序号：1 = 2020 年第一季度……20 = 2024 年第四季度；没有采购的季度没有记录"),
            Column("amount", "float", "元", "这个季度向恒信的采购额"),
        ]),
    ]


# ------------------------------------------------------------------ 会员俱乐部（sBG）
CLUB_YEARS = 8
CLUB_CARDS = {"商务卡": dict(n=600, a=1.0, b=2.6), "休闲卡": dict(n=400, a=0.7, b=1.1)}


def _club(rng: np.random.Generator) -> list[Dataset]:
    frames = []
    for card, p in CLUB_CARDS.items():
        theta = rng.beta(p["a"], p["b"], p["n"])              # 每位会员每年退会的概率
        life = rng.geometric(np.clip(theta, 1e-9, 1.0))       # 交了几年会费后退会（≥ 1）
        frames.append(pd.DataFrame({"card": card, "years_member": np.minimum(life, CLUB_YEARS),
                                    "still_member": life > CLUB_YEARS}))
    club = pd.concat(frames, ignore_index=True)
    club.insert(0, "member_id", [f"C{i:04d}" for i in range(1, len(club) + 1)])
    club.insert(2, "join_year", 2017)
    return [
        Dataset("hotel_club_members", "南苑酒店会员俱乐部 2017 年入会的年费会员（到 2024 年）", "06", club, [
            Column("member_id", "str", "", "会员编号"),
            Column("card", "str", "", "会员卡种类：商务卡 / 休闲卡"),
            Column("join_year", "int", "年", "入会年份（都是 2017 年）"),
            Column("years_member", "int", "年", "已经交过会费的年数（1—8；8 表示 2017—2024 年每年都续了费）"),
            Column("still_member", "bool", "", "2024 年底是否还在续费（True 表示仍是会员）"),
        ]),
    ]


def build(rng: np.random.Generator) -> list[Dataset]:
    return _hotel(rng) + _office(rng) + _club(rng)
