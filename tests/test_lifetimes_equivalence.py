"""btyd_summary equals lifetimes' summary_data_from_transaction_data, exactly, in every CI run.

The reference results were computed by lifetimes itself (tests/fixtures/lifetimes/make.py) on a
seeded log with times of day, two receipts on one day and cents, for daily and weekly periods,
with and without an end of the observation period and the monetary value. Where lifetimes is
installed (``pip install -e '.[bench]'``) the stored results are also checked against it.
"""
from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import crmlib

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lifetimes"
sys.path.insert(0, str(FIXTURES))
import make  # noqa: E402  (the fixture's own generator: its cases and file names)

CASES = [(freq, end, amount) for freq, end in make.CASES for amount in (False, True)]


def _log() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "log.csv", parse_dates=["date"])


def _stored(freq: str, end: str | None, amount: bool) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / make.case_name(freq, end, amount), index_col="customer_id")


@pytest.mark.parametrize("freq, end, amount", CASES)
def test_btyd_summary_equals_the_stored_lifetimes_result(freq, end, amount):
    mine = crmlib.btyd_summary(_log(), amount_col="amount" if amount else None, freq=freq, as_of=end)
    pd.testing.assert_frame_equal(mine, _stored(freq, end, amount), check_exact=True)


def test_the_log_has_what_makes_the_comparison_hard():
    log = _log()
    same_day = log.assign(day=log["date"].dt.normalize()).duplicated(["customer_id", "day"])
    assert same_day.sum() >= 20
    assert (log["date"].dt.hour > 0).mean() > 0.5
    assert (log["amount"] * 100 % 100 != 0).mean() > 0.5
    assert (log.groupby("customer_id").size() == 1).sum() >= 30


@pytest.mark.skipif(importlib.util.find_spec("lifetimes") is None, reason="lifetimes 未安装（pip install -e '.[bench]'）")
@pytest.mark.parametrize("freq, end, amount", CASES)
def test_the_stored_results_are_what_lifetimes_computes(freq, end, amount):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes.utils import summary_data_from_transaction_data
        theirs = summary_data_from_transaction_data(_log(), "customer_id", "date",
                                                    monetary_value_col="amount" if amount else None,
                                                    freq=freq, observation_period_end=end)
    pd.testing.assert_frame_equal(theirs, _stored(freq, end, amount), check_exact=True)
