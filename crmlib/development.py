"""客户开发：销售漏斗、获客成本、准客户资格（购买能力 + 决定权 + 需求）与客户性格。

漏斗的每一层都是"至少走到这一步"的人数；相邻两层之比是**阶段转化率**，
各层与第一层之比是**累计转化率**。转化率最低的一步就是漏斗的瓶颈。
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ._docs import shared_docs
from ._validation import CRMInputError, choice, fail, numeric_column, require_columns, require_frame, text
from .plotting import check_color, new_axes

__all__ = ["PERSONALITY_TACTICS", "PRICING_TACTICS", "stage_counts", "funnel_table", "plot_funnel", "acquisition_cost",
           "qualify_prospects", "dominant_personality"]

# 八种定价策略（有吸引力的价格）。元组不可修改，学生误改也不会影响后面的单元格。
PRICING_TACTICS = ("折扣定价", "高价策略", "心理定价", "差别定价", "招徕定价", "组合定价", "关联定价", "结果定价")

PERSONALITY_TACTICS = {
    "活泼型": "多赞美、多互动，让他感到被欣赏",
    "力量型": "给出选项、提供服务，营造由他来拍板的场面",
    "平和型": "放慢节奏，耐心细致地解说，给他安全感",
    "分析型": "先拿出专业的数据和证据，再征询他的意见",
}


def stage_counts(leads, *, stages: Sequence[str], stage_col: str = "stage") -> pd.Series:
    """每个阶段"至少走到这一步"的线索数（漏斗各层的人数）。

    ``stage_col`` 记录每条线索走到的最远阶段，``stages`` 按先后列出全部阶段。

    >>> leads = pd.DataFrame({"stage": ["线索", "接通", "成交", "接通"]})
    >>> stage_counts(leads, stages=["线索", "接通", "成交"]).tolist()
    [4, 3, 1]
    """
    func = "stage_counts"
    require_columns(leads, func, param="leads", stage_col=stage_col)
    if isinstance(stages, str) or not isinstance(stages, Sequence) or len(stages) < 2:
        raise fail(func, f"参数 stages 应该是按先后排列的阶段名称列表（至少两个），收到的是 {stages!r}。")
    if len(set(stages)) != len(stages):
        raise fail(func, "参数 stages 里有重复的阶段名称。")
    unknown = sorted(set(leads[stage_col].dropna().astype(str)) - set(stages))
    if unknown or leads[stage_col].isna().any():
        found = "、".join(unknown) if unknown else "缺失值"
        raise fail(func, f"列 {stage_col!r} 里有不在 stages 中的取值：{found}。请检查拼写，或把它们加进 stages。")
    position = leads[stage_col].map({name: i for i, name in enumerate(stages)}).to_numpy()
    reached = (position[:, None] >= np.arange(len(stages))[None, :]).sum(axis=0)
    return pd.Series(reached, index=pd.Index(list(stages), name="stage"), name="count")


def funnel_table(counts) -> pd.DataFrame:
    """由各层人数（按先后排列）算出阶段转化率和累计转化率。

    ``counts`` 是 Series 或 {阶段: 人数} 字典；人数不能为负，也不能比上一层多。

    >>> funnel_table({"触达": 1000, "注册": 200, "首单": 50})
          count  step_rate  overall_rate
    stage
    触达     1000        NaN          1.00
    注册      200       0.20          0.20
    首单       50       0.25          0.05
    """
    func = "funnel_table"
    if isinstance(counts, Mapping):
        counts = pd.Series(dict(counts), dtype=object)
    if not isinstance(counts, pd.Series):
        raise fail(func, f"参数 counts 应该是 Series 或 {{阶段: 人数}} 字典，收到的是 {type(counts).__name__}。")
    if len(counts) < 2:
        raise fail(func, "参数 counts 至少要有两个阶段。")
    if counts.isna().any():
        raise fail(func, f"参数 counts 有 {int(counts.isna().sum())} 个缺失的人数（NaN），请先补齐每一层的人数。")
    try:
        values = numeric_column(counts.rename("count").to_frame(), "count", func, allow_negative=False)
    except CRMInputError as error:
        raise fail(func, f"参数 counts 的人数有问题：{str(error).split('：', 1)[1]}") from None
    if values.iloc[0] == 0:
        raise fail(func, "第一层人数为 0，无法计算转化率。")
    if (values.diff().dropna() > 0).any():
        raise fail(func, "参数 counts 里后一层的人数比前一层多：漏斗各层应是'至少走到这一步'的人数，只减不增。")
    table = pd.DataFrame({"count": values.to_numpy()}, index=pd.Index([str(i) for i in counts.index], name="stage"))
    previous = table["count"].shift(1)
    table["step_rate"] = table["count"] / previous.where(previous > 0)
    table["overall_rate"] = table["count"] / table["count"].iloc[0]
    if pd.api.types.is_integer_dtype(counts.dtype) or (values == values.round()).all():
        table["count"] = table["count"].astype("int64")
    return table


@shared_docs
def plot_funnel(table, *, ax=None, title: str = "销售漏斗", color: str = "#a9c8e8"):
    """把 :func:`funnel_table` 的结果画成居中的漏斗条形图，返回 Axes。

    参数：
        ``table``：:func:`funnel_table` 的结果，至少要有 ``count``（人数）和 ``overall_rate``（累计转化率）两列，都不能为负。
        {shared:ax}
        {shared:title}
        ``color``：条形的颜色（matplotlib 认识的颜色，默认浅蓝 ``'#a9c8e8'``）。

    >>> ax = plot_funnel(funnel_table({"线索": 100, "成交": 10}))
    >>> ax.get_title()
    '销售漏斗'
    """
    func = "plot_funnel"
    require_columns(table, func, param="table", count_col="count", rate_col="overall_rate")
    counts = numeric_column(table, "count", func, allow_negative=False)
    numeric_column(table, "overall_rate", func, allow_negative=False)
    text(title, func, "title")
    check_color(color, func)
    ax = new_axes(ax, figsize=(7, 0.6 * len(table) + 1.2))
    y = np.arange(len(table))[::-1]
    ax.barh(y, counts.to_numpy(), left=-counts.to_numpy() / 2, color=color, height=0.75)
    for yi, (stage, row) in zip(y, table.iterrows()):
        share = f"{row['overall_rate']:.0%}" if row["overall_rate"] >= 0.1 else f"{row['overall_rate']:.1%}"
        ax.text(0, yi, f"{stage}  {row['count']:,.0f}（{share}）", ha="center", va="center", fontsize=10)
    ax.set_yticks([])
    ax.set_xticks([])
    ax.spines[["top", "right", "left", "bottom"]].set_visible(False)
    ax.set_title(title)
    return ax


def acquisition_cost(data, *, by: str, spend_col: str = "spend", customers_col: str = "first_booking") -> pd.Series:
    """每获得一位客户的平均成本：按 ``by`` 分组，总投入 ÷ 总客户数。

    参数：
        ``data``：每行一条投放记录的表（DataFrame），含分组列、投入列和新客户数列。
        ``by``：分组所在的列名，例如渠道；不能有缺失值。
        ``spend_col``：投入（元）所在的列名（默认 ``'spend'``），不能为负。
        ``customers_col``：获得的新客户数所在的列名（默认 ``'first_booking'``），不能为负；一个新客户也没有的分组成本记为 NaN。

    >>> df = pd.DataFrame({"渠道": ["a", "a", "b"], "spend": [100.0, 200.0, 50.0], "first_booking": [1, 2, 0]})
    >>> acquisition_cost(df, by="渠道")
    渠道
    a    100.0
    b      NaN
    Name: cost_per_customer, dtype: float64
    """
    func = "acquisition_cost"
    require_columns(data, func, by=by, spend_col=spend_col, customers_col=customers_col)
    spend = numeric_column(data, spend_col, func, allow_negative=False)
    customers = numeric_column(data, customers_col, func, allow_negative=False)
    if data[by].isna().any():
        raise fail(func, f"分组列 {by!r} 有缺失值，请先删除或填补。")
    totals = pd.DataFrame({"spend": spend, "customers": customers, by: data[by]}).groupby(by)[["spend", "customers"]].sum()
    # 一个客户也没有的分组，成本无从谈起：记为 NaN，而不是除以 0 得到无穷大。
    return (totals["spend"] / totals["customers"].where(totals["customers"] > 0)).rename("cost_per_customer")


_CONDITION_NAMES = {"money_col": "购买能力", "authority_col": "决定权", "need_col": "需求"}


def qualify_prospects(data, *, money_col: str = "has_budget", authority_col: str = "has_authority",
                      need_col: str = "has_need") -> pd.DataFrame:
    """准客户资格：购买能力、购买决定权、需求三个条件都具备才是合格的准客户。

    返回与输入同索引的新表：``qualified``（是否三者俱全）和 ``missing``（缺哪些条件）。

    参数：
        ``data``：每行一位准客户的表（DataFrame）。
        ``money_col``：是否有购买能力（预算）的列名（默认 ``'has_budget'``），值为 True/False。
        ``authority_col``：是否有购买决定权的列名（默认 ``'has_authority'``），值为 True/False。
        ``need_col``：是否有需求的列名（默认 ``'has_need'``），值为 True/False。

    >>> df = pd.DataFrame({"has_budget": [True, True], "has_authority": [True, False], "has_need": [True, False]})
    >>> qualify_prospects(df)
       qualified      missing
    0       True
    1      False  决定权、需求
    """
    func = "qualify_prospects"
    columns = {"money_col": money_col, "authority_col": authority_col, "need_col": need_col}
    require_columns(data, func, **columns)
    flags = {}
    for option, column in columns.items():
        series = data[column]
        if not pd.api.types.is_bool_dtype(series):
            raise fail(func, f"列 {column!r}（{_CONDITION_NAMES[option]}）应该是 True/False，实际类型是 {series.dtype}。"
                             f"可以先用 df[{column!r}] == '是' 这样的比较转换。")
        if series.isna().any():
            raise fail(func, f"列 {column!r}（{_CONDITION_NAMES[option]}）有 {int(series.isna().sum())} 个缺失值，"
                             f"不知道这几位准客户是否具备这个条件。请先填好 True/False，或删除这些行。")
        flags[_CONDITION_NAMES[option]] = series.to_numpy(dtype=bool)
    missing = pd.Series([""] * len(data), index=data.index, dtype=object)
    for name, flag in flags.items():
        missing = missing.where(flag, missing + np.where(missing == "", "", "、") + name)
    qualified = np.logical_and.reduce(list(flags.values()))
    return pd.DataFrame({"qualified": qualified, "missing": missing}, index=data.index)


def dominant_personality(scores, *, columns: Sequence[str] = ("活泼型", "力量型", "平和型", "分析型")) -> pd.Series:
    """每位客户得分最高的性格类型（四种性格往往混合，起主导作用的是得分最高的那种）。

    得分相同时取 ``columns`` 中靠前的一种，结果是确定的。

    >>> scores = pd.DataFrame({"活泼型": [3, 1], "力量型": [3, 2], "平和型": [1, 5], "分析型": [0, 2]})
    >>> dominant_personality(scores).tolist()
    ['活泼型', '平和型']
    """
    func = "dominant_personality"
    require_frame(scores, func, param="scores")
    if isinstance(columns, str) or not isinstance(columns, Sequence) or len(columns) == 0:
        raise fail(func, f"参数 columns 应该是性格类型名称的列表，例如 ['活泼型', '力量型']，收到的是 {columns!r}。")
    columns = list(columns)
    for column in columns:
        choice(column, func, "columns 中的性格", list(PERSONALITY_TACTICS))
    require_columns(scores, func, param="scores", **{f"columns[{i}]": c for i, c in enumerate(columns)})
    values = np.column_stack([numeric_column(scores, c, func).to_numpy() for c in columns])
    return pd.Series(np.array(columns, dtype=object)[values.argmax(axis=1)], index=scores.index, name="personality")
