"""客户流失：流失率与保持率、同期群（cohort）留存表、流失原因的帕累托分析、购买间隔异常预警，
以及"买到不买为止"（buy-till-you-die）模型的客户汇总与 BG/NBD 模型。

对应教材"客户流失及其管理"一节：

* :func:`churn_rate` / :func:`retention_rate`：教材公式 客户流失率 = 流失数 / 消费人数，
  客户保持率 = 保持数 / 消费人数 = 1 − 流失率；
* :func:`period_churn`：在交易记录上按季度（或月）套用这两个公式：本期买过的客户里，下期不再购买的算流失；
* :func:`churn_status`：按"连续多少天没有购买算流失"（流失窗口）给每位客户下结论；
* :func:`cohort_table` / :func:`plot_cohort_heatmap`：按首购月份分组的同期群留存表和热力图；
* :func:`reasons_pareto` / :func:`plot_reasons_pareto`：流失原因从多到少排序，找出"关键的少数"；
* :func:`interval_anomaly`：客户当前的未购买天数与他自己平时的购买间隔相比是否异常（苗先生、葡萄牙订单的预警思路）；
* :func:`btyd_summary`：与 lifetimes 库 ``summary_data_from_transaction_data`` 完全相同的
  frequency / recency / T / monetary_value 汇总；
* :func:`bgnbd_fit` / :func:`prob_alive`：用 scipy 拟合 BG/NBD 模型，估计每位客户"仍然活跃"的概率；
* :func:`bgnbd_predict`：每位客户在观察期之后 t 天（周）里的期望购买次数，用来在留出期检验模型；
* :func:`plot_prob_alive_matrix`：按购买次数和最近一次购买时间画出"仍然活跃"概率的矩阵图。

全部向量化（不逐行循环），先检查输入，返回新对象，不修改传入的表。
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ._docs import shared_docs
from ._validation import (_show, boolean, choice, date_column, fail, number, numeric_column,
                          require_columns, require_frame, text)
from ._log import customer_codes, cutoff_day
from .plotting import new_axes

__all__ = [
    "churn_rate", "retention_rate", "period_churn", "churn_status",
    "cohort_table", "plot_cohort_heatmap", "reasons_pareto", "plot_reasons_pareto",
    "interval_anomaly", "btyd_summary", "bgnbd_fit", "prob_alive", "bgnbd_predict", "plot_prob_alive_matrix",
]

_FREQ_NAMES = {"M": "月", "Q": "季度"}
_DENSE_LIMIT = 50_000_000   # cohort_table：客户数 × 期数不超过它时用"是否购买"矩阵，否则用排序去重


# ---------------------------------------------------------------- 共用的小工具

def _count(value, func: str, param: str) -> float:
    """非负的人数（整数或整数值的浮点数）。"""
    return number(value, func, param, minimum=0, integer=True)


def _days(dates: pd.Series) -> np.ndarray:
    """日期 → 自 1970-01-01 起的天数（整数）。"""
    return dates.to_numpy().astype("datetime64[D]").astype(np.int64)


def _period_ordinals(dates: pd.Series, freq: str) -> np.ndarray:
    """每个日期所在的月（或季度）的序号：1970 年 1 月（第一季度）为 0。"""
    days = _days(dates)
    lo = int(days.min())
    # 先把天数换成月份序号的查表（只有几百、几千天），比逐个换算快得多
    lut = np.arange(lo, int(days.max()) + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    months = lut[days - lo]
    return months // 3 if freq == "Q" else months


def _period_labels(ordinals: np.ndarray, freq: str) -> pd.Index:
    return pd.PeriodIndex.from_ordinals(np.asarray(ordinals, dtype=np.int64), freq=freq).astype(str)


def _as_ns(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """纳秒精度的日期（只能表示 1677—2262 年）；超出这个范围的古怪日期保留原来的精度，不报 pandas 的错。"""
    try:
        return dates.as_unit("ns")
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        return dates


def _as_of(as_of, dates: pd.Series, func: str, column: str) -> pd.Timestamp:
    """截止日（crmlib/_log.py 的统一规则）：默认数据里最后一天；晚于那一天的记录报错。"""
    return cutoff_day(as_of, dates, func, column)


# ---------------------------------------------------------------- 教材的两个公式

def churn_rate(lost, customers) -> float:
    """客户流失率 = 客户流失数 / 消费人数（返回比例，乘以 100 即百分数）。

    ``lost`` 是这一期流失的客户数，``customers`` 是这一期的消费人数（期初在买的客户数）。
    消费人数为 0 时流失率没有意义，会报错而不是返回 0 或 NaN。

    >>> churn_rate(30, 200)
    0.15
    >>> churn_rate(3, 0)
    Traceback (most recent call last):
    ...
    crmlib._validation.CRMInputError: churn_rate：参数 customers（消费人数）是 0，流失率无法计算。...
    """
    return _share_of_customers(lost, customers, "churn_rate", "lost", "流失率", "流失的客户")


def retention_rate(retained, customers) -> float:
    """客户保持率 = 客户保持数 / 消费人数 = 1 − 客户流失率（返回比例）。

    参数：
        ``retained``：这一期的客户保持数（非负数）。
        ``customers``：这一期的消费人数（正数，不小于 ``retained``）。

    >>> retention_rate(170, 200)
    0.85
    >>> retention_rate(170, 200) == 1 - churn_rate(200 - 170, 200)
    True
    """
    return _share_of_customers(retained, customers, "retention_rate", "retained", "保持率", "保持下来的客户")


def _share_of_customers(count, customers, func: str, param: str, rate: str, who: str) -> float:
    """``count / customers`` for the textbook's two rates, with their checks (``rate``, ``who``: the wording)."""
    count = _count(count, func, param)
    customers = _count(customers, func, "customers")
    if customers == 0:
        raise fail(func, f"参数 customers（消费人数）是 0，{rate}无法计算。请确认这一期确实有客户在消费，"
                         "或者换一个有客户的时期。")
    if count > customers:
        raise fail(func, f"参数 {param}={count:g} 大于 customers={customers:g}：{who}不可能比消费人数还多。"
                         f"请检查两个数是否写反了。")
    return float(count / customers)


@shared_docs
def period_churn(transactions, *, customer_col: str = "customer_id", date_col: str = "date",
                 freq: str = "Q") -> pd.DataFrame:
    """按期（季度 ``"Q"`` 或月 ``"M"``）套用流失率公式，每期一行。

    - ``customers`` 消费人数：本期至少买过一次的客户数；
    - ``retained`` 保持数：其中下一期又买过的客户数；``lost`` 流失数 = 消费人数 − 保持数；
    - ``churn_rate`` = 流失数 / 消费人数，``retention_rate`` = 1 − 流失率。

    最后一期还看不到"下一期"，所以不出现在表里；没有任何客户消费的期也不出现。
    数据至少要跨两期，否则报错。

    参数：
        {shared:transactions}
        {shared:customer_col}
        {shared:date_col}
        ``freq``：期的长度，``'Q'``（季度，默认）或 ``'M'``（月）。

    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "c", "a", "c", "a"],
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-03-01",
    ...                                            "2024-04-02", "2024-05-20", "2024-07-01"])})
    >>> period_churn(tx)
      period  customers  retained  lost  churn_rate  retention_rate
    0 2024Q1          3         2     1    0.333333        0.666667
    1 2024Q2          2         1     1    0.500000        0.500000
    """
    func = "period_churn"
    require_columns(transactions, func, param="transactions", customer_col=customer_col, date_col=date_col)
    choice(freq, func, "freq", tuple(_FREQ_NAMES))
    dates = date_column(transactions, date_col, func)
    codes, _ = customer_codes(transactions[customer_col], func, customer_col, sort=False)
    periods = _period_ordinals(dates, freq)
    lo, hi = int(periods.min()), int(periods.max())
    if hi == lo:
        raise fail(func, f"列 {date_col!r} 的日期都在同一个{_FREQ_NAMES[freq]}里，看不到\"下一期\"，"
                         f"无法计算流失率。请提供至少跨两个{_FREQ_NAMES[freq]}的交易记录，或改用 freq='M'。")
    span = hi - lo + 2
    pairs = np.unique(codes.astype(np.int64) * span + (periods - lo))
    nxt = pairs + 1
    retained_pair = np.isin(nxt, pairs) & ((nxt % span) <= hi - lo)
    per = pairs % span
    customers = np.bincount(per, minlength=hi - lo + 1)
    retained = np.bincount(per, weights=retained_pair, minlength=hi - lo + 1).astype(np.int64)
    keep = (customers > 0) & (np.arange(hi - lo + 1) < hi - lo)
    result = pd.DataFrame({
        "period": _period_labels(np.arange(lo, hi + 1)[keep], freq),
        "customers": customers[keep].astype(np.int64),
        "retained": retained[keep],
    })
    result["lost"] = result["customers"] - result["retained"]
    result["churn_rate"] = result["lost"] / result["customers"]
    result["retention_rate"] = 1.0 - result["churn_rate"]
    return result


@shared_docs
def churn_status(transactions, *, window_days: int = 90, as_of=None, customer_col: str = "customer_id",
                 date_col: str = "date") -> pd.DataFrame:
    """按流失窗口判断每位客户是否已流失：截至 ``as_of`` 已连续超过 ``window_days`` 天没有购买，就算流失。

    返回每位客户一行（以客户编号为索引，按编号排序）：``first_purchase``、``last_purchase``、
    ``days_since_last``（整数天）和 ``churned``（布尔值）。``as_of`` 默认取数据里最后一天；
    晚于 ``as_of`` 的交易会报错（请先筛选）。窗口越短，算出来的"流失客户"越多。

    参数：
        {shared:transactions}
        ``window_days``：流失窗口（天，正整数，默认 90）。
        {shared:as_of}
        {shared:customer_col}
        {shared:date_col}

    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "a"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-06-20"])})
    >>> churn_status(tx, window_days=90, as_of="2024-06-30")[["days_since_last", "churned"]]
                 days_since_last  churned
    customer_id
    a                         10    False
    b                        150     True
    """
    func = "churn_status"
    require_columns(transactions, func, param="transactions", customer_col=customer_col, date_col=date_col)
    window = number(window_days, func, "window_days", minimum=1, integer=True)
    dates = date_column(transactions, date_col, func)
    codes, customers = customer_codes(transactions[customer_col], func, customer_col)
    stamp = _as_of(as_of, dates, func, date_col)
    grouped = dates.dt.normalize().groupby(codes, sort=True).agg(["min", "max"])
    grouped.index = customers
    days = (stamp - grouped["max"]).dt.days.astype("int64")
    result = pd.DataFrame({"first_purchase": grouped["min"], "last_purchase": grouped["max"],
                           "days_since_last": days, "churned": days > window})
    result.index.name = customer_col
    return result


# ---------------------------------------------------------------- 同期群

@shared_docs
def cohort_table(transactions, *, customer_col: str = "customer_id", date_col: str = "date", freq: str = "M",
                 values: str = "count") -> pd.DataFrame:
    """同期群（cohort）表：行是客户首次购买所在的月（或季度），列是此后第几个月（季度），
    格子里是这一批客户中在该期还买过东西的人数（``values="count"``），或占这批客户的比例（``values="share"``）。

    第 0 列就是每批客户的人数（比例表里都是 1）。数据截止之后、还看不到的格子是 NaN（右下角的三角）。
    行索引是 ``"2024-01"``（或 ``"2024Q1"``）这样的文字；全部向量化，百万行交易也只需不到一秒。

    参数：
        {shared:transactions}
        {shared:customer_col}
        {shared:date_col}
        ``freq``：期的长度，``'M'``（月，默认）或 ``'Q'``（季度）。
        ``values``：格子里写什么，``'count'``（人数，默认）或 ``'share'``（占这批客户的比例）。

    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "a", "c", "b", "a"],
    ...                    "date": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-02-05",
    ...                                            "2024-02-11", "2024-03-01", "2024-03-15"])})
    >>> cohort_table(tx)
    months_since_first    0    1    2
    cohort
    2024-01             2.0  1.0  2.0
    2024-02             1.0  0.0  NaN
    >>> cohort_table(tx, values="share").loc["2024-01"].tolist()
    [1.0, 0.5, 1.0]
    """
    func = "cohort_table"
    require_columns(transactions, func, param="transactions", customer_col=customer_col, date_col=date_col)
    choice(freq, func, "freq", tuple(_FREQ_NAMES))
    choice(values, func, "values", ("count", "share"))
    dates = date_column(transactions, date_col, func)
    codes, uniques = customer_codes(transactions[customer_col], func, customer_col, sort=False)
    periods = _period_ordinals(dates, freq)
    lo = int(periods.min())
    rel = periods - lo
    n = int(rel.max()) + 1
    n_customers = len(uniques)
    first = pd.Series(rel).groupby(codes).min().to_numpy()
    if n_customers * n <= _DENSE_LIMIT:
        # 客户 × 期 的"是否购买"矩阵；按首购期分组相加，再把每组向左移到"首购后第几期"
        bought = np.zeros((n_customers, n), dtype=bool)
        bought[codes, rel] = True
        order = np.argsort(first, kind="stable")
        sorted_first = first[order]
        starts = np.flatnonzero(np.concatenate(([True], sorted_first[1:] != sorted_first[:-1])))
        sums = np.add.reduceat(bought[order].astype(np.int32), starts, axis=0)
        counts = np.zeros((n, n))
        for cohort, row in zip(sorted_first[starts], sums):   # 至多 n 次（每个同期群一次）
            counts[cohort, : n - cohort] = row[cohort:]
    else:
        pairs = np.unique(codes * n + rel)
        cohort = first[pairs // n]
        age = pairs % n - cohort
        counts = np.bincount(cohort * n + age, minlength=n * n).reshape(n, n).astype(float)
    ages_seen = np.flatnonzero(counts.any(axis=0))
    rows = np.flatnonzero(counts[:, 0] > 0)
    max_age = int(ages_seen.max()) + 1
    table = counts[rows, :max_age]
    unseen = rows[:, None] + np.arange(max_age)[None, :] > n - 1
    table[unseen] = np.nan
    if values == "share":
        table = table / table[:, [0]]
    result = pd.DataFrame(table, index=pd.Index(_period_labels(rows + lo, freq), name="cohort"),
                          columns=pd.RangeIndex(max_age, name="months_since_first" if freq == "M"
                                                else "quarters_since_first"))
    return result


@shared_docs
def plot_cohort_heatmap(table, *, ax=None, title: str | None = None, cmap: str = "YlGnBu", annotate: bool = True):
    """把 :func:`cohort_table` 的结果画成热力图（颜色越深，留下的比例越高），返回 Axes。

    ``annotate=True`` 时在格子里写数值（比例表写百分数）。比例表的第 0 列总是 100%，
    颜色刻度按第 1 列以后的最大值设定，这样各批客户之间的差别看得清（第 0 列显示为最深色）。

    参数：
        ``table``：:func:`cohort_table` 的结果（人数表或比例表）。
        {shared:ax}
        {shared:title}
        {shared:cmap}
        ``annotate``：True（默认）时在格子里写数值。

    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "a"],
    ...                    "date": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-02-05"])})
    >>> ax = plot_cohort_heatmap(cohort_table(tx, values="share"))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['2024-01']
    """
    func = "plot_cohort_heatmap"
    from matplotlib import colormaps

    require_frame(table, func, param="table")
    annotate = boolean(annotate, func, "annotate")
    if not isinstance(cmap, str) or cmap not in colormaps:
        raise fail(func, f"参数 cmap 不是 matplotlib 认识的色图名：{_show(cmap)}。请写成 'YlGnBu'、'Blues' 这样的名字。")
    text(title, func, "title", optional=True)
    for column in table.columns:
        numeric_column(table, column, func, allow_negative=False, allow_nan=True)
    values = table.to_numpy(dtype=float)
    share = bool(np.nanmax(values, initial=0.0) <= 1.0) if np.isfinite(values).any() else False
    ax = new_axes(ax, figsize=(9, max(3.0, 0.32 * len(table) + 1.5)), func=func)
    masked = np.ma.masked_invalid(values)
    # 比例表的第 0 列总是 100%：颜色刻度按其余各列的最大值定，差别才看得清（第 0 列显示为最深色）
    later = values[:, 1:]
    top = float(np.nanmax(later)) if share and np.isfinite(later).any() else (1.0 if share else None)
    image = ax.imshow(masked, aspect="auto", cmap=cmap, vmin=0, vmax=top if top else None)
    ax.figure.colorbar(image, ax=ax, label="留存比例" if share else "人数")
    ax.set_yticks(range(len(table)), [str(i) for i in table.index])
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns])
    ax.set_xlabel("首购之后第几个月" if table.columns.name == "months_since_first" else "首购之后第几期")
    ax.set_ylabel("首购月份（同期群）")
    ax.set_title(title if title is not None else "同期群留存热力图")
    if annotate and table.size <= 600:
        top = top or (np.nanmax(values) if np.isfinite(values).any() else 1.0)
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                cell = f"{v:.0%}" if share else f"{v:g}"
                ax.text(j, i, cell, ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 * top else "black")
    return ax


# ---------------------------------------------------------------- 流失原因

def reasons_pareto(data, *, reason_col: str = "reason", value_col: str | None = None,
                   cutoff: float = 0.8) -> pd.DataFrame:
    """流失原因的帕累托表：原因从多到少排列，附占比、累计占比，以及是否属于"关键的少数"。

    - ``count``：每种原因的客户数；给了 ``value_col``（例如流失前的消费额）时还有该列的合计，
      占比按这一列计算（"哪种原因让企业损失的钱最多"），否则按人数计算；
    - ``share`` 占比、``cum_share`` 累计占比；
    - ``vital``：累计占比达到 ``cutoff``（默认 80%）所需的最少几种原因。

    参数：
        ``data``：每行一位流失客户的表（DataFrame），含流失原因列。
        ``reason_col``：流失原因所在的列名（默认 ``'reason'``）。

    >>> survey = pd.DataFrame({"reason": ["服务", "价格", "服务", "产品", "服务", "价格"]})
    >>> reasons_pareto(survey)
      reason  count     share  cum_share  vital
    0     服务      3  0.500000   0.500000   True
    1     价格      2  0.333333   0.833333   True
    2     产品      1  0.166667   1.000000  False
    """
    func = "reasons_pareto"
    columns = {"reason_col": reason_col} if value_col is None else {"reason_col": reason_col, "value_col": value_col}
    require_columns(data, func, **columns)
    cut = number(cutoff, func, "cutoff", minimum=0, maximum=1, inclusive=False)
    reasons = data[reason_col]
    if reasons.isna().any():
        raise fail(func, f"列 {reason_col!r} 有 {int(reasons.isna().sum())} 个缺失的原因。"
                         f"请先填写（例如填成 '其他'）或删除这些行。")
    labels = reasons.astype(str).to_numpy()
    frame = pd.DataFrame({"count": np.ones(len(labels), dtype=np.int64)}, index=labels)
    basis = "count"
    if value_col is not None:
        if value_col == reason_col:
            raise fail(func, f"参数 value_col 和 reason_col 都是 {value_col!r}：金额列和原因列应该是两列。")
        frame[value_col] = numeric_column(data, value_col, func, allow_negative=False).to_numpy()
        basis = value_col
    totals = frame.groupby(level=0, sort=True).sum()
    total = float(totals[basis].sum())
    if total <= 0:
        raise fail(func, f"列 {basis!r} 的合计是 0，无法计算占比。请检查数据是否全是 0。")
    order = np.lexsort((totals.index.to_numpy(), -totals[basis].to_numpy()))
    totals = totals.iloc[order]
    result = pd.DataFrame({reason_col: totals.index.to_numpy(), "count": totals["count"].to_numpy(np.int64)})
    if value_col is not None:
        result[value_col] = totals[value_col].to_numpy(float)
    result["share"] = totals[basis].to_numpy(float) / total
    result["cum_share"] = np.minimum(np.cumsum(result["share"].to_numpy()), 1.0)
    result["vital"] = (result["cum_share"] - result["share"]) < cut - 1e-12
    return result


@shared_docs
def plot_reasons_pareto(table, *, reason_col: str = "reason", value_col: str = "count",
                        cum_col: str = "cum_share", ax=None, title: str | None = None, cutoff: float = 0.8):
    """帕累托图：柱子是每种原因的数量（左轴），折线是累计占比（右轴），虚线标出 ``cutoff``。返回左边的 Axes。

    参数：
        ``table``：:func:`reasons_pareto` 的结果。
        ``reason_col``：流失原因所在的列名（默认 ``'reason'``）。
        ``value_col``：柱子高度所在的列名（默认 ``'count'``，人数；不能为负）。
        ``cum_col``：累计占比所在的列名（默认 ``'cum_share'``，0—1）。
        {shared:ax}
        {shared:title}
        ``cutoff``：虚线标出的累计占比（0—1，默认 0.8）。

    >>> table = reasons_pareto(pd.DataFrame({"reason": ["服务", "价格", "服务"]}))
    >>> ax = plot_reasons_pareto(table)
    >>> [float(p.get_height()) for p in ax.patches]
    [2.0, 1.0]
    """
    func = "plot_reasons_pareto"
    require_columns(table, func, param="table", reason_col=reason_col, value_col=value_col, cum_col=cum_col)
    values = numeric_column(table, value_col, func, allow_negative=False)
    cum = numeric_column(table, cum_col, func, allow_negative=False)
    cut = number(cutoff, func, "cutoff", minimum=0, maximum=1)
    if (cum > 1 + 1e-9).any():
        raise fail(func, f"列 {cum_col!r} 应该是 0 到 1 之间的累计占比，最大值却是 {cum.max():g}。"
                         f"请传入 reasons_pareto 的结果。")
    text(title, func, "title", optional=True)
    ax = new_axes(ax, figsize=(8, 4), func=func)
    labels = table[reason_col].astype(str).tolist()
    positions = np.arange(len(labels))
    ax.bar(positions, values.to_numpy(), color="#3b75af")
    ax.set_xticks(positions, labels)
    ax.set_ylabel("客户数" if value_col == "count" else value_col)
    ax.set_xlabel("流失原因")
    right = ax.twinx()
    right.plot(positions, cum.to_numpy(), color="#d9534f", marker="o")
    right.axhline(cut, color="#999999", linestyle="--", linewidth=1)
    right.set_ylim(0, 1.05)
    right.yaxis.set_major_formatter(_percent_formatter())
    right.set_ylabel("累计占比")
    ax.set_title(title if title is not None else "流失原因帕累托图")
    ax.spines[["top"]].set_visible(False)
    right.spines[["top"]].set_visible(False)
    return ax


def _percent_formatter():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0)


# ---------------------------------------------------------------- 购买间隔异常

@shared_docs
def interval_anomaly(transactions, *, as_of=None, threshold: float = 2.0, min_purchases: int = 3,
                     customer_col: str = "customer_id", date_col: str = "date") -> pd.DataFrame:
    """把每位客户当前的未购买天数和他自己平时的购买间隔相比，找出"该来却没来"的客户。

    每位客户一行（以客户编号为索引，按编号排序）：

    - ``purchases``：购买的天数（同一天买几次算一次）；
    - ``typical_gap``：相邻两次购买间隔天数的中位数（购买天数少于 ``min_purchases`` 时为 NaN，样本太少不作判断）；
    - ``last_purchase``、``current_gap``：最后一次购买的日期，以及到 ``as_of`` 为止已经多少天没买；
    - ``gap_ratio`` = 当前未购买天数 / 平时间隔；``anomaly``：比值超过 ``threshold`` 即预警。

    ``as_of`` 默认取数据里最后一天；晚于 ``as_of`` 的交易报错（分析某一天的情况时，请先筛掉那天之后的记录）。

    参数：
        {shared:transactions}
        {shared:as_of}
        ``threshold``：当前未购买天数超过平时间隔的多少倍算异常（正数，默认 2）。
        ``min_purchases``：至少有几天购买才判断（整数，至少 2，默认 3）。
        {shared:customer_col}
        {shared:date_col}

    >>> tx = pd.DataFrame({"customer_id": ["a"] * 4 + ["b"] * 4,
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-29", "2024-02-26", "2024-03-25",
    ...                                            "2024-01-10", "2024-02-10", "2024-03-10", "2024-04-10"])})
    >>> interval_anomaly(tx, as_of="2024-06-01")[["typical_gap", "current_gap", "gap_ratio", "anomaly"]]
                 typical_gap  current_gap  gap_ratio  anomaly
    customer_id
    a                   28.0           68   2.428571     True
    b                   31.0           52   1.677419    False
    """
    func = "interval_anomaly"
    require_columns(transactions, func, param="transactions", customer_col=customer_col, date_col=date_col)
    limit = number(threshold, func, "threshold", minimum=0, inclusive=False)
    at_least = number(min_purchases, func, "min_purchases", minimum=2, integer=True)
    dates = date_column(transactions, date_col, func)
    codes, uniques = customer_codes(transactions[customer_col], func, customer_col)
    stamp = _as_of(as_of, dates, func, date_col)
    days = _days(dates)
    lo = int(days.min())
    span = int(days.max()) - lo + 1
    pairs = np.unique(codes.astype(np.int64) * span + (days - lo))
    pair_code = pairs // span
    pair_day = pairs % span + lo
    same = pair_code[1:] == pair_code[:-1]
    gaps = pd.Series((pair_day[1:] - pair_day[:-1])[same].astype(float))
    n = len(uniques)
    purchases = np.bincount(pair_code, minlength=n).astype(np.int64)
    typical = gaps.groupby(pair_code[1:][same]).median().reindex(range(n)).to_numpy()
    typical = np.where(purchases >= at_least, typical, np.nan)
    last_day = np.full(n, lo, dtype=np.int64)
    np.maximum.at(last_day, pair_code, pair_day)
    current = (stamp.to_datetime64().astype("datetime64[D]").astype(np.int64) - last_day).astype(np.int64)
    ratio = current / typical
    result = pd.DataFrame({
        "purchases": purchases,
        "typical_gap": typical,
        "last_purchase": _as_ns(pd.to_datetime(last_day.astype("datetime64[D]"))),
        "current_gap": current,
        "gap_ratio": ratio,
        "anomaly": np.nan_to_num(ratio, nan=0.0) > limit,
    }, index=pd.Index(uniques, name=customer_col))
    return result


# ---------------------------------------------------------------- buy-till-you-die

@shared_docs
def btyd_summary(transactions, *, customer_col: str = "customer_id", date_col: str = "date",
                 amount_col: str | None = None, as_of=None, freq: str = "D") -> pd.DataFrame:
    """"买到不买为止"模型用的客户汇总，定义与 lifetimes 库的 ``summary_data_from_transaction_data`` 完全相同。

    先把日期归到所在的天（``freq="W"`` 时归到所在周的周一），同一客户同一期的多笔交易合并为一次：

    - ``frequency``：重复购买的期数 = 有购买的期数 − 1（第一次购买不算）；
    - ``recency``：第一次到最后一次购买相隔多少天（周）；只买过一次的客户为 0；
    - ``T``：第一次购买到观察期末 ``as_of``（默认数据里最后一天）相隔多少天（周）；
    - ``monetary_value``（给了 ``amount_col`` 时）：重复购买各期金额的平均值（第一期不算），没有重复购买为 0。

    注意这与 RFM 表的定义不同：RFM 的 recency 是"最后一次购买距今"，这里是"第一次到最后一次"。
    结果每位客户一行，以客户编号为索引（按编号排序），所有列都是浮点数。晚于 ``as_of`` 的交易报错。

    参数：
        {shared:log}
        ``freq``：时间单位，``'D'``（天，默认）或 ``'W'``（周）。

    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "a"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-05", "2024-01-03",
    ...                                            "2024-01-11"]),
    ...                    "amount": [10.0, 5.0, 20.0, 8.0, 40.0]})
    >>> btyd_summary(tx, amount_col="amount", as_of="2024-01-31")
                 frequency  recency     T  monetary_value
    customer_id
    a                  2.0     10.0  30.0            30.0
    b                  0.0      0.0  28.0             0.0
    """
    func = "btyd_summary"
    columns = {"customer_col": customer_col, "date_col": date_col}
    if amount_col is not None:
        columns["amount_col"] = amount_col
    require_columns(transactions, func, param="transactions", **columns)
    choice(freq, func, "freq", ("D", "W"))
    dates = date_column(transactions, date_col, func)
    amounts = None if amount_col is None else numeric_column(transactions, amount_col, func,
                                                             allow_negative=False).to_numpy()
    codes, uniques = customer_codes(transactions[customer_col], func, customer_col)
    step = 7 if freq == "W" else 1
    days = _days(dates)
    if freq == "W":
        days = days - (days + 3) % 7           # 1970-01-05 是周一：归到所在周的周一
    end = int(np.datetime64(cutoff_day(as_of, dates, func, date_col).date(), "D").astype(np.int64))
    if freq == "W":
        end = end - (end + 3) % 7
    lo = int(days.min())
    span = int(days.max()) - lo + 1
    key = codes * span + (days - lo)
    order = np.argsort(key)
    key = key[order]
    bounds = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))   # 每个"客户 × 期"的第一行
    pairs = key[bounds]
    pair_code = pairs // span
    pair_day = pairs % span + lo
    n = len(uniques)
    count = np.bincount(pair_code, minlength=n)
    starts = np.concatenate(([0], np.cumsum(count)[:-1]))   # 每位客户的第一期
    first_day = pair_day[starts]
    last_day = pair_day[starts + count - 1]
    result = pd.DataFrame({
        "frequency": (count - 1).astype(float),
        "recency": ((last_day - first_day) / step).astype(float),
        "T": ((end - first_day) / step).astype(float),
    }, index=pd.Index(uniques, name=customer_col))
    if amounts is not None:
        per_period = np.add.reduceat(amounts[order], bounds) if len(bounds) else np.zeros(0)
        # 同一期有三笔以上时，浮点数合计与相加顺序有关：这几期按 lifetimes 的顺序
        # （原始日期时间、金额从小到大）用 pandas 的求和重算，结果才能逐位相同
        sizes = np.diff(np.append(bounds, len(key)))
        crowded = np.flatnonzero(np.repeat(sizes >= 3, sizes))   # 这些期的行（在排序后的位置）
        if len(crowded):
            rows = order[crowded]
            group = np.repeat(np.arange(len(bounds)), sizes)[crowded]
            exact = np.lexsort((amounts[rows], dates.to_numpy()[rows], group))
            sums = pd.Series(amounts[rows][exact]).groupby(group[exact], sort=True).sum()
            per_period[sums.index.to_numpy()] = sums.to_numpy()
        per_period = per_period.astype(float)
        per_period[starts] = np.nan            # 第一期不算（与 lifetimes 一样先置为缺失再求平均）
        means = pd.Series(per_period).groupby(pair_code, sort=True).mean()
        result["monetary_value"] = means.fillna(0.0).to_numpy(dtype=float)
    return result


def _summary_arrays(summary, func: str, frequency_col: str, recency_col: str, T_col: str):
    require_columns(summary, func, param="summary", frequency_col=frequency_col, recency_col=recency_col, T_col=T_col)
    x = numeric_column(summary, frequency_col, func, allow_negative=False).to_numpy()
    t_x = numeric_column(summary, recency_col, func, allow_negative=False).to_numpy()
    T = numeric_column(summary, T_col, func, allow_negative=False).to_numpy()
    if (x != np.round(x)).any():
        raise fail(func, f"列 {frequency_col!r} 应该是重复购买的次数（整数），但有非整数值，例如 "
                         f"{_show(x[x != np.round(x)][:3].tolist())}。请传入 btyd_summary 的结果。")
    if (t_x > T + 1e-9).any():
        raise fail(func, f"列 {recency_col!r} 有 {int((t_x > T + 1e-9).sum())} 个值大于列 {T_col!r}："
                         f"第一次到最后一次购买的间隔不可能超过观察期。请传入 btyd_summary 的结果。")
    if ((x > 0) & (t_x <= 0)).any():
        raise fail(func, f"列 {recency_col!r} 有客户重复购买过（{frequency_col} > 0）却 recency 为 0，"
                         f"这与 btyd_summary 的定义不符。请检查数据。")
    return x, t_x, T


def _bgnbd_loglik(params, x, t_x, T):
    from scipy.special import gammaln

    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
                      -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


@shared_docs
def bgnbd_fit(summary, *, frequency_col: str = "frequency", recency_col: str = "recency",
              T_col: str = "T") -> pd.Series:
    """用最大似然法拟合 BG/NBD 模型（Fader、Hardie 和 Lee，2005），返回参数 ``r``、``alpha``、``a``、``b``
    和对数似然 ``log_likelihood``（一个 Series，与 :func:`crmlib.sbg_fit` 的结果同一种形式）。

    模型的设定：客户在"活着"的时候按泊松过程购买（购买率因人而异，服从参数 r、alpha 的伽马分布）；
    每次购买之后有一个概率 p 从此不再回来（p 因人而异，服从参数 a、b 的贝塔分布）。
    ``summary`` 是 :func:`btyd_summary` 的结果。在 CDNOW 数据上得到 r≈0.243、alpha≈4.414、a≈0.793、b≈2.426。

    参数：
        ``summary``：:func:`btyd_summary` 的结果（DataFrame），每位客户一行，含重复购买次数、recency 和 T 三列。
        ``frequency_col``：重复购买次数 x 所在的列名（默认 ``'frequency'``）。
        ``recency_col``：第一次到最后一次购买相隔的时间 t_x 所在的列名（默认 ``'recency'``）。
        {shared:T_col}

    >>> summary = pd.DataFrame({"frequency": [0, 1, 3, 0, 5, 2, 0, 1], "recency": [0, 20, 30, 0, 38, 15, 0, 5],
    ...                         "T": [40, 38, 39, 35, 40, 36, 30, 39]})
    >>> params = bgnbd_fit(summary)
    >>> params.index.tolist()
    ['r', 'alpha', 'a', 'b', 'log_likelihood']
    """
    func = "bgnbd_fit"
    x, t_x, T = _summary_arrays(summary, func, frequency_col, recency_col, T_col)
    if (T <= 0).all() or x.sum() == 0:
        raise fail(func, f"数据里没有任何重复购买（列 {frequency_col!r} 全是 0）或观察期 T 全是 0，无法估计模型参数。"
                         f"请用观察期更长、客户更多的数据。")
    from scipy.optimize import minimize

    def negative(log_params):
        params = np.exp(log_params)
        return -float(np.sum(_bgnbd_loglik(params, x, t_x, T)))

    start = np.log([1.0, max(float(np.mean(T)), 1.0), 1.0, 1.0])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        best = minimize(negative, start, method="Nelder-Mead",
                        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 20000, "maxfev": 40000})
        best = minimize(negative, best.x, method="L-BFGS-B")
    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    return pd.Series({"r": r, "alpha": alpha, "a": a, "b": b, "log_likelihood": float(-best.fun)}, name="bgnbd")


@shared_docs
def prob_alive(summary, params, *, frequency_col: str = "frequency", recency_col: str = "recency",
               T_col: str = "T") -> pd.Series:
    """BG/NBD 模型下，每位客户在观察期末仍然"活着"（还会回来购买）的概率，返回与 ``summary`` 同索引的 Series。

    公式：P(活着) = 1 / (1 + [x>0] · a/(b+x−1) · ((alpha+T)/(alpha+t_x))^(r+x))。
    从没重复购买过（x = 0）的客户按模型设定一定还活着（概率 1）；买得越勤、最近一次购买离观察期末越久，概率越低。

    参数：
        ``summary``：:func:`btyd_summary` 的结果（DataFrame），每位客户一行，含重复购买次数、recency 和 T 三列。
        {shared:params}
        ``frequency_col``：重复购买次数 x 所在的列名（默认 ``'frequency'``）。
        ``recency_col``：第一次到最后一次购买相隔的时间 t_x 所在的列名（默认 ``'recency'``）。
        {shared:T_col}

    >>> summary = pd.DataFrame({"frequency": [0, 4, 4], "recency": [0, 30, 5], "T": [40, 40, 40]}, index=["a", "b", "c"])
    >>> prob_alive(summary, {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}).round(3)
    a    1.000
    b    0.698
    c    0.009
    Name: prob_alive, dtype: float64
    """
    func = "prob_alive"
    r, alpha, a, b = _bgnbd_params(params, func)
    x, t_x, T = _summary_arrays(summary, func, frequency_col, recency_col, T_col)
    p = _alive(r, alpha, a, b, x, t_x, T)
    return pd.Series(p, index=summary.index, name="prob_alive")


def _bgnbd_params(params, func: str):
    """The four BG/NBD parameters of ``bgnbd_fit``'s result (a Series) or of a dict; log_likelihood is ignored."""
    if isinstance(params, pd.Series):
        if params.index.has_duplicates:
            raise fail(func, f"参数 params 的索引有重复的名字：{_show(params.index[params.index.duplicated()].tolist())}。")
        params = params.to_dict()
    if not isinstance(params, Mapping):
        raise fail(func, f"参数 params 应该是 bgnbd_fit 的结果，或者 {{'r': 0.24, 'alpha': 4.4, 'a': 0.79, 'b': 2.4}} "
                         f"这样的字典，收到的是 {type(params).__name__}：{_show(params)}。")
    unknown = [k for k in params if k not in ("r", "alpha", "a", "b", "log_likelihood")]
    if unknown:
        raise fail(func, f"参数 params 里的 {', '.join(map(repr, unknown))} 不是 BG/NBD 的参数；"
                         f"只能有 'r'、'alpha'、'a'、'b' 四个。")
    missing = [k for k in ("r", "alpha", "a", "b") if k not in params]
    if missing:
        raise fail(func, f"参数 params 缺少 {', '.join(map(repr, missing))}。请传入 bgnbd_fit 的结果。")
    return tuple(number(params[k], func, f"params[{k!r}]", minimum=0, inclusive=False)
                 for k in ("r", "alpha", "a", "b"))


def _alive(r, alpha, a, b, x, t_x, T) -> np.ndarray:
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        log_odds = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_odds, 700.0))), 1.0)


@shared_docs
def bgnbd_predict(summary, params, t, *, frequency_col: str = "frequency", recency_col: str = "recency",
                  T_col: str = "T") -> pd.Series:
    """BG/NBD 模型下，每位客户在观察期末之后的 ``t`` 个时间单位（与 ``summary`` 的 T 同单位：天或周）里
    期望的购买次数，返回与 ``summary`` 同索引的 Series。

    这是 Fader、Hardie 和 Lee（2005）的条件期望公式（式 10）：已知客户在观察期里重复购买 x 次、
    最后一次在 t_x、观察了 T，他在 (T, T+t] 里的期望购买次数。把观察期切成"校准期 + 留出期"，
    用校准期拟合、再把这个预测和留出期里实际的购买次数相比，就是在检验模型。

    参数：
        ``summary``：:func:`btyd_summary` 的结果（DataFrame），每位客户一行，含重复购买次数、recency 和 T 三列。
        {shared:params}
        ``t``：预测多长时间（非负数，与 ``summary`` 的 T 同单位）。
        ``frequency_col``：重复购买次数 x 所在的列名（默认 ``'frequency'``）。
        ``recency_col``：第一次到最后一次购买相隔的时间 t_x 所在的列名（默认 ``'recency'``）。
        {shared:T_col}

    >>> summary = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
    >>> params = {"r": 0.2426, "alpha": 4.4135, "a": 0.7930, "b": 2.4259}
    >>> round(float(bgnbd_predict(summary, params, 39).iloc[0]), 3)
    1.226
    """
    from scipy.special import hyp2f1

    func = "bgnbd_predict"
    r, alpha, a, b = _bgnbd_params(params, func)
    horizon = number(t, func, "t", minimum=0)
    x, t_x, T = _summary_arrays(summary, func, frequency_col, recency_col, T_col)
    if abs(a - 1.0) < 1e-9:
        a = 1.0 + 1e-9          # 公式在 a = 1 处是 0/0，极限值连续：稍稍挪开即可
    z = horizon / (alpha + T + horizon)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        head = (a + b + x - 1) / (a - 1)
        tail = 1.0 - ((alpha + T) / (alpha + T + horizon)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        expected = head * tail * _alive(r, alpha, a, b, x, t_x, T)
    return pd.Series(np.where(horizon == 0, 0.0, expected), index=summary.index, name="expected_purchases")


@shared_docs
def plot_prob_alive_matrix(params, *, T, max_frequency: int = 20, ax=None, title: str | None = None,
                           cmap: str = "RdYlGn", unit: str = "周"):
    """"仍然活跃"概率的矩阵图：纵轴是重复购买次数 x（0 到 ``max_frequency``），横轴是最后一次购买的时间 t_x
    （0 到 ``T``，T 是观察期长度），颜色是 BG/NBD 模型（参数 ``params``）给出的概率。返回 Axes。

    读法：同一行从左往右，最后一次购买越晚，概率越高；同一列从上往下，买得越多而最近又没来，概率越低。

    参数：
        {shared:params}
        ``T``：观察期长度（正数，单位见 ``unit``），横轴从 0 画到 T（每个时间单位一格，T 超过 1000 时均匀取 1000 格）。
        ``max_frequency``：纵轴画到几次重复购买（正整数，至多 1000，默认 20）。
        {shared:ax}
        {shared:title}
        {shared:cmap}
        ``unit``：时间单位的文字，只用在横轴标题里（默认 ``'周'``，例如 ``'天'``）。

    >>> ax = plot_prob_alive_matrix({"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}, T=39, max_frequency=10)
    >>> ax.images[0].get_array().shape
    (11, 40)
    """
    func = "plot_prob_alive_matrix"
    from matplotlib import colormaps

    r, alpha, a, b = _bgnbd_params(params, func)
    length = number(T, func, "T", minimum=0, inclusive=False)
    top = int(number(max_frequency, func, "max_frequency", minimum=1, maximum=1000, integer=True))
    if not isinstance(cmap, str) or cmap not in colormaps:
        raise fail(func, f"参数 cmap 不是 matplotlib 认识的色图名：{_show(cmap)}。请写成 'RdYlGn'、'Blues' 这样的名字。")
    text(unit, func, "unit")
    text(title, func, "title", optional=True)
    steps = min(max(int(np.floor(length)), 1), 1000) + 1      # 每个时间单位一格，最多 1000 格（T 很大时也画得快）
    recency = np.linspace(0.0, length, steps)
    half = 0.5 * length / (steps - 1)
    x = np.arange(top + 1, dtype=float)[:, None] * np.ones((1, steps))
    t_x = np.ones((top + 1, 1)) * recency[None, :]
    grid = _alive(r, alpha, a, b, x, t_x, np.full_like(x, length))
    ax = new_axes(ax, figsize=(8, 5), func=func)
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap=cmap, vmin=0, vmax=1,
                      extent=(-half, length + half, -0.5, top + 0.5))
    ax.figure.colorbar(image, ax=ax, label="仍然活跃的概率")
    ax.set_xlabel(f"最后一次购买的时间 t_x（第几{unit}，观察期共 {length:g} {unit}）")
    ax.set_ylabel("重复购买次数 x")
    ax.set_title(title if title is not None else "BG/NBD：不同购买记录的客户仍然活跃的概率")
    return ax
