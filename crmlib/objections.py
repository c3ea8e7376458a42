"""客户异议：按内容分类的透明规则分类器、评估它的准确率与混淆矩阵，以及处理方法的选择与比较。

规则分类器只做一件事：按优先顺序检查每类异议的关键词，第一类命中的就是结果；
哪条都不命中时记为"未识别"。它的好处是每个判断都说得出理由（命中了哪个词），
学生可以自己加词、调顺序，看准确率怎样变化。

处理方法的规则只有一份（``_TRUE_OBJECTION_METHOD``）：:func:`suggest_method`、
:data:`HANDLING_METHODS` 的"适用情形"和第 03 章的方法表都按它写；数据生成器
（data_builders/builders/objections.py 的 ``TRUE_METHOD``）与它相同，有测试检查。
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from ._docs import shared_docs
from ._validation import choice, fail, number, numeric_column, require_columns, require_frame, text
from .plotting import check_cmap, new_axes

__all__ = ["OBJECTION_TYPES", "OBJECTION_NATURES", "OBJECTION_KEYWORDS", "HANDLING_METHODS", "classify_objections",
           "confusion_table", "classification_accuracy", "suggest_method", "method_success_rates",
           "success_rate_intervals", "plot_confusion", "plot_success_rates"]

OBJECTION_TYPES = ("需求异议", "价格异议", "产品异议", "购买时间异议", "销售员异议", "服务异议", "支付能力异议")
OBJECTION_NATURES = ("真异议", "假异议", "隐藏异议")
UNKNOWN = "未识别"

class _ReadOnlyRules(dict):
    """A dict that cannot be changed in place (so a student's edit cannot break later cells);
    ``dict(...)``, ``copy.copy`` and ``copy.deepcopy`` give an ordinary, editable dict."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("OBJECTION_KEYWORDS 是只读的：先复制一份 rules = dict(crmlib.OBJECTION_KEYWORDS)，"
                        "改副本，再用 classify_objections(..., keywords=rules)。")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):
        return dict, (dict(self),)

    def __copy__(self):
        return dict(self)

    def __deepcopy__(self, memo):
        return {key: tuple(words) for key, words in self.items()}


# 默认规则：键的顺序就是优先顺序（先检查支付能力，再检查价格……）。只读：要改规则，先复制一份
# （dict(OBJECTION_KEYWORDS)），改副本，再用 keywords=副本 传给 classify_objections。
OBJECTION_KEYWORDS: Mapping[str, tuple[str, ...]] = _ReadOnlyRules({
    "支付能力异议": ("资金", "分期", "付不起", "没钱", "回款", "现金流"),
    "价格异议": ("贵", "价格", "便宜", "预算", "价钱", "打折", "打个折", "报价"),
    "服务异议": ("售后", "维修", "修好", "报修", "送货"),
    "销售员异议": ("业务员", "态度", "不了解", "不太信"),
    "购买时间异议": ("再说", "考虑考虑", "过段时间", "新款", "不是时候"),
    "产品异议": ("质量", "功能", "故障", "样式", "噪音", "耗材", "耐用"),
    "需求异议": ("用不着", "需要", "没什么用", "类似", "用处", "用不上"),
})

# 真异议（客户没有误解事实）按内容对路的方法。
_TRUE_OBJECTION_METHOD: Mapping[str, str] = MappingProxyType({
    "价格异议": "补偿法", "产品异议": "补偿法",
    "服务异议": "“是的……如果”法", "销售员异议": "“是的……如果”法", "支付能力异议": "“是的……如果”法",
    "需求异议": "太极法", "购买时间异议": "太极法",
})


def _true_types(method: str) -> str:
    return "、".join(k.removesuffix("异议") for k, m in _TRUE_OBJECTION_METHOD.items() if m == method)


HANDLING_METHODS = pd.DataFrame(
    [
        ("忽视法", "对与成交无关的借口或随口的抱怨，微笑带过、不纠缠，把话题拉回正题", "假异议"),
        ("补偿法", "承认客户指出的、确实存在的不足，再用产品更重要的长处把它抵消",
         f"真异议：{_true_types('补偿法')}方面"),
        ("太极法", "顺着客户的话，把他拒绝的理由变成购买的理由", f"真异议：{_true_types('太极法')}方面"),
        ("询问法", "多问几个'为什么'，让客户说出真正的顾虑", "隐藏异议"),
        ("“是的……如果”法", "先肯定客户的看法，再用'如果……'委婉地提出另一种角度",
         f"真异议：{_true_types('“是的……如果”法')}方面"),
        ("直接反驳法", "客户误解了事实时，拿出证据直接纠正；语气要诚恳，用得要少", "客户对事实有误解（不论内容）"),
    ],
    columns=["method", "how", "best_for"],
).set_index("method")


def _texts(texts, func: str, param: str = "texts") -> pd.Series:
    """一列文字（原话或类型标签）：一个字符串、字符串列表或 Series；返回新的 Series。"""
    if isinstance(texts, str):
        texts = [texts]
    if isinstance(texts, pd.DataFrame):
        raise fail(func, f"参数 {param} 需要一列文字（Series 或字符串列表），收到的是整张 DataFrame。"
                         f"请传入 df['text'] 这样的一列。")
    if not isinstance(texts, (list, tuple, pd.Series, np.ndarray)):
        raise fail(func, f"参数 {param} 应该是字符串、字符串列表或 Series，收到的是 {type(texts).__name__}。")
    series = pd.Series(texts, copy=True) if not isinstance(texts, pd.Series) else texts.copy()
    if series.empty:
        raise fail(func, f"参数 {param} 是空的，请至少给一个值。")
    bad = series[~series.map(lambda value: isinstance(value, str))]
    if len(bad):
        raise fail(func, f"参数 {param} 里有 {len(bad)} 个不是文字的值（例如 {bad.iloc[0]!r}）。"
                         f"请先删除缺失值：{param}.dropna()。")
    return series


def _rules(keywords, func: str) -> dict[str, tuple[str, ...]]:
    if keywords is None:
        return OBJECTION_KEYWORDS
    if not isinstance(keywords, Mapping) or not keywords:
        raise fail(func, "参数 keywords 应该是非空字典，形如 {'价格异议': ('贵', '便宜'), …}，"
                         f"收到的是 {type(keywords).__name__}。")
    rules = {}
    for kind, words in keywords.items():
        if isinstance(words, str) or not all(isinstance(w, str) and w for w in words):
            raise fail(func, f"keywords[{kind!r}] 应该是一组非空字符串，例如 ('贵', '便宜')，收到的是 {words!r}。")
        rules[kind] = tuple(words)
    return rules


def classify_objections(texts, *, keywords=None) -> pd.Series:
    """用关键词规则给每句原话判断异议类型；谁也不命中时为 '未识别'。

    ``keywords`` 是 {类型: 关键词} 的字典，键的顺序就是检查的优先顺序；默认用
    :data:`OBJECTION_KEYWORDS`。返回与输入同索引的 Series。

    参数：
        ``texts``：客户的原话，一个字符串、字符串列表或 Series，不能有缺失值。

    >>> classify_objections(["太贵了。", "售后服务跟得上吗？", "你好"]).tolist()
    ['价格异议', '服务异议', '未识别']
    """
    func = "classify_objections"
    series = _texts(texts, func)
    rules = _rules(keywords, func)
    result = pd.Series(UNKNOWN, index=series.index, dtype=object)
    undecided = pd.Series(True, index=series.index)
    for kind, words in rules.items():
        pattern = "|".join(map(re.escape, words))
        hit = undecided & series.str.contains(pattern, regex=True)
        result[hit] = kind
        undecided &= ~hit
    return result.rename("predicted")


def _pair(actual, predicted, func: str) -> tuple[pd.Series, pd.Series]:
    a, p = _texts(actual, func, "actual"), _texts(predicted, func, "predicted")
    if len(a) != len(p):
        raise fail(func, f"actual 有 {len(a)} 个标签，predicted 有 {len(p)} 个，两者长度必须相同。")
    return a.reset_index(drop=True), p.reset_index(drop=True)


def confusion_table(actual, predicted) -> pd.DataFrame:
    """混淆矩阵：行是真实类型，列是判断出的类型，格子里是句数。

    >>> confusion_table(["价格异议", "价格异议", "产品异议"], ["价格异议", "产品异议", "产品异议"])
    predicted  产品异议  价格异议
    actual
    产品异议          1     0
    价格异议          1     1
    """
    a, p = _pair(actual, predicted, "confusion_table")
    table = pd.crosstab(a.rename("actual"), p.rename("predicted"))
    labels = sorted(set(table.index) | set(table.columns))
    return table.reindex(index=sorted(set(a)), columns=labels, fill_value=0)


def classification_accuracy(actual, predicted) -> float:
    """判断正确的比例（0—1）。

    参数：
        ``actual``：真实类型，一个字符串、字符串列表或 Series，不能有缺失值。
        ``predicted``：判断出的类型，形式同 ``actual``，个数与 ``actual`` 相同、一一对应。

    >>> classification_accuracy(["价格异议", "产品异议"], ["价格异议", "未识别"])
    0.5
    """
    a, p = _pair(actual, predicted, "classification_accuracy")
    return float((a == p).mean())


def suggest_method(objection_type: str, nature: str, *, misinformed: bool = False) -> str:
    """按本课程的规则为一条异议建议处理方法（六种之一）。

    规则：客户误解事实 → 直接反驳法；假异议 → 忽视法；隐藏异议 → 询问法；
    真异议按内容：价格、产品 → 补偿法，服务、销售员、支付能力 → "是的……如果"法，
    需求、购买时间 → 太极法。

    参数：
        ``objection_type``：异议的类型，:data:`OBJECTION_TYPES` 之一，例如 ``'价格异议'``。
        ``nature``：异议的性质，:data:`OBJECTION_NATURES` 之一（``'真异议'``、``'假异议'``、``'隐藏异议'``）。
        ``misinformed``：客户是否误解了事实（True/False，默认 False）；True 时一律建议直接反驳法。

    >>> suggest_method("价格异议", "隐藏异议")
    '询问法'
    >>> suggest_method("产品异议", "真异议", misinformed=True)
    '直接反驳法'
    """
    func = "suggest_method"
    choice(objection_type, func, "objection_type", OBJECTION_TYPES)
    choice(nature, func, "nature", OBJECTION_NATURES)
    if not isinstance(misinformed, (bool, np.bool_)):
        raise fail(func, f"参数 misinformed 应该是 True 或 False，收到的是 {misinformed!r}。")
    if misinformed:
        return "直接反驳法"
    if nature == "假异议":
        return "忽视法"
    if nature == "隐藏异议":
        return "询问法"
    return _TRUE_OBJECTION_METHOD[objection_type]


def method_success_rates(calls, *, by="nature", method_col="method", outcome_col="closed") -> pd.DataFrame:
    """每种处理方法在不同情形下的成交率（0—1），行是方法，列是 ``by`` 列的取值。

    参数：
        ``calls``：每行一通电话的表（DataFrame）。
        ``by``：情形所在的列名（默认 ``'nature'``，异议的性质），不能是 None。
        ``method_col``：处理方法所在的列名（默认 ``'method'``）。
        ``outcome_col``：是否成交的列名（默认 ``'closed'``），值为 True/False 或 0/1。

    >>> calls = pd.DataFrame({"method": ["询问法", "询问法", "忽视法"], "nature": ["隐藏异议"] * 3,
    ...                       "closed": [True, False, False]})
    >>> method_success_rates(calls)
    nature  隐藏异议
    method
    忽视法      0.0
    询问法      0.5
    """
    func = "method_success_rates"
    if by is None:
        raise fail(func, "参数 by 应该是列名（如 'nature'）；只看方法本身时请用 success_rate_intervals(calls, by=None)。")
    frame = _outcomes(calls, func, by, method_col, outcome_col)
    table = frame.pivot_table(index="method", columns="by", values="closed", aggfunc="mean")
    return table.rename_axis(index="method", columns=by)


def _outcomes(calls, func: str, by, method_col: str, outcome_col: str) -> pd.DataFrame:
    """方法、分组和成交（0/1 浮点数）三列的新表；检查列、成交列的取值和缺失值。"""
    columns = {"method_col": method_col, "outcome_col": outcome_col}
    if by is not None:
        columns["by"] = by
    require_columns(calls, func, param="calls", **columns)
    outcome = calls[outcome_col]
    if outcome.isna().any():
        raise fail(func, f"列 {outcome_col!r} 有 {int(outcome.isna().sum())} 个缺失值：不知道这几通电话是否成交。"
                         f"请先删除这些行：calls.dropna(subset=[{outcome_col!r}])。")
    if not pd.api.types.is_bool_dtype(outcome):
        if not (pd.api.types.is_numeric_dtype(outcome) and outcome.isin([0, 1]).all()):
            raise fail(func, f"列 {outcome_col!r} 应该是 True/False（或 0/1），实际类型是 {outcome.dtype}。")
    frame = pd.DataFrame({"method": calls[method_col].to_numpy(),
                          "by": calls[by].to_numpy() if by is not None else "全部",
                          "closed": outcome.astype(float).to_numpy()})
    if frame[["method", "by"]].isna().any().any():
        raise fail(func, f"列 {method_col!r}" + (f" 或 {by!r}" if by is not None else "") + " 有缺失值，请先删除这些行。")
    return frame


def success_rate_intervals(calls, *, by: str | None = "nature", method_col="method", outcome_col="closed",
                           level: float = 0.95) -> pd.DataFrame:
    """每种方法（在 ``by`` 列的每个取值下）的电话数、成交数、成交率和它的置信区间（Wilson 区间）。

    返回一张长表，列为 ``method``、``by`` 列（``by=None`` 时没有这一列）、``n``（电话数）、
    ``closed``（成交数）、``rate``（成交率，0—1）、``lower`` 与 ``upper``（区间的下限与上限）。
    每格只有十几、二十通电话时，区间很宽：两种方法的区间重叠，就不能断定哪种更好。

    参数：
        ``calls``：每行一通电话的表（DataFrame）。
        ``by``：情形所在的列名（默认 ``'nature'``）；None 时只按方法分组。
        ``method_col``：处理方法所在的列名（默认 ``'method'``）。
        ``outcome_col``：是否成交的列名（默认 ``'closed'``），值为 True/False 或 0/1。
        ``level``：置信水平，0 和 1 之间（不含两端），默认 0.95。

    >>> calls = pd.DataFrame({"method": ["询问法"] * 4 + ["忽视法"] * 2,
    ...                       "closed": [True, True, True, False, False, True]})
    >>> success_rate_intervals(calls, by=None).round(2)
      method  n  closed  rate  lower  upper
    0    忽视法  2       1  0.50   0.09   0.91
    1    询问法  4       3  0.75   0.30   0.95
    """
    func = "success_rate_intervals"
    level = number(level, func, "level", minimum=0, maximum=1, inclusive=False)
    frame = _outcomes(calls, func, by, method_col, outcome_col)
    grouped = frame.groupby(["by", "method"], sort=True)["closed"]
    table = pd.DataFrame({"n": grouped.size(), "closed": grouped.sum().round().astype(int)}).reset_index()
    n, k = table["n"].to_numpy(dtype=float), table["closed"].to_numpy(dtype=float)
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + level / 2)
    rate = k / n
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    table = table.assign(rate=rate, lower=np.clip(centre - half, 0, 1), upper=np.clip(centre + half, 0, 1))
    table = table.rename(columns={"by": by}) if by is not None else table.drop(columns="by")
    first = ["method"] + ([by] if by is not None else [])
    return table[first + ["n", "closed", "rate", "lower", "upper"]].reset_index(drop=True)


@shared_docs
def plot_success_rates(table, *, by: str | None = None, ax=None, title: str = "各处理方法的成交率（横线为 95% 区间）"):
    """把 :func:`success_rate_intervals` 的结果画成点和区间横线：每种方法一行，``by`` 的每个取值一种颜色。

    点旁边写着这一格的电话数 n。返回 Axes。

    参数：
        ``table``：:func:`success_rate_intervals` 的结果，含 ``method``、``n``、``rate``、``lower``、``upper`` 列。
        ``by``：分颜色的列名，应与算 ``table`` 时的 ``by`` 相同；None（默认）表示只有方法一层。
        {shared:ax}
        {shared:title}

    >>> calls = pd.DataFrame({"method": ["询问法", "询问法", "忽视法"], "closed": [True, False, True]})
    >>> ax = plot_success_rates(success_rate_intervals(calls, by=None))
    >>> ax.get_xlabel()
    '成交率'
    """
    func = "plot_success_rates"
    columns = {"method": "method", "n": "n", "rate": "rate", "lower": "lower", "upper": "upper"}
    if by is not None:
        columns["by"] = by
    require_columns(table, func, param="table", **columns)
    values = pd.DataFrame({col: numeric_column(table, col, func) for col in ("rate", "lower", "upper")})
    counts = numeric_column(table, "n", func, allow_negative=False)
    if ((values < 0) | (values > 1)).any().any():
        raise fail(func, "参数 table 的 rate、lower、upper 应该在 0 和 1 之间（成交率是比例，不是百分数）。")
    if ((values["lower"] > values["rate"]) | (values["rate"] > values["upper"])).any():
        raise fail(func, "参数 table 里有 rate 不在 lower 和 upper 之间的行：区间应该包住成交率。"
                         "请传入 success_rate_intervals(...) 的结果。")
    text(title, func, "title")
    ax = new_axes(ax, figsize=(8, 4.5))
    methods = list(dict.fromkeys(table["method"]))
    groups = list(dict.fromkeys(table[by])) if by is not None else [None]
    colors = ["#3b75af", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f"]
    step = 0.7 / max(len(groups), 1)
    for g, group in enumerate(groups):
        part = np.ones(len(table), dtype=bool) if group is None else (table[by] == group).to_numpy()  # 按位置取行
        rows = [methods.index(m) + (g - (len(groups) - 1) / 2) * step for m in table["method"].to_numpy()[part]]
        color = colors[g % len(colors)]
        rate, low, high = (values[col].to_numpy()[part] for col in ("rate", "lower", "upper"))
        ax.errorbar(rate, rows, xerr=[rate - low, high - rate],
                    fmt="o", color=color, capsize=3, label=None if group is None else str(group))
        for y, rate, count in zip(rows, rate, counts.to_numpy()[part]):
            ax.annotate(f"n={int(count)}", (rate, y), xytext=(4, 5), textcoords="offset points", fontsize=8,
                        color=color)
    ax.set_yticks(range(len(methods)), [str(m) for m in methods])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("成交率")
    ax.set_ylabel("处理方法")
    ax.set_title(title)
    if by is not None:
        ax.legend(title=str(by), loc="lower right")
    return ax


@shared_docs
def plot_confusion(table, *, ax=None, title: str = "异议分类的混淆矩阵", cmap: str = "Blues"):
    """把 :func:`confusion_table` 的结果画成热力图，返回 Axes。

    参数：
        ``table``：:func:`confusion_table` 的结果（格子是非负的句数）。
        {shared:ax}
        {shared:title}
        {shared:cmap}

    >>> ax = plot_confusion(confusion_table(["价格异议", "产品异议"], ["价格异议", "价格异议"]))
    >>> ax.get_xlabel()
    '判断出的类型'
    """
    func = "plot_confusion"
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise fail(func, "参数 table 应该是 confusion_table(...) 得到的非空表。")
    require_frame(table, func, param="table")
    if not all(pd.api.types.is_numeric_dtype(dtype) for dtype in table.dtypes):
        raise fail(func, "参数 table 的格子应该都是数字（句数）。")
    if table.isna().any().any() or (table < 0).any().any():
        raise fail(func, "参数 table 里有缺失值或负数；混淆矩阵的格子是句数，应为非负整数。")
    values = table.to_numpy(dtype=float)   # 可空整数（Int64）之类也换成普通的浮点数
    check_cmap(cmap, func)
    text(title, func, "title")
    ax = new_axes(ax, figsize=(7, 5.5))
    ax.imshow(values, cmap=cmap)
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], rotation=45, ha="right")
    ax.set_yticks(range(table.shape[0]), [str(i) for i in table.index])
    threshold = values.max() / 2 if values.size else 0
    for (row, col), value in np.ndenumerate(values):
        ax.text(col, row, f"{value:g}", ha="center", va="center",
                color="white" if value > threshold else "black")
    ax.set_xlabel("判断出的类型")
    ax.set_ylabel("真实类型")
    ax.set_title(title)
    return ax


