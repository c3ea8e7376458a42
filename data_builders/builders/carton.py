"""一家瓦楞纸板/纸箱厂：销售线索、老客户账和一年的订单（第 04 章"客户分级" ``04_grading`` 的数据；库模块 ``crmlib/tiers.py``）。

* ``carton_leads``：销售部的潜在客户名单，每条线索一行，记录教材"客户十级分级标准"
  （A21 资料级 … A01 结案级）各级条件要核对的事实：关键 5 要素是否齐全、行业与规模、
  是谁答复的、怎样答复、有哪些兴趣信号、是否知道报价、价格是否谈得拢、有没有承诺、
  合同/采购/付款，以及货用完没有、款收齐没有、还剩几条有条件的承诺。
  名单覆盖全部十个等级，并特意放进一些"差一点"的线索（政府机构、规模不够、缺传真、
  前台而不是拍板人拒绝、拍板人只知道本厂而不是明确知道、报价未知、出价低于底价、还有没兑现的承诺……），
  让每一条条件都起作用。
* ``carton_customers``：已成交的老客户，每位一行：2024 年的订单数、销售额、毛利、服务成本、
  利润，信用评分、平均拖款天数、发展前景、投诉次数、合作年限，以及负责的销售员。
  少数大客户压价、要求多、拖款，算上服务成本后亏损（金字塔里落到重铅层）。
* ``carton_orders``：这些老客户 2024 年的全部订单，销售额高度集中在少数客户身上。
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .spec import Column, Dataset

SOURCES = ["老客户介绍", "网络", "展会", "招聘会", "同学朋友"]
INDUSTRIES = ["食品饮料", "家电制造", "电商物流", "日化用品", "医药", "电子元件", "家具建材", "批发零售"]
AVOID = ["政府机构", "非营利机构"]
NAME_HEAD = ["华", "鑫", "恒", "瑞", "嘉", "永", "盛", "宏", "中", "新", "金", "立", "博", "安", "荣", "信"]
NAME_TAIL = ["丰", "达", "源", "泰", "通", "利", "兴", "安", "诚", "邦", "康", "越", "远", "和", "宇", "辰"]
SUFFIX = {
    "食品饮料": "食品", "家电制造": "电器", "电商物流": "供应链", "日化用品": "日化", "医药": "药业",
    "电子元件": "电子", "家具建材": "家居", "批发零售": "商贸", "政府机构": "区机关事务中心",
    "非营利机构": "公益基金会",
}
SALESPEOPLE = ["张伟", "李娜", "王强", "刘洋", "陈静"]
MIN_SALES = 500.0  # 万元：本厂对"范围级"客户的年销售额要求（教材写作"超过**万"）

# 每个等级的线索条数，以及同一等级内用到的"路径"（满足条件的不同方式、差一点的情形）。
# 真实的销售漏斗越往下越窄：资料级最多，每往成交走一级都有线索停下，结案级最少
# （A31 明确拒绝是漏斗旁边的出口，不在这条主线上）。tests/test_cases_04.py 检查主线上逐级变少。
PLAN = [
    ("A21", ["raw"] * 26 + ["gov", "npo", "small", "nofax", "nophone"] * 2),
    ("A08", ["plain"] * 20 + ["front_desk_refused", "user_neutral"] * 3),
    ("A31", ["refused"] * 12),
    ("A07", ["neutral"] * 20),
    ("A06", ["switch", "unhappy", "talks", "asks", "next", "questions"] * 2 + ["no_quote"] * 3),
    ("A05", ["intent"] * 8 + ["price_low", "over_budget"] * 2),
    ("A04", ["price_ok"] * 9),
    ("A03", ["verbal", "sample", "audit", "soon", "verbal", "sample", "soon"]),
    ("A02", ["contract", "purchased", "paid"] + ["open_promise"] * 2),
    ("A01", ["closed"] * 3),
]
# 线索信号来自谁：拍板人、使用者、参谋者轮流（每种 A06 信号都有使用者或参谋者给出的）
SIGNAL_FROM = ["使用者", "参谋者", "拍板人"]
# 拍板人只是"知道"本厂（knows_us），还说不清本厂的收益和核心优势（knows_our_offer 为 False）的线索：
# 标准的 A07 和 A06 ④ 只要求"知道"，A31 要求"明确知道"。这几条排在名单最后（编号接着往下排），
# 在原有线索的随机数全部抽完之后才生成，原有线索的每个值都不变。
KNOWS_ONLY = [("A07", "neutral")] * 3 + [("A06", "asks"), ("A06", "next")] + [("A31", "refused")]


def _company(rng, industry, used):
    while True:
        name = (NAME_HEAD[rng.integers(len(NAME_HEAD))] + NAME_TAIL[rng.integers(len(NAME_TAIL))]
                + SUFFIX[industry] + ("有限公司" if industry not in AVOID else ""))
        if name not in used:
            used.add(name)
            return name


def _blank_lead():
    return dict(company="", source="", industry="", annual_sales=np.nan, phone="", fax="",
                respondent_role="", knows_our_offer=False, considered_decision=False, reply="",
                refusal_reason="", asked_for_material=False, set_next_contact=False, asked_questions=False,
                considering_switch=False, unhappy_with_supplier=False, talking_to_new_supplier=False,
                needs_understood=False, can_meet_needs=False, sees_us_as_fit=False, quote_known=False,
                expected_amount=np.nan, affordable_amount=np.nan, offered_price=np.nan, floor_price=np.nan,
                verbal_commitment=False, substantive_action="", months_to_purchase=np.nan,
                contract_signed=False, purchased=False, paid=False,
                used_up=False, fully_collected=False, open_promises=0)


def _lead(rng, grade, route, used, signal_turn):
    lead = _blank_lead()
    lead["source"] = SOURCES[rng.integers(len(SOURCES))]
    industry = INDUSTRIES[rng.integers(len(INDUSTRIES))]
    if route == "gov":
        industry = AVOID[0]
    if route == "npo":
        industry = AVOID[1]
    sales = round(float(MIN_SALES * (1.0 + rng.lognormal(0.3, 0.7))), 0)
    if route == "small":
        sales = round(float(MIN_SALES * rng.uniform(0.2, 0.9)), 0)
    # 资料级里的"原始资料"：只知道一部分要素
    if route == "raw":
        known = rng.random(4) < 0.5
        lead["company"] = _company(rng, industry, used)
        lead["industry"] = industry if known[0] else ""
        lead["annual_sales"] = sales if known[1] else np.nan
        lead["phone"] = f"0571-8{rng.integers(1_000_000, 9_999_999)}" if known[2] else ""
        lead["fax"] = ""
        return lead
    lead.update(company=_company(rng, industry, used), industry=industry, annual_sales=sales,
                phone=f"0571-8{rng.integers(1_000_000, 9_999_999)}",
                fax=f"0571-8{rng.integers(1_000_000, 9_999_999)}")
    if route == "nofax":
        lead["fax"] = ""
    if route == "nophone":
        lead["phone"] = ""
    if grade == "A21":
        return lead
    if grade == "A08":
        if route == "front_desk_refused":  # 前台拒绝不算拍板人的明确拒绝
            lead.update(respondent_role="其他", reply="明确拒绝", refusal_reason="前台：老板不见推销")
        elif route == "user_neutral":  # 使用者模棱两可，也不是拍板人的答复
            lead.update(respondent_role="使用者", knows_our_offer=True, considered_decision=True, reply="中立")
        return lead
    # 以下都已和客户方的人正式沟通过
    lead.update(respondent_role="拍板人", knows_our_offer=True, considered_decision=True)
    if grade == "A31":
        reasons = ["已与现供应商签三年合同", "集团统一采购，本地不能选供应商", "价格高于现供应商",
                   "工厂明年搬迁外省", ""]
        lead.update(reply="明确拒绝", refusal_reason=reasons[rng.integers(len(reasons))])
        return lead
    if grade == "A07":
        lead["reply"] = "中立"
        return lead
    lead["reply"] = "积极"
    if grade == "A06":
        if route in ("switch", "unhappy", "talks"):
            # 信号来自使用者或参谋者时也算数；这时他们不一定了解本厂
            who = SIGNAL_FROM[signal_turn[route] % 3]
            signal_turn[route] += 1
            lead.update(respondent_role=who, knows_our_offer=who == "拍板人", considered_decision=who == "拍板人",
                        reply="积极" if who == "拍板人" else "中立")
            key = {"switch": "considering_switch", "unhappy": "unhappy_with_supplier",
                   "talks": "talking_to_new_supplier"}[route]
            lead[key] = True
        elif route == "no_quote":  # 意向级差最后一条：还不知道本厂报价
            lead.update(asked_questions=True, needs_understood=True, can_meet_needs=True, sees_us_as_fit=True)
        else:
            key = {"asks": "asked_for_material", "next": "set_next_contact", "questions": "asked_questions"}[route]
            lead[key] = True
        return lead
    # 意向级及以上
    lead.update(asked_questions=True, set_next_contact=bool(rng.random() < 0.6),
                unhappy_with_supplier=bool(rng.random() < 0.4), needs_understood=True, can_meet_needs=True,
                sees_us_as_fit=True, quote_known=True)
    floor = round(float(rng.uniform(3.2, 4.2)), 2)  # 元/平方米：本厂能接受的最低单价
    budget = round(float(sales * rng.uniform(0.02, 0.05)), 1)  # 万元：对方一年可承受的纸箱采购额
    lead.update(floor_price=floor, affordable_amount=budget)
    if grade == "A05":
        if route == "price_low":
            lead.update(expected_amount=round(budget * 0.8, 1), offered_price=round(floor - 0.3, 2))
        elif route == "over_budget":
            lead.update(expected_amount=round(budget * 1.3, 1), offered_price=round(floor + 0.2, 2))
        return lead
    lead.update(expected_amount=round(budget * float(rng.uniform(0.5, 0.95)), 1),
                offered_price=round(floor + float(rng.uniform(0.0, 0.5)), 2))
    if grade == "A04":
        lead["months_to_purchase"] = float(rng.integers(3, 9))
        return lead
    if grade == "A03":
        if route == "verbal":
            lead.update(verbal_commitment=True, months_to_purchase=float(rng.integers(3, 6)))
        elif route == "sample":
            lead.update(substantive_action="打样", months_to_purchase=float(rng.integers(3, 6)))
        elif route == "audit":
            lead.update(substantive_action="验厂")
        else:
            lead["months_to_purchase"] = float(rng.integers(1, 3))
        return lead
    lead.update(verbal_commitment=True, substantive_action="打样", months_to_purchase=0.0)
    if grade == "A02":
        if route == "contract":
            lead.update(contract_signed=True)
        elif route == "purchased":
            lead.update(purchased=True)
        elif route == "paid":
            lead.update(paid=True)  # 预付款已到，合同还在走流程
        else:  # 货已用完、款已收齐，但还欠客户一条有条件的承诺（例如"再订 10 万只就返点"）
            lead.update(contract_signed=True, purchased=True, paid=True, used_up=True, fully_collected=True,
                        open_promises=int(rng.integers(1, 3)))
        return lead
    lead.update(contract_signed=True, purchased=True, paid=True, used_up=True, fully_collected=True, open_promises=0)
    return lead


def _leads(rng):
    used: set = set()
    signal_turn = {"switch": 0, "unhappy": 0, "talks": 0}
    rows = [_lead(rng, grade, route, used, signal_turn) for grade, routes in PLAN for route in routes]
    frame = pd.DataFrame(rows)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    frame.insert(0, "lead_id", [f"L{i:03d}" for i in range(1, len(frame) + 1)])
    frame.insert(1, "salesperson", rng.choice(SALESPEOPLE, len(frame)))
    frame.insert(frame.columns.get_loc("knows_our_offer"), "knows_us", frame["knows_our_offer"])
    extra = pd.DataFrame([_lead(rng, grade, route, used, signal_turn) for grade, route in KNOWS_ONLY])
    extra["knows_our_offer"] = False
    extra.insert(extra.columns.get_loc("knows_our_offer"), "knows_us", True)
    extra.insert(0, "lead_id", [f"L{i:03d}" for i in range(len(frame) + 1, len(frame) + len(extra) + 1)])
    extra.insert(1, "salesperson", rng.choice(SALESPEOPLE, len(extra)))
    return pd.concat([frame, extra], ignore_index=True)


def _customers_and_orders(rng, n=240):
    ids = [f"K{i:03d}" for i in range(1, n + 1)]
    industry = rng.choice(INDUSTRIES, n)
    salesperson = rng.choice(SALESPEOPLE, n, p=[0.26, 0.22, 0.2, 0.18, 0.14])
    # 年采购额高度偏斜：少数大客户占了大部分销售额
    revenue_target = 45_000 * rng.lognormal(0.0, 1.7, n)
    size = np.argsort(np.argsort(revenue_target)) / (n - 1)
    n_orders = np.maximum(1, np.round(rng.lognormal(np.log(4 + 22 * size), 0.35))).astype(int)
    cust_idx = np.repeat(np.arange(n), n_orders)
    days = rng.integers(0, 366, len(cust_idx))
    weights = rng.lognormal(0.0, 0.4, len(cust_idx))
    share = weights / np.bincount(cust_idx, weights)[cust_idx]
    amount = np.round(revenue_target[cust_idx] * share, 2)
    orders = pd.DataFrame({"customer_id": np.array(ids)[cust_idx],
                           "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
                           "amount": amount})
    orders = orders.sort_values(["date", "customer_id"], kind="mergesort").reset_index(drop=True)
    orders.insert(0, "order_id", [f"D{i:05d}" for i in range(1, len(orders) + 1)])

    revenue = orders.groupby("customer_id")["amount"].sum().reindex(ids).to_numpy()
    order_count = orders.groupby("customer_id").size().reindex(ids).to_numpy()
    # 大客户压价：毛利率随规模下降；其中一部分还要求多、拖款，服务成本高
    margin = np.clip(rng.normal(0.20 - 0.08 * size, 0.025), 0.06, 0.30)
    demanding = rng.random(n) < 0.02 + 0.35 * size ** 4
    service_cost = order_count * rng.uniform(80, 180, n) + revenue * np.where(demanding, rng.uniform(0.12, 0.2, n),
                                                                           rng.uniform(0.01, 0.03, n))
    gross_profit = revenue * margin
    profit = gross_profit - service_cost
    delay = np.round(np.where(demanding, rng.uniform(30, 90, n), rng.exponential(8, n)), 1)
    credit = np.clip(np.round(88 - 0.45 * delay + rng.normal(0, 6, n)), 20, 100).astype(int)
    growth = np.round(np.clip(rng.normal(0.05, 0.08, n), -0.2, 0.35), 3)
    complaints = rng.poisson(0.5 + 2.5 * demanding + 0.04 * order_count)
    years = np.clip(np.round(rng.gamma(2.0, 2.0 + 2 * size)), 1, 20).astype(int)
    customers = pd.DataFrame({
        "customer_id": ids,
        "industry": industry,
        "salesperson": salesperson,
        "order_count": order_count.astype(int),
        "revenue": np.round(revenue, 2),
        "gross_profit": np.round(gross_profit, 2),
        "service_cost": np.round(service_cost, 2),
        "profit": np.round(gross_profit, 2) - np.round(service_cost, 2),
        "credit_score": credit,
        "avg_delay_days": delay,
        "growth_outlook": growth,
        "complaints": complaints.astype(int),
        "years_as_customer": years,
    })
    customers["profit"] = customers["profit"].round(2)
    return customers, orders


def build(rng: np.random.Generator) -> list[Dataset]:
    # 线索用自己的子发生器（不消耗 rng），改线索名单不会改变老客户和订单
    leads = _leads(np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0]))
    customers, orders = _customers_and_orders(rng)
    yes_no = "（True/False）"
    return [
        Dataset("carton_leads", "纸箱厂的销售线索（十级分级用）", "04", leads, [
            Column("lead_id", "str", "", "线索编号"),
            Column("salesperson", "str", "", "跟进这条线索的销售员"),
            Column("company", "str", "", "关键要素①公司名称；空白表示还不知道"),
            Column("source", "str", "", "获取资料的途径：老客户介绍 / 网络 / 展会 / 招聘会 / 同学朋友"),
            Column("industry", "str", "", "关键要素②行业；空白表示还不知道。政府机构、非营利机构按规定回避"),
            Column("annual_sales", "float", "万元", "关键要素③规模：对方的年销售额；空白表示还不知道"),
            Column("phone", "str", "", "关键要素④电话；空白表示还不知道"),
            Column("fax", "str", "", "关键要素⑤传真；空白表示还不知道"),
            Column("respondent_role", "str", "", "给出反馈的人：拍板人 / 使用者 / 参谋者 / 其他（如前台）；空白表示还没联系上"),
            Column("knows_us", "bool", "", "对方知道本厂做什么、能带来什么收益、与同行相比的核心优势（A07、A06 ④ 的条件）；"
                   "明确知道的当然也算知道" + yes_no),
            Column("knows_our_offer", "bool", "", "对方明确知道本厂做什么、能带来什么收益、与同行相比的核心优势（A31 的条件）" + yes_no),
            Column("considered_decision", "bool", "", "对方的答复是经过考虑的理性、认真的决定" + yes_no),
            Column("reply", "str", "", "对方答复的性质：明确拒绝 / 中立（模棱两可、托辞、软推辞）/ 积极；空白表示尚无答复"),
            Column("refusal_reason", "str", "", "明确拒绝时得到的真实原因（最好至少有 1 条）；空白表示没有"),
            Column("asked_for_material", "bool", "", "对方索要更多资料" + yes_no),
            Column("set_next_contact", "bool", "", "对方约定了下次联系时间" + yes_no),
            Column("asked_questions", "bool", "", "对方询问过公司或产品（历史、规模、典型客户、性能、质量、价格、付款、账期……）" + yes_no),
            Column("considering_switch", "bool", "", "对方的拍板人/使用者/参谋者表示正在考虑更换纸板纸箱供应商" + yes_no),
            Column("unhappy_with_supplier", "bool", "", "对方的拍板人/使用者/参谋者对现在或以前的供应商有任何不满" + yes_no),
            Column("talking_to_new_supplier", "bool", "", "对方透露正在与新的纸板纸箱供应商洽谈" + yes_no),
            Column("needs_understood", "bool", "", "本厂已详细了解对方对纸板纸箱的需求及预期" + yes_no),
            Column("can_meet_needs", "bool", "", "本厂的产品和服务能够满足对方的要求" + yes_no),
            Column("sees_us_as_fit", "bool", "", "对方清楚了解本厂及拟合作的产品，并认为符合其供应商要求" + yes_no),
            Column("quote_known", "bool", "", "对方明确知道本厂产品的报价" + yes_no),
            Column("expected_amount", "float", "万元", "预期的合作总金额（一年）；空白表示还没谈到"),
            Column("affordable_amount", "float", "万元", "对方经济能力能承受的采购金额（一年）；空白表示不清楚"),
            Column("offered_price", "float", "元/平方米", "对方能给出的单价；空白表示还没谈到"),
            Column("floor_price", "float", "元/平方米", "本厂对该规格能接受的最低单价；空白表示还没谈到价格"),
            Column("verbal_commitment", "bool", "", "对方拍板人已口头确认/承诺与本厂合作" + yes_no),
            Column("substantive_action", "str", "", "对方为合作已做的实质性行动：验厂 / 打样；空白表示没有"),
            Column("months_to_purchase", "float", "月", "预计多少个月后发生购买；空白表示不清楚"),
            Column("contract_signed", "bool", "", "已签合作意向书/协议/合同（对方已盖章）" + yes_no),
            Column("purchased", "bool", "", "对方已采购本厂的纸板纸箱" + yes_no),
            Column("paid", "bool", "", "对方已付款" + yes_no),
            Column("used_up", "bool", "", "本次供应的纸板纸箱客户已使用完" + yes_no),
            Column("fully_collected", "bool", "", "本次合作的所有款项已收完" + yes_no),
            Column("open_promises", "int", "条", "本厂还遗留的有条件承诺的条数"),
        ]),
        Dataset("carton_customers", "纸箱厂的老客户（2024 年）", "04", customers, [
            Column("customer_id", "str", "", "客户编号"),
            Column("industry", "str", "", "客户所在行业"),
            Column("salesperson", "str", "", "负责该客户的销售员"),
            Column("order_count", "int", "次", "2024 年下单次数（购买频率）"),
            Column("revenue", "float", "元", "2024 年销售额（下单金额合计）"),
            Column("gross_profit", "float", "元", "毛利：销售额 × 毛利率（大客户压价，毛利率较低）"),
            Column("service_cost", "float", "元", "服务成本：送货、打样、改版、催款等"),
            Column("profit", "float", "元", "客户利润 = 毛利 − 服务成本（对企业利润的贡献，可能为负）"),
            Column("credit_score", "int", "分", "信用评分（0—100，越高越好）"),
            Column("avg_delay_days", "float", "天", "平均拖欠付款的天数"),
            Column("growth_outlook", "float", "比例", "发展前景：客户业务预计的年增长率（0.05 表示 5%）"),
            Column("complaints", "int", "次", "2024 年投诉次数"),
            Column("years_as_customer", "int", "年", "合作年限（忠诚度的一个指标）"),
        ]),
        Dataset("carton_orders", "纸箱厂老客户的订单（2024 年）", "04", orders, [
            Column("order_id", "str", "", "订单编号"),
            Column("customer_id", "str", "", "客户编号，对应 carton_customers"),
            Column("date", "date", "日期", "下单日期"),
            Column("amount", "float", "元", "订单金额"),
        ]),
    ]
