"""Case data: loading by name, the data dictionary, and byte-for-byte regeneration."""
import filecmp
import subprocess
import sys

import pandas as pd
import pytest

import crmlib
from data_builders import generate
from conftest import REPO


def test_every_listed_dataset_loads_and_matches_its_dictionary():
    names = crmlib.list_datasets()
    assert "shop_transactions" in names and "shop_customers" in names
    for name in names:
        frame = crmlib.load_dataset(name)
        dictionary = crmlib.describe_dataset(name)
        assert list(frame.columns) == list(dictionary.index), name
        assert len(frame) > 0, name
        assert (dictionary["description"].str.len() > 0).all(), name
        assert dictionary["dtype"].isin(["int", "float", "str", "date", "bool"]).all(), name
        for column, kind in dictionary["dtype"].items():
            if kind == "date":
                assert pd.api.types.is_datetime64_any_dtype(frame[column]), (name, column)
            if kind in ("int", "float"):
                assert pd.api.types.is_numeric_dtype(frame[column]), (name, column)


def test_catalog_has_a_chinese_title_and_row_count_per_dataset():
    catalog = pd.read_csv(REPO / "crmlib" / "data" / "catalog.csv", dtype={"chapter": str})
    for row in catalog.itertuples():
        assert len(crmlib.load_dataset(row.dataset)) == row.rows
        assert any("\u4e00" <= ch <= "\u9fff" for ch in row.title)


def test_load_dataset_returns_a_fresh_copy_each_time():
    first = crmlib.load_dataset("shop_customers")
    first.loc[0, "age"] = -1
    assert crmlib.load_dataset("shop_customers").loc[0, "age"] != -1


@pytest.mark.parametrize("call", [crmlib.load_dataset, crmlib.describe_dataset])
def test_unknown_name_lists_valid_ones_and_suggests_the_closest(call):
    with pytest.raises(crmlib.CRMInputError) as info:
        call("shop_transaction")
    message = str(info.value)
    assert "没有名为 'shop_transaction' 的数据集" in message
    assert "您是不是想写 'shop_transactions'" in message
    assert all(name in message for name in crmlib.list_datasets())
    with pytest.raises(crmlib.CRMInputError, match="应该是数据集名字"):
        call(3)


def test_regenerating_with_the_seed_reproduces_the_committed_files(tmp_path):
    written = generate.write_all(tmp_path)
    committed = sorted(p.name for p in (REPO / "crmlib" / "data").glob("*.csv"))
    assert sorted(p.name for p in written) == committed
    match, mismatch, errors = filecmp.cmpfiles(REPO / "crmlib" / "data", tmp_path, committed, shallow=False)
    assert mismatch == [] and errors == []


def test_a_different_seed_gives_different_data(tmp_path):
    generate.write_all(tmp_path, seed=generate.SEED + 1)
    assert (tmp_path / "shop_transactions.csv").read_bytes() != (REPO / "crmlib" / "data" / "shop_transactions.csv").read_bytes()


def test_loading_works_from_any_working_directory(tmp_path):
    code = "import crmlib; print(len(crmlib.load_dataset('shop_customers')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(len(crmlib.load_dataset("shop_customers")))


def test_big_transaction_log_has_the_requested_size():
    tx = generate.big_transactions(n_rows=20_000, n_customers=2_000)
    assert len(tx) == 20_000 and tx["customer_id"].nunique() <= 2_000
    assert list(tx.columns) == ["customer_id", "date", "amount"]
    assert (tx["amount"] > 0).all()


def test_shop_data_is_consistent():
    customers = crmlib.load_dataset("shop_customers")
    tx = crmlib.load_dataset("shop_transactions")
    assert customers["customer_id"].is_unique and tx["order_id"].is_unique
    assert set(tx["customer_id"]) <= set(customers["customer_id"])
    joined = tx.merge(customers[["customer_id", "join_date"]], on="customer_id")
    assert (joined["date"] >= joined["join_date"]).all(), "nobody buys before joining"
    per_customer = tx.groupby("customer_id").size()
    # Both loyal regulars and one-off buyers exist: the lesson on churn relies on it.
    assert (per_customer == 1).sum() >= 20 and per_customer.max() >= 30
