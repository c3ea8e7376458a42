"""客户保持：老客户的经济账、客户终身价值、生命周期阶段与模式、客户价值矩阵、赢回模拟、sBG 保持预测。

对应教材"客户保持"一节与"客户生命周期"：

* :func:`selling_economics`：同一笔预算向新客户推销还是向老客户推销，各能换回多少成交；
* :func:`customer_lifetime_value` 与 :func:`clv_table`：带保持率和折现的客户终身价值（公式与逐期表）；
* :func:`lifecycle_path`、:func:`lifecycle_stage`、:func:`lifecycle_pattern`：按采购额的走势判断
  考察期 / 形成期 / 稳定期 / 退化期，以及早期流产型 / 中途夭折型 / 提前退出型 / 长期保持型；
* :func:`value_matrix` 与 :func:`plot_value_matrix`：当前价值 × 增值潜力的客户价值矩阵及每类的保持策略；
* :func:`simulate_winback`：赢回流失客户的逐期模拟（南苑与伊顿酒店的案例）；
* :func:`sbg_fit`、:func:`sbg_curve`、:func:`plot_sbg`：移位贝塔几何（shifted-beta-geometric，sBG）
  保持模型的拟合与预测（Fader & Hardie, 2007）。

所有函数都返回新对象，不修改传入的表。
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._docs import shared_docs
from ._log import customer_codes
from ._validation import _show, boolean, fail, number, numeric_column, require_columns, text
from .plotting import new_axes

__all__ = [
    "selling_economics", "customer_lifetime_value", "clv_table",
    "LIFECYCLE_STAGES", "LIFECYCLE_PATTERNS", "lifecycle_path", "lifecycle_stage", "lifecycle_pattern",
    "VALUE_MATRIX_STRATEGIES", "value_matrix", "plot_value_matrix",
    "simulate_winback", "sbg_fit", "sbg_curve", "plot_sbg",
]

LIFECYCLE_STAGES = ("考察期", "形成期", "稳定期", "退化期")
LIFECYCLE_PATTERNS = ("早期流产型", "中途夭折型", "提前退出型", "长期保持型")

# 客户价值矩阵：(当前价值高?, 增值潜力高?) → (象限, 客户类型, 保持策略, 资源投入的优先级)
VALUE_MATRIX_STRATEGIES = {
    (True, True): ("IV", "最有价值客户", "重点投入：优先配置资源，全力保持并深化关系", 1),
    (True, False): ("III", "高当前价值客户", "维持投入：保持现有服务水平，稳住关系", 2),
    (False, True): ("II", "高增值潜力客户", "适度投入：针对性培育，挖掘增值潜力", 3),
    (False, False): ("I", "低价值客户", "控制成本：最少投入，不值得时放弃", 4),
}


# ------------------------------------------------------------------ 小工具

def _values(value, func: str, param: str, *, minimum=None, maximum=None):
    """标量 → float；Series / 列表 / 数组 → float 数组（同时返回 Series 的索引）。"""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return number(value, func, param, minimum=minimum, maximum=maximum), None
    if isinstance(value, pd.Series):
        index = value.index
        frame = value.to_frame(name=param)
    elif isinstance(value, (list, tuple, np.ndarray)):
        index = None
        try:
            frame = pd.DataFrame({param: np.asarray(value).ravel()})
        except Exception:  # noqa: BLE001 - 任何无法转成一列的输入都按类型错误处理
            raise fail(func, f"参数 {param} 应该是数字或一串数字，收到的是 {_show(value)}。") from None
    else:
        raise fail(func, f"参数 {param} 应该是数字或一串数字（列表、数组、Series），"
                         f"收到的是 {type(value).__name__}：{_show(value)}。")
    if len(frame) == 0:
        raise fail(func, f"参数 {param} 是空的，请至少给一个数。")
    values = numeric_column(frame, param, func).to_numpy()
    if minimum is not None and (values < minimum).any():
        raise fail(func, f"参数 {param} 应该 ≥ {minimum:g}，但有值为 {values.min():g}。")
    if maximum is not None and (values > maximum).any():
        raise fail(func, f"参数 {param} 应该 ≤ {maximum:g}，但有值为 {values.max():g}。")
    return values, index


def _align_series(func: str, inputs: dict):
    """几个 Series 参数按索引对齐到第一个 Series 的索引；返回 (对齐后的参数, 索引或 None)。"""
    series = {name: value for name, value in inputs.items() if isinstance(value, pd.Series)}
    if not series:
        return inputs, None
    first_name, first = next(iter(series.items()))
    index = first.index
    aligned = dict(inputs)
    for name, value in series.items():
        if not value.index.is_unique:
            raise fail(func, f"参数 {name} 的索引有重复的标签（例如 {_show(value.index[value.index.duplicated()][:3].tolist())}），"
                             f"无法按索引对齐。请先去掉重复，或用 .to_numpy() 按位置计算。")
        if value.index.equals(index):
            continue
        missing = index.difference(value.index)
        extra = value.index.difference(index)
        if len(missing) or len(extra):
            raise fail(func, f"参数 {name} 和 {first_name} 是 Series，但索引对不上："
                             f"{name} 缺少 {_show(missing[:3].tolist())}，多出 {_show(extra[:3].tolist())}。"
                             f"几个 Series 按索引（例如客户编号）对齐，请让它们包含同样的标签。")
        aligned[name] = value.reindex(index)
    return aligned, index


def _broadcast(func: str, **arrays):
    """把若干标量或数组按 numpy 规则对齐；长度不一致时给出中文错误。"""
    try:
        return np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in arrays.values()])
    except ValueError:
        sizes = "、".join(f"{k}（{np.size(v)} 个）" for k, v in arrays.items())
        raise fail(func, f"几个参数的长度对不上：{sizes}。请给单个数，或给长度相同的一串数。") from None


# ------------------------------------------------------------------ 老客户与新客户的经济账

def selling_economics(budget, *, existing_contact_cost, new_cost_multiple=6.0, new_success_rate=0.15,
                      existing_success_rate=0.5, margin_per_sale=0.0) -> pd.DataFrame:
    """同一笔推销预算花在新客户或老客户身上，各能联系多少人、成交多少单、赚多少钱。

    教材给出的经验数字是默认值：向新客户推销的花费是向老客户推销的 6 倍（``new_cost_multiple``），
    成功率新客户 15%、老客户 50%。返回两行的表（行索引：新客户、老客户）：

    - ``contact_cost`` 每联系一位客户的花费（元）；``contacts`` 预算能联系的人数；
    - ``success_rate`` 成功率；``sales`` 预计成交数 = 人数 × 成功率；
    - ``cost_per_sale`` 每成交一单的推销花费 = 每人花费 / 成功率；
    - ``profit`` 成交带来的毛利 − 预算 = 成交数 × ``margin_per_sale`` − ``budget``。

    参数：
        ``budget``：推销预算（元，非负）。
        ``existing_contact_cost``：联系一位老客户的花费（元，正数，必须给）。
        ``new_success_rate``：向新客户推销的成功率（0—1，默认 0.15）。
        ``existing_success_rate``：向老客户推销的成功率（0—1，默认 0.5）。
        ``margin_per_sale``：每成交一单的毛利（元，默认 0）。

    >>> selling_economics(12000, existing_contact_cost=20, margin_per_sale=100)
            contact_cost  contacts  success_rate   sales  cost_per_sale   profit
    新客户          120.0     100.0          0.15    15.0          800.0 -10500.0
    老客户           20.0     600.0          0.50   300.0           40.0  18000.0
    """
    func = "selling_economics"
    budget = number(budget, func, "budget", minimum=0)
    cost = number(existing_contact_cost, func, "existing_contact_cost", minimum=0, inclusive=False)
    multiple = number(new_cost_multiple, func, "new_cost_multiple", minimum=0, inclusive=False)
    p_new = number(new_success_rate, func, "new_success_rate", minimum=0, maximum=1)
    p_old = number(existing_success_rate, func, "existing_success_rate", minimum=0, maximum=1)
    margin = number(margin_per_sale, func, "margin_per_sale")
    if p_new == 0 or p_old == 0:
        raise fail(func, "成功率不能为 0（那样每成交一单的花费是无穷大）。请给一个大于 0 的比例，例如 0.15。")
    table = pd.DataFrame({"contact_cost": [cost * multiple, cost], "success_rate": [p_new, p_old]},
                         index=pd.Index(["新客户", "老客户"]))
    table.insert(1, "contacts", budget / table["contact_cost"])
    table["sales"] = table["contacts"] * table["success_rate"]
    table["cost_per_sale"] = table["contact_cost"] / table["success_rate"]
    table["profit"] = table["sales"] * margin - budget
    return table


# ------------------------------------------------------------------ 客户终身价值

def customer_lifetime_value(margin, retention_rate, discount_rate, *, periods=None, acquisition_cost=0.0):
    """客户终身价值（customer lifetime value，CLV）：未来各期毛利按保持率和折现率算出的现值之和。

    约定：客户现在（第 0 期末）开始合作；第 1 期的毛利 ``margin`` 在第 1 期末到手；
    第 t 期仍在合作的概率是 ``retention_rate`` 的 t − 1 次方；每期折现率 ``discount_rate``。于是

    CLV = Σ_{t=1..T} m · r^(t−1) / (1 + d)^t − 获客成本

    ``periods=None`` 表示无限期，公式化简为 **CLV = m / (1 + d − r)**；给定 ``periods=T`` 时
    CLV = m / (1 + d) · (1 − q^T) / (1 − q)，其中 q = r / (1 + d)。

    三个输入都可以是单个数，也可以是一串数（列表、数组或 Series，按元素计算）；全是单个数时返回
    ``float``，有 Series 时返回带同样索引的 Series，否则返回 numpy 数组。几个 Series 按**索引**对齐
    （同一位客户的毛利配同一位客户的保持率，顺序不同也没关系；索引对不上时报错）；列表和数组按位置对应。

    约定不同，公式也不同：毛利在每期**期初**到手（例如预付的年费，今天就收第 1 期）时
    CLV = m (1 + d) / (1 + d − r)，即本函数的结果乘以 (1 + d)；客户要先续约、第 1 期末才开始贡献毛利时
    CLV = m r / (1 + d − r)，即本函数的结果乘以 r。

    参数：
        ``margin``：每期毛利（元，可以为负）。
        ``retention_rate``：每期保持率（0—1）。
        ``discount_rate``：每期折现率（非负数）。
        ``periods``：算多少期（正整数）；None（默认）表示无限期。
        ``acquisition_cost``：获客成本（元，非负，默认 0），从结果里减去；也可以是一串数。

    >>> customer_lifetime_value(100, 0.8, 0.1)          # 100 / (1 + 0.1 − 0.8)
    333.3333333333333
    >>> round(customer_lifetime_value(100, 0.8, 0.1, periods=2), 3)   # 100/1.1 + 80/1.21
    157.025
    >>> customer_lifetime_value(pd.Series([100.0, 50.0], index=["A", "B"]), 0.5, 0.0)
    A    200.0
    B    100.0
    dtype: float64
    >>> customer_lifetime_value(pd.Series([100.0, 50.0], index=["A", "B"]),
    ...                         pd.Series([0.0, 0.5], index=["B", "A"]), 0.0)   # 按客户对齐
    A    200.0
    B     50.0
    dtype: float64
    """
    func = "customer_lifetime_value"
    inputs = {"margin": margin, "retention_rate": retention_rate, "discount_rate": discount_rate,
              "acquisition_cost": acquisition_cost}
    inputs, index = _align_series(func, inputs)
    m, _ = _values(inputs["margin"], func, "margin")
    r, _ = _values(inputs["retention_rate"], func, "retention_rate", minimum=0, maximum=1)
    d, _ = _values(inputs["discount_rate"], func, "discount_rate", minimum=0)
    cac, _ = _values(inputs["acquisition_cost"], func, "acquisition_cost", minimum=0)
    m_, r_, d_, cac_ = _broadcast(func, margin=m, retention_rate=r, discount_rate=d, acquisition_cost=cac)
    q = r_ / (1.0 + d_)
    if periods is None:
        if (q >= 1).any():
            raise fail(func, "保持率为 1 且折现率为 0 时，无限期的终身价值是无穷大。"
                             "请给一个小于 1 的保持率、一个大于 0 的折现率，或用 periods=… 限定期数。")
        value = m_ / (1.0 + d_ - r_)
    else:
        t = number(periods, func, "periods", minimum=1, integer=True)
        ratio = np.divide(1.0 - q ** t, 1.0 - q, out=np.full_like(q, float(t)), where=q != 1)
        value = m_ / (1.0 + d_) * ratio
    value = value - cac_
    if value.ndim == 0:
        return float(value)
    if index is not None:
        if len(index) != len(value):
            raise fail(func, "Series 的长度和其他参数对不上，请检查输入。")
        return pd.Series(value, index=index)
    return value


def clv_table(margin, retention_rate, discount_rate, *, periods=10) -> pd.DataFrame:
    """把客户终身价值一期一期摊开，看每期的毛利怎样被保持率和折现"打折"。

    返回 ``periods`` 行的表（行索引 ``period`` = 1, 2, …）：

    - ``alive`` 这一期仍在合作的概率 = r^(t−1)；``expected_margin`` 期望毛利 = m × alive；
    - ``discount_factor`` 折现系数 = 1 / (1 + d)^t；``present_value`` 现值 = 期望毛利 × 折现系数；
    - ``cumulative_value`` 累计现值：最后一行就是 ``customer_lifetime_value(..., periods=periods)``。

    参数：
        ``margin``：每期毛利（元，单个数，可以为负）。
        ``retention_rate``：每期保持率（0—1）。
        ``discount_rate``：每期折现率（非负数，例如 0.1 表示 10%）。
        ``periods``：摊开多少期（正整数，默认 10）。

    >>> clv_table(100, 0.8, 0.1, periods=3)[["alive", "expected_margin", "present_value", "cumulative_value"]].round(3)
            alive  expected_margin  present_value  cumulative_value
    period
    1        1.00            100.0         90.909            90.909
    2        0.80             80.0         66.116           157.025
    3        0.64             64.0         48.084           205.109
    """
    func = "clv_table"
    m = number(margin, func, "margin")
    r = number(retention_rate, func, "retention_rate", minimum=0, maximum=1)
    d = number(discount_rate, func, "discount_rate", minimum=0)
    n = number(periods, func, "periods", minimum=1, maximum=10_000, integer=True)
    t = np.arange(1, n + 1)
    table = pd.DataFrame({"alive": r ** (t - 1.0)}, index=pd.Index(t, name="period"))
    table["expected_margin"] = m * table["alive"]
    with np.errstate(over="ignore"):   # 折现率很高、期数很多时 (1 + d)^t 溢出：折现系数的极限就是 0
        table["discount_factor"] = 1.0 / (1.0 + d) ** t
    table["present_value"] = table["expected_margin"] * table["discount_factor"]
    table["cumulative_value"] = table["present_value"].cumsum()
    return table


# ------------------------------------------------------------------ 客户生命周期

_MAX_PERIODS = 10_000   # 客户 × 期的矩阵：期数的上限（季度数据一般只有几十期）

def _period_matrix(purchases, func: str, customer_col: str, period_col: str, amount_col: str, as_of):
    require_columns(purchases, func, param="purchases", customer_col=customer_col, period_col=period_col,
                    amount_col=amount_col)
    periods = numeric_column(purchases, period_col, func)
    if (periods != np.round(periods)).any():
        raise fail(func, f"列 {period_col!r} 应该是整数的期序号（例如季度 1, 2, 3…），"
                         f"收到了小数 {_show(periods[periods != np.round(periods)].head(3).tolist())}。"
                         f"日期请先换成序号，例如 (df['date'].dt.year − 2020) * 4 + df['date'].dt.quarter。")
    amount = numeric_column(purchases, amount_col, func, allow_negative=False)
    codes, customers = customer_codes(purchases[customer_col], func, customer_col)
    periods = periods.astype(np.int64)
    last = int(periods.max())
    if as_of is not None:
        as_of = number(as_of, func, "as_of", integer=True)
        if last > as_of:
            raise fail(func, f"列 {period_col!r} 有 {int((periods > as_of).sum())} 条记录晚于 as_of={as_of}"
                             f"（最晚 {last}）。请先筛选 df[df[{period_col!r}] <= {as_of}]，或把 as_of 设得晚一些。")
        last = as_of
    first = int(periods.min())
    if last - first + 1 > _MAX_PERIODS:
        where = f"从第 {first} 期到 as_of={last}" if as_of is not None else f"列 {period_col!r} 从 {first} 到 {last}"
        raise fail(func, f"{where}共有 {last - first + 1} 期，多于 {_MAX_PERIODS} 期。期序号应该是 1, 2, 3… 这样"
                         f"连续的整数（例如季度），日期请先换成序号，例如 (df['date'].dt.year - 2020) * 4 + df['date'].dt.quarter。")
    matrix = np.zeros((len(customers), last - first + 1))
    np.add.at(matrix, (codes, (periods - first).to_numpy()), amount.to_numpy())
    never = ~(matrix > 0).any(axis=1)
    if never.any():
        raise fail(func, f"列 {amount_col!r} 里有 {int(never.sum())} 位客户每期的采购额都是 0（例如 "
                         f"{_show(customers[never][:3].tolist())}），从来没有采购，谈不上生命周期阶段。"
                         f"请先删除这些客户的记录。")
    return matrix, pd.Index(customers, name=customer_col), np.arange(first, last + 1)


def _rules(func, window, trial_periods, decline_ratio, growth, exit_periods):
    return (number(window, func, "window", minimum=1, maximum=_MAX_PERIODS, integer=True),
            number(trial_periods, func, "trial_periods", minimum=1, integer=True),
            number(decline_ratio, func, "decline_ratio", minimum=0, maximum=1, inclusive=False),
            number(growth, func, "growth", minimum=0),
            number(exit_periods, func, "exit_periods", minimum=1, maximum=_MAX_PERIODS, integer=True))


def _stage_codes(matrix: np.ndarray, window: int, trial: int, decline_ratio: float, growth: float,
                 exit_periods: int):
    """每位客户每一期的阶段代码：-1 尚未开始，0 考察期，1 形成期，2 稳定期，3 退化期，4 已结束；另返回中间量。"""
    n_cust, n_per = matrix.shape
    bought = matrix > 0
    first = np.where(bought.any(axis=1), bought.argmax(axis=1), n_per)
    tenure = np.arange(n_per)[None, :] - first[:, None] + 1
    csum = np.concatenate([np.zeros((n_cust, window)), np.cumsum(matrix, axis=1)], axis=1)
    recent = (csum[:, window:] - csum[:, :-window]) / window          # 最近 window 期的平均采购额
    previous = np.concatenate([np.zeros((n_cust, 1)), recent[:, :-1]], axis=1)
    peak = np.maximum.accumulate(recent, axis=1)
    # 截至本期，已经连续 exit_periods 期没有采购：关系已结束（之后再采购就重新按规则判断）
    count = np.concatenate([np.zeros((n_cust, exit_periods)), np.cumsum(bought, axis=1)], axis=1)
    quiet = (count[:, exit_periods:] - count[:, :-exit_periods]) == 0
    codes = np.select(
        [tenure <= 0, quiet, tenure <= trial, matrix < decline_ratio * peak, recent > (1.0 + growth) * previous],
        [-1, 4, 0, 3, 1], default=2)
    return codes, tenure, recent, previous, peak, first


ENDED = "已结束"
_STAGE_LABELS = np.array([None, *LIFECYCLE_STAGES, ENDED], dtype=object)   # 下标 = 阶段代码 + 1


@shared_docs
def lifecycle_path(purchases, *, customer_col="customer_id", period_col="quarter", amount_col="amount",
                   window=2, trial_periods=3, decline_ratio=0.5, growth=0.25, exit_periods=2,
                   as_of=None) -> pd.DataFrame:
    """每位客户在每一期所处的生命周期阶段（行：客户，列：期序号）。判断规则见 :func:`lifecycle_stage`。

    第一次采购之前的期为缺失值（用 ``pd.isna`` 判断）；截至某期已经连续 ``exit_periods`` 期没有采购，
    这一期记为 ``"已结束"``（关系已经结束，不再是退化期；如果之后又来采购，从那一期起重新按规则判断）。
    每一列只用到截至那一期的数据：第 t 列就是 ``lifecycle_stage(..., as_of=t)`` 的 ``stage``。

    参数：
        {shared:lifecycle}

    >>> tiny = pd.DataFrame({"customer_id": ["A"] * 7, "quarter": [1, 2, 3, 4, 5, 6, 9],
    ...                      "amount": [10.0, 10, 60, 80, 80, 20, 10]})
    >>> lifecycle_path(tiny, trial_periods=2).loc["A"].tolist()
    ['考察期', '考察期', '形成期', '形成期', '稳定期', '退化期', '退化期', '已结束', '退化期']
    """
    func = "lifecycle_path"
    window, trial, ratio, grow, exit_n = _rules(func, window, trial_periods, decline_ratio, growth, exit_periods)
    matrix, customers, periods = _period_matrix(purchases, func, customer_col, period_col, amount_col, as_of)
    codes = _stage_codes(matrix, window, trial, ratio, grow, exit_n)[0]
    return pd.DataFrame(_STAGE_LABELS[codes + 1], index=customers, columns=pd.Index(periods, name=period_col))


@shared_docs
def lifecycle_stage(purchases, *, customer_col="customer_id", period_col="quarter", amount_col="amount",
                    window=2, trial_periods=3, decline_ratio=0.5, growth=0.25, exit_periods=2,
                    as_of=None) -> pd.DataFrame:
    """按采购额的走势判断每位客户现在（``as_of`` 期，默认数据里最晚的一期）处在生命周期的哪个阶段。

    ``purchases`` 每行是一位客户在一期（例如一个季度）的采购额，期序号 ``period_col`` 是整数；
    没有采购的期可以没有记录（按 0 计）。对每位客户、每一期，先算"最近 ``window`` 期的平均采购额"
    （``recent``），再按顺序套用下面的规则，第一条成立的就是答案：

    1. **考察期**：从第一次采购算起还不到 ``trial_periods`` 期（含第一次采购那期）——双方还在试探；
    2. **退化期**：**本期**采购额跌到了历史最高 ``recent``（``peak``）的 ``decline_ratio`` 倍以下——
       交易量明显下降（一期没有采购也算）；
    3. **形成期**：``recent`` 比上一期算出的 ``recent``（``previous``）高出 ``growth`` 以上——交易量还在快速增长；
    4. **稳定期**：其余情况——交易量保持在高位、大体平稳。

    另外，最近 ``exit_periods`` 期都没有采购的客户记为 ``ended=True``（关系已经结束），它的 ``stage`` 是
    ``"已结束"``，不再算作四个阶段之一（``ended`` 为 ``False`` 的客户才在四个阶段里）。

    返回每位客户一行（行索引为客户编号）：``first_period`` 第一次采购的期、``last_period`` 最后一次采购的期、
    ``tenure`` 至今的期数、``recent``、``previous``、``peak``、``stage`` 阶段、``ended``。

    参数：
        {shared:lifecycle}

    >>> tiny = pd.DataFrame({"customer_id": ["A", "A", "A", "A", "B", "B", "C"],
    ...                      "quarter": [1, 2, 3, 4, 3, 4, 1],
    ...                      "amount": [50.0, 50, 50, 50, 10, 30, 20]})
    >>> lifecycle_stage(tiny, trial_periods=1)[["tenure", "recent", "stage", "ended"]]
                 tenure  recent stage  ended
    customer_id
    A                 4    50.0   稳定期  False
    B                 2    20.0   形成期  False
    C                 4     0.0   已结束   True
    """
    func = "lifecycle_stage"
    window, trial, ratio, grow, exit_n = _rules(func, window, trial_periods, decline_ratio, growth, exit_periods)
    matrix, customers, periods = _period_matrix(purchases, func, customer_col, period_col, amount_col, as_of)
    codes, tenure, recent, previous, peak, first = _stage_codes(matrix, window, trial, ratio, grow, exit_n)
    bought = matrix > 0
    last_idx = matrix.shape[1] - 1 - np.argmax(bought[:, ::-1], axis=1)
    return pd.DataFrame({
        "first_period": periods[first],
        "last_period": periods[last_idx],
        "tenure": tenure[:, -1],
        "recent": recent[:, -1],
        "previous": previous[:, -1],
        "peak": peak[:, -1],
        "stage": _STAGE_LABELS[codes[:, -1] + 1],
        "ended": codes[:, -1] == 4,
    }, index=customers)


@shared_docs
def lifecycle_pattern(purchases, *, customer_col="customer_id", period_col="quarter", amount_col="amount",
                      window=2, trial_periods=3, decline_ratio=0.5, growth=0.25, exit_periods=2,
                      long_periods=4, as_of=None) -> pd.DataFrame:
    """按客户关系在哪个阶段退出，判断四种生命周期模式。

    先用 :func:`lifecycle_path` 得到每位客户每一期的阶段，再看它在进入退化期、退出之前**走到了哪一步**：

    - 在**稳定期**累计停留了至少 ``long_periods`` 期 → **长期保持型**（不论现在是否已经结束）；
    - 否则，如果关系还没有结束（最近 ``exit_periods`` 期内还有采购）→ ``尚未结束``；
    - 已经结束的：到过稳定期 → **提前退出型**；只到过形成期 → **中途夭折型**；
      没走出考察期 → **早期流产型**。

    返回每位客户一行：``max_stage`` 到过的最高阶段、``stable_periods`` 处于稳定期的期数、
    ``ended`` 是否已结束、``pattern`` 模式。

    参数：
        {shared:purchases}
        {shared:customer_col}
        {shared:period_col}
        {shared:amount_col}
        {shared:window}
        {shared:trial_periods}
        {shared:decline_ratio}
        {shared:growth}
        {shared:exit_periods}
        ``long_periods``：在稳定期累计停留多少期算长期保持型（正整数，默认 4）。
        {shared:as_of}

    >>> tiny = pd.DataFrame({"customer_id": ["A", "A", "B", "B", "B", "B", "B", "B", "C", "C"],
    ...                      "quarter": [1, 2, 1, 2, 3, 4, 5, 6, 7, 8],
    ...                      "amount": [5.0, 5, 10, 30, 60, 60, 60, 60, 10, 10]})
    >>> lifecycle_pattern(tiny, trial_periods=2, long_periods=2)[["max_stage", "stable_periods", "pattern"]]
                max_stage  stable_periods pattern
    customer_id
    A                 考察期               0   早期流产型
    B                 稳定期               2   长期保持型
    C                 考察期               0    尚未结束
    """
    func = "lifecycle_pattern"
    window, trial, ratio, grow, exit_n = _rules(func, window, trial_periods, decline_ratio, growth, exit_periods)
    long_n = number(long_periods, func, "long_periods", minimum=1, integer=True)
    matrix, customers, _ = _period_matrix(purchases, func, customer_col, period_col, amount_col, as_of)
    codes = _stage_codes(matrix, window, trial, ratio, grow, exit_n)[0]
    reached = np.where(codes >= 3, -1, codes).max(axis=1)      # 退化期、已结束都不算"走得更远"
    stable = (codes == 2).sum(axis=1)
    bought = matrix > 0
    since_last = np.argmax(bought[:, ::-1], axis=1)
    ended = since_last >= exit_n
    pattern = np.where(stable >= long_n, "长期保持型",
                       np.where(~ended, "尚未结束",
                                np.array(["早期流产型", "中途夭折型", "提前退出型"], dtype=object)[np.clip(reached, 0, 2)]))
    return pd.DataFrame({
        "max_stage": np.array(LIFECYCLE_STAGES[:3], dtype=object)[np.clip(reached, 0, 2)],
        "stable_periods": stable,
        "ended": ended,
        "pattern": pattern.astype(object),
    }, index=customers)


# ------------------------------------------------------------------ 客户价值矩阵

def _matrix_inputs(customers, func, current_col, potential_col, current_cut, potential_cut):
    require_columns(customers, func, param="customers", current_col=current_col, potential_col=potential_col)
    current = numeric_column(customers, current_col, func)
    potential = numeric_column(customers, potential_col, func)
    c_cut = float(current.median()) if current_cut is None else number(current_cut, func, "current_cut")
    p_cut = float(potential.median()) if potential_cut is None else number(potential_cut, func, "potential_cut")
    return current, potential, c_cut, p_cut


def value_matrix(customers, *, current_col="current_value", potential_col="growth_potential",
                 current_cut=None, potential_cut=None) -> pd.DataFrame:
    """客户价值矩阵：按当前价值和增值潜力把客户分成四类，并给出每类的保持策略。

    - **当前价值**：假定客户现在的购买行为保持不变，未来能为企业带来的利润的现值；
    - **增值潜力**：假定用合适的保持策略让客户多买、买得更有利可图，未来能**额外**带来的利润的现值。

    不低于分界线（``current_cut`` / ``potential_cut``，默认取各自的中位数）算"高"。返回原表的副本，
    加上 ``high_current``、``high_potential``、``quadrant``（I—IV）、``segment`` 客户类型、
    ``strategy`` 保持策略和 ``priority`` 资源投入优先级（1 最优先）：

    ========  ==========  ==========  ==============================
    象限      当前价值    增值潜力    策略
    ========  ==========  ==========  ==============================
    IV        高          高          重点投入，全力保持并深化关系
    III       高          低          维持投入，稳住关系
    II        低          高          适度投入，培育发展
    I         低          低          控制成本，最少投入或放弃
    ========  ==========  ==========  ==============================

    参数：
        ``customers``：每行一位客户的表（DataFrame）。
        ``current_col``：当前价值（元，现值）所在的列名（默认 ``'current_value'``）。
        ``potential_col``：增值潜力（元，现值）所在的列名（默认 ``'growth_potential'``）。

    >>> tiny = pd.DataFrame({"current_value": [9.0, 8.0, 1.0, 2.0], "growth_potential": [7.0, 1.0, 9.0, 2.0]})
    >>> value_matrix(tiny, current_cut=5, potential_cut=5)[["quadrant", "segment", "priority"]]
      quadrant    segment  priority
    0       IV     最有价值客户         1
    1      III    高当前价值客户         2
    2       II    高增值潜力客户         3
    3        I      低价值客户         4
    """
    func = "value_matrix"
    current, potential, c_cut, p_cut = _matrix_inputs(customers, func, current_col, potential_col,
                                                      current_cut, potential_cut)
    result = customers.copy()
    result["high_current"] = current >= c_cut
    result["high_potential"] = potential >= p_cut
    keys = list(zip(result["high_current"], result["high_potential"]))
    for position, column in enumerate(["quadrant", "segment", "strategy", "priority"]):
        result[column] = [VALUE_MATRIX_STRATEGIES[key][position] for key in keys]
    result["priority"] = result["priority"].astype(int)
    return result


@shared_docs
def plot_value_matrix(customers, *, current_col="current_value", potential_col="growth_potential",
                      current_cut=None, potential_cut=None, ax=None, title="客户价值矩阵",
                      xlabel="当前价值", ylabel="增值潜力"):
    """画客户价值矩阵的散点图：横轴当前价值、纵轴增值潜力，虚线是分界线，四个象限各用一种颜色。

    参数：
        ``customers``：每行一位客户的表（DataFrame）。
        ``current_col``：当前价值（元，现值）所在的列名（默认 ``'current_value'``）。
        ``potential_col``：增值潜力（元，现值）所在的列名（默认 ``'growth_potential'``）。
        ``current_cut``、``potential_cut``：当前价值、增值潜力的分界线（数字）；None（默认）时取中位数。
        {shared:ax}
        {shared:title}
        ``xlabel``：横轴标题（文字，默认 ``'当前价值'``）。
        ``ylabel``：纵轴标题（文字，默认 ``'增值潜力'``）。

    >>> tiny = pd.DataFrame({"current_value": [9.0, 8.0, 1.0, 2.0], "growth_potential": [7.0, 1.0, 9.0, 2.0]})
    >>> ax = plot_value_matrix(tiny, current_cut=5, potential_cut=5)
    >>> len(ax.collections), ax.get_xlabel()
    (4, '当前价值')
    """
    func = "plot_value_matrix"
    current, potential, c_cut, p_cut = _matrix_inputs(customers, func, current_col, potential_col,
                                                      current_cut, potential_cut)
    for param, value in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        text(value, func, param)
    ax = new_axes(ax, figsize=(7, 5.5), func=func)
    colors = {"IV": "#c0392b", "III": "#e67e22", "II": "#2e86c1", "I": "#95a5a6"}
    high_c, high_p = current >= c_cut, potential >= p_cut
    for (hc, hp), (quadrant, segment, _, _) in VALUE_MATRIX_STRATEGIES.items():
        mask = (high_c == hc) & (high_p == hp)
        ax.scatter(current[mask], potential[mask], s=22, alpha=0.75, color=colors[quadrant],
                   label=f"{quadrant} {segment}（{int(mask.sum())}）")
    ax.axvline(c_cut, color="#555555", linestyle="--", linewidth=1)
    ax.axhline(p_cut, color="#555555", linestyle="--", linewidth=1)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper right", fontsize=9, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


# ------------------------------------------------------------------ 赢回流失客户的模拟

def simulate_winback(lost_customers, *, periods=24, winback_rate, retention_rate, visit_rate=1.0, nights=1.0,
                     price, unit_cost, program_cost=0.0) -> pd.DataFrame:
    """赢回流失客户的逐期（期望值）模拟：每期有多少人回来、多少人留下、赚多少钱。

    一开始有 ``lost_customers`` 位流失客户。每一期：

    1. 仍流失的客户中有 ``winback_rate`` 的比例回来（``winback``），回来的当期入住一次；
    2. 上一期已经回来的客户中有 ``retention_rate`` 的比例继续留下（``continuing``），
       其余的再次流失、不再回来（``gone``）；留下的客户本期入住的概率是 ``visit_rate``；
    3. 入住次数 ``visits`` = 回来的 + 留下的 × 入住概率；间夜 = 入住次数 × 每次 ``nights`` 晚；
    4. 收入 = 间夜 × 房价 ``price``；成本 = 间夜 × 每晚成本 ``unit_cost`` + 本期营销投入 ``program_cost``；
       ``profit`` = 收入 − 成本。

    除 ``lost_customers`` 和 ``periods`` 外，每个参数都可以是单个数（每期一样），也可以是长度为
    ``periods`` 的一串数（逐期不同，例如促销期之后恢复原价）。``recovered_share`` 是累计回来过的人
    占最初流失人数的比例（流失顾客的回访率；最初没有流失客户时为缺失值）。

    >>> sim = simulate_winback(100, periods=2, winback_rate=0.2, retention_rate=0.9, visit_rate=0.5,
    ...                        price=100, unit_cost=40)
    >>> sim[["winback", "active", "lost", "visits", "profit", "cumulative_profit"]]
            winback  active  lost  visits  profit  cumulative_profit
    period
    1          20.0    20.0  80.0    20.0  1200.0             1200.0
    2          16.0    34.0  64.0    25.0  1500.0             2700.0
    """
    func = "simulate_winback"
    pool = number(lost_customers, func, "lost_customers", minimum=0)
    n = number(periods, func, "periods", minimum=1, maximum=10_000, integer=True)

    def per_period(value, name, **bounds):
        values, _ = _values(value, func, name, **bounds)
        values = np.asarray(values, dtype=float)
        if values.ndim == 0:
            return np.full(n, float(values))
        if len(values) != n:
            raise fail(func, f"参数 {name} 给了 {len(values)} 个值，而 periods={n}。"
                             f"请给单个数，或给正好 {n} 个数（每期一个）。")
        return values

    w = per_period(winback_rate, "winback_rate", minimum=0, maximum=1)
    r = per_period(retention_rate, "retention_rate", minimum=0, maximum=1)
    v = per_period(visit_rate, "visit_rate", minimum=0, maximum=1)
    k = per_period(nights, "nights", minimum=0)
    p = per_period(price, "price", minimum=0)
    c = per_period(unit_cost, "unit_cost", minimum=0)
    f = per_period(program_cost, "program_cost", minimum=0)
    # 流失池每期按 (1 − w) 缩小：第 t 期回来的人数有封闭式，回来后的留存是一个线性递推
    lost_before = pool * np.concatenate([[1.0], np.cumprod(1.0 - w)[:-1]])
    winback = w * lost_before
    active = np.empty(n)
    continuing = np.empty(n)
    prev = 0.0
    for t in range(n):  # 只在期数上递推（不是逐行遍历数据）
        continuing[t] = prev * r[t]
        active[t] = continuing[t] + winback[t]
        prev = active[t]
    gone = np.concatenate([[0.0], active[:-1]]) - continuing
    visits = winback + continuing * v
    revenue = visits * k * p
    cost = visits * k * c + f
    table = pd.DataFrame({
        "winback": winback, "continuing": continuing, "gone": gone, "active": active,
        "lost": lost_before - winback, "visits": visits, "nights": visits * k,
        "revenue": revenue, "cost": cost, "profit": revenue - cost,
    }, index=pd.Index(np.arange(1, n + 1), name="period"))
    table["cumulative_profit"] = table["profit"].cumsum()
    table["recovered_share"] = table["winback"].cumsum() / pool if pool > 0 else np.nan  # 没有流失客户时回访率无定义
    return table


# ------------------------------------------------------------------ sBG 保持模型

def _survivors(survivors, func: str) -> np.ndarray:
    values, _ = _values(survivors, func, "survivors", minimum=0)
    values = np.atleast_1d(np.asarray(values, dtype=float))
    if len(values) < 3:
        raise fail(func, f"参数 survivors 至少要有 3 个数（第 0 期的人数和之后至少两期），收到 {len(values)} 个。")
    if values[0] <= 0:
        raise fail(func, "参数 survivors 的第一个数是开始时的客户数，必须大于 0。")
    if (np.diff(values) > 0).any():
        where = int(np.argmax(np.diff(values) > 0)) + 1
        raise fail(func, f"参数 survivors 应该逐期不增（仍在的客户只会减少），"
                         f"但第 {where} 期（{values[where]:g}）比上一期（{values[where - 1]:g}）多。")
    return values


def _sbg_probabilities(alpha, beta, periods: int):
    from scipy.special import betaln

    t = np.arange(1, periods + 1)
    churn = np.exp(betaln(alpha + 1.0, beta + t - 1.0) - betaln(alpha, beta))      # P(T = t)
    survival = np.exp(betaln(alpha, beta + np.arange(0, periods + 1)) - betaln(alpha, beta))  # S(0..T)
    return churn, survival


def sbg_fit(survivors) -> pd.Series:
    """用最大似然把 sBG 模型拟合到一条保持曲线上，返回 ``alpha``、``beta`` 与对数似然。

    sBG（shifted-beta-geometric）模型的设定：每位客户每期结束时以自己的概率 θ 流失（几何分布），
    不同客户的 θ 服从 Beta(α, β) 分布。于是第 t 期的保持率 r_t = (β + t − 1) / (α + β + t − 1)
    随 t 上升——不是个别客户越来越忠诚，而是容易流失的人先走了，留下的是更忠诚的人。

    ``survivors`` 是同一批客户在第 0、1、2……期时仍在的人数（第一个数是开始时的人数）。

    >>> fit = sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])   # Fader & Hardie (2007) 的 regular 客户
    >>> fit[["alpha", "beta"]].round(3).tolist()
    [0.704, 1.182]
    """
    from scipy.optimize import minimize

    func = "sbg_fit"
    counts = _survivors(survivors, func)
    lost = -np.diff(counts)
    n = len(counts) - 1
    if counts[-1] == counts[0]:
        raise fail(func, "参数 survivors 里没有任何客户流失，无法估计流失概率的分布。")

    def negative_loglik(log_params):
        a, b = np.exp(log_params)
        churn, survival = _sbg_probabilities(a, b, n)
        return -(np.sum(lost * np.log(churn)) + counts[-1] * np.log(survival[-1]))

    best = minimize(negative_loglik, x0=np.zeros(2), method="Nelder-Mead",
                    options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    alpha, beta = np.exp(best.x)
    return pd.Series({"alpha": float(alpha), "beta": float(beta), "log_likelihood": float(-best.fun)})


def sbg_curve(alpha, beta, *, periods=12, cohort_size=1000.0) -> pd.DataFrame:
    """sBG 模型给出的保持曲线：第 0……``periods`` 期仍在的比例、保持率和流失概率。

    返回的表行索引为 ``period``（0 起），列为：``survival`` 仍在的比例 S(t)、``survivors`` 期望人数
    = ``cohort_size`` × S(t)、``retention_rate`` 本期保持率 S(t) / S(t−1)（第 0 期为缺失值）、
    ``churn_prob`` 恰好在第 t 期流失的概率 P(T = t)。

    参数：
        ``alpha``、``beta``：sBG 模型的两个参数（正数），通常取自 :func:`sbg_fit` 的结果。
        ``periods``：算到第几期（正整数，默认 12）。
        ``cohort_size``：开始时的人数（正数，默认 1000）。

    >>> sbg_curve(1.0, 1.0, periods=3, cohort_size=100)      # α = β = 1：S(t) = 1 / (t + 1)
            survival   survivors  retention_rate  churn_prob
    period
    0       1.000000  100.000000             NaN         NaN
    1       0.500000   50.000000        0.500000    0.500000
    2       0.333333   33.333333        0.666667    0.166667
    3       0.250000   25.000000        0.750000    0.083333
    """
    func = "sbg_curve"
    a = number(alpha, func, "alpha", minimum=0, inclusive=False)
    b = number(beta, func, "beta", minimum=0, inclusive=False)
    n = number(periods, func, "periods", minimum=1, maximum=10_000, integer=True)
    size = number(cohort_size, func, "cohort_size", minimum=0, inclusive=False)
    churn, survival = _sbg_probabilities(a, b, n)
    table = pd.DataFrame({"survival": survival}, index=pd.Index(np.arange(n + 1), name="period"))
    table["survivors"] = size * table["survival"]
    table["retention_rate"] = table["survival"] / table["survival"].shift(1)
    table["churn_prob"] = np.concatenate([[np.nan], churn])
    return table


@shared_docs
def plot_sbg(survivors, *, horizon=12, ax=None, label="实际", title="sBG 模型：保持曲线的拟合与预测",
             show_retention=False):
    """拟合 sBG 模型，画出实际仍在的人数（点）和模型的拟合与预测（线），返回 Axes。

    ``horizon`` 是预测到第几期；拟合用的最后一期之后用虚线表示预测。
    ``show_retention=True`` 时改画逐期保持率。

    参数：
        ``survivors``：同一批客户在第 0、1、2……期仍在的人数（列表、数组或 Series，第一个数是开始时的人数）。
        ``horizon``：画到第几期（整数，不小于观察到的期数，默认 12）。
        {shared:ax}
        ``label``：实际人数那组点在图例里的名字（文字，默认 ``'实际'``）。
        {shared:title}
        ``show_retention``：True 时画逐期保持率，默认 False（画人数）。

    >>> ax = plot_sbg([1000, 631, 468, 382, 326, 289, 262, 241], horizon=12)
    >>> len(ax.lines)
    3
    """
    func = "plot_sbg"
    counts = _survivors(survivors, func)
    h = number(horizon, func, "horizon", minimum=len(counts) - 1, maximum=10_000, integer=True)
    show_retention = boolean(show_retention, func, "show_retention")
    text(label, func, "label")
    text(title, func, "title")
    fit = sbg_fit(counts)
    curve = sbg_curve(fit["alpha"], fit["beta"], periods=h, cohort_size=counts[0])
    ax = new_axes(ax, func=func)
    n = len(counts) - 1
    column = "retention_rate" if show_retention else "survivors"
    observed = counts[1:] / counts[:-1] if show_retention else counts
    x_obs = np.arange(1, n + 1) if show_retention else np.arange(n + 1)
    ax.plot(x_obs, observed, "o", color="#2c3e50", label=label)
    ax.plot(curve.index[: n + 1], curve[column].iloc[: n + 1], "-", color="#c0392b",
            label=f"sBG 拟合（α={fit['alpha']:.3f}，β={fit['beta']:.3f}）")
    ax.plot(curve.index[n:], curve[column].iloc[n:], "--", color="#c0392b", label="sBG 预测")
    ax.set_title(title)
    ax.set_xlabel("期")
    ax.set_ylabel("保持率" if show_retention else "仍在的客户数")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return ax
