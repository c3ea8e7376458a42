"""cohort_table and btyd_summary on 1,000,000 transactions of 100,000 customers.

Quality bars (COURSE_SPEC §7), all measured in this one run:

* cohort_table within 2x of the floor (one grouped pandas pass over the log: ``groupby().agg()``
  with first date, last date and count) and at least 10x faster than a groupby-apply that builds the
  same table customer by customer (its result is checked against cohort_table);
* btyd_summary equal to lifetimes' ``summary_data_from_transaction_data`` (exactly, monetary value
  included) and at least 2.5x faster.

lifetimes is an optional extra (``pip install -e '.[bench]'``, it needs setuptools<81 for
pkg_resources); without it the btyd part is reported as skipped.
Fast calls take the median of REPEAT runs; the slow apply and lifetimes run once.
"""
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # data_builders (not installed)
from results import record, timed  # noqa: E402

import crmlib  # noqa: E402
from data_builders.generate import big_transactions  # noqa: E402

REPEAT = 5


def cohort_by_apply(tx: pd.DataFrame) -> pd.DataFrame:
    """The naive way: for each customer, the months since first purchase in which they bought."""
    def ages(group):
        months = group["date"].dt.year * 12 + group["date"].dt.month
        first = months.min()
        return pd.Series({"cohort": int(first), "ages": sorted(set((months - first).tolist()))})

    per_customer = tx.groupby("customer_id")[["date"]].apply(ages)
    long = per_customer.explode("ages")
    counts = long.groupby(["cohort", "ages"]).size().unstack(fill_value=0).sort_index()
    return counts


def main() -> None:
    tx = big_transactions(1_000_000, 100_000)
    print(f"{len(tx):,} rows, {tx['customer_id'].nunique():,} customers", flush=True)

    def floor():
        return tx.groupby("customer_id").agg(first=("date", "min"), last=("date", "max"), n=("amount", "size"))

    t_floor, _ = timed(floor)
    t_cohort, cohort = timed(lambda: crmlib.cohort_table(tx))
    t_apply, slow = timed(lambda: cohort_by_apply(tx), repeat=1)

    # like for like: the apply version gives the same counts where the cohort table can observe them
    fast = cohort.fillna(0).to_numpy()
    slow_values = slow.reindex(columns=range(fast.shape[1]), fill_value=0).to_numpy()
    assert slow_values.shape == fast.shape and (slow_values == fast).all(), "cohort tables differ"

    rows = [
        ("floor: one groupby().agg() pass", t_floor, 1.0),
        ("crmlib.cohort_table", t_cohort, t_cohort / t_floor),
        ("groupby-apply cohort table", t_apply, t_apply / t_floor),
    ]
    cohort_speedup = t_apply / t_cohort
    ok = t_cohort / t_floor <= 2 and cohort_speedup >= 10

    btyd_text = ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # lifetimes imports the deprecated pkg_resources
            from lifetimes.utils import summary_data_from_transaction_data
    except ImportError:
        btyd_text = ("\n\nbtyd_summary vs lifetimes: skipped (lifetimes is not installed; "
                     "`pip install -e '.[bench]'`).")
        print("lifetimes not installed: btyd comparison skipped", flush=True)
    else:
        t_btyd, mine = timed(lambda: crmlib.btyd_summary(tx, amount_col="amount"))
        t_lt, theirs = timed(lambda: summary_data_from_transaction_data(
            tx, "customer_id", "date", monetary_value_col="amount"), repeat=1)
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
        btyd_speedup = t_lt / t_btyd
        rows += [("crmlib.btyd_summary", t_btyd, t_btyd / t_floor),
                 ("lifetimes summary_data_from_transaction_data", t_lt, t_lt / t_floor)]
        ok = ok and btyd_speedup >= 2.5
        btyd_text = (f"\n\nbtyd_summary equals lifetimes' summary_data_from_transaction_data exactly "
                     f"(assert_frame_equal, check_exact=True; frequency, recency, T, monetary_value) and is "
                     f"{btyd_speedup:.1f}x faster (bar: 2.5x).")
        print(f"btyd_summary is {btyd_speedup:.1f}x faster than lifetimes (equal results)", flush=True)

    for name, seconds, ratio in rows:
        print(f"{name}: {seconds:.3f} s = {ratio:.2f}x floor", flush=True)
    print(f"cohort_table is {cohort_speedup:.1f}x faster than groupby-apply", flush=True)
    verdict = "meets" if ok else "MISSES"
    table = "| step | time | ratio to floor |\n|---|---|---|\n" + "\n".join(
        f"| {name} | {seconds:.3f} s | {ratio:.2f} |" for name, seconds, ratio in rows)
    record("churn", "1,000,000 transactions of 100,000 customers (`big_transactions`); median of "
           f"{REPEAT} runs (groupby-apply and lifetimes: 1 run). Bars: cohort_table within 2x of the floor and "
           "at least 10x faster than groupby-apply; btyd_summary equal to lifetimes and at least 2.5x faster.\n\n"
           + table + f"\n\ncohort_table is {cohort_speedup:.1f}x faster than groupby-apply (same counts)."
           + btyd_text + f"\n\nOverall: {verdict} the bars.")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
