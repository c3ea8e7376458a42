"""rfm_table and pareto_table on 1,000,000 transactions of 100,000 customers.

Quality bar: rfm_table within 2x of the floor (one grouped pandas pass over the log:
``groupby().agg()`` with last date, count and sum) and at least 10x faster than a
groupby-apply that builds the same table customer by customer. All timed in one run;
fast calls take the median of REPEAT runs, the slow apply runs once. The apply's result is
checked against rfm_table so the comparison is like for like.
"""
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # data_builders (not installed)
from results import record, timed  # noqa: E402

import crmlib  # noqa: E402
from data_builders.generate import big_transactions  # noqa: E402

REPEAT = 5


def main() -> None:
    tx = big_transactions(1_000_000, 100_000)
    as_of = tx["date"].max()

    def floor():
        return tx.groupby("customer_id").agg(last=("date", "max"), frequency=("amount", "size"),
                                             monetary=("amount", "sum"))

    def apply_version():
        return tx.groupby("customer_id")[["date", "amount"]].apply(
            lambda g: pd.Series({"recency": (as_of - g["date"].max()).days, "frequency": len(g),
                                 "monetary": g["amount"].sum()}))

    t_floor, _ = timed(floor)
    t_rfm, rfm = timed(lambda: crmlib.rfm_table(tx))
    t_pareto, pareto = timed(lambda: crmlib.pareto_table(tx))
    t_apply, slow = timed(apply_version, repeat=1)

    # like for like: the apply version gives the same numbers
    slow = slow.reindex(rfm.index)
    assert (slow["recency"].astype("int64") == rfm["recency"]).all()
    assert (slow["frequency"].astype("int64") == rfm["frequency"]).all()
    assert ((slow["monetary"] - rfm["monetary"]).abs() < 1e-6).all()
    assert len(pareto) == rfm.shape[0] == tx["customer_id"].nunique()

    rows = [
        ("floor: one groupby().agg() pass", t_floor, 1.0),
        ("crmlib.rfm_table", t_rfm, t_rfm / t_floor),
        ("crmlib.pareto_table", t_pareto, t_pareto / t_floor),
        ("groupby-apply RFM", t_apply, t_apply / t_floor),
    ]
    for name, seconds, ratio in rows:
        print(f"{name}: {seconds:.3f} s = {ratio:.2f}x floor", flush=True)
    speedup = t_apply / t_rfm
    print(f"rfm_table is {speedup:.1f}x faster than groupby-apply", flush=True)
    ok_floor = t_rfm / t_floor <= 2 and t_pareto / t_floor <= 2
    ok_apply = speedup >= 10
    verdict = "meets" if ok_floor and ok_apply else "MISSES"
    table = "| step | time | ratio to floor |\n|---|---|---|\n" + "\n".join(
        f"| {name} | {seconds:.3f} s | {ratio:.2f} |" for name, seconds, ratio in rows)
    record("tiers", "1,000,000 transactions of 100,000 customers (`big_transactions`); median of "
           f"{REPEAT} runs (groupby-apply: 1 run). Bar: rfm_table and pareto_table within 2x of the floor, "
           "rfm_table at least 10x faster than groupby-apply.\n\n" + table
           + f"\n\nrfm_table is {speedup:.1f}x faster than groupby-apply: {verdict} the bar.")


if __name__ == "__main__":
    main()
