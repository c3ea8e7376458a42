"""仿麦德龙模式的现购自运批发商场：一年的客户账（第 01 章"客户选择"的数据）。

麦德龙（Metro Cash & Carry）只做专业客户的生意：餐馆、小零售商、机关团体食堂、酒店等
凭营业执照办会员卡，现金付款、自己运货（现购自运）。这里虚构一家照此经营的批发商场，
它曾试行一年向个人散客发放临时购物卡，本表就是那一年的客户账：每位客户一行。

数据刻意体现教材的几个论断（tests/test_cases_01.py 检查）：

* 大客户不一定是优质客户：收入最高的一批客户里，有的拿了大折扣、要赊账、拖延付款、
  留下坏账、提很多额外要求，算上服务成本、坏账和资金占用后反而亏损；
* 小客户也可能是优质客户：一些销售额不大的小餐馆、小店现金付款、很少麻烦商场，
  利润率很高，而且还在成长；
* 个人散客每次买得少、咨询多、挤占周末的收银和停车资源，作为一个群体，
  每花一元服务成本换回的毛利远低于专业会员。
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .spec import Column, Dataset

# 客户群：人数、年销售额中位数（元）与离散度、目录毛利率、年订单数中位数、每单服务工时（小时）
SEGMENTS = {
    "餐饮企业": dict(n=220, rev=110_000, sigma=0.85, margin=0.150, orders=140, hours=0.22),
    "小型零售商": dict(n=160, rev=85_000, sigma=0.80, margin=0.135, orders=70, hours=0.25),
    "机关团体": dict(n=60, rev=380_000, sigma=0.70, margin=0.140, orders=90, hours=0.30),
    "酒店宾馆": dict(n=40, rev=320_000, sigma=0.70, margin=0.145, orders=120, hours=0.28),
    "个人散客": dict(n=170, rev=4_000, sigma=0.60, margin=0.160, orders=10, hours=0.90),
}
CATEGORIES = ["生鲜", "粮油干货", "酒水饮料", "日用百货", "厨房用品"]
CATEGORY_P = {
    "餐饮企业": [0.50, 0.28, 0.10, 0.02, 0.10],
    "小型零售商": [0.10, 0.20, 0.35, 0.35, 0.00],
    "机关团体": [0.35, 0.45, 0.00, 0.15, 0.05],
    "酒店宾馆": [0.35, 0.05, 0.30, 0.30, 0.00],
    "个人散客": [0.20, 0.10, 0.30, 0.40, 0.00],
}
TIMES = ["工作日早晨", "工作日白天", "周末"]
TIME_P = {
    "餐饮企业": [0.70, 0.25, 0.05],
    "小型零售商": [0.30, 0.60, 0.10],
    "机关团体": [0.20, 0.80, 0.00],
    "酒店宾馆": [0.50, 0.45, 0.05],
    "个人散客": [0.05, 0.20, 0.75],
}
DISTANCE = {"餐饮企业": 4.0, "小型零售商": 9.0, "机关团体": 7.0, "酒店宾馆": 5.0, "个人散客": 3.5}
HOURLY_COST = 120.0  # 每小时服务成本（元）：人工、送货、开票与催收


def _segment(rng: np.random.Generator, name: str, p: dict) -> pd.DataFrame:
    n = p["n"]
    member = name != "个人散客"
    revenue = p["rev"] * rng.lognormal(0.0, p["sigma"], n)
    size = np.argsort(np.argsort(revenue)) / (n - 1)  # 组内规模分位：0 最小，1 最大
    orders = np.maximum(2, np.round(p["orders"] * rng.lognormal(0.0, 0.35, n) * (0.7 + 0.6 * size))).astype(int)

    if member:
        # 越大的客户越可能"难伺候"：要折扣、要赊账、拖款、坏账、额外要求、多头采购
        demanding = rng.random(n) < 0.03 + 0.75 * size ** 3
        discount = np.where(demanding, rng.uniform(0.04, 0.09, n), 0.02 * size * rng.random(n))
        terms = np.where(demanding, rng.choice([30, 60, 90], n, p=[0.3, 0.4, 0.3]),
                         np.where(rng.random(n) < 0.08, 15, 0))
        delay = np.where(demanding, rng.gamma(2.0, 22.0, n),
                         np.where(terms > 0, rng.exponential(6.0, n), 0.0))
        bad_share = np.where(demanding & (rng.random(n) < 0.85), rng.uniform(0.02, 0.07, n),
                             np.where(rng.random(n) < 0.03, rng.uniform(0.002, 0.01, n), 0.0))
        requests = np.where(demanding, rng.poisson(28, n), rng.poisson(1.5, n))
        resale = np.where(demanding & (name == "小型零售商"), rng.poisson(3.0, n), rng.poisson(0.03, n))
        suppliers = np.where(demanding, rng.integers(2, 6, n), rng.poisson(0.6, n))
        growth = np.where(size < 0.5, rng.normal(0.12, 0.10, n), rng.normal(0.03, 0.05, n))
        growth = np.where(demanding, rng.normal(-0.02, 0.05, n), growth)
        years = rng.integers(1, 13, n)
        # 大客户的毛利按其规模还会被压价（越大越能讨价还价）
        margin = p["margin"] + rng.normal(0.0, 0.012, n) - discount
    else:
        demanding = np.zeros(n, dtype=bool)
        discount = np.zeros(n)
        terms = np.zeros(n, dtype=int)
        delay = np.zeros(n)
        bad_share = np.zeros(n)
        requests = rng.poisson(3.0, n)
        resale = np.zeros(n, dtype=int)
        suppliers = rng.poisson(2.0, n)
        growth = rng.normal(0.0, 0.04, n)
        years = np.zeros(n, dtype=int)
        margin = p["margin"] + rng.normal(0.0, 0.012, n)

    hours = (orders * p["hours"] * rng.lognormal(0.0, 0.2, n) + requests * 1.5
             + (terms > 0) * orders * 0.15 + demanding * revenue / 10_000)
    service_cost = hours * HOURLY_COST * rng.lognormal(0.0, 0.05, n)
    return pd.DataFrame({
        "segment": name,
        "member": member,
        "main_category": rng.choice(CATEGORIES, n, p=CATEGORY_P[name]),
        "visit_time": rng.choice(TIMES, n, p=TIME_P[name]),
        "distance_km": np.round(DISTANCE[name] * rng.lognormal(0.0, 0.5, n), 1),
        "member_years": years,
        "order_count": orders,
        "revenue": np.round(revenue, 2),
        "discount_rate": np.round(discount, 3),
        "gross_margin_rate": np.round(margin, 3),
        "service_hours": np.round(hours, 1),
        "service_cost": np.round(service_cost, 2),
        "payment_terms_days": terms.astype(int),
        "avg_delay_days": np.round(delay, 1),
        "bad_debt": np.round(revenue * bad_share, 2),
        "special_requests": requests.astype(int),
        "resale_incidents": resale.astype(int),
        "other_suppliers": suppliers.astype(int),
        "growth_rate": np.round(growth, 3),
    })


def build(rng: np.random.Generator) -> list[Dataset]:
    frame = pd.concat([_segment(rng, name, p) for name, p in SEGMENTS.items()], ignore_index=True)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    frame.insert(0, "customer_id", [f"M{i:04d}" for i in range(1, len(frame) + 1)])

    return [
        Dataset("metro_customers", "仿麦德龙模式的现购自运批发商场：一年的客户账", "01", frame, [
            Column("customer_id", "str", "", "客户编号"),
            Column("segment", "str", "", "客户群：餐饮企业 / 小型零售商 / 机关团体 / 酒店宾馆 / 个人散客"),
            Column("member", "bool", "", "是否持会员卡的专业客户（凭营业执照办卡）；个人散客为 False（试行的临时购物卡）"),
            Column("main_category", "str", "", "采购最多的品类：生鲜 / 粮油干货 / 酒水饮料 / 日用百货 / 厨房用品"),
            Column("visit_time", "str", "", "最常来采购的时段：工作日早晨 / 工作日白天 / 周末"),
            Column("distance_km", "float", "千米", "客户所在地到商场的距离"),
            Column("member_years", "int", "年", "成为会员的年数；个人散客为 0"),
            Column("order_count", "int", "次", "一年的采购次数"),
            Column("revenue", "float", "元", "一年的销售额（已扣除合同折扣的实收金额）"),
            Column("discount_rate", "float", "比例", "合同折扣率，如 0.05 表示在目录价上让利 5%"),
            Column("gross_margin_rate", "float", "比例", "扣除折扣后的毛利率：毛利 = 销售额 × 毛利率"),
            Column("service_hours", "float", "小时", "一年里为该客户投入的服务工时（接待、送货、开票、催收、处理额外要求）"),
            Column("service_cost", "float", "元", "一年的服务成本（服务工时折算的人工、送货等费用）"),
            Column("payment_terms_days", "int", "天", "约定的付款账期（赊账天数）；0 表示现款现货"),
            Column("avg_delay_days", "float", "天", "超过账期后平均再拖延付款的天数"),
            Column("bad_debt", "float", "元", "一年里确认收不回来的欠款（坏账）"),
            Column("special_requests", "int", "次", "要求商场做分外之事的次数（送货上门、定制包装、拆零、再议价等）"),
            Column("resale_incidents", "int", "次", "被发现窜货或擅自调价、扰乱市场价格的次数"),
            Column("other_suppliers", "int", "家", "同时还在采购的其他批发商数目（多头采购，流失风险的信号）"),
            Column("growth_rate", "float", "比例", "预计的年采购额增长率，如 0.2 表示每年增长 20%"),
        ]),
    ]
