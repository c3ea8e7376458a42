"""客户异议：一家办公设备公司销售人员记录下的客户原话，以及处理异议的电话记录（第 03 章）。

原话由模板生成，每句都标注了内容类型（七类）和性质（真 / 假 / 隐藏）。有些原话会顺带
提到别的话题（"这么贵，质量靠得住吗？"），所以只看关键词的分类器不会全对——这正是课上要
看到的。电话记录里，成交概率取决于处理方法是否对路：询问法最适合隐藏的异议，忽视法
适合借口式的假异议，补偿法和"是的……如果"法适合真实的价格与产品异议，直接反驳法
只在客户误解了事实时才有效。
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .spec import Column, Dataset

TYPES = ["需求异议", "价格异议", "产品异议", "购买时间异议", "销售员异议", "服务异议", "支付能力异议"]
TYPE_WEIGHTS = [0.14, 0.24, 0.18, 0.14, 0.08, 0.12, 0.10]

# 每类异议的说法：(原话, 性质)。性质：真异议 / 假异议 / 隐藏异议。
PHRASES = {
    "需求异议": [
        ("我们现在根本用不着这个", "真异议"), ("我们公司暂时没有这方面的需要", "真异议"),
        ("这东西对我们没什么用", "假异议"), ("我们已经有一套类似的设备了", "真异议"),
        ("我看不出这对我们有什么用处", "隐藏异议"), ("我们规模小，不需要这么高级的", "真异议"),
    ],
    "价格异议": [
        ("太贵了", "真异议"), ("你们的价格比别家高不少", "真异议"), ("能不能再便宜一点", "假异议"),
        ("我们的预算只有这么多", "真异议"), ("这个价钱不值", "隐藏异议"), ("打个折我就考虑", "假异议"),
        ("别家报价低两成", "真异议"),
    ],
    "产品异议": [
        ("质量靠得住吗", "真异议"), ("功能太复杂了，员工学不会", "真异议"),
        ("听说这个型号经常出故障", "真异议"), ("样式太老了", "假异议"), ("噪音太大，放在办公室不合适", "真异议"),
        ("耗材是不是很费", "隐藏异议"),
    ],
    "购买时间异议": [
        ("等下个季度再说吧", "假异议"), ("我再考虑考虑", "假异议"), ("现在不是时候，年底再说", "真异议"),
        ("等新款出来再买", "真异议"), ("过段时间再联系吧", "隐藏异议"), ("我得先跟老板商量一下", "隐藏异议"),
    ],
    "销售员异议": [
        ("你们换了好几个业务员了", "真异议"), ("你对我们这行根本不了解", "真异议"),
        ("上次来的人态度很差", "真异议"), ("你说的话我不太信", "隐藏异议"),
    ],
    "服务异议": [
        ("售后服务跟得上吗", "真异议"), ("坏了要多久才能修好", "真异议"), ("你们在本地没有维修点吧", "真异议"),
        ("送货太慢了", "真异议"), ("上次报修一周都没人来", "真异议"),
    ],
    "支付能力异议": [
        ("我们现在资金紧张", "真异议"), ("能不能分期付款", "真异议"), ("现金流紧，付不起全款", "真异议"),
        ("账上暂时没钱", "假异议"), ("要等回款以后才能付", "真异议"),
    ],
}
# 顺带提到其他话题的尾巴：让分类器遇到真实世界的"混合"说法。
CROSS_TALK = {
    "价格异议": "，而且也不知道耐不耐用", "产品异议": "，这么贵的东西", "服务异议": "，价格倒还可以",
    "需求异议": "，再说现在也没预算", "购买时间异议": "，反正现在也用不上",
}
OPENERS = ["", "", "说实话，", "嗯……", "老实讲，", "这个嘛，"]

METHODS = ["忽视法", "补偿法", "太极法", "询问法", "“是的……如果”法", "直接反驳法"]


def _utterances(rng: np.random.Generator, n: int) -> pd.DataFrame:
    types = rng.choice(TYPES, size=n, p=TYPE_WEIGHTS)
    rows = []
    for i, kind in enumerate(types, start=1):
        text, nature = PHRASES[kind][rng.integers(len(PHRASES[kind]))]
        opener = OPENERS[rng.integers(len(OPENERS))]
        tail = CROSS_TALK.get(kind, "") if rng.random() < 0.22 else ""
        mark = "？" if text.endswith("吗") else "。"
        rows.append((f"U{i:03d}", opener + text + tail + mark, kind, nature))
    return pd.DataFrame(rows, columns=["utterance_id", "text", "objection_type", "nature"])


def _calls(rng: np.random.Generator, utterances: pd.DataFrame, n: int) -> pd.DataFrame:
    picked = utterances.iloc[rng.integers(len(utterances), size=n)].reset_index(drop=True)
    method = rng.choice(METHODS, size=n)
    misinformed = (picked["nature"] == "真异议") & (rng.random(n) < 0.25)
    # 基础成交率 25%；方法与异议对路时明显提高，不对路（如对真实不满直接反驳）时降低。
    logit = np.full(n, -1.1)
    nature, kind = picked["nature"].to_numpy(), picked["objection_type"].to_numpy()
    logit += np.where((method == "询问法") & (nature == "隐藏异议"), 1.6, 0)
    logit += np.where((method == "忽视法") & (nature == "假异议"), 1.3, 0)
    logit += np.where((method == "忽视法") & (nature == "真异议"), -1.0, 0)
    logit += np.where((method == "补偿法") & (nature == "真异议") & np.isin(kind, ["价格异议", "产品异议"]), 1.2, 0)
    logit += np.where((method == "“是的……如果”法") & (nature == "真异议"), 0.9, 0)
    logit += np.where((method == "太极法") & np.isin(kind, ["购买时间异议", "需求异议"]), 1.0, 0)
    logit += np.where((method == "直接反驳法") & misinformed, 1.4, 0)
    logit += np.where((method == "直接反驳法") & ~misinformed, -1.2, 0)
    closed = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({
        "call_id": [f"K{i:04d}" for i in range(1, n + 1)],
        "utterance_id": picked["utterance_id"],
        "objection_type": picked["objection_type"],
        "nature": picked["nature"],
        "customer_misinformed": misinformed.to_numpy(),
        "method": method,
        "closed": closed,
    })


def build(rng: np.random.Generator) -> list[Dataset]:
    utterances = _utterances(rng, 240)
    calls = _calls(rng, utterances, 900)
    return [
        Dataset("objection_utterances", "办公设备销售中记录的客户异议原话", "03", utterances, [
            Column("utterance_id", "str", "", "原话编号"),
            Column("text", "str", "", "客户的原话"),
            Column("objection_type", "str", "", "按内容分的异议类型（七类之一），由销售经理人工标注"),
            Column("nature", "str", "", "按性质分：真异议 / 假异议 / 隐藏异议"),
        ]),
        Dataset("objection_calls", "处理客户异议的销售电话记录", "03", calls, [
            Column("call_id", "str", "", "电话编号"),
            Column("utterance_id", "str", "", "客户提出的异议，对应 objection_utterances"),
            Column("objection_type", "str", "", "异议类型"),
            Column("nature", "str", "", "异议性质：真异议 / 假异议 / 隐藏异议"),
            Column("customer_misinformed", "bool", "", "客户是否对事实有误解（如把别家的故障记到本公司头上）"),
            Column("method", "str", "", "销售员采用的处理方法（六种之一）"),
            Column("closed", "bool", "", "这通电话之后是否成交"),
        ]),
    ]
