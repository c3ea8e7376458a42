"""第 5 章（客户流失）的案例数据。

* 悦家优选：一家线上家居日用品店 2023—2024 年的客户、订单、流失客户回访调查和季度市场数据。
  每位客户每月有一个"离开"的概率（因人而异）；2024 年 4—6 月物流外包商更换、配送频频延误，
  这三个月里每位客户离开的概率额外升高——这是企业自身的过失造成的流失，在同期群热力图和
  流失原因里都看得出来。通过"老客户推荐"来的客户，推荐人多是不容易流失的忠诚客户。
* 苗先生的案例：美国一家超市 2000—2001 年里 40 位女顾客购买卫生用品的记录。苗太太（K017）
  原本约四周买一次，2000 年 8 月以后不再购买——超市据此推断她怀孕了；此后她开始买孕婴用品。
* 葡萄牙订单：一家电器设备出口企业 2007 年至 2011 年 4 月的海外订单。葡萄牙客户每年 1、4、8、
  11 月下单，4 月那张约 300 万元的单子 5 月出货；2010 年全年 450 万元，之后再也没有下单。课程的设定：
  对接的客户代表休产假前两个月已把采购交给同事，所以 2010 年 11 月的订单就没有来（课文里说明）。

悦家优选的流失客户回访：原因集中在服务、价格、产品三类（帕累托图上的"关键的少数"），自然流失不到一成。
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .spec import Column, Dataset

# ---------------------------------------------------------------- 悦家优选
START = pd.Timestamp("2023-01-01")
END = pd.Timestamp("2024-12-31")
CHANNELS = ["搜索引擎", "广告投放", "直播促销", "老客户推荐"]
CATEGORIES = {"厨房用品": 85.0, "清洁用品": 55.0, "收纳整理": 70.0, "床上用品": 160.0, "卫浴用品": 65.0}
INCIDENT = (pd.Period("2024-04", "M"), pd.Period("2024-06", "M"))   # 物流延误的三个月

REASONS = ["价格", "产品", "服务", "技术", "促销", "需求", "管理", "政治", "其他"]
#            价格  产品  服务  技术  促销  需求  管理  政治  其他
REASON_P_HIGH = [0.12, 0.28, 0.42, 0.03, 0.02, 0.03, 0.05, 0.02, 0.03]   # 流失前一年消费额不低于中位数的客户
REASON_P_LOW = [0.36, 0.12, 0.32, 0.02, 0.07, 0.03, 0.03, 0.02, 0.03]    # 其余客户
DETAILS = {
    "价格": ["别家同款更便宜", "涨价后觉得不划算", "老客户价格反而比新客户高"],
    "产品": ["质量不稳定", "款式多年不更新", "买到的商品与描述不符"],
    "服务": ["配送一再延误", "客服态度冷淡", "投诉后迟迟没有处理"],
    "技术": ["App 经常闪退", "换用了功能更好的购物平台"],
    "促销": ["竞争对手大力促销", "别家新人券力度更大"],
    "需求": ["搬家后需求变了", "家里东西已经买齐", "想换个平台尝试一下"],
    "管理": ["会员到期没有收到续费提醒", "账户被误冻结", "熟悉的客服离职了"],
    "政治": ["看到商家过度包装、不环保的报道", "商家被曝不承担社会责任"],
    "其他": ["出国或长期离开本地", "账户因恶意退货被平台关闭", "说不清原因"],
}
# 原因 → 流失类型（教材的五种类型）；"其他"里两种情况分开处理
REASON_TYPE = {"价格": "竞争流失", "产品": "过失流失", "服务": "过失流失", "技术": "竞争流失",
               "促销": "竞争流失", "需求": "自然流失", "政治": "过失流失"}
MANAGEMENT_TYPE = {"会员到期没有收到续费提醒": "非恶意被动流失", "账户被误冻结": "非恶意被动流失",
                   "熟悉的客服离职了": "过失流失"}
OTHER_TYPE = {"出国或长期离开本地": "自然流失", "账户因恶意退货被平台关闭": "恶意被动流失", "说不清原因": "自然流失"}


def _store(rng: np.random.Generator) -> list[Dataset]:
    months = pd.period_range("2023-01", "2024-10", freq="M")
    new_per_month = rng.poisson(55, len(months))
    join_month = np.repeat(np.arange(len(months)), new_per_month)
    n = len(join_month)
    ids = [f"Y{i:04d}" for i in range(1, n + 1)]
    month_start = months.to_timestamp()
    days_in = months.days_in_month.to_numpy()
    join_day = rng.integers(0, days_in[join_month])
    join = month_start[join_month] + pd.to_timedelta(join_day, unit="D")
    channel = rng.choice(CHANNELS, n, p=[0.35, 0.25, 0.2, 0.2])

    # 每位客户的购买频率（次/月）与每月离开的概率；直播促销来的客户更容易走
    rate = rng.gamma(2.0, 0.45, n)
    hazard = rng.beta(1.5, np.where(channel == "直播促销", 10.0, 18.0))
    basket = rng.lognormal(0.0, 0.3, n)

    all_months = pd.period_range("2023-01", "2024-12", freq="M")
    incident = (all_months >= INCIDENT[0]) & (all_months <= INCIDENT[1])
    rows = []
    churn_month = np.full(n, len(all_months))  # 没有离开的记为观察期之后
    for i in range(n):
        m = join_month[i]
        first = join[i]
        cat = list(CATEGORIES)[rng.integers(len(CATEGORIES))]
        rows.append((ids[i], first, cat, round(float(CATEGORIES[cat] * basket[i] * rng.lognormal(0, 0.35)), 2)))
        while m < len(all_months):
            h = hazard[i] + (0.10 if incident[m] else 0.0)
            if m > join_month[i] and rng.random() < h:
                churn_month[i] = m
                break
            k = rng.poisson(rate[i] if m > join_month[i] else rate[i] * 0.5)
            if k:
                day0 = int(join_day[i]) if m == join_month[i] else 0
                dim = int(all_months[m].days_in_month)
                for d in np.sort(rng.integers(day0, dim, k)):
                    cat = list(CATEGORIES)[rng.integers(len(CATEGORIES))]
                    amount = CATEGORIES[cat] * basket[i] * rng.lognormal(0, 0.35)
                    rows.append((ids[i], all_months[m].to_timestamp() + pd.Timedelta(days=int(d)), cat,
                                 round(float(amount), 2)))
            m += 1
    orders = pd.DataFrame(rows, columns=["customer_id", "date", "category", "amount"])
    orders = orders.sort_values(["date", "customer_id"], kind="mergesort").reset_index(drop=True)
    orders.insert(0, "order_id", [f"D{i:05d}" for i in range(1, len(orders) + 1)])

    # 推荐人：通过"老客户推荐"来的客户，推荐人是更早加入的客户，越不容易流失的越常推荐别人
    referred_by = np.array([""] * n, dtype=object)
    loyalty = (1 - hazard) ** 12 * rate
    for i in np.flatnonzero(channel == "老客户推荐"):
        earlier = np.flatnonzero((join_month < join_month[i]) & (churn_month > join_month[i]))
        if len(earlier) == 0:
            channel[i] = "搜索引擎"
            continue
        w = loyalty[earlier]
        referred_by[i] = ids[int(rng.choice(earlier, p=w / w.sum()))]

    customers = pd.DataFrame({
        "customer_id": ids,
        "join_date": join,
        "channel": channel,
        "referred_by": referred_by,
        "city_tier": rng.choice(["一线城市", "二线城市", "三线及以下"], n, p=[0.3, 0.45, 0.25]),
    })

    # 回访调查：按 90 天没有购买算作流失的客户中，约六成接受了回访。
    # 原因的分布（课程的设定）：集中在服务、产品、价格三类——"关键的少数"；需求变化、出国等
    # 自然原因很少。消费额高的客户更在意服务和产品，消费额低的客户更多因为价格和促销离开。
    last = orders.groupby("customer_id")["date"].max()
    lost = last[last < END - pd.Timedelta(days=90)]
    answered = lost.index[rng.random(len(lost)) < 0.6]
    by_customer = orders.groupby("customer_id")
    spend = pd.Series({cid: float(by_customer.get_group(cid).loc[
        lambda g: g["date"] > last[cid] - pd.Timedelta(days=365), "amount"].sum()) for cid in answered})
    high = spend >= spend.median()
    survey = []
    for cid in answered:
        last_day = last[cid]
        in_incident = INCIDENT[0].start_time <= last_day <= INCIDENT[1].end_time
        p = np.array(REASON_P_HIGH if high[cid] else REASON_P_LOW)
        if in_incident:
            p[REASONS.index("服务")] += 0.45
        p = p / p.sum()
        reason = REASONS[rng.choice(len(REASONS), p=p)]
        details = DETAILS[reason]
        if reason == "服务" and in_incident:
            detail = "配送一再延误"
        else:
            detail = details[rng.integers(len(details))]
        if reason == "管理":
            kind = MANAGEMENT_TYPE[detail]
        elif reason == "其他":
            kind = OTHER_TYPE[detail]
        else:
            kind = REASON_TYPE[reason]
        survey.append((cid, last_day, reason, detail, kind, round(spend[cid], 2),
                       bool(rng.random() < (0.35 if kind in ("过失流失", "非恶意被动流失") else 0.15))))
    reasons = pd.DataFrame(survey, columns=["customer_id", "last_order", "reason", "detail", "churn_type",
                                            "spend_12m", "would_return"])

    quarters = pd.period_range("2023Q1", "2024Q4", freq="Q")
    market_rng = rng.spawn(1)[0]     # 市场数据用自己的发生器：回访调查怎么调整都不牵动它
    market = pd.DataFrame({
        "quarter": quarters.astype(str),
        "market_size": np.round(600 * 1.03 ** np.arange(len(quarters)) * market_rng.lognormal(0, 0.01, len(quarters)), 1),
        "industry_rank": [9, 8, 7, 6, 6, 9, 8, 8],
        "competitor_promotions": market_rng.poisson([2, 2, 3, 3, 4, 6, 5, 4]),
    })

    return [
        Dataset("churn_customers", "悦家优选（线上家居日用品店）的客户（合成数据）", "05", customers, [
            Column("customer_id", "str", "", "客户编号"),
            Column("join_date", "date", "日期", "第一次下单（成为客户）的日期"),
            Column("channel", "str", "", "获客渠道：搜索引擎 / 广告投放 / 直播促销 / 老客户推荐"),
            Column("referred_by", "str", "", "推荐人的客户编号；不是被推荐来的客户为空"),
            Column("city_tier", "str", "", "所在城市级别：一线城市 / 二线城市 / 三线及以下"),
        ]),
        Dataset("churn_orders", "悦家优选的订单（2023—2024 年，合成数据）", "05", orders, [
            Column("order_id", "str", "", "订单编号"),
            Column("customer_id", "str", "", "客户编号，对应 churn_customers"),
            Column("date", "date", "日期", "下单日期"),
            Column("category", "str", "", "商品品类"),
            Column("amount", "float", "元", "订单金额"),
        ]),
        Dataset("churn_reasons", "悦家优选对流失客户的回访调查（合成数据）", "05", reasons, [
            Column("customer_id", "str", "", "客户编号，对应 churn_customers"),
            Column("last_order", "date", "日期", "最后一次下单的日期（此后 90 天以上没有购买）"),
            Column("reason", "str", "", "流失原因（九类）：价格 / 产品 / 服务 / 技术 / 促销 / 需求 / 管理 / 政治 / 其他"),
            Column("detail", "str", "", "客户说的具体原因"),
            Column("churn_type", "str", "", "流失类型：自然流失 / 竞争流失 / 过失流失 / 非恶意被动流失 / 恶意被动流失"),
            Column("spend_12m", "float", "元", "流失前 12 个月（截至最后一次下单）的消费金额"),
            Column("would_return", "bool", "", "回访时是否表示愿意在问题解决后回来"),
        ]),
        Dataset("churn_market", "悦家优选所在区域市场的季度数据（合成数据）", "05", market, [
            Column("quarter", "str", "", "季度，例如 2023Q1"),
            Column("market_size", "float", "万元", "区域线上家居日用品市场的季度规模"),
            Column("industry_rank", "int", "名", "行业协会季度评比中的名次（1 为最好）"),
            Column("competitor_promotions", "int", "次", "本季度主要竞争对手的大型促销活动次数"),
        ]),
    ]


# ---------------------------------------------------------------- 苗先生的案例
STOPPED = {5: "2000-06-30", 29: "2001-01-20", 33: "2001-03-10"}   # 这三位顾客最后一次可能来的日子
def _miao(rng: np.random.Generator) -> list[Dataset]:
    rows = []
    end = pd.Timestamp("2001-06-30")
    for k in range(1, 41):
        cid = f"K{k:03d}"
        if cid == "K017":   # 苗太太
            day = pd.Timestamp("2000-02-18")
            while day <= pd.Timestamp("2000-08-10"):
                rows.append((cid, day, "卫生用品", round(float(rng.normal(9.5, 1.0)), 2)))
                day += pd.Timedelta(days=int(rng.integers(26, 31)))
            for when in ["2001-02-20", "2001-03-17", "2001-04-09", "2001-05-02", "2001-05-16", "2001-06-01",
                         "2001-06-15", "2001-06-28"]:
                rows.append((cid, pd.Timestamp(when), "孕婴用品", round(float(rng.normal(32.0, 6.0)), 2)))
            continue
        cycle = float(rng.choice([21, 28, 28, 30, 35, 42, 56]))
        day = pd.Timestamp("2000-01-01") + pd.Timedelta(days=int(rng.integers(0, 60)))
        stop = end
        if k in STOPPED:               # 三位顾客中途不再来（搬走或改去别家）
            stop = pd.Timestamp(STOPPED[k])
        while day <= stop:
            rows.append((cid, day, "卫生用品", round(float(rng.normal(9.5, 1.5)), 2)))
            day += pd.Timedelta(days=max(7, int(round(rng.normal(cycle, cycle * 0.12)))))
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "category", "amount"])
    tx = tx.sort_values(["date", "customer_id"], kind="mergesort").reset_index(drop=True)
    return [Dataset("miao_purchases", "苗先生的案例：美国一家超市女顾客的卫生用品与孕婴用品购买记录（合成数据）", "05", tx, [
        Column("customer_id", "str", "", "顾客编号；K017 是案例中的苗太太"),
        Column("date", "date", "日期", "购买日期"),
        Column("category", "str", "", "品类：卫生用品 / 孕婴用品"),
        Column("amount", "float", "美元", "购买金额"),
    ])]


# ---------------------------------------------------------------- 葡萄牙订单
CLIENTS = [  # (编号, 国家, 每年下单的月份, 每单规模 万元)
    ("PT01", "葡萄牙", (1, 4, 8, 11), None),
    ("ES01", "西班牙", (2, 5, 9), 120.0),
    ("IT01", "意大利", (3, 6, 9, 12), 80.0),
    ("FR01", "法国", (1, 7), 200.0),
    ("DE01", "德国", (2, 4, 6, 8, 10, 12), 60.0),
    ("GR01", "希腊", (3, 10), 90.0),
    ("PL01", "波兰", (5, 11), 110.0),
    ("NL01", "荷兰", (1, 4, 7, 10), 70.0),
]


def _b2b(rng: np.random.Generator) -> list[Dataset]:
    rows = []
    cutoff = pd.Timestamp("2011-04-30")
    for cid, country, months, size in CLIENTS:
        for year in range(2007, 2012):
            for month in months:
                day = pd.Timestamp(year=year, month=month, day=int(rng.integers(3, 26)))
                if day > cutoff:
                    continue
                if cid == "PT01":
                    if day >= pd.Timestamp("2010-10-01"):
                        continue  # 对接人休产假前已把采购交给同事，同事改从别家进货
                    amount = {1: 60.0, 4: 300.0, 8: 90.0, 11: 50.0}[month] if year == 2010 else \
                        {1: 55.0, 4: 300.0, 8: 85.0, 11: 45.0}[month] * float(rng.uniform(0.8, 1.05))
                    if month == 4:
                        amount = 300.0
                elif cid == "GR01" and day >= pd.Timestamp("2009-06-01"):
                    continue      # 希腊客户 2009 年起因本国经济危机停止进口
                else:
                    amount = size * float(rng.lognormal(0, 0.2))
                ship = day + pd.Timedelta(days=int(rng.integers(25, 40)))
                if cid == "PT01" and month == 4:
                    ship = pd.Timestamp(year=year, month=5, day=int(rng.integers(12, 29)))   # 5 月出货
                rows.append((cid, country, day, ship, round(amount, 1)))
    orders = pd.DataFrame(rows, columns=["client_id", "country", "order_date", "ship_date", "amount"])
    orders = orders.sort_values(["order_date", "client_id"], kind="mergesort").reset_index(drop=True)
    orders.insert(0, "order_id", [f"E{i:04d}" for i in range(1, len(orders) + 1)])
    return [Dataset("export_orders", "葡萄牙订单的案例：电器设备出口企业的海外订单（2007 年至 2011 年 4 月，合成数据）", "05",
                    orders, [
                        Column("order_id", "str", "", "订单编号"),
                        Column("client_id", "str", "", "客户编号；PT01 是案例中的葡萄牙客户"),
                        Column("country", "str", "", "客户所在国家"),
                        Column("order_date", "date", "日期", "客户下单日期"),
                        Column("ship_date", "date", "日期", "出货日期"),
                        Column("amount", "float", "万元", "订单金额"),
                    ])]


def build(rng: np.random.Generator) -> list[Dataset]:
    # 两个小案例各用一个派生的随机数发生器（spawn 不改变 rng 本身的状态），
    # 悦家优选的数据怎么调整都不会牵动它们
    miao_rng, b2b_rng = rng.spawn(2)        # 先派生这两个，_store 里再派生的不影响它们
    return _store(rng) + _miao(miao_rng) + _b2b(b2b_rng)
