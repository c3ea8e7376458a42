"""客户异议：一家办公设备公司销售人员记录下的客户原话（连同说话的语境），以及处理异议的电话记录（第 03 章）。

**原话**。每条记录是客户在一次拜访中说的一句话，连同它的语境：谁说的（决策人还是没有决定权的
经办人）、什么时候说的（开场、介绍产品后、报价后、请求成交时）、前面发生了什么
（销售员刚说的话，或客户此前提过、后来没再提的另一个顾虑）。内容类型（七类）看字面；
性质（真 / 假 / 隐藏）由语境决定，同一句"太贵了"可以是三种性质中的任何一种。生成器按
下面的语境规则标注性质（这是课程设定的假设，不是从数据里发现的规律）：

1. 客户此前提过另一个顾虑、后来没再提，现在换了个说法反对 → 隐藏异议（真正的顾虑是前面那个）；
2. 否则，在开场、还什么都没介绍时就反对 → 假异议（打发销售员的借口）；
3. 否则，没有决定权的经办人在请求成交时提出价格、时间或付款方面的异议 → 隐藏异议
   （真正的原因是他做不了主）；
4. 其余 → 真异议。

原话分两批：``训练`` 批是默认关键词规则（crmlib.OBJECTION_KEYWORDS）编写时参照的句式，
``留出`` 批是之后记录下的新说法，规则从没见过，用来检验规则在新原话上的表现。

**电话记录**。每通电话处理一条异议，销售员用的方法由生成器**随机**分配（六种等可能），
所以方法之间成交率的差别只来自生成器的设定：询问法对隐藏异议、忽视法对假异议、直接反驳法
对误解了事实的客户有效；真异议按内容对路的方法（TRUE_METHOD，与 crmlib.objections 的规则
一致）有效；对真异议视而不见、对没有误解的客户直接反驳都会降低成交率。
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .spec import Column, Dataset

TYPES = ["需求异议", "价格异议", "产品异议", "购买时间异议", "销售员异议", "服务异议", "支付能力异议"]
TYPE_WEIGHTS = [0.14, 0.24, 0.18, 0.14, 0.08, 0.12, 0.10]
STAGES = ["开场", "介绍产品后", "报价后", "请求成交时"]
SPEAKERS = ["决策人", "经办人"]
METHODS = ["忽视法", "补偿法", "太极法", "询问法", "“是的……如果”法", "直接反驳法"]

# 真异议、客户没有误解事实时，按内容对路的处理方法（与 crmlib.objections 的 suggest_method 一致，
# tests/test_cases_03.py 检查两者相同）。
TRUE_METHOD = {
    "价格异议": "补偿法", "产品异议": "补偿法",
    "服务异议": "“是的……如果”法", "销售员异议": "“是的……如果”法", "支付能力异议": "“是的……如果”法",
    "需求异议": "太极法", "购买时间异议": "太极法",
}

# 训练批：默认关键词规则编写时参照的句式。
TRAIN_PHRASES = {
    "需求异议": ["我们现在根本用不着这个", "我们公司暂时没有这方面的需要", "这东西对我们没什么用",
                 "我们已经有一套类似的设备了", "我看不出这对我们有什么用处", "我们规模小，不需要这么高级的"],
    "价格异议": ["太贵了", "你们的价格比别家高不少", "能不能再便宜一点", "我们的预算只有这么多",
                 "这个价钱不值", "打个折我就考虑", "别家报价低两成"],
    "产品异议": ["质量靠得住吗", "功能太复杂了，员工学不会", "听说这个型号经常出故障", "样式太老了",
                 "噪音太大，放在办公室不合适", "耗材是不是很费"],
    "购买时间异议": ["等下个季度再说吧", "我再考虑考虑", "现在不是时候，年底再说", "等新款出来再买",
                     "过段时间再联系吧", "我得先跟老板商量一下"],
    "销售员异议": ["你们换了好几个业务员了", "你对我们这行根本不了解", "上次来的人态度很差", "你说的话我不太信"],
    "服务异议": ["售后服务跟得上吗", "坏了要多久才能修好", "你们在本地没有维修点吧", "送货太慢了",
                 "上次报修一周都没人来"],
    "支付能力异议": ["我们现在资金紧张", "能不能分期付款", "现金流紧，付不起全款", "账上暂时没钱",
                     "要等回款以后才能付"],
}
# 留出批：之后记录的新说法，规则编写时没有见过。
HOLDOUT_PHRASES = {
    "需求异议": ["我们打印量很少，一台旧的就够了", "这种高端机对我们来说是多余的", "我们暂时不需要添置设备",
                 "现在这台还能凑合，没必要换", "这功能我们用不上", "我们不需要彩色的"],
    "价格异议": ["这个价位超出我们的心理价了", "一台要两万多，有点下不去手", "太贵了吧，别家才一万出头",
                 "价格方面还有没有空间", "同样的配置别人卖得更低", "这么贵，我们承受不了"],
    "产品异议": ["这机器看着挺笨重的", "操作界面这么复杂，我们的人学不会", "你们这牌子的打印头容易坏吧",
                 "扫描速度跟不上我们的量", "质量没问题吧", "用久了会不会出故障", "耗材贵不贵"],
    "购买时间异议": ["下半年再看吧", "等我们搬完办公室再谈", "现在不急，过一阵子再说", "等明年预算批下来再买", "等新款上市再说",
                     "过段时间吧"],
    "销售员异议": ["你们的人换得太勤了", "上回那个小伙子说的跟合同不一样", "你这么说我有点不敢信",
                   "你们业务员从来不回电话", "你们的人态度太冷淡"],
    "服务异议": ["出了问题找谁呢", "坏了能当天上门吗", "你们的维修要收费吗", "装机要等多久", "送货能不能快点",
                 "售后电话总打不通"],
    "支付能力异议": ["一次付清我们有困难", "能不能先付一半，剩下的年底结", "最近手头比较紧",
                     "公司账上钱不多", "分期的话利息怎么算", "资金一时周转不过来"],
}
# 顺带提到其他话题的尾巴：让分类器遇到"混合"的说法。
CROSS_TALK = {
    "价格异议": "，而且也不知道耐不耐用", "产品异议": "，这么贵的东西", "服务异议": "，价格倒还可以",
    "需求异议": "，再说现在也没预算", "购买时间异议": "，反正现在也用不上",
}
OPENERS = ["", "", "说实话，", "嗯……", "老实讲，", "这个嘛，"]

# 销售员在各阶段刚说过的话。
SALES_LINES = {
    "开场": ["销售：您好，我是办公设备公司的小王，想占用您五分钟。", "销售：我们新到一批复印机，想给您介绍一下。"],
    "介绍产品后": ["销售：这台机器每分钟印 45 页，还能双面扫描。", "销售：刚才给您演示的是自动装订功能。"],
    "报价后": ["销售：这台的报价是 2.86 万元，含三年保修。", "销售：整套方案是 5.2 万元，包安装和培训。"],
    "请求成交时": ["销售：那就按这个配置，今天把合同签了？", "销售：您看下周一送货安装，可以吗？"],
}
# 客户此前提过、后来没再提的顾虑（隐藏异议背后的真正原因）。
EARLIER_CONCERNS = {
    "产品异议": "客户此前说过：我们上一台机器用了一年就老卡纸。",
    "服务异议": "客户此前说过：上次别家的机器坏了，一个星期都没人来修。",
    "销售员异议": "客户此前说过：你们上个业务员答应的赠品一直没给。",
    "支付能力异议": "客户此前说过：这个季度好几笔货款还没收回来。",
    "需求异议": "客户此前说过：我们一个月也就打几百页。",
    "价格异议": "客户此前说过：别家给我们报的价低不少。",
}
NO_AUTHORITY_TYPES = ("价格异议", "购买时间异议", "支付能力异议")
# 产品、服务、销售员方面的异议要先听过介绍才会有，不出现在开场。
STAGE_WEIGHTS = {"opening_ok": [0.22, 0.30, 0.28, 0.20], "no_opening": [0.0, 0.40, 0.35, 0.25]}


def nature_in_context(kind: str, stage: str, speaker: str, earlier: str | None) -> tuple[str, str]:
    """(性质, 真正的顾虑)：按模块说明里的四条语境规则。"""
    if earlier is not None:
        return "隐藏异议", earlier
    if stage == "开场":
        return "假异议", "无（借口）"
    if speaker == "经办人" and stage == "请求成交时" and kind in NO_AUTHORITY_TYPES:
        return "隐藏异议", "没有决定权"
    return "真异议", kind


def _utterances(rng: np.random.Generator, n: int, phrases: dict, split: str, start: int) -> list[tuple]:
    types = rng.choice(TYPES, size=n, p=TYPE_WEIGHTS)
    rows = []
    for i, kind in enumerate(types, start=start):
        pool = phrases[kind]
        text = pool[rng.integers(len(pool))]
        weights = STAGE_WEIGHTS["no_opening" if kind in ("产品异议", "服务异议", "销售员异议") else "opening_ok"]
        stage = STAGES[rng.choice(len(STAGES), p=weights)]
        speaker = SPEAKERS[int(rng.random() < 0.4)]
        earlier = None
        if stage != "开场" and rng.random() < 0.2:
            others = [k for k in EARLIER_CONCERNS if k != kind]
            earlier = others[rng.integers(len(others))]
        nature, concern = nature_in_context(kind, stage, speaker, earlier)
        if earlier is not None:
            previous = EARLIER_CONCERNS[earlier]
        else:
            lines = SALES_LINES[stage]
            previous = lines[rng.integers(len(lines))]
        opener = OPENERS[rng.integers(len(OPENERS))]
        tail = CROSS_TALK.get(kind, "") if rng.random() < 0.22 else ""
        mark = "？" if text.endswith(("吗", "呢", "吧")) and not tail else "。"
        rows.append((f"U{i:03d}", split, speaker, stage, previous, opener + text + tail + mark,
                     kind, nature, concern))
    return rows


def _calls(rng: np.random.Generator, utterances: pd.DataFrame, n: int) -> pd.DataFrame:
    picked = utterances.iloc[rng.integers(len(utterances), size=n)].reset_index(drop=True)
    method = rng.choice(METHODS, size=n)  # 随机分配：每通电话六种方法等可能
    nature, kind = picked["nature"].to_numpy(), picked["objection_type"].to_numpy()
    misinformed = (nature == "真异议") & (rng.random(n) < 0.25)
    right_for_type = method == np.array([TRUE_METHOD[k] for k in kind])
    # 基础成交率约 25%；方法对路时明显提高，不对路（对真实的不满视而不见、对没有误解的客户直接反驳）时降低。
    logit = np.full(n, -1.1)
    logit += np.where((method == "询问法") & (nature == "隐藏异议"), 1.6, 0)
    logit += np.where((method == "忽视法") & (nature == "假异议"), 1.3, 0)
    logit += np.where((method == "忽视法") & (nature == "真异议"), -1.0, 0)
    logit += np.where(right_for_type & (nature == "真异议") & ~misinformed, 1.2, 0)
    logit += np.where((method == "直接反驳法") & misinformed, 1.4, 0)
    logit += np.where((method == "直接反驳法") & ~misinformed, -1.2, 0)
    closed = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({
        "call_id": [f"K{i:04d}" for i in range(1, n + 1)],
        "utterance_id": picked["utterance_id"],
        "objection_type": picked["objection_type"],
        "nature": picked["nature"],
        "customer_misinformed": misinformed,
        "method": method,
        "closed": closed,
    })


def build(rng: np.random.Generator) -> list[Dataset]:
    rows = _utterances(rng, 240, TRAIN_PHRASES, "训练", 1) + _utterances(rng, 120, HOLDOUT_PHRASES, "留出", 241)
    utterances = pd.DataFrame(rows, columns=["utterance_id", "split", "speaker", "stage", "previous", "text",
                                             "objection_type", "nature", "real_concern"])
    calls = _calls(rng, utterances, 900)
    return [
        Dataset("objection_utterances", "办公设备销售中记录的客户异议原话及其语境（合成）", "03", utterances, [
            Column("utterance_id", "str", "", "原话编号"),
            Column("split", "str", "", "训练 = 编写默认关键词规则时参照的一批；留出 = 之后记录的新说法，用来检验规则"),
            Column("speaker", "str", "", "说话的人：决策人（能拍板）或经办人（没有决定权）"),
            Column("stage", "str", "", "什么时候说的：开场 / 介绍产品后 / 报价后 / 请求成交时"),
            Column("previous", "str", "", "这句话之前发生了什么：销售员刚说的话，或客户此前提过的另一个顾虑"),
            Column("text", "str", "", "客户的原话"),
            Column("objection_type", "str", "", "按内容（字面）分的异议类型（七类之一）"),
            Column("nature", "str", "", "按性质分：真异议 / 假异议 / 隐藏异议；由生成器按语境规则标注"),
            Column("real_concern", "str", "", "客户真正的顾虑：真异议同内容类型；假异议为“无（借口）”；"
                                               "隐藏异议为此前提过的顾虑或“没有决定权”"),
        ]),
        Dataset("objection_calls", "处理客户异议的销售电话记录（合成，方法随机分配）", "03", calls, [
            Column("call_id", "str", "", "电话编号"),
            Column("utterance_id", "str", "", "客户提出的异议，对应 objection_utterances"),
            Column("objection_type", "str", "", "异议类型"),
            Column("nature", "str", "", "异议性质：真异议 / 假异议 / 隐藏异议"),
            Column("customer_misinformed", "bool", "", "客户是否对事实有误解（如把别家的故障记到本公司头上）"),
            Column("method", "str", "", "销售员采用的处理方法（六种之一，由生成器随机分配）"),
            Column("closed", "bool", "", "这通电话之后是否成交"),
        ]),
    ]
