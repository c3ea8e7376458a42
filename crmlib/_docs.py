"""Parameters that many crmlib functions share, described once (seaborn's ``_docstrings`` pattern).

A docstring names a shared parameter with a placeholder on a line of its own, ``{shared:as_of}``;
:func:`shared_docs` replaces it with the one description below, so every function says the same
thing about ``customer_col``, ``as_of`` or ``ax``::

    @shared_docs
    def churn_status(transactions, *, as_of=None, customer_col="customer_id"):
        \"\"\"…

        参数：
            {shared:as_of}
            {shared:customer_col}
        \"\"\"
"""
from __future__ import annotations

import re

SHARED = {
    "customer_col": "客户编号所在的列名（默认 ``'customer_id'``）。编号不能缺失，可以是数字、文字或两者混合。",
    "date_col": ("日期所在的列名（默认 ``'date'``）。能解析的日期字符串也可以（年份在前，如 ``'2024-03-01'``；"
                 "``'05/01/2024'`` 这样日、月顺序不明的写法报错）；带时区的日期先换算成 UTC。"),
    "amount_col": "金额（元）所在的列名。不能有缺失值、文字或负数。",
    "as_of": ("截止点，默认数据里最晚的那一天（按期的数据里是最晚的那一期）。交易日期的截止点是一天："
              "那一天里任何时刻的购买都算在内；按期的数据里它是期数（整数）。"
              "晚于截止点的记录报错，不会悄悄丢弃。"),
    "ax": "画在哪个 matplotlib 坐标轴上（``Axes``）；不给时新建一张图。",
    "title": "图的标题，只接受文字（``str``）；不给时用函数自己的默认标题（见签名和上面的说明），给 ``''`` 就不要标题。",
    "cmap": "matplotlib 的色图名，例如 ``'Blues'``、``'viridis'``。",
    "period_col": "期序号所在的列名（默认 ``'quarter'``；整数，第 1、2、3 … 期）。",
    "transactions": "交易记录（DataFrame），一行一笔购买，至少有客户编号和日期两列。",
    "params": "BG/NBD 模型的参数：:func:`bgnbd_fit` 的结果（Series），或含 ``r``、``alpha``、``a``、``b`` 的字典。",
    "T_col": "观察期长度 T（第一次购买到观察期末相隔的时间）所在的列名（默认 ``'T'``）。",
    "purchases": ("每行是一位客户在一期（例如一个季度）的采购额的表（DataFrame）；"
                  "没有采购的期可以没有记录（按 0 计）。"),
    "window": "算\"最近平均采购额\" ``recent`` 用的期数（正整数，至多 10000，默认 2）。",
    "trial_periods": "考察期有几期（正整数，默认 3），含第一次采购的那一期。",
    "decline_ratio": "本期采购额低于历史最高 ``recent`` 的这个倍数就算退化期（0 和 1 之间，不含两端，默认 0.5）。",
    "growth": "``recent`` 比上一期高出这个比例以上算形成期（非负数，默认 0.25，即 25%）。",
    "exit_periods": "连续这么多期没有采购就算关系已经结束（正整数，至多 10000，默认 2）。",
    "revenue_col": "年销售额（元）所在的列名（默认 ``'revenue'``）。",
    "service_cost_col": "服务成本（元）所在的列名（默认 ``'service_cost'``），不能为负。",
    "bad_debt_col": "坏账（元）所在的列名（默认 ``'bad_debt'``），不能为负。",
    "profit_col": "客户利润（元）所在的列名（默认 ``'profit'``），可以为负；通常是 :func:`customer_profit` 算出的列。",
}

# Parameter lists that whole families of functions share: ``{shared:log}`` stands for all of its lines.
GROUPS = {
    "log": ("transactions", "customer_col", "date_col", "amount_col", "as_of"),
    "lifecycle": ("purchases", "customer_col", "period_col", "amount_col", "window", "trial_periods",
                  "decline_ratio", "growth", "exit_periods", "as_of"),
}

_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)\{shared:(?P<name>\w+)\}[ \t]*$", re.M)


def shared_docs(func):
    """Fill the ``{shared:name}`` lines of ``func``'s docstring with the shared descriptions."""
    def describe(match: re.Match) -> str:
        names = GROUPS.get(match["name"], (match["name"],))
        unknown = [name for name in names if name not in SHARED]
        if unknown:
            raise KeyError(f"{func.__qualname__}: no shared description for {unknown[0]!r} in crmlib/_docs.py")
        return "\n".join(f"{match['indent']}``{name}``：{SHARED[name]}" for name in names)

    if func.__doc__:
        func.__doc__ = _PLACEHOLDER.sub(describe, func.__doc__)
    return func
