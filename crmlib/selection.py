"""客户选择：算清每位客户的利润，找出"劣质"客户，按加权标准给客户打分，按客户群汇总。

对应教材"客户关系的选择"一节：

* :func:`customer_profit`：销售额 → 毛利 → 减去服务成本、坏账和赊账拖款占用资金的成本 = 客户利润；
* :func:`bad_customer_flags`：教材列出的三种"劣质"客户特征，各给一个标记；
* :func:`attractiveness_score`：按使用者给定的权重，把多个指标合成一个 0—100 的吸引力得分；
* :func:`segment_summary`：按客户群汇总人数、销售额、利润、亏损客户占比和单位服务成本的利润；
* 四种图：:func:`plot_revenue_profit`（销售额与利润的散点图）、:func:`plot_whale_curve`（鲸鱼曲线）、
  :func:`plot_profit_waterfall`（毛利怎样被各项成本吃掉）、:func:`plot_profit_bars`（每位客户或每个群的利润柱）。

所有函数都返回新对象，不修改传入的表。
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._docs import shared_docs
from ._validation import CRMMissingColumnError, fail, number, numeric_column, require_columns, text, weights_and_directions
from .plotting import new_axes

__all__ = ["customer_profit", "bad_customer_flags", "attractiveness_score", "segment_summary",
           "plot_revenue_profit", "plot_whale_curve", "plot_profit_waterfall", "plot_profit_bars"]

# 各章图里客户群的固定配色（没列出的客户群用 matplotlib 的默认色轮）
SEGMENT_COLORS = {"机关团体": "#3b75af", "酒店宾馆": "#8e44ad", "餐饮企业": "#27ae60", "小型零售商": "#e67e22",
                  "个人散客": "#7f8c8d"}
PROFIT_COLOR, LOSS_COLOR = "#3b75af", "#c0392b"

DAYS_PER_YEAR = 365.0


@shared_docs
def customer_profit(customers, *, revenue_col: str = "revenue", margin_col: str = "gross_margin_rate",
                    service_cost_col: str = "service_cost", bad_debt_col: str = "bad_debt",
                    terms_col: str | None = "payment_terms_days", delay_col: str | None = "avg_delay_days",
                    capital_rate: float = 0.06) -> pd.DataFrame:
    """每位客户一年给企业带来的利润（元）。返回加了四列的新表，原表不变。

    计算步骤（每位客户一行）：

    - ``gross_profit`` 毛利 = 销售额 × 毛利率；
    - ``capital_cost`` 资金占用成本 = 销售额 × (账期天数 + 拖延天数) / 365 × 年资金成本率
      ``capital_rate``：客户晚付一天钱，企业就替它垫一天资金；
    - ``profit`` 客户利润 = 毛利 − 服务成本 − 坏账 − 资金占用成本；
    - ``profit_margin`` 利润率 = 利润 / 销售额（销售额为 0 时为 NaN）。

    ``terms_col`` 或 ``delay_col`` 设为 ``None`` 时不计该项天数。

    参数：
        ``customers``：每行一位客户的表（DataFrame）。
        {shared:revenue_col}
        ``margin_col``：毛利率所在的列名（默认 ``'gross_margin_rate'``，比例，例如 0.12；可以为负）。
        {shared:service_cost_col}
        {shared:bad_debt_col}
        ``terms_col``：账期天数所在的列名（默认 ``'payment_terms_days'``），不能为负；None 时不计。
        ``delay_col``：平均拖延付款天数所在的列名（默认 ``'avg_delay_days'``），不能为负；None 时不计。

    >>> tiny = pd.DataFrame({"revenue": [100000.0, 20000.0], "gross_margin_rate": [0.10, 0.15],
    ...                      "service_cost": [3000.0, 500.0], "bad_debt": [2000.0, 0.0],
    ...                      "payment_terms_days": [60, 0], "avg_delay_days": [30.0, 0.0]})
    >>> customer_profit(tiny)[["gross_profit", "capital_cost", "profit"]].round(2)
       gross_profit  capital_cost   profit
    0       10000.0       1479.45  3520.55
    1        3000.0          0.00  2500.00
    """
    func = "customer_profit"
    columns = dict(revenue_col=revenue_col, margin_col=margin_col, service_cost_col=service_cost_col,
                   bad_debt_col=bad_debt_col)
    if terms_col is not None:
        columns["terms_col"] = terms_col
    if delay_col is not None:
        columns["delay_col"] = delay_col
    require_columns(customers, func, param="customers", **columns)
    rate = number(capital_rate, func, "capital_rate", minimum=0, maximum=1)
    revenue = numeric_column(customers, revenue_col, func, allow_negative=False)
    margin = numeric_column(customers, margin_col, func)
    if (margin.abs() > 1).any():
        raise fail(func, f"列 {margin_col!r} 应该是比例（例如 0.12 表示 12%），但有值超出 −1 到 1："
                         f"最大 {margin.max():g}。如果它是百分数，请先除以 100。")
    service = numeric_column(customers, service_cost_col, func, allow_negative=False)
    bad_debt = numeric_column(customers, bad_debt_col, func, allow_negative=False)
    days = pd.Series(0.0, index=customers.index)
    for col in (terms_col, delay_col):
        if col is not None:
            days = days + numeric_column(customers, col, func, allow_negative=False)

    result = customers.copy()
    result["gross_profit"] = revenue * margin
    result["capital_cost"] = revenue * days / DAYS_PER_YEAR * rate
    result["profit"] = result["gross_profit"] - service - bad_debt - result["capital_cost"]
    result["profit_margin"] = result["profit"] / revenue.where(revenue != 0)
    return result


@shared_docs
def bad_customer_flags(customers, *, revenue_col: str = "revenue", service_cost_col: str = "service_cost",
                       bad_debt_col: str = "bad_debt", delay_col: str = "avg_delay_days",
                       requests_col: str = "special_requests", small_quantile: float = 0.5,
                       max_service_ratio: float = 0.15, max_delay_days: float = 30,
                       max_requests: int = 12) -> pd.DataFrame:
    """按教材的三种"劣质"客户特征给每位客户打标记。返回新表，行索引与输入相同。

    - ``few_buys_many_demands`` 买得少、要求多：销售额不高于全体客户的 ``small_quantile`` 分位数，
      而服务成本超过销售额的 ``max_service_ratio``；
    - ``bad_credit`` 不讲信誉：有坏账（> 0），或平均拖延付款超过 ``max_delay_days`` 天；
    - ``off_strategy`` 让企业做不擅长的事：要求分外服务的次数超过 ``max_requests``；
    - ``n_flags`` 命中的特征个数，``bad_customer`` 至少命中一个。

    参数：
        ``customers``：每行一位客户的表（DataFrame）。
        {shared:revenue_col}
        {shared:service_cost_col}
        {shared:bad_debt_col}
        ``delay_col``：平均拖延付款天数所在的列名（默认 ``'avg_delay_days'``），不能为负。
        ``requests_col``：要求分外服务的次数所在的列名（默认 ``'special_requests'``），不能为负。

    >>> tiny = pd.DataFrame({"revenue": [5000.0, 80000.0, 90000.0], "service_cost": [1500.0, 2000.0, 900.0],
    ...                      "bad_debt": [0.0, 3000.0, 0.0], "avg_delay_days": [0.0, 12.0, 0.0],
    ...                      "special_requests": [2, 30, 1]})
    >>> bad_customer_flags(tiny)
       few_buys_many_demands  bad_credit  off_strategy  n_flags  bad_customer
    0                   True       False         False        1          True
    1                  False        True          True        2          True
    2                  False       False         False        0         False
    """
    func = "bad_customer_flags"
    require_columns(customers, func, param="customers", revenue_col=revenue_col, service_cost_col=service_cost_col,
                    bad_debt_col=bad_debt_col, delay_col=delay_col, requests_col=requests_col)
    q = number(small_quantile, func, "small_quantile", minimum=0, maximum=1)
    ratio_limit = number(max_service_ratio, func, "max_service_ratio", minimum=0)
    delay_limit = number(max_delay_days, func, "max_delay_days", minimum=0)
    request_limit = number(max_requests, func, "max_requests", minimum=0)
    revenue = numeric_column(customers, revenue_col, func, allow_negative=False)
    service = numeric_column(customers, service_cost_col, func, allow_negative=False)
    bad_debt = numeric_column(customers, bad_debt_col, func, allow_negative=False)
    delay = numeric_column(customers, delay_col, func, allow_negative=False)
    requests = numeric_column(customers, requests_col, func, allow_negative=False)

    # 销售额为 0 而有服务成本的客户，服务成本占比视为无穷大
    ratio = pd.Series(np.divide(service.to_numpy(), revenue.to_numpy(),
                                out=np.where(service.to_numpy() > 0, np.inf, 0.0),
                                where=revenue.to_numpy() > 0), index=customers.index)
    flags = pd.DataFrame({
        "few_buys_many_demands": (revenue <= revenue.quantile(q)) & (ratio > ratio_limit),
        "bad_credit": (bad_debt > 0) | (delay > delay_limit),
        "off_strategy": requests > request_limit,
    }, index=customers.index)
    flags["n_flags"] = flags.sum(axis=1).astype("int64")
    flags["bad_customer"] = flags["n_flags"] > 0
    return flags


def attractiveness_score(customers, weights, *, lower_is_better=()) -> pd.Series:
    """按给定权重把多个指标合成客户吸引力得分（0—100），返回与输入同索引的 Series。

    每个指标先做最小—最大标准化：最大值记 1、最小值记 0（``lower_is_better`` 里的指标反过来，
    越小越好）；所有客户取值相同的指标记 0.5。再按权重加权平均（权重会先除以权重之和），乘以 100。

    参数：
        ``customers``：每行一位客户的表（DataFrame）。
        ``weights``：{列名: 权重} 字典，权重是非负数、至少一个大于 0，不必加起来等于 1。

    >>> tiny = pd.DataFrame({"profit": [100.0, 300.0, 200.0], "avg_delay_days": [0.0, 60.0, 30.0]})
    >>> attractiveness_score(tiny, {"profit": 3, "avg_delay_days": 1}, lower_is_better=["avg_delay_days"])
    0    25.0
    1    75.0
    2    50.0
    Name: attractiveness, dtype: float64
    """
    func = "attractiveness_score"
    require_columns(customers, func, param="customers")
    clean, lower_is_better = weights_and_directions(weights, lower_is_better, func, customers)
    total = sum(clean.values())
    score = pd.Series(0.0, index=customers.index)
    for col, weight in clean.items():
        values = numeric_column(customers, col, func)
        low, high = values.min(), values.max()
        if high > low:
            scaled = (values - low) / (high - low)
        else:
            scaled = pd.Series(0.5, index=customers.index)
        if col in lower_is_better:
            scaled = 1.0 - scaled
        score = score + scaled * (weight / total)
    return (score * 100.0).rename("attractiveness")


@shared_docs
def segment_summary(customers, *, segment_col: str = "segment", revenue_col: str = "revenue",
                    profit_col: str = "profit", service_cost_col: str = "service_cost") -> pd.DataFrame:
    """按客户群汇总，按利润从高到低排序。

    列：``customers`` 客户数，``revenue`` 销售额，``profit`` 利润，``profit_share`` 占全部利润的比例，
    ``loss_share`` 亏损客户（利润 < 0）占本群客户的比例，``profit_per_customer`` 平均每位客户的利润，
    ``service_cost`` 服务成本，``profit_per_service_cost`` 每元服务成本换回的利润。

    参数：
        ``customers``：每行一位客户的表（DataFrame），通常是 :func:`customer_profit` 的结果。
        ``segment_col``：客户群所在的列名（默认 ``'segment'``）。
        {shared:revenue_col}
        {shared:profit_col}
        {shared:service_cost_col}

    >>> tiny = pd.DataFrame({"segment": ["餐饮", "餐饮", "散客"], "revenue": [100.0, 50.0, 10.0],
    ...                      "profit": [20.0, -5.0, -3.0], "service_cost": [5.0, 5.0, 4.0]})
    >>> segment_summary(tiny)[["customers", "profit", "loss_share", "profit_per_service_cost"]]
             customers  profit  loss_share  profit_per_service_cost
    segment
    餐饮               2    15.0         0.5                     1.50
    散客               1    -3.0         1.0                    -0.75
    """
    func = "segment_summary"
    require_columns(customers, func, param="customers")
    if isinstance(profit_col, str) and profit_col not in customers.columns:
        existing = ", ".join(map(str, customers.columns))
        raise CRMMissingColumnError(
            f"{func}：找不到列 {profit_col!r}。现有列：{existing}。"
            f"请先用 customer_profit(...) 算出利润，或用 profit_col='…' 指定。")
    require_columns(customers, func, param="customers", segment_col=segment_col, revenue_col=revenue_col,
                    profit_col=profit_col, service_cost_col=service_cost_col)
    if customers[segment_col].isna().any():
        raise fail(func, f"列 {segment_col!r} 有 {int(customers[segment_col].isna().sum())} 个缺失值。"
                         f"请先用 fillna('未知') 填补或删除这些行。")
    frame = pd.DataFrame({
        "segment": customers[segment_col],
        "revenue": numeric_column(customers, revenue_col, func),
        "profit": numeric_column(customers, profit_col, func),
        "service_cost": numeric_column(customers, service_cost_col, func, allow_negative=False),
    })
    frame["loss"] = frame["profit"] < 0
    grouped = frame.groupby("segment", sort=False)
    table = pd.DataFrame({
        "customers": grouped.size().astype("int64"),
        "revenue": grouped["revenue"].sum(),
        "profit": grouped["profit"].sum(),
        "loss_share": grouped["loss"].mean(),
        "service_cost": grouped["service_cost"].sum(),
    })
    total = table["profit"].sum()
    table["profit_share"] = table["profit"] / total if total != 0 else np.nan
    table["profit_per_customer"] = table["profit"] / table["customers"]
    table["profit_per_service_cost"] = table["profit"] / table["service_cost"].where(table["service_cost"] > 0)
    table = table[["customers", "revenue", "profit", "profit_share", "loss_share", "profit_per_customer",
                   "service_cost", "profit_per_service_cost"]]
    return table.sort_values("profit", ascending=False, kind="mergesort").rename_axis(segment_col)


@shared_docs
def plot_revenue_profit(customers, *, segment_col: str = "segment", revenue_col: str = "revenue",
                        profit_col: str = "profit", ax=None, title: str = "销售额越大利润越大吗？每个点是一位客户"):
    """散点图：横轴是销售额（对数刻度），纵轴是客户利润（万元），每个客户群一种颜色，红线是盈亏线。返回 Axes。

    销售额必须大于 0（对数刻度画不出 0）。

    参数：
        ``customers``：每行一位客户的表（DataFrame），通常是 :func:`customer_profit` 的结果。
        ``segment_col``：客户群所在的列名（默认 ``'segment'``），每个客户群一种颜色。
        {shared:revenue_col}
        {shared:profit_col}
        {shared:ax}
        {shared:title}

    >>> tiny = pd.DataFrame({"segment": ["餐饮", "散客"], "revenue": [80000.0, 3000.0], "profit": [6000.0, -500.0]})
    >>> ax = plot_revenue_profit(tiny)
    >>> ax.get_xscale(), sorted(t.get_text() for t in ax.get_legend().get_texts())
    ('log', ['散客', '餐饮'])
    """
    func = "plot_revenue_profit"
    require_columns(customers, func, param="customers", segment_col=segment_col, revenue_col=revenue_col,
                    profit_col=profit_col)
    revenue = numeric_column(customers, revenue_col, func, allow_negative=False)
    profit = numeric_column(customers, profit_col, func)
    if (revenue <= 0).any():
        raise fail(func, f"列 {revenue_col!r} 有 {int((revenue <= 0).sum())} 个值为 0：横轴是对数刻度，画不出 0。"
                         f"请先筛掉这些行，例如 customers[customers[{revenue_col!r}] > 0]。")
    if customers[segment_col].isna().any():
        raise fail(func, f"列 {segment_col!r} 有缺失值。请先用 fillna('未知') 填补或删除这些行。")
    text(title, func, "title")
    ax = new_axes(ax, figsize=(9, 5), func=func)
    segments = customers[segment_col].astype(str)
    for segment in pd.unique(segments):
        part = (segments == segment).to_numpy()
        ax.scatter(revenue.to_numpy()[part], profit.to_numpy()[part] / 1e4, s=14, alpha=0.7,
                   color=SEGMENT_COLORS.get(segment), label=segment)
    ax.axhline(0, color=LOSS_COLOR, linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("年销售额（元，对数刻度）")
    ax.set_ylabel("客户利润（万元）")
    ax.set_title(title)
    ax.legend(title="客户群", loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


@shared_docs
def plot_whale_curve(customers, *, profit_col: str = "profit", ax=None,
                     title: str = "鲸鱼曲线：赚钱的客户赚来的，有一部分被亏钱的客户吃掉了"):
    """鲸鱼曲线（whale curve）：客户按利润从高到低排好，横轴是累计的客户比例（%），纵轴是累计利润占全部利润的
    百分比；标出峰值。全部利润必须大于 0。返回 Axes。

    参数：
        ``customers``：每行一位客户的表（DataFrame），通常是 :func:`customer_profit` 的结果。
        {shared:profit_col}
        {shared:ax}
        {shared:title}

    >>> ax = plot_whale_curve(pd.DataFrame({"profit": [50.0, 80.0, -30.0]}))
    >>> [round(float(y), 1) for y in ax.lines[0].get_ydata()]
    [80.0, 130.0, 100.0]
    """
    func = "plot_whale_curve"
    require_columns(customers, func, param="customers", profit_col=profit_col)
    profit = numeric_column(customers, profit_col, func)
    total = float(profit.sum())
    if not total > 0:
        raise fail(func, f"列 {profit_col!r} 的合计是 {total:g}：全部利润不大于 0，累计百分比没有意义。")
    text(title, func, "title")
    ordered = np.sort(profit.to_numpy())[::-1]
    cumulative = ordered.cumsum() / total * 100
    share = np.arange(1, len(ordered) + 1) / len(ordered) * 100
    ax = new_axes(ax, figsize=(8, 4), func=func)
    ax.plot(share, cumulative, color=PROFIT_COLOR)
    ax.axhline(100, color="#999999", linestyle="--", linewidth=1)
    peak = int(cumulative.argmax())
    ax.annotate(f"峰值 {cumulative[peak]:.0f}%：前 {share[peak]:.0f}% 的客户", xy=(share[peak], cumulative[peak]),
                xytext=(max(share[peak] - 5, 5), cumulative[peak] * 0.65), ha="center",
                arrowprops=dict(arrowstyle="->"))
    ax.set_ylim(min(0.0, float(cumulative.min())), cumulative[peak] + 12)
    ax.set_xlabel("按利润从高到低累计的客户比例（%）")
    ax.set_ylabel("累计利润占全部利润（%）")
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


@shared_docs
def plot_profit_waterfall(customers, *, gross_col: str = "gross_profit", service_cost_col: str = "service_cost",
                          bad_debt_col: str = "bad_debt", capital_col: str = "capital_cost",
                          profit_col: str = "profit", ax=None, title: str | None = None):
    """瀑布图：毛利怎样被服务成本、坏账和资金占用成本一步步吃掉，最后一根柱是客户利润（万元）。

    ``customers`` 是 :func:`customer_profit` 的结果里的一行（一位客户）或几行（画它们的合计）。返回 Axes。

    参数：
        ``customers``：:func:`customer_profit` 的结果里的一行或几行。
        ``gross_col``：毛利（元）所在的列名（默认 ``'gross_profit'``）。
        {shared:service_cost_col}
        {shared:bad_debt_col}
        ``capital_col``：资金占用成本（元）所在的列名（默认 ``'capital_cost'``），不能为负。
        {shared:profit_col}
        {shared:ax}
        {shared:title}

    >>> one = customer_profit(pd.DataFrame({"revenue": [100000.0], "gross_margin_rate": [0.10],
    ...     "service_cost": [3000.0], "bad_debt": [2000.0], "payment_terms_days": [60], "avg_delay_days": [30.0]}))
    >>> ax = plot_profit_waterfall(one)
    >>> [t.get_text() for t in ax.texts]
    ['+1.0', '-0.3', '-0.2', '-0.1', '+0.4']
    """
    func = "plot_profit_waterfall"
    require_columns(customers, func, param="customers", gross_col=gross_col, service_cost_col=service_cost_col,
                    bad_debt_col=bad_debt_col, capital_col=capital_col, profit_col=profit_col)
    gross = float(numeric_column(customers, gross_col, func).sum())
    costs = [float(numeric_column(customers, col, func, allow_negative=False).sum())
             for col in (service_cost_col, bad_debt_col, capital_col)]
    profit = float(numeric_column(customers, profit_col, func).sum())
    text(title, func, "title", optional=True)
    steps = np.array([gross] + [-c for c in costs]) / 1e4
    bottoms = np.cumsum(steps) - steps
    labels = ["毛利", "服务成本", "坏账", "资金占用成本"]
    ax = new_axes(ax, figsize=(8, 4), func=func)
    ax.bar(labels, steps, bottom=bottoms, color=np.where(steps > 0, PROFIT_COLOR, LOSS_COLOR))
    ax.bar(["客户利润"], [profit / 1e4], color="#7f8c8d")
    ax.axhline(0, color="black", linewidth=0.8)
    for x, (value, bottom) in enumerate(zip(steps, bottoms)):
        ax.text(x, bottom + value / 2, f"{value:+.1f}", ha="center", va="center", color="white", fontsize=12)
    ax.text(len(steps), profit / 2e4, f"{profit / 1e4:+.1f}", ha="center", va="center", color="white", fontsize=12)
    low = min(0.0, float((bottoms + steps).min()), profit / 1e4)
    high = max(float((bottoms + steps).max()), float(steps[0]), profit / 1e4, 0.0)
    pad = 0.15 * (high - low) or 1.0
    ax.set_ylim(low - pad, high + pad)
    ax.set_ylabel("万元")
    if title is None:
        title = (f"客户 {customers['customer_id'].iloc[0]}：毛利是怎样被吃掉的"
                 if len(customers) == 1 and "customer_id" in customers.columns else "毛利是怎样被吃掉的")
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


@shared_docs
def plot_profit_bars(customers, *, profit_col: str = "profit", label_col: str | None = None, ax=None,
                     title: str | None = None, xlabel: str | None = None, ylabel: str = "利润（元）",
                     ylim: tuple | None = None):
    """每行一根利润柱，赚钱的蓝色、亏钱的红色，按表里的顺序从左到右。返回 Axes。

    ``label_col`` 给出柱子下面的名字（例如客户群）；不给时只按顺序排开。``ylim`` 固定纵轴范围
    （例如在滑块里比较不同情形时）。不给 ``title`` 时不画标题。

    参数：
        ``customers``：要画的表（DataFrame），每行一根柱，例如每位客户或每个客户群一行。
        {shared:profit_col}
        {shared:ax}
        {shared:title}
        ``xlabel``：横轴标题（文字）；None（默认）时不写。
        ``ylabel``：纵轴标题（文字，默认 ``'利润（元）'``）。

    >>> ax = plot_profit_bars(pd.DataFrame({"群": ["餐饮", "散客"], "profit": [3.0, -1.0]}), label_col="群")
    >>> [float(p.get_height()) for p in ax.patches], [p.get_facecolor()[0] > 0.5 for p in ax.patches]
    ([3.0, -1.0], [False, True])
    """
    func = "plot_profit_bars"
    if label_col is None:
        require_columns(customers, func, param="customers", profit_col=profit_col)
    else:
        require_columns(customers, func, param="customers", profit_col=profit_col, label_col=label_col)
    profit = numeric_column(customers, profit_col, func)
    text(title, func, "title", optional=True)
    text(xlabel, func, "xlabel", optional=True)
    text(ylabel, func, "ylabel")
    if ylim is not None:
        if not isinstance(ylim, (list, tuple)) or len(ylim) != 2:
            raise fail(func, f"参数 ylim 应该是两个数 (下限, 上限)，例如 (-10, 25)，收到的是 {ylim!r}。")
        low = number(ylim[0], func, "ylim[0]")
        high = number(ylim[1], func, "ylim[1]")
        if not low < high:
            raise fail(func, f"参数 ylim 的下限 {low:g} 应该小于上限 {high:g}。")
    values = profit.to_numpy()
    ax = new_axes(ax, figsize=(9, 3.8), func=func)
    positions = (customers[label_col].astype(str).tolist() if label_col is not None
                 else np.arange(len(values)))
    ax.bar(positions, values, color=np.where(values < 0, LOSS_COLOR, PROFIT_COLOR))
    ax.axhline(0, color="black", linewidth=0.8)
    if ylim is not None:
        ax.set_ylim(low, high)
    ax.set_title(title or "")
    ax.set_xlabel(xlabel or "")
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    return ax
