"""Every crmlib function that reads a transaction log reads it the same way (crmlib/_log.py).

The same edge cases go to each of them: ``as_of`` on the day of the last purchase (which was in
the afternoon), ``as_of`` the day before, customer ids of mixed types, dates written as text,
dates with a time zone. Each function must accept or refuse the same calls, and the per-customer
results must list the customers in the same order.
"""
from __future__ import annotations

import pandas as pd
import pytest

import crmlib
from crmlib import CRMInputError

LOG = pd.DataFrame({
    "customer_id": ["a", 1, "b", "a", 1, "a", "b"],
    "date": pd.to_datetime(["2024-01-01 09:00", "2024-01-02 10:00", "2024-01-03 00:00", "2024-01-25 00:00",
                            "2024-02-07 00:00", "2024-02-09 00:00", "2024-02-10 15:00"]),
    "amount": [20.0, 35.0, 50.0, 30.0, 15.0, 10.0, 40.0],
})

# Functions with an as_of parameter: name -> call(log, **extra).
WITH_AS_OF = {
    "rfm_table": lambda log, **kw: crmlib.rfm_table(log, **kw),
    "churn_status": lambda log, **kw: crmlib.churn_status(log, window_days=3, **kw),
    "interval_anomaly": lambda log, **kw: crmlib.interval_anomaly(log, min_purchases=2, **kw),
    "btyd_summary": lambda log, **kw: crmlib.btyd_summary(log, amount_col="amount", **kw),
}
# Every function that takes a log; those in WITH_AS_OF give one row per customer, sorted by id.
ALL = {**WITH_AS_OF,
       "pareto_table": lambda log, **kw: crmlib.pareto_table(log, **kw),
       "period_churn": lambda log, **kw: crmlib.period_churn(log, freq="M", **kw),
       "cohort_table": lambda log, **kw: crmlib.cohort_table(log, **kw)}


def _customers(result: pd.DataFrame) -> list:
    return result.index.tolist() if result.index.name == "customer_id" else result["customer_id"].tolist()


@pytest.mark.parametrize("name", sorted(WITH_AS_OF))
def test_as_of_is_a_day_that_includes_its_afternoon(name):
    default = WITH_AS_OF[name](LOG)
    same_day = WITH_AS_OF[name](LOG, as_of="2024-02-10")
    with_time = WITH_AS_OF[name](LOG, as_of="2024-02-10 08:00")
    pd.testing.assert_frame_equal(same_day, default)
    pd.testing.assert_frame_equal(with_time, default)


@pytest.mark.parametrize("name", sorted(WITH_AS_OF))
def test_as_of_before_the_last_purchase_day_is_refused_naming_as_of(name):
    before = LOG.copy()
    with pytest.raises(CRMInputError, match="as_of=2024-02-09") as info:
        WITH_AS_OF[name](LOG, as_of="2024-02-09")
    assert "'date'" in str(info.value)
    pd.testing.assert_frame_equal(LOG, before)


def test_as_of_days_count_the_same_everywhere():
    later = "2024-02-20"
    rfm = crmlib.rfm_table(LOG, as_of=later)
    status = crmlib.churn_status(LOG, window_days=3, as_of=later)
    gaps = crmlib.interval_anomaly(LOG, min_purchases=2, as_of=later)
    assert rfm["recency"].tolist() == status["days_since_last"].tolist() == gaps["current_gap"].tolist() == [13, 11, 10]


@pytest.mark.parametrize("name", sorted(ALL))
def test_mixed_type_ids_are_accepted(name):
    result = ALL[name](LOG)
    if name in WITH_AS_OF:
        assert _customers(result) == [1, "a", "b"], name
    elif name == "pareto_table":
        assert sorted(map(str, _customers(result))) == ["1", "a", "b"]


@pytest.mark.parametrize("name", sorted(ALL))
def test_dates_as_text_read_like_dates(name):
    text = LOG.assign(date=LOG["date"].dt.strftime("%Y-%m-%d %H:%M"))
    pd.testing.assert_frame_equal(ALL[name](text), ALL[name](LOG))


@pytest.mark.parametrize("name", sorted(ALL))
def test_dates_with_a_time_zone_count_in_utc(name):
    shanghai = LOG.assign(date=(LOG["date"] + pd.Timedelta(hours=8)).dt.tz_localize("Asia/Shanghai"))
    pd.testing.assert_frame_equal(ALL[name](shanghai), ALL[name](LOG))


@pytest.mark.parametrize("name", sorted(WITH_AS_OF))
def test_as_of_with_a_time_zone_counts_in_utc(name):
    pd.testing.assert_frame_equal(WITH_AS_OF[name](LOG, as_of="2024-02-11 02:00+08:00"), WITH_AS_OF[name](LOG))


@pytest.mark.parametrize("name", sorted(ALL))
def test_missing_ids_are_refused_naming_the_column(name):
    holed = LOG.astype({"customer_id": object})
    holed.loc[2, "customer_id"] = None
    with pytest.raises(CRMInputError, match="customer_id"):
        ALL[name](holed)
