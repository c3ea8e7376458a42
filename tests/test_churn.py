"""crmlib.churn: hand calculations on tiny frames, Chinese errors, and agreement with lifetimes."""
from __future__ import annotations

import importlib.util
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import crmlib  # noqa: E402
from crmlib import churn  # noqa: E402

HAS_LIFETIMES = importlib.util.find_spec("lifetimes") is not None
needs_lifetimes = pytest.mark.skipif(not HAS_LIFETIMES, reason="lifetimes 未安装（pip install -e '.[bench]'）")


def tx_frame(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"]).assign(
        date=lambda f: pd.to_datetime(f["date"]))


# ---------------------------------------------------------------- the two formulas

def test_churn_and_retention_rate_follow_the_textbook_formulas():
    # 200 位消费客户里流失 30 位：流失率 15%，保持率 = 170/200 = 85% = 1 − 15%
    assert crmlib.churn_rate(30, 200) == 0.15
    assert crmlib.retention_rate(170, 200) == 0.85
    assert crmlib.retention_rate(170, 200) == pytest.approx(1 - crmlib.churn_rate(30, 200))
    assert crmlib.churn_rate(0, 5) == 0.0 and crmlib.churn_rate(5, 5) == 1.0
    assert type(crmlib.churn_rate(np.int64(1), np.int64(4))) is float


def test_zero_customers_is_a_clear_error_not_zero_or_nan():
    with pytest.raises(crmlib.CRMInputError, match="churn_rate：参数 customers（消费人数）是 0"):
        crmlib.churn_rate(0, 0)
    with pytest.raises(crmlib.CRMInputError, match="retention_rate：参数 customers（消费人数）是 0"):
        crmlib.retention_rate(0, 0)


@pytest.mark.parametrize("lost, customers, fragment", [
    (30, 20, "不可能比消费人数还多"),
    (-1, 20, "参数 lost 应该 ≥ 0"),
    (2.5, 20, "参数 lost 应该是整数"),
    ("3", 20, "参数 lost 应该是数字"),
    (3, None, "参数 customers 应该是数字"),
])
def test_bad_counts_are_rejected_in_chinese(lost, customers, fragment):
    with pytest.raises(crmlib.CRMInputError, match=fragment):
        crmlib.churn_rate(lost, customers)


def test_period_churn_by_hand():
    # Q1: a, b, c 买过；Q2 又来的是 a、c → 保持 2，流失 1；Q2: a, c；Q3 只有 a → 保持 1，流失 1
    tx = tx_frame([("a", "2024-01-05", 1), ("b", "2024-02-10", 1), ("c", "2024-03-01", 1),
                   ("a", "2024-04-02", 1), ("c", "2024-05-20", 1), ("a", "2024-07-01", 1), ("a", "2024-07-09", 1)])
    result = crmlib.period_churn(tx)
    assert result["period"].tolist() == ["2024Q1", "2024Q2"]
    assert result["customers"].tolist() == [3, 2] and result["retained"].tolist() == [2, 1]
    assert result["lost"].tolist() == [1, 1]
    assert result["churn_rate"].tolist() == pytest.approx([1 / 3, 1 / 2])
    assert (result["churn_rate"] + result["retention_rate"]).tolist() == pytest.approx([1, 1])
    monthly = crmlib.period_churn(tx, freq="M")
    # 1 月的 a 在 2 月没来；3 月的 c 在 4 月没来……没有人连续两个月购买
    assert monthly["retained"].sum() == 0
    assert monthly["period"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]


def test_period_churn_needs_two_periods():
    tx = tx_frame([("a", "2024-01-05", 1), ("b", "2024-02-10", 1)])
    with pytest.raises(crmlib.CRMInputError, match="period_churn：列 'date' 的日期都在同一个季度里"):
        crmlib.period_churn(tx)


def test_churn_status_window_by_hand():
    tx = tx_frame([("a", "2024-01-01", 5), ("b", "2024-02-01", 5), ("a", "2024-06-20", 5), ("c", "2024-04-01", 5)])
    status = crmlib.churn_status(tx, window_days=90, as_of="2024-06-30")
    assert status.index.tolist() == ["a", "b", "c"]
    assert status["days_since_last"].tolist() == [10, 150, 90]
    assert status["churned"].tolist() == [False, True, False]      # 正好 90 天还不算
    shorter = crmlib.churn_status(tx, window_days=30, as_of="2024-06-30")
    assert shorter["churned"].tolist() == [False, True, True]
    with pytest.raises(crmlib.CRMInputError, match="churn_status：列 'date' 有 1 条记录晚于 as_of=2024-05-01"):
        crmlib.churn_status(tx, as_of="2024-05-01")
    with pytest.raises(crmlib.CRMInputError, match="参数 window_days 应该 ≥ 1"):
        crmlib.churn_status(tx, window_days=0)


def test_shorter_window_never_lowers_the_measured_churn():
    tx = crmlib.load_dataset("churn_orders")
    rates = [crmlib.churn_status(tx, window_days=w)["churned"].mean() for w in (30, 60, 90, 180, 365)]
    assert rates == sorted(rates, reverse=True) and rates[0] > rates[-1]


# ---------------------------------------------------------------- cohorts

TINY = tx_frame([("a", "2024-01-03", 1), ("b", "2024-01-20", 1), ("a", "2024-02-05", 1),
                 ("c", "2024-02-11", 1), ("b", "2024-03-01", 1), ("a", "2024-03-15", 1), ("a", "2024-03-20", 1)])


def test_cohort_table_by_hand():
    # 1 月同期群 {a, b}：第 0 月 2 人，第 1 月只有 a，第 2 月 a、b 都来了；2 月同期群 {c}：第 1 月没来
    table = crmlib.cohort_table(TINY)
    assert table.index.tolist() == ["2024-01", "2024-02"] and table.index.name == "cohort"
    assert table.columns.tolist() == [0, 1, 2] and table.columns.name == "months_since_first"
    assert table.loc["2024-01"].tolist() == [2.0, 1.0, 2.0]
    assert table.loc["2024-02", [0, 1]].tolist() == [1.0, 0.0] and np.isnan(table.loc["2024-02", 2])
    share = crmlib.cohort_table(TINY, values="share")
    assert share.loc["2024-01"].tolist() == [1.0, 0.5, 1.0]
    quarterly = crmlib.cohort_table(TINY, freq="Q")
    assert quarterly.index.tolist() == ["2024Q1"] and quarterly.loc["2024Q1", 0] == 3.0
    assert quarterly.columns.name == "quarters_since_first"


def test_cohort_table_skips_months_without_new_customers_and_keeps_gaps():
    tx = tx_frame([("a", "2024-01-03", 1), ("a", "2024-04-03", 1), ("b", "2024-03-10", 1)])
    table = crmlib.cohort_table(tx)
    assert table.index.tolist() == ["2024-01", "2024-03"]
    assert table.loc["2024-01"].tolist() == [1.0, 0.0, 0.0, 1.0]
    assert table.loc["2024-03", [0, 1]].tolist() == [1.0, 0.0]
    assert table.loc["2024-03", [2, 3]].isna().all()


def test_cohort_table_both_algorithms_agree(monkeypatch):
    tx = crmlib.load_dataset("churn_orders")
    dense = crmlib.cohort_table(tx)
    monkeypatch.setattr(churn, "_DENSE_LIMIT", 0)
    pd.testing.assert_frame_equal(crmlib.cohort_table(tx), dense)


def test_cohort_table_matches_a_plain_pandas_version():
    tx = crmlib.load_dataset("churn_orders")
    month = tx["date"].dt.to_period("M")
    first = month.groupby(tx["customer_id"]).transform("min")
    age = (month - first).map(lambda offset: offset.n)
    naive = (pd.DataFrame({"cohort": first.astype(str), "age": age, "c": tx["customer_id"]})
             .drop_duplicates().groupby(["cohort", "age"]).size().unstack())
    table = crmlib.cohort_table(tx)
    assert table.fillna(0).to_numpy().tolist() == naive.reindex(table.index).fillna(0).to_numpy().tolist()


def test_cohort_options_are_checked():
    with pytest.raises(crmlib.CRMInputError, match="cohort_table：参数 values 只能是 'count'、'share' 之一"):
        crmlib.cohort_table(TINY, values="percent")
    with pytest.raises(crmlib.CRMInputError, match="参数 freq 只能是 'M'、'Q' 之一"):
        crmlib.cohort_table(TINY, freq="W")
    with pytest.raises(crmlib.CRMMissingColumnError, match="cohort_table：找不到列 'date'"):
        crmlib.cohort_table(TINY.rename(columns={"date": "日期"}))


def test_plot_cohort_heatmap_draws_every_cohort():
    crmlib.use_chinese_font()
    fig, ax = plt.subplots()
    out = crmlib.plot_cohort_heatmap(crmlib.cohort_table(TINY, values="share"), ax=ax)
    assert out is ax and [t.get_text() for t in ax.get_yticklabels()] == ["2024-01", "2024-02"]
    assert "50%" in [t.get_text() for t in ax.texts]
    plt.close(fig)
    with pytest.raises(crmlib.CRMInputError, match="plot_cohort_heatmap：参数 cmap 不是 matplotlib 认识的色图名"):
        crmlib.plot_cohort_heatmap(crmlib.cohort_table(TINY), cmap="彩虹")


# ---------------------------------------------------------------- reasons

def test_reasons_pareto_by_hand():
    survey = pd.DataFrame({"reason": ["服务", "价格", "服务", "产品", "服务", "价格", "促销", "需求", "其他", "服务"],
                           "spend": [10.0, 500.0, 10.0, 20.0, 10.0, 300.0, 5.0, 5.0, 0.0, 10.0]})
    table = crmlib.reasons_pareto(survey)
    assert table["reason"].tolist()[:3] == ["服务", "价格", "产品"]
    assert table["count"].tolist() == [4, 2, 1, 1, 1, 1]
    assert table["cum_share"].tolist() == pytest.approx([0.4, 0.6, 0.7, 0.8, 0.9, 1.0])
    # 累计到 80% 需要前 4 种原因（前 3 种只有 70%）
    assert table["vital"].tolist() == [True, True, True, True, False, False]
    by_money = crmlib.reasons_pareto(survey, value_col="spend")
    assert by_money["reason"].tolist()[0] == "价格" and by_money["spend"].tolist()[0] == 800.0
    assert by_money["share"].iloc[0] == pytest.approx(800 / 870)
    assert by_money["vital"].tolist()[:2] == [True, False]
    assert list(by_money.columns) == ["reason", "count", "spend", "share", "cum_share", "vital"]


def test_reasons_pareto_errors():
    with pytest.raises(crmlib.CRMInputError, match="reasons_pareto：列 'reason' 有 1 个缺失的原因"):
        crmlib.reasons_pareto(pd.DataFrame({"reason": ["服务", None]}))
    with pytest.raises(crmlib.CRMInputError, match="reasons_pareto：列 'spend' 的合计是 0"):
        crmlib.reasons_pareto(pd.DataFrame({"reason": ["服务"], "spend": [0.0]}), value_col="spend")
    with pytest.raises(crmlib.CRMInputError, match="参数 cutoff 应该 > 0 且 < 1"):
        crmlib.reasons_pareto(pd.DataFrame({"reason": ["服务"]}), cutoff=1)


def test_plot_reasons_pareto_bars_and_cumulative_line():
    table = crmlib.reasons_pareto(pd.DataFrame({"reason": ["服务", "价格", "服务", "产品"]}))
    ax = crmlib.plot_reasons_pareto(table)
    assert [float(p.get_height()) for p in ax.patches] == [2.0, 1.0, 1.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["服务", "产品", "价格"]   # 并列时按原因名排序
    plt.close("all")


# ---------------------------------------------------------------- interval anomaly

def test_interval_anomaly_by_hand():
    tx = tx_frame([("a", d, 1) for d in ["2024-01-01", "2024-01-29", "2024-02-26", "2024-03-25"]]
                  + [("b", d, 1) for d in ["2024-01-10", "2024-02-10", "2024-03-10", "2024-04-10", "2024-04-10"]]
                  + [("c", "2024-05-01", 1), ("c", "2024-05-20", 1)])
    result = crmlib.interval_anomaly(tx, as_of="2024-06-01")
    assert result.index.tolist() == ["a", "b", "c"]
    assert result["purchases"].tolist() == [4, 4, 2]                # 同一天两笔只算一次
    assert result.loc["a", "typical_gap"] == 28.0 and result.loc["b", "typical_gap"] == 31.0   # 31, 29, 31 的中位数
    assert result["current_gap"].tolist() == [68, 52, 12]
    assert result.loc["a", "gap_ratio"] == pytest.approx(68 / 28)
    assert result["anomaly"].tolist() == [True, False, False]
    assert np.isnan(result.loc["c", "typical_gap"])                # 只买过 2 次，不作判断
    assert crmlib.interval_anomaly(tx, as_of="2024-06-01", min_purchases=2).loc["c", "typical_gap"] == 19.0
    assert crmlib.interval_anomaly(tx, as_of="2024-06-01", threshold=1.5)["anomaly"].tolist() == [True, True, False]
    assert result.loc["a", "last_purchase"] == pd.Timestamp("2024-03-25")


def test_interval_anomaly_refuses_future_transactions():
    tx = tx_frame([("a", "2024-01-01", 1), ("a", "2024-02-01", 1), ("a", "2024-03-01", 1)])
    with pytest.raises(crmlib.CRMInputError, match="interval_anomaly：列 'date' 有 1 条记录晚于 as_of=2024-02-15"):
        crmlib.interval_anomaly(tx, as_of="2024-02-15")
    with pytest.raises(crmlib.CRMInputError, match="参数 threshold 应该 > 0"):
        crmlib.interval_anomaly(tx, threshold=0)


# ---------------------------------------------------------------- buy-till-you-die summary

BTYD = tx_frame([("a", "2024-01-01", 10.0), ("a", "2024-01-01", 5.0), ("a", "2024-01-05", 20.0),
                 ("b", "2024-01-03", 8.0), ("a", "2024-01-11", 40.0),
                 ("c", "2024-01-08", 0.1), ("c", "2024-01-09", 0.7), ("c", "2024-01-09", 0.1),
                 ("c", "2024-01-09", 0.2)])


def test_btyd_summary_by_hand():
    # a：购买日 1 月 1、5、11 日 → frequency 2，recency 10 天，T = 31 − 1 = 30 天；
    #    monetary = 重复购买日金额的平均 (20 + 40) / 2 = 30（第一天的 10 + 5 不算）
    # b：只买过一次 → 0, 0, T = 28, monetary 0
    # c：8 日、9 日（同一天三笔合计 1.0）→ frequency 1，recency 1，monetary 1.0
    result = crmlib.btyd_summary(BTYD, amount_col="amount", as_of="2024-01-31")
    assert result.index.tolist() == ["a", "b", "c"] and result.index.name == "customer_id"
    assert result["frequency"].tolist() == [2.0, 0.0, 1.0]
    assert result["recency"].tolist() == [10.0, 0.0, 1.0]
    assert result["T"].tolist() == [30.0, 28.0, 23.0]
    assert result["monetary_value"].tolist() == pytest.approx([30.0, 0.0, 1.0])
    assert all(dtype == np.float64 for dtype in result.dtypes)
    plain = crmlib.btyd_summary(BTYD)
    assert list(plain.columns) == ["frequency", "recency", "T"]
    assert plain["T"].tolist() == [10.0, 8.0, 3.0]              # 默认观察期末 = 最后一笔交易的那天


def test_btyd_summary_weekly_by_hand():
    # 2024-01-01 是周一。a 的三个购买日都在前两周 → 两个购买周；T 从第一周到 1 月 29 日所在周 = 4 周
    result = crmlib.btyd_summary(BTYD, freq="W", as_of="2024-01-31")
    assert result.loc["a"].tolist() == [1.0, 1.0, 4.0]
    assert result.loc["c"].tolist() == [0.0, 0.0, 3.0]


def test_btyd_summary_refuses_transactions_after_as_of():
    with pytest.raises(crmlib.CRMInputError, match="btyd_summary：列 'date' 有 6 条记录晚于 as_of=2024-01-04"):
        crmlib.btyd_summary(BTYD, as_of="2024-01-04")
    with pytest.raises(crmlib.CRMInputError, match="btyd_summary：列 'amount' 有 1 个负数"):
        crmlib.btyd_summary(BTYD.assign(amount=[-1.0] + [1.0] * 8), amount_col="amount")


# btyd_summary against lifetimes: tests/test_lifetimes_equivalence.py (runs without lifetimes installed).


# ---------------------------------------------------------------- BG/NBD

def test_bgnbd_log_likelihood_by_hand():
    from math import exp, lgamma, log

    r, alpha, a, b = 0.5, 4.0, 0.8, 2.5
    x, t_x, T = 2, 10.0, 20.0
    beta = lambda p, q: exp(lgamma(p) + lgamma(q) - lgamma(p + q))  # noqa: E731
    common = exp(lgamma(r + x) - lgamma(r)) * alpha ** r
    by_hand = (beta(a, b + x) / beta(a, b) * common / (alpha + T) ** (r + x)
               + beta(a + 1, b + x - 1) / beta(a, b) * common / (alpha + t_x) ** (r + x))
    ll = churn._bgnbd_loglik((r, alpha, a, b), np.array([x]), np.array([t_x]), np.array([T]))
    assert ll[0] == pytest.approx(log(by_hand), rel=1e-12)
    # x = 0：只剩第一项
    ll0 = churn._bgnbd_loglik((r, alpha, a, b), np.array([0]), np.array([0.0]), np.array([T]))
    assert ll0[0] == pytest.approx(r * log(alpha / (alpha + T)), rel=1e-12)


def test_prob_alive_by_hand():
    summary = pd.DataFrame({"frequency": [0.0, 4.0], "recency": [0.0, 30.0], "T": [40.0, 40.0]}, index=["a", "b"])
    params = {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}
    p = crmlib.prob_alive(summary, params)
    by_hand = 1 / (1 + 0.79 / (2.4 + 4 - 1) * ((4.4 + 40) / (4.4 + 30)) ** (0.24 + 4))
    assert p.tolist() == pytest.approx([1.0, by_hand], rel=1e-12)
    assert p.name == "prob_alive" and p.index.tolist() == ["a", "b"]


@pytest.mark.parametrize("params, fragment", [
    ([0.2, 4, 0.8, 2.4], "参数 params 应该是 bgnbd_fit 的结果"),
    ({"r": 0.2, "alpha": 4, "a": 0.8}, "参数 params 缺少 'b'"),
    ({"r": 0.2, "alpha": 4, "a": 0.8, "b": 2.4, "beta": 1}, "'beta' 不是 BG/NBD 的参数"),
    ({"r": 0.2, "alpha": -4, "a": 0.8, "b": 2.4}, "参数 params\\['alpha'\\] 应该 > 0"),
])
def test_prob_alive_checks_the_parameters(params, fragment):
    summary = pd.DataFrame({"frequency": [1.0], "recency": [3.0], "T": [9.0]})
    with pytest.raises(crmlib.CRMInputError, match=fragment):
        crmlib.prob_alive(summary, params)


def test_bgnbd_rejects_summaries_that_break_the_definitions():
    bad = pd.DataFrame({"frequency": [1.0, 2.0], "recency": [12.0, 3.0], "T": [10.0, 9.0]})
    with pytest.raises(crmlib.CRMInputError, match="bgnbd_fit：列 'recency' 有 1 个值大于列 'T'"):
        crmlib.bgnbd_fit(bad)
    with pytest.raises(crmlib.CRMInputError, match="bgnbd_fit：数据里没有任何重复购买"):
        crmlib.bgnbd_fit(pd.DataFrame({"frequency": [0.0, 0.0], "recency": [0.0, 0.0], "T": [5.0, 3.0]}))
    with pytest.raises(crmlib.CRMInputError, match="列 'frequency' 应该是重复购买的次数（整数）"):
        crmlib.bgnbd_fit(pd.DataFrame({"frequency": [1.5], "recency": [2.0], "T": [3.0]}))


def test_bgnbd_fit_recovers_the_parameters_of_simulated_customers():
    rng = np.random.default_rng(7)
    n, T = 4000, 52.0
    lam = rng.gamma(0.8, 1 / 6.0, n)          # r = 0.8, alpha = 6
    p = rng.beta(0.6, 3.0, n)                 # a = 0.6, b = 3
    # 逐次模拟：活着的客户按指数间隔购买，每次购买后以概率 p 离开（这是测试数据，循环次数有限）
    t, x, t_x = np.zeros(n), np.zeros(n), np.zeros(n)
    alive = np.ones(n, dtype=bool)
    for _ in range(400):
        t = t + rng.exponential(1 / lam)
        buys = alive & (t <= T)
        x[buys] += 1
        t_x[buys] = t[buys]
        alive = buys & (rng.random(n) >= p)
        if not alive.any():
            break
    fit = crmlib.bgnbd_fit(pd.DataFrame({"frequency": x, "recency": t_x, "T": T}))
    assert fit["r"] == pytest.approx(0.8, rel=0.2) and fit["alpha"] == pytest.approx(6.0, rel=0.3)
    assert fit["a"] / (fit["a"] + fit["b"]) == pytest.approx(0.6 / 3.6, rel=0.3)


@needs_lifetimes
def test_bgnbd_reproduces_the_published_cdnow_estimates_and_lifetimes():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes import BetaGeoFitter
        from lifetimes.datasets import load_cdnow_summary
    cdnow = load_cdnow_summary()
    fit = crmlib.bgnbd_fit(cdnow)
    # Fader, Hardie and Lee (2005): r 0.243, alpha 4.414, a 0.793, b 2.426
    assert [round(fit[k], 3) for k in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]
    theirs = BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    expected = theirs.conditional_probability_alive(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    mine = crmlib.prob_alive(cdnow, dict(theirs.params_))
    assert np.abs(mine.to_numpy() - np.asarray(expected)).max() < 1e-12


CDNOW_PARAMS = {"r": 0.2426, "alpha": 4.4135, "a": 0.7930, "b": 2.4259}


def test_bgnbd_predict_matches_the_published_spreadsheet_value():
    # lifetimes 的测试（与 Hardie 的表格核对过）：x=2, t_x=30.43, T=38.86, t=39 → 1.226
    summary = pd.DataFrame({"frequency": [2.0], "recency": [30.43], "T": [38.86]})
    assert float(crmlib.bgnbd_predict(summary, CDNOW_PARAMS, 39).iloc[0]) == pytest.approx(1.226, abs=5e-4)


def test_bgnbd_predict_by_hand():
    from math import exp, log

    from scipy.special import hyp2f1

    r, alpha, a, b = 0.5, 4.0, 1.6, 2.5
    x, t_x, T, t = 3.0, 12.0, 20.0, 10.0
    head = (a + b + x - 1) / (a - 1)
    tail = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    alive = 1 / (1 + a / (b + x - 1) * exp((r + x) * (log(alpha + T) - log(alpha + t_x))))
    summary = pd.DataFrame({"frequency": [x, 0.0], "recency": [t_x, 0.0], "T": [T, T]}, index=["p", "q"])
    params = {"r": r, "alpha": alpha, "a": a, "b": b}
    got = crmlib.bgnbd_predict(summary, params, t)
    assert got["p"] == pytest.approx(head * tail * alive, rel=1e-12)
    assert got.name == "expected_purchases" and got.index.tolist() == ["p", "q"]
    assert crmlib.bgnbd_predict(summary, params, 0).tolist() == [0.0, 0.0]
    # 预测随时间增加；买得越多的客户（最近又来过）预测越高
    assert (crmlib.bgnbd_predict(summary, params, 20) > got).all() and got["p"] > got["q"]


def test_bgnbd_predict_for_new_customers_equals_a_simulation():
    # x = 0 的客户在 (T, T+t] 的期望购买次数：按模型抽样模拟核对（独立于公式的检查）
    rng = np.random.default_rng(11)
    r, alpha, a, b, T, t, n = 0.8, 5.0, 0.7, 2.0, 10.0, 15.0, 400_000
    lam, p = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    first_gap = rng.exponential(1 / lam)
    quiet = first_gap > T                        # 在 (0, T] 里没有重复购买的客户
    lam, p = lam[quiet], p[quiet]
    count, clock, alive = np.zeros(len(lam)), np.full(len(lam), T), np.ones(len(lam), dtype=bool)
    clock = T + rng.exponential(1 / lam)         # 无记忆：从 T 起重新计时
    for _ in range(60):
        buys = alive & (clock <= T + t)
        count += buys
        alive = buys & (rng.random(len(lam)) >= p)
        clock = clock + rng.exponential(1 / lam)
    summary = pd.DataFrame({"frequency": [0.0], "recency": [0.0], "T": [T]})
    expected = float(crmlib.bgnbd_predict(summary, {"r": r, "alpha": alpha, "a": a, "b": b}, t).iloc[0])
    assert count.mean() == pytest.approx(expected, rel=0.03)


def test_plot_prob_alive_matrix_shows_prob_alive_on_the_grid():
    ax = crmlib.plot_prob_alive_matrix(CDNOW_PARAMS, T=39, max_frequency=12, title="测试")
    grid = np.asarray(ax.images[0].get_array())
    assert grid.shape == (13, 40)
    cell = pd.DataFrame({"frequency": [5.0], "recency": [20.0], "T": [39.0]})
    assert grid[5, 20] == pytest.approx(float(crmlib.prob_alive(cell, CDNOW_PARAMS).iloc[0]), rel=1e-12)
    assert (grid[0] == 1).all() and grid[12, 0] < 0.01 and grid[12, 39] > 0.5
    assert ax.get_title() == "测试" and ax.get_ylabel() == "重复购买次数 x" and "观察期共 39 周" in ax.get_xlabel()
    plt.close(ax.figure)
    with pytest.raises(crmlib.CRMInputError, match="plot_prob_alive_matrix：参数 T"):
        crmlib.plot_prob_alive_matrix(CDNOW_PARAMS, T=0)
    with pytest.raises(crmlib.CRMInputError, match="参数 params 缺少 'b'"):
        crmlib.plot_prob_alive_matrix({"r": 1, "alpha": 1, "a": 1}, T=10)
    with pytest.raises(crmlib.CRMInputError, match="参数 max_frequency 应该 ≥ 1 且 ≤ 1000"):
        crmlib.plot_prob_alive_matrix(CDNOW_PARAMS, T=10, max_frequency=10 ** 9)


def test_plot_prob_alive_matrix_of_a_very_long_period_stays_small():
    """T = 10^9 used to allocate a grid of 10^9 columns (MemoryError); at most 1000 steps are drawn."""
    ax = crmlib.plot_prob_alive_matrix(CDNOW_PARAMS, T=1e9, max_frequency=3)
    assert np.asarray(ax.images[0].get_array()).shape == (4, 1001)
    plt.close(ax.figure)


def test_interval_anomaly_keeps_dates_outside_the_nanosecond_range():
    """A purchase in the year 1000 used to end in pandas' OutOfBoundsDatetime."""
    tx = tx_frame([("a", "2024-01-01", 1.0), ("a", "2024-02-01", 1.0), ("b", "2024-03-01", 1.0)])
    tx["date"] = tx["date"].astype(object)
    tx.loc[2, "date"] = "1000-01-01"
    out = crmlib.interval_anomaly(tx, as_of="2024-06-01")
    assert out.loc["b", "last_purchase"] == pd.Timestamp("1000-01-01")
    assert out.loc["a", "current_gap"] == 121


def test_cohort_and_rfm_results_do_not_depend_on_the_order_of_categories():
    tx = tx_frame([("a", "2024-01-05", 1.0), ("b", "2024-02-01", 2.0), ("a", "2024-03-01", 3.0), ("c", "2024-04-09", 4.0)])
    categorical = tx.assign(customer_id=pd.Categorical(tx["customer_id"], categories=["z", "c", "b", "a"]))
    for func in (crmlib.churn_status, crmlib.btyd_summary, crmlib.interval_anomaly, crmlib.rfm_table,
                 crmlib.pareto_table, crmlib.period_churn, crmlib.cohort_table):
        pd.testing.assert_frame_equal(func(categorical), func(tx))


# ---------------------------------------------------------------- no mutation

@pytest.mark.parametrize("call", [
    lambda f: crmlib.cohort_table(f), lambda f: crmlib.period_churn(f), lambda f: crmlib.churn_status(f),
    lambda f: crmlib.interval_anomaly(f), lambda f: crmlib.btyd_summary(f, amount_col="amount"),
])
def test_inputs_are_left_unchanged(call):
    frame = pd.concat([BTYD, tx_frame([("b", "2024-04-02", 3.0)])], ignore_index=True)
    frame.index = [f"k{i}" for i in range(len(frame))]
    before = frame.copy(deep=True)
    call(frame)
    pd.testing.assert_frame_equal(frame, before)
