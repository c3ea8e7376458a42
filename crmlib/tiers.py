"""客户分级：帕累托（80/20）表、ABC 分类、客户金字塔、RFM、十级线索分级、加权综合分级与拜访计划。

第 4 章 ``04_grading``（客户分级）的库模块；数据来自 ``data_builders/builders/carton.py`` 与 ``bank.py``，
测试在 ``tests/test_tiers.py`` 与 ``tests/test_cases_04.py``。对应教材"客户分级及其管理"一节：

* :func:`pareto_table` / :func:`top_share` / :func:`plot_pareto`：按价值从高到低排好客户，
  看前 x% 的客户贡献了多少价值（80/20 规律）；
* :func:`abc_classes`：按累计价值占比把客户分成 A、B、C 三类；
* :func:`customer_pyramid` / :func:`pyramid_summary` / :func:`plot_pyramid`：按价值排名分出
  铂金、黄金、钢铁、重铅四层，无利可图的客户一律归入重铅层；
* :func:`rfm_table` / :func:`rfm_scores`：最近一次购买（R）、购买次数（F）、消费金额（M）及其 1—5 分与客户类别；
* :func:`lead_grade_checks` / :func:`lead_grade`：纸箱厂"客户十级分级标准"（A21 资料级 … A01 结案级），
  逐条按原文的条件判定；
* :func:`weighted_grade`：信用、下单金额、发展前景、利润贡献等多个指标加权，得到 A/B/C 综合等级；
* :func:`visit_plan`：按等级定拜访频次，算出每位销售员每月的拜访次数和工作量。

全部向量化（不逐行循环），先检查输入，返回新对象，不修改传入的表。
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ._docs import shared_docs
from ._validation import (CRMMissingColumnError, _show, date_column, fail, number, numeric_column,
                          require_columns, require_frame, text, weights_and_directions)
from ._log import customer_codes, cutoff_day
from .plotting import new_axes

__all__ = [
    "pareto_table", "top_share", "plot_pareto", "abc_classes",
    "PYRAMID_TIERS", "customer_pyramid", "pyramid_summary", "plot_pyramid",
    "rfm_table", "rfm_scores", "RFM_SEGMENTS",
    "LEAD_GRADES", "lead_grade_checks", "lead_grade",
    "weighted_grade", "visit_plan",
]

PYRAMID_TIERS = ["铂金", "黄金", "钢铁", "重铅"]

# (R 高, F 高, M 高) → 客户类别（"高"指得分不低于 rfm_scores 的 high 参数）
RFM_SEGMENTS = {
    (True, True, True): "重要价值客户",
    (False, True, True): "重要保持客户",
    (True, False, True): "重要发展客户",
    (False, False, True): "重要挽留客户",
    (True, True, False): "一般价值客户",
    (False, True, False): "一般保持客户",
    (True, False, False): "一般发展客户",
    (False, False, False): "一般挽留客户",
}

# 十级标准，从低到高；同时满足几级的条件时取最高的一级
LEAD_GRADES = {
    "A21": "资料级", "A08": "范围级", "A31": "明确拒绝", "A07": "不拒绝", "A06": "积极回应",
    "A05": "意向级", "A04": "价格级", "A03": "冲刺级", "A02": "成交级", "A01": "结案级",
}

_EPS = 1e-9


# ---------------------------------------------------------------- 共用的小工具

def _cuts(cuts, func: str, param: str, *, upper: float = 1.0, decreasing: bool = False) -> list[float]:
    """检查一组分界点：数字、在 (0, upper] 内、严格递增（或递减）。"""
    if isinstance(cuts, (str, bytes)) or not hasattr(cuts, "__iter__"):
        raise fail(func, f"参数 {param} 应该是一组数字，例如 (0.05, 0.2, 0.6)，收到的是 {_show(cuts)}。")
    values = [number(c, func, param, minimum=0, maximum=upper) for c in cuts]
    if not values:
        raise fail(func, f"参数 {param} 至少要有一个分界点。")
    ordered = all((b < a) if decreasing else (a < b) for a, b in zip(values, values[1:]))
    if not ordered or (not decreasing and values[0] <= 0):
        word = "从大到小" if decreasing else "从小到大"
        raise fail(func, f"参数 {param} 的分界点应该{word}严格排列且大于 0，收到的是 {tuple(values)}。")
    return values


def _group_codes(keys: pd.Series, func: str, customer_col: str):
    """客户编号 → (每行的组号, 按编号升序排列的客户编号)：crmlib 统一的读法（crmlib/_log.py）。"""
    return customer_codes(keys, func, customer_col)


def _customer_totals(data, func: str, value_col: str, customer_col: str, *, allow_negative: bool,
                     param: str = "data") -> pd.Series:
    """按客户汇总价值，按价值从高到低排列；价值相同的按客户编号升序（结果确定）。"""
    require_columns(data, func, param=param, value_col=value_col, customer_col=customer_col)
    values = numeric_column(data, value_col, func, allow_negative=allow_negative)
    codes, customers = _group_codes(data[customer_col], func, customer_col)
    sums = np.bincount(codes, weights=values.to_numpy(), minlength=len(customers))
    order = np.argsort(-sums, kind="stable")
    return pd.Series(sums[order], index=pd.Index(customers[order], name=customer_col), name=value_col)


def _ranked_frame(totals: pd.Series, customer_col: str, value_col: str) -> pd.DataFrame:
    n = len(totals)
    rank = np.arange(1, n + 1)
    return pd.DataFrame({customer_col: totals.index.to_numpy(), value_col: totals.to_numpy(),
                         "rank": rank, "customer_share": rank / n})


# ---------------------------------------------------------------- 帕累托与 ABC

@shared_docs
def pareto_table(data, *, value_col: str = "amount", customer_col: str = "customer_id") -> pd.DataFrame:
    """帕累托表：客户按价值从高到低排列，附累计客户占比与累计价值占比。

    ``data`` 可以是交易明细（同一客户多行，先按客户求和），也可以是每位客户一行的表。
    返回每位客户一行：客户编号、价值合计、``rank`` 名次（1 = 最高）、``customer_share``
    前 rank 名客户占全部客户的比例、``value_share`` 前 rank 名客户的价值占总价值的比例。
    价值相同时按客户编号升序排列。价值可以有负数（如利润），这时 ``value_share`` 可能先超过 1
    再回落到 1（"鲸鱼曲线"），但总价值必须大于 0。

    参数：
        ``value_col``：价值（例如销售额或利润，元）所在的列名（默认 ``'amount'``）。
        {shared:customer_col}

    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "a", "c", "d"], "amount": [50.0, 30.0, 30.0, 15.0, 5.0]})
    >>> pareto_table(tx)
      customer_id  amount  rank  customer_share  value_share
    0           a    80.0     1            0.25       0.6154
    1           b    30.0     2            0.50       0.8462
    2           c    15.0     3            0.75       0.9615
    3           d     5.0     4            1.00       1.0000
    """
    return _pareto(data, "pareto_table", value_col, customer_col)


def _pareto(data, func: str, value_col: str, customer_col: str) -> pd.DataFrame:
    totals = _customer_totals(data, func, value_col, customer_col, allow_negative=True)
    total = float(totals.sum())
    if not total > 0:
        raise fail(func, f"列 {value_col!r} 的合计是 {total:g}，必须大于 0 才能计算占比。"
                         f"请检查是否选错了列，或数据里亏损是否多于盈利。")
    table = _ranked_frame(totals, customer_col, value_col)
    table["value_share"] = np.cumsum(totals.to_numpy()) / total
    return table


@shared_docs
def top_share(data, share: float = 0.2, *, value_col: str = "amount", customer_col: str = "customer_id") -> float:
    """价值最高的前 ``share`` 比例客户（人数向上取整）贡献的价值占总价值的比例。

    参数：
        ``data``：交易明细（同一客户多行，先按客户求和）或每位客户一行的表（DataFrame）。
        ``value_col``：价值（例如销售额，元）所在的列名（默认 ``'amount'``）。
        {shared:customer_col}

    >>> tx = pd.DataFrame({"customer_id": list("abcde"), "amount": [60.0, 20.0, 10.0, 6.0, 4.0]})
    >>> top_share(tx, 0.2)    # 5 位客户的前 20% 是 1 位：60 / 100
    0.6
    >>> top_share(tx, 0.5)    # 2.5 向上取整为 3 位：(60 + 20 + 10) / 100
    0.9
    """
    func = "top_share"
    share = number(share, func, "share", minimum=0, maximum=1, inclusive=True)
    if share == 0:
        raise fail(func, "参数 share 应该大于 0，例如 0.2 表示前 20% 的客户。")
    table = _pareto(data, func, value_col, customer_col)
    k = max(1, math.ceil(share * len(table) - _EPS))
    return float(round(table["value_share"].iloc[k - 1], 12))


@shared_docs
def plot_pareto(table, *, customer_share_col: str = "customer_share", value_share_col: str = "value_share",
                mark: float = 0.2, ax=None, title: str | None = None, value_label: str = "价值"):
    """画帕累托曲线（累计客户占比 → 累计价值占比），并标出前 ``mark`` 比例客户的占比。返回 Axes。

    参数：
        ``table``：:func:`pareto_table` 的结果。
        ``customer_share_col``：累计客户占比所在的列名（默认 ``'customer_share'``，0—1）。
        ``value_share_col``：累计价值占比所在的列名（默认 ``'value_share'``）。
        ``mark``：标出前多少比例的客户（0—1，默认 0.2）。
        {shared:ax}
        {shared:title}
        ``value_label``：价值的叫法，用在纵轴标题和标注里（文字，默认 ``'价值'``，例如 ``'销售额'``）。

    >>> table = pareto_table(pd.DataFrame({"customer_id": list("abcd"), "amount": [70.0, 20.0, 6.0, 4.0]}))
    >>> ax = plot_pareto(table)
    >>> [round(float(v), 2) for v in ax.lines[0].get_ydata()]
    [0.0, 0.7, 0.9, 0.96, 1.0]
    """
    func = "plot_pareto"
    require_columns(table, func, param="table", customer_share_col=customer_share_col,
                    value_share_col=value_share_col)
    x = numeric_column(table, customer_share_col, func).to_numpy()
    y = numeric_column(table, value_share_col, func).to_numpy()
    mark = number(mark, func, "mark", minimum=0, maximum=1)
    text(title, func, "title", optional=True)
    text(value_label, func, "value_label")
    ax = new_axes(ax, figsize=(6, 4.5))
    ax.plot(np.r_[0.0, x], np.r_[0.0, y], color="#3b75af", lw=2, label="帕累托曲线")
    ax.plot([0, 1], [0, 1], color="#999999", ls="--", lw=1, label="人人贡献相同")
    ax.axhline(1.0, color="#cccccc", lw=0.8)
    if 0 < mark < 1 and len(x):
        k = max(1, math.ceil(mark * len(x) - _EPS))
        xm, ym = x[k - 1], y[k - 1]
        ax.plot([xm, xm, 0], [0, ym, ym], color="#d62728", lw=1, ls=":")
        ax.annotate(f"前 {xm:.0%} 的客户贡献 {ym:.0%} 的{value_label}", xy=(xm, ym),
                    xytext=(min(xm + 0.08, 0.45), ym * 0.55 + 0.02), color="#d62728",
                    arrowprops=dict(arrowstyle="->", color="#d62728"))
    ax.set_xlim(0, 1)
    ax.set_ylim(min(0.0, float(np.min(y, initial=0.0))), max(1.05, float(np.max(y, initial=1.0)) * 1.05))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("累计客户占比（按价值从高到低）")
    ax.set_ylabel(f"累计{value_label}占比")
    ax.set_title("帕累托曲线" if title is None else title)
    ax.legend(loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


@shared_docs
def abc_classes(data, *, value_col: str = "amount", customer_col: str = "customer_id",
                cuts=(0.8, 0.95), labels=("A", "B", "C")) -> pd.DataFrame:
    """ABC 分类：按价值从高到低累加，累计占比达到 ``cuts[0]`` 之前的客户为 A，之后到 ``cuts[1]`` 为 B，其余为 C。

    规则：一位客户**之前**的客户累计占比还不到 80%，它就属于 A 类（所以正好跨过 80% 的那位也算 A）；
    不到 95% 属于 B 类；否则属于 C 类。返回 :func:`pareto_table` 的表加一列 ``abc``。价值不能为负。

    参数：
        ``data``：交易明细（同一客户多行，先按客户求和）或每位客户一行的表（DataFrame）。
        ``value_col``：价值（例如销售额，元）所在的列名（默认 ``'amount'``），不能为负。
        {shared:customer_col}
        ``labels``：各类的名字，比 ``cuts`` 多一个（默认 ``('A', 'B', 'C')``）。

    >>> tx = pd.DataFrame({"customer_id": list("abcdef"), "amount": [50.0, 25.0, 10.0, 8.0, 4.0, 3.0]})
    >>> abc_classes(tx)[["customer_id", "value_share", "abc"]]
      customer_id  value_share abc
    0           a         0.50   A
    1           b         0.75   A
    2           c         0.85   A
    3           d         0.93   B
    4           e         0.97   B
    5           f         1.00   C
    """
    func = "abc_classes"
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__"):
        raise fail(func, f"参数 labels 应该是一组类别名，例如 ('A', 'B', 'C')，收到的是 {_show(labels)}。")
    cut_values = _cuts(cuts, func, "cuts")
    if len(labels) != len(cut_values) + 1:
        raise fail(func, f"labels 应该比 cuts 多一个：cuts 有 {len(cut_values)} 个分界点，"
                         f"labels 却有 {len(labels)} 个类别名。")
    totals = _customer_totals(data, func, value_col, customer_col, allow_negative=False)
    total = float(totals.sum())
    if not total > 0:
        raise fail(func, f"列 {value_col!r} 的合计是 0，无法计算占比。")
    table = _ranked_frame(totals, customer_col, value_col)
    cum = np.cumsum(totals.to_numpy()) / total
    table["value_share"] = cum
    before = cum - totals.to_numpy() / total
    idx = np.searchsorted(np.asarray(cut_values) - _EPS, before, side="right")
    table["abc"] = np.asarray(list(labels), dtype=object)[idx]
    return table


# ---------------------------------------------------------------- 客户金字塔

@shared_docs
def customer_pyramid(data, *, value_col: str = "profit", customer_col: str = "customer_id",
                     cuts=(0.05, 0.20, 0.60)) -> pd.DataFrame:
    """客户价值金字塔：按价值排名分成铂金、黄金、钢铁、重铅四层。

    ``cuts`` 是三个累计客户占比的分界点：默认前 5% 的客户为铂金层，接下来到 20% 为黄金层，
    到 60% 为钢铁层，其余为重铅层。**价值不大于 0（无利可图）的客户不论排名都归入重铅层。**
    返回每位客户一行（按价值从高到低）：客户编号、价值、``rank``、``customer_share``、``tier``
    （有序分类：铂金 > 黄金 > 钢铁 > 重铅）。

    参数：
        ``data``：交易明细（同一客户多行，先按客户求和）或每位客户一行的表（DataFrame）。
        ``value_col``：价值（例如利润，元）所在的列名（默认 ``'profit'``），可以为负。
        {shared:customer_col}

    >>> customers = pd.DataFrame({"customer_id": list("abcdefghij"),
    ...                           "profit": [900.0, 500.0, 300.0, 200.0, 120.0, 80.0, 40.0, 10.0, -5.0, -60.0]})
    >>> out = customer_pyramid(customers, cuts=(0.1, 0.3, 0.9))
    >>> out["tier"].astype(str).tolist()
    ['铂金', '黄金', '黄金', '钢铁', '钢铁', '钢铁', '钢铁', '钢铁', '重铅', '重铅']
    """
    func = "customer_pyramid"
    cut_values = _cuts(cuts, func, "cuts")
    if len(cut_values) != 3:
        raise fail(func, f"参数 cuts 需要正好 3 个分界点（铂金/黄金、黄金/钢铁、钢铁/重铅），收到 {len(cut_values)} 个。")
    totals = _customer_totals(data, func, value_col, customer_col, allow_negative=True)
    table = _ranked_frame(totals, customer_col, value_col)
    idx = np.searchsorted(np.asarray(cut_values) + _EPS, table["customer_share"].to_numpy(), side="left")
    idx = np.where(totals.to_numpy() <= 0, 3, idx)
    table["tier"] = pd.Categorical.from_codes(idx, categories=PYRAMID_TIERS, ordered=True)
    return table


def pyramid_summary(pyramid, *, value_col: str = "profit", tier_col: str = "tier") -> pd.DataFrame:
    """按层汇总金字塔：人数、人数占比、价值合计、价值占比、人均价值。四层都列出（空层记 0）。

    参数：
        ``pyramid``：:func:`customer_pyramid` 的结果（每位客户一行）。
        ``value_col``：价值所在的列名（默认 ``'profit'``），可以为负。
        ``tier_col``：层级所在的列名（默认 ``'tier'``）。

    >>> customers = pd.DataFrame({"customer_id": list("abcd"), "profit": [60.0, 30.0, 20.0, -10.0]})
    >>> pyramid_summary(customer_pyramid(customers, cuts=(0.25, 0.5, 0.75)))
          customers  customer_share  profit  value_share  mean_value
    tier
    铂金          1            0.25    60.0         0.60        60.0
    黄金          1            0.25    30.0         0.30        30.0
    钢铁          1            0.25    20.0         0.20        20.0
    重铅          1            0.25   -10.0        -0.10       -10.0
    """
    func = "pyramid_summary"
    require_columns(pyramid, func, param="pyramid", value_col=value_col, tier_col=tier_col)
    values = numeric_column(pyramid, value_col, func)
    tiers = pyramid[tier_col].astype(str)
    unknown = sorted(set(tiers) - set(PYRAMID_TIERS))
    if unknown:
        raise fail(func, f"列 {tier_col!r} 里有不认识的层名 {unknown}；应该是 {'、'.join(PYRAMID_TIERS)}。"
                         f"请传入 customer_pyramid 的结果。")
    grouped = values.groupby(tiers.to_numpy())
    summary = pd.DataFrame({"customers": grouped.size(), value_col: grouped.sum()}).reindex(PYRAMID_TIERS)
    summary = summary.fillna(0)
    summary["customers"] = summary["customers"].astype(int)
    total = float(values.sum())
    summary.insert(1, "customer_share", summary["customers"] / max(len(values), 1))
    summary["value_share"] = summary[value_col] / total if total != 0 else np.nan
    summary["mean_value"] = summary[value_col] / summary["customers"].where(summary["customers"] > 0)
    summary.index.name = "tier"
    return summary


@shared_docs
def plot_pyramid(summary, *, customers_col: str = "customers", share_col: str = "value_share", ax=None,
                 title: str | None = None, value_label: str = "利润"):
    """把 :func:`pyramid_summary` 的结果画成金字塔：每层一块梯形，标出人数和价值占比。返回 Axes。

    参数：
        ``summary``：:func:`pyramid_summary` 的结果（四层各一行）。
        ``customers_col``：每层人数所在的列名（默认 ``'customers'``），不能为负。
        ``share_col``：每层价值占比所在的列名（默认 ``'value_share'``）。
        {shared:ax}
        {shared:title}
        ``value_label``：价值的叫法，用在每层的标注里（文字，默认 ``'利润'``）。

    >>> customers = pd.DataFrame({"customer_id": list("abcd"), "profit": [60.0, 30.0, 20.0, -10.0]})
    >>> ax = plot_pyramid(pyramid_summary(customer_pyramid(customers, cuts=(0.25, 0.5, 0.75))))
    >>> [t.get_text().split("\\n")[0] for t in ax.texts]
    ['铂金层', '黄金层', '钢铁层', '重铅层']
    """
    func = "plot_pyramid"
    require_columns(summary, func, param="summary", customers_col=customers_col, share_col=share_col)
    counts = numeric_column(summary, customers_col, func, allow_negative=False)
    shares = numeric_column(summary, share_col, func, allow_nan=True)
    text(title, func, "title", optional=True)
    text(value_label, func, "value_label")
    from matplotlib.patches import Polygon

    ax = new_axes(ax, figsize=(7, 5))
    colors = ["#8e9aaf", "#e0b341", "#7f8c8d", "#4a4a4a"]
    levels = len(summary)
    for i, (tier, n, share) in enumerate(zip(summary.index, counts, shares)):
        # 第 i 层（0 = 顶层）：上底和下底按高度线性变宽
        top, bottom = levels - i, levels - i - 1
        half_top, half_bottom = (i / levels) * 0.5, ((i + 1) / levels) * 0.5
        ax.add_patch(Polygon([(-half_bottom, bottom), (half_bottom, bottom), (half_top, top), (-half_top, top)],
                             closed=True, facecolor=colors[i % 4], edgecolor="white", lw=2))
        share_text = "—" if pd.isna(share) else f"{share:.0%}"
        # 标注放在每层右侧（塔尖太窄，放不下文字），用一条细线连到该层
        mid_half = (half_top + half_bottom) / 2
        ax.plot([mid_half + 0.01, 0.6], [bottom + 0.5, bottom + 0.5], color="#999999", lw=0.8)
        ax.text(0.62, bottom + 0.5, f"{tier}层\n{int(n)} 人 · {value_label} {share_text}", ha="left", va="center",
                fontsize=10)
    ax.set_xlim(-0.55, 1.15)
    ax.set_ylim(0, levels)
    ax.axis("off")
    ax.set_title("客户价值金字塔" if title is None else title)
    return ax


# ---------------------------------------------------------------- RFM

@shared_docs
def rfm_table(transactions, *, customer_col: str = "customer_id", date_col: str = "date",
              amount_col: str = "amount", as_of=None) -> pd.DataFrame:
    """每位客户的最近购买间隔（天）、购买次数与消费金额，每位客户一行，以客户编号为索引。

    - ``recency``：从最后一次购买到 ``as_of`` 的天数（整数）；``as_of`` 默认取数据里最后一天；
    - ``frequency``：购买次数（交易行数）；
    - ``monetary``：消费金额合计。

    参数：
        {shared:log}

    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "a", "a"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-08", "2024-01-10"]),
    ...                    "amount": [20.0, 50.0, 30.0, 10.0]})
    >>> rfm_table(tx)
                 recency  frequency  monetary
    customer_id
    a                  0          3      60.0
    b                  5          1      50.0
    >>> rfm_table(tx, as_of="2024-01-31")["recency"].tolist()
    [21, 26]
    """
    func = "rfm_table"
    require_columns(transactions, func, param="transactions", customer_col=customer_col, date_col=date_col,
                    amount_col=amount_col)
    dates = date_column(transactions, date_col, func)
    amounts = numeric_column(transactions, amount_col, func, allow_negative=False)
    codes, customers = _group_codes(transactions[customer_col], func, customer_col)
    stamp = cutoff_day(as_of, dates, func, date_col)
    n = len(customers)
    # 只按日历日比较：先把日期截到当天，再取每位客户的最后一天（整数天数，numpy 一次完成）
    days = dates.dt.normalize().to_numpy().astype("datetime64[D]").astype("int64")
    last = np.full(n, np.iinfo("int64").min)
    np.maximum.at(last, codes, days)
    today = np.datetime64(stamp.normalize().date(), "D").astype("int64")
    return pd.DataFrame({"recency": today - last,
                         "frequency": np.bincount(codes, minlength=n).astype("int64"),
                         "monetary": np.bincount(codes, weights=amounts.to_numpy(), minlength=n)},
                        index=pd.Index(customers, name=customer_col))


def _quantile_score(values: np.ndarray, bins: int, higher_is_better: bool) -> np.ndarray:
    """按名次把值分成 1—bins 分；相同的值得相同的分（取并列中最小的名次）。"""
    series = pd.Series(values if higher_is_better else -values)
    rank = series.rank(method="min").to_numpy()  # 越好的值名次越大
    n = len(values)
    return (np.floor((rank - 1) / n * bins) + 1).astype("int64")


def rfm_scores(rfm, *, bins: int = 5, high: int = 3, recency_col: str = "recency",
               frequency_col: str = "frequency", monetary_col: str = "monetary") -> pd.DataFrame:
    """给 :func:`rfm_table` 的结果打 1—``bins`` 分并分出八类客户。返回新表（原表的列加五列）。

    打分：把客户按该指标从差到好排名，第 r 名（并列取最小名次）得 ``floor((r − 1) / n × bins) + 1`` 分。
    R 越小越好（最近买过），F、M 越大越好；相同的值一定得相同的分，结果与行的顺序无关。
    得分 ≥ ``high`` 记为"高"，按 R、F、M 的高低组合分成 :data:`RFM_SEGMENTS` 的八类。
    新增列：``R``、``F``、``M``（整数）、``RFM``（如 ``"545"``）、``segment``。

    参数：
        ``rfm``：:func:`rfm_table` 的结果（每位客户一行）。
        ``recency_col``：最近购买间隔（天）所在的列名（默认 ``'recency'``），不能为负。
        ``frequency_col``：购买次数所在的列名（默认 ``'frequency'``），不能为负。
        ``monetary_col``：消费金额所在的列名（默认 ``'monetary'``），不能为负。

    >>> rfm = pd.DataFrame({"recency": [5, 40, 5, 200, 90], "frequency": [8, 3, 1, 1, 12],
    ...                     "monetary": [900.0, 300.0, 80.0, 50.0, 1500.0]}, index=list("abcde"))
    >>> rfm_scores(rfm)[["R", "F", "M", "RFM", "segment"]]
       R  F  M  RFM segment
    a  4  4  4  444  重要价值客户
    b  3  3  3  333  重要价值客户
    c  4  1  2  412  一般发展客户
    d  1  1  1  111  一般挽留客户
    e  2  5  5  255  重要保持客户
    """
    func = "rfm_scores"
    require_columns(rfm, func, param="rfm", recency_col=recency_col, frequency_col=frequency_col,
                    monetary_col=monetary_col)
    bins = number(bins, func, "bins", minimum=2, maximum=10, integer=True)
    high = number(high, func, "high", minimum=1, maximum=bins, integer=True)
    r = numeric_column(rfm, recency_col, func, allow_negative=False).to_numpy()
    f = numeric_column(rfm, frequency_col, func, allow_negative=False).to_numpy()
    m = numeric_column(rfm, monetary_col, func, allow_negative=False).to_numpy()
    result = rfm.copy()
    result["R"] = _quantile_score(r, bins, higher_is_better=False)
    result["F"] = _quantile_score(f, bins, higher_is_better=True)
    result["M"] = _quantile_score(m, bins, higher_is_better=True)
    result["RFM"] = result["R"].astype(str) + result["F"].astype(str) + result["M"].astype(str)
    code = (result["R"] >= high).astype(int) * 4 + (result["F"] >= high).astype(int) * 2 + (result["M"] >= high)
    names = np.empty(8, dtype=object)
    for (rh, fh, mh), name in RFM_SEGMENTS.items():
        names[int(rh) * 4 + int(fh) * 2 + int(mh)] = name
    result["segment"] = names[code.to_numpy(dtype=int)]
    return result


# ---------------------------------------------------------------- 十级线索分级

_LEAD_BOOL = ["knows_us", "knows_our_offer", "considered_decision", "asked_for_material", "set_next_contact", "asked_questions",
              "considering_switch", "unhappy_with_supplier", "talking_to_new_supplier", "needs_understood",
              "can_meet_needs", "sees_us_as_fit", "quote_known", "verbal_commitment", "contract_signed",
              "purchased", "paid", "used_up", "fully_collected"]
_LEAD_TEXT = ["company", "industry", "phone", "fax", "respondent_role", "reply", "substantive_action"]
_LEAD_NUM = ["annual_sales", "expected_amount", "affordable_amount", "offered_price", "floor_price",
             "months_to_purchase", "open_promises"]
_LEAD_FIELDS = _LEAD_TEXT + _LEAD_BOOL + _LEAD_NUM


def _lead_facts(leads, func: str, columns) -> dict:
    require_frame(leads, func, param="leads")
    if columns is None:
        columns = {}
    if not isinstance(columns, Mapping):
        raise fail(func, f"参数 columns 应该是字典 {{标准列名: 表中的列名}}，收到的是 {type(columns).__name__}。")
    unknown = [k for k in columns if k not in _LEAD_FIELDS]
    if unknown:
        raise fail(func, f"columns 里的 {', '.join(map(repr, unknown))} 不是标准列名。可用的标准列名：{', '.join(_LEAD_FIELDS)}。")
    names = {field: columns.get(field, field) for field in _LEAD_FIELDS}
    for field in _LEAD_FIELDS:
        if not isinstance(names[field], str):
            raise fail(func, f"columns[{field!r}] 应该是列名（字符串），收到的是 {_show(names[field])}。")
    missing = [names[f] for f in _LEAD_FIELDS if names[f] not in leads.columns]
    if missing:
        existing = ", ".join(map(str, leads.columns))
        raise CRMMissingColumnError(
            f"{func}：找不到列 {', '.join(map(repr, missing))}。现有列：{existing}。"
            f"如果表里用了别的列名，请用 columns={{'标准列名': '表中的列名'}} 指定。")
    for field in _LEAD_FIELDS:
        copies = int((leads.columns == names[field]).sum())
        if copies > 1:
            raise fail(func, f"参数 leads 里有 {copies} 个名为 {names[field]!r} 的列，无法确定用哪一个。"
                             f"请先删除或重命名重复的列。")
    facts = {}
    for field in _LEAD_TEXT:
        col = leads[names[field]]
        facts[field] = col.where(col.notna(), "").astype(str).str.strip().to_numpy()
    for field in _LEAD_BOOL:
        col = leads[names[field]]
        if not pd.api.types.is_bool_dtype(col) or col.isna().any():
            raise fail(func, f"列 {names[field]!r} 应该是 True/False（bool），实际类型是 {col.dtype}"
                             f"（例如 {_show(col.head(3).tolist())}）。"
                             f"请先转换，例如 df[{names[field]!r}] = df[{names[field]!r}] == '是'。")
        facts[field] = col.to_numpy(dtype=bool)
    for field in _LEAD_NUM:
        facts[field] = numeric_column(leads, names[field], func, allow_nan=field != "open_promises").to_numpy()
    if (facts["open_promises"] < 0).any():
        raise fail(func, f"列 {names['open_promises']!r} 是遗留承诺的条数，不能为负数。")
    return facts


def lead_grade_checks(leads, *, min_annual_sales: float = 500.0, excluded_industries=("政府机构", "非营利机构"),
                      sprint_months: float = 2.0, columns=None) -> pd.DataFrame:
    """逐级核对纸箱厂"客户十级分级标准"的条件，每条线索一行，每个等级一列（True = 该级条件全部满足）。

    各级只检查该级自己写明的条件（原文逐条对应）：

    - **A21 资料级**：通过任何途径得到的潜在客户资料——名单里的每一行都满足；
    - **A08 范围级**（同时满足 3 条）：① 关键 5 要素齐全：公司名称、行业、规模、电话、传真；
      ② 行业不是要回避的政府及非营利机构（``excluded_industries``）；③ 年销售额超过 ``min_annual_sales`` 万元；
    - **A31 明确拒绝**（同时满足 4 条）：① 答复来自拍板人；② 对方明确知道本厂做什么、能带来什么收益、核心优势（列 ``knows_our_offer``）；
      ③ 是经考虑的理性、认真的决定；④ 明确答复不考虑、不需要、别再联系；
    - **A07 不拒绝**（同时满足 4 条）：① 答复来自拍板人；② 对方**知道**本厂做什么、能带来什么收益、核心优势
      （列 ``knows_us``；A31 要求"明确知道"，列 ``knows_our_offer``，明确知道的也算知道）；③ 理性、认真的决定；
      ④ 答复中立、模棱两可、托辞或软推辞；
    - **A06 积极回应**（满足 4 条之一）：拍板人/使用者/参谋者 ① 表示正在考虑换供应商，或 ② 对现在或以前的
      供应商有任何不满，或 ③ 透露正与新供应商洽谈；或 ④ 拍板人、知道本厂（同 A07 ②）、理性决定，且答复里至少有
      索要资料、约下次联系、询问公司或产品三者之一；
    - **A05 意向级**（同时满足 5 条）：① 拍板人的反馈；② 理性、认真的决定；③ 本厂详细了解对方需求且能满足；
      ④ 对方了解本厂并认为符合其供应商要求；⑤ 对方明确知道本厂报价；
    - **A04 价格级**（同时满足 2 条）：① 预期合作总金额不超过对方能承受的金额；② 对方能给的单价不低于本厂底价；
    - **A03 冲刺级**（满足 3 条之一）：① 拍板人口头确认合作；② 对方已有实质性行动（验厂、打样……）；
      ③ 未来 ``sprint_months`` 个月内将发生购买；
    - **A02 成交级**（满足 3 条之一）：① 已签意向书/协议/合同；② 已采购本厂产品；③ 已付款；
    - **A01 结案级**（同时满足 3 条）：① 客户已用完本次供应的纸板纸箱；② 已收完本次合作的全部款项；
      ③ 没有遗留有条件的承诺。

    缺失的数值（还没谈到）和缺失的文字（例如还不知道是谁答复的）都按"条件不满足"处理。列名默认与数据集 ``carton_leads`` 相同，
    不同时用 ``columns={'标准列名': '表中列名'}`` 指定。

    参数：
        ``leads``：线索表（DataFrame），每行一条线索，含下面的标准列（或用 ``columns`` 指定的列）。
        ``min_annual_sales``：A08 的年销售额下限（万元，默认 500，"超过"不含等于）。
        ``excluded_industries``：A08 要回避的行业（默认政府机构和非营利机构）。
        ``sprint_months``：A03 ③ 的月数（默认 2）。
        ``columns``：{标准列名: 表中的列名} 字典，默认 None 即与 ``carton_leads`` 相同。标准列名：
        文字列 company、industry、phone、fax、respondent_role、reply、substantive_action；
        True/False 列 knows_us（"知道"本厂，A07 和 A06 ④ 用）、knows_our_offer（"明确知道"本厂，A31 用）、
        considered_decision、asked_for_material、set_next_contact、asked_questions、considering_switch、
        unhappy_with_supplier、talking_to_new_supplier、needs_understood、can_meet_needs、sees_us_as_fit、
        quote_known、verbal_commitment、contract_signed、purchased、paid、used_up、fully_collected；
        数值列 annual_sales、expected_amount、affordable_amount、offered_price、floor_price、months_to_purchase、
        open_promises。表里只记了"明确知道"一列时，可以用 ``columns={'knows_us': 'knows_our_offer'}``
        让 A07 和 A06 ④ 也按它核对（比标准更严）。

    >>> from crmlib import load_dataset
    >>> leads = load_dataset("carton_leads")
    >>> checks = lead_grade_checks(leads)
    >>> checks.columns.tolist()
    ['A21', 'A08', 'A31', 'A07', 'A06', 'A05', 'A04', 'A03', 'A02', 'A01']
    >>> bool(checks["A21"].all())
    True
    """
    func = "lead_grade_checks"
    min_sales = number(min_annual_sales, func, "min_annual_sales", minimum=0)
    months = number(sprint_months, func, "sprint_months", minimum=0)
    if isinstance(excluded_industries, str):
        excluded_industries = [excluded_industries]
    if not hasattr(excluded_industries, "__iter__"):
        raise fail(func, f"参数 excluded_industries 应该是行业名称的列表，收到的是 {_show(excluded_industries)}。")
    excluded = {str(x) for x in excluded_industries}
    f = _lead_facts(leads, func, columns)
    n = len(f["company"])

    key_five = ((f["company"] != "") & (f["industry"] != "") & ~np.isnan(f["annual_sales"])
                & (f["phone"] != "") & (f["fax"] != ""))
    industry_ok = (f["industry"] != "") & ~np.isin(f["industry"], list(excluded))
    with np.errstate(invalid="ignore"):
        size_ok = f["annual_sales"] > min_sales
        affordable = f["expected_amount"] <= f["affordable_amount"]
        price_ok = f["offered_price"] >= f["floor_price"]
        soon = (f["months_to_purchase"] >= 0) & (f["months_to_purchase"] <= months)
    role = f["respondent_role"]
    boss = role == "拍板人"
    insider = np.isin(role, ["拍板人", "使用者", "参谋者"])
    clearly_informed = boss & f["knows_our_offer"] & f["considered_decision"]      # A31 ①②③：明确知道
    informed = boss & (f["knows_us"] | f["knows_our_offer"]) & f["considered_decision"]  # A07、A06 ④：知道
    checks = {
        "A21": np.ones(n, dtype=bool),
        "A08": key_five & industry_ok & size_ok,
        "A31": clearly_informed & (f["reply"] == "明确拒绝"),
        "A07": informed & (f["reply"] == "中立"),
        "A06": (insider & (f["considering_switch"] | f["unhappy_with_supplier"] | f["talking_to_new_supplier"]))
        | (informed & (f["asked_for_material"] | f["set_next_contact"] | f["asked_questions"])),
        "A05": (boss & f["considered_decision"] & f["needs_understood"] & f["can_meet_needs"]
                & f["sees_us_as_fit"] & f["quote_known"]),
        "A04": affordable & price_ok,
        "A03": f["verbal_commitment"] | (f["substantive_action"] != "") | soon,
        "A02": f["contract_signed"] | f["purchased"] | f["paid"],
        "A01": f["used_up"] & f["fully_collected"] & (f["open_promises"] == 0),
    }
    return pd.DataFrame(checks, index=leads.index)


def lead_grade(leads, *, min_annual_sales: float = 500.0, excluded_industries=("政府机构", "非营利机构"),
               sprint_months: float = 2.0, columns=None) -> pd.DataFrame:
    """按十级标准给每条线索定级：取条件全部满足的**最高**一级（顺序 A21 < A08 < A31 < A07 < A06 < A05 <
    A04 < A03 < A02 < A01）。返回原表的副本，加上 ``grade``（如 ``"A05"``）和 ``grade_name``（如 ``"意向级"``）。

    各级条件见 :func:`lead_grade_checks`，参数含义相同。

    参数：
        ``min_annual_sales``、``excluded_industries``、``sprint_months``、``columns``：同 :func:`lead_grade_checks`（年销售额下限，万元，默认 500；要回避的行业，默认政府机构和非营利机构；冲刺级的月数，默认 2；标准列名到表中列名的字典，默认 None 即与 ``carton_leads`` 相同）。

    >>> from crmlib import load_dataset
    >>> leads = load_dataset("carton_leads")
    >>> graded = lead_grade(leads)
    >>> sorted(graded["grade"].unique()) == sorted(LEAD_GRADES)
    True
    >>> graded.loc[graded["grade"] == "A31", "grade_name"].iloc[0]
    '明确拒绝'
    """
    checks = lead_grade_checks(leads, min_annual_sales=min_annual_sales, excluded_industries=excluded_industries,
                               sprint_months=sprint_months, columns=columns)
    codes = np.array(list(LEAD_GRADES))
    matrix = checks[list(codes)].to_numpy()
    highest = len(codes) - 1 - np.argmax(matrix[:, ::-1], axis=1)
    result = leads.copy()
    result["grade"] = codes[highest]
    result["grade_name"] = np.array(list(LEAD_GRADES.values()))[highest]
    return result


# ---------------------------------------------------------------- 加权综合分级与拜访计划

def weighted_grade(customers, weights, *, lower_is_better=(), cuts=(70.0, 40.0), labels=("A", "B", "C"),
                   score_col: str = "score", grade_col: str = "grade") -> pd.DataFrame:
    """多指标加权的综合等级。返回原表的副本，加上综合得分 ``score``（0—100）和等级 ``grade``。

    每个指标先换成**百分位得分**：客户在该指标上从低到高排名，第 r 名（并列取平均名次）得
    (r − 1) / (n − 1)，最好的得 1、最差的得 0（``lower_is_better`` 里的指标反过来）；只有一位客户时记 0.5。
    百分位只看名次，不受个别超大客户的影响。再按权重（先除以权重之和）加权，乘以 100。
    得分 ≥ ``cuts[0]`` 为 ``labels[0]``，≥ ``cuts[1]`` 为 ``labels[1]``，以此类推，其余为最后一个标签。

    参数：
        ``customers``：每行一位客户的表（DataFrame）。
        ``weights``：{列名: 权重} 字典，权重是非负数、至少一个大于 0，不必加起来等于 1。
        ``score_col``：结果里综合得分那一列的列名（文字，默认 ``'score'``）。
        ``grade_col``：结果里等级那一列的列名（文字，默认 ``'grade'``）。

    >>> tiny = pd.DataFrame({"credit": [90, 60, 75, 80], "revenue": [50.0, 400.0, 120.0, 80.0],
    ...                      "complaints": [0, 6, 1, 2]})
    >>> weighted_grade(tiny, {"credit": 1, "revenue": 2, "complaints": 1}, lower_is_better=["complaints"])
       credit  revenue  complaints      score grade
    0      90     50.0           0  50.000000     B
    1      60    400.0           6  50.000000     B
    2      75    120.0           1  58.333333     B
    3      80     80.0           2  41.666667     B
    """
    func = "weighted_grade"
    require_frame(customers, func, param="customers")
    clean, lower_is_better = weights_and_directions(weights, lower_is_better, func, customers)
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__"):
        raise fail(func, f"参数 labels 应该是一组等级名，例如 ('A', 'B', 'C')，收到的是 {_show(labels)}。")
    cut_values = _cuts(cuts, func, "cuts", upper=100.0, decreasing=True)
    if len(labels) != len(cut_values) + 1:
        raise fail(func, f"labels 应该比 cuts 多一个：cuts 有 {len(cut_values)} 个分界点，labels 有 {len(labels)} 个。")
    text(score_col, func, "score_col")
    text(grade_col, func, "grade_col")
    n = len(customers)
    total = sum(clean.values())
    score = np.zeros(n)
    for col, weight in clean.items():
        values = numeric_column(customers, col, func)
        if n == 1:
            pct = np.full(1, 0.5)
        else:
            pct = (values.rank(method="average").to_numpy() - 1) / (n - 1)
        if col in lower_is_better:
            pct = 1.0 - pct
        score += pct * (weight / total)
    score = np.round(score * 100.0, 10)
    result = customers.copy()
    result[score_col] = score
    idx = np.searchsorted(-np.asarray(cut_values), -score, side="left")  # 得分正好等于分界点算高一级
    result[grade_col] = np.asarray(list(labels), dtype=object)[idx]
    return result


def visit_plan(customers, *, grade_col: str = "grade", salesperson_col: str = "salesperson",
               visits_per_month=None, hours_per_visit=2.0, hours_available: float = 120.0) -> pd.DataFrame:
    """按客户等级安排拜访：每位销售员每月要拜访多少次、花多少小时、占可用时间的比例。

    ``visits_per_month`` 是 {等级: 每位客户每月拜访次数}，默认 ``{'A': 2, 'B': 1, 'C': 1/3}``
    （A 级每月至少一次、这里定为两次；B 级每月一次；C 级每季度一次）。``hours_per_visit`` 是每次拜访
    （含路上）的小时数，可以是一个数，也可以是 {等级: 小时}。``hours_available`` 是每位销售员每月能用于拜访的小时数（默认 120 小时，约占一个月工作时间的七成）。

    返回每位销售员一行：各等级的客户数 ``n_<等级>``、``visits`` 每月拜访次数、``hours`` 每月拜访小时、
    ``load`` = hours / hours_available（大于 1 表示排不过来）。

    参数：
        ``customers``：每行一位客户的表（DataFrame），含等级列和负责的销售员列。
        ``grade_col``：客户等级所在的列名（默认 ``'grade'``）。
        ``salesperson_col``：负责的销售员所在的列名（默认 ``'salesperson'``）。

    >>> book = pd.DataFrame({"salesperson": ["张", "张", "张", "李"], "grade": ["A", "B", "C", "A"]})
    >>> visit_plan(book, visits_per_month={"A": 4, "B": 2, "C": 1}, hours_per_visit=1.5, hours_available=30)
                 n_A  n_B  n_C  visits  hours  load
    salesperson
    张              1    1    1     7.0   10.5  0.35
    李              1    0    0     4.0    6.0  0.20
    """
    func = "visit_plan"
    require_columns(customers, func, param="customers", grade_col=grade_col, salesperson_col=salesperson_col)
    if visits_per_month is None:
        visits_per_month = {"A": 2.0, "B": 1.0, "C": 1.0 / 3.0}
    if not isinstance(visits_per_month, Mapping) or not visits_per_month:
        raise fail(func, f"参数 visits_per_month 应该是字典 {{等级: 每月拜访次数}}，例如 {{'A': 2, 'B': 1, 'C': 1/3}}，"
                         f"收到的是 {_show(visits_per_month)}。")
    visits = {str(k): number(v, func, f"visits_per_month[{k!r}]", minimum=0) for k, v in visits_per_month.items()}
    if isinstance(hours_per_visit, Mapping):
        hours = {str(k): number(v, func, f"hours_per_visit[{k!r}]", minimum=0) for k, v in hours_per_visit.items()}
        lacking = [g for g in visits if g not in hours]
        if lacking:
            raise fail(func, f"hours_per_visit 缺少等级 {', '.join(map(repr, lacking))} 的小时数。")
    else:
        each = number(hours_per_visit, func, "hours_per_visit", minimum=0)
        hours = {g: each for g in visits}
    capacity = number(hours_available, func, "hours_available", minimum=0, inclusive=False)
    grades = customers[grade_col]
    people = customers[salesperson_col]
    if grades.isna().any() or people.isna().any():
        raise fail(func, f"列 {grade_col!r} 或 {salesperson_col!r} 有缺失值。请先给每位客户定好等级和负责的销售员。")
    grades = grades.astype(str)
    unknown = sorted(set(grades) - set(visits))
    if unknown:
        raise fail(func, f"列 {grade_col!r} 里的等级 {unknown} 没有在 visits_per_month 里设置拜访次数；"
                         f"已设置：{', '.join(map(repr, visits))}。")
    counts = pd.crosstab(people.to_numpy(), grades.to_numpy()).reindex(columns=list(visits), fill_value=0)
    per_visit = pd.Series(visits)
    per_hour = pd.Series({g: visits[g] * hours[g] for g in visits})
    result = counts.add_prefix("n_").astype("int64")
    result["visits"] = counts.to_numpy() @ per_visit.to_numpy()
    result["hours"] = counts.to_numpy() @ per_hour.to_numpy()
    result["load"] = result["hours"] / capacity
    result.index.name = salesperson_col
    result.columns.name = None
    return result
