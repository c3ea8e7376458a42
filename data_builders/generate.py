"""课程全部案例数据的唯一生成器（带种子，可复现）。

    python -m data_builders.generate      # 在仓库根目录运行，或 make datasets

会重写 ``crmlib/data/`` 里的每个 CSV、``catalog.csv`` 与 ``data_dictionary.csv``（crmlib 安装时带上的数据）。同一种子
生成的文件逐字节相同（tests/test_datasets.py 检查）。每个案例模块拿到自己的随机数
发生器（由总种子和模块名派生），因此增加一个案例不会改变其他案例的数据。

基准测试用的百万行交易日志不入库，由 :func:`big_transactions` 按需生成。
"""
from __future__ import annotations

import argparse
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from .builders import shop, metro, carton, bank, objections, development, churn, retention, cdnow

SEED = 20241123
BUILDERS = [shop, metro, carton, bank, objections, development, churn, retention, cdnow]
HERE = Path(__file__).resolve().parent
# Where load_dataset reads the case data: the crmlib package itself.
DATA = HERE.parent / "crmlib" / "data"


def _rng_for(module, seed: int) -> np.random.Generator:
    key = zlib.crc32(module.__name__.rsplit(".", 1)[-1].encode("utf-8"))
    return np.random.default_rng([seed, key])


def build_all(seed: int = SEED):
    """按顺序构建全部数据集（不写文件）。"""
    datasets = []
    for module in BUILDERS:
        for dataset in module.build(_rng_for(module, seed)):
            dataset.check()
            datasets.append(dataset)
    names = [d.name for d in datasets]
    if len(set(names)) != len(names):
        raise ValueError(f"数据集重名：{names}")
    return datasets


def _to_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8", date_format="%Y-%m-%d")


def write_all(out_dir: Path = DATA, seed: int = SEED) -> list[Path]:
    """生成并写出全部 CSV、目录和数据字典；返回写出的文件。"""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    datasets = build_all(seed)
    written = []
    for dataset in datasets:
        path = out_dir / f"{dataset.name}.csv"
        _to_csv(dataset.frame, path)
        written.append(path)
    catalog = pd.DataFrame(
        [(d.name, d.title, d.chapter, len(d.frame)) for d in datasets],
        columns=["dataset", "title", "chapter", "rows"])
    dictionary = pd.DataFrame(
        [(d.name, c.name, c.dtype, c.unit, c.description) for d in datasets for c in d.columns],
        columns=["dataset", "column", "dtype", "unit", "description"])
    for name, table in (("catalog", catalog), ("data_dictionary", dictionary)):
        path = out_dir / f"{name}.csv"
        _to_csv(table, path)
        written.append(path)
    return written


def big_transactions(n_rows: int = 1_000_000, n_customers: int = 100_000, seed: int = SEED) -> pd.DataFrame:
    """基准测试用的大交易日志：``customer_id, date, amount``，不入库。"""
    rng = np.random.default_rng([seed, n_rows, n_customers])
    # 每位客户的购买倾向不同（伽马分布），少数客户贡献大部分交易，贴近真实日志。
    propensity = rng.gamma(0.8, 1.0, n_customers)
    customers = rng.choice(n_customers, size=n_rows, p=propensity / propensity.sum())
    start = np.datetime64("2022-01-01")
    days = rng.integers(0, 3 * 365, n_rows)
    amount = np.round(rng.lognormal(4.0, 0.8, n_rows), 2)
    return pd.DataFrame({
        "customer_id": pd.Series(customers).map("C{:06d}".format),
        "date": start + days.astype("timedelta64[D]"),
        "amount": amount,
    })


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="重新生成课程案例数据")
    parser.add_argument("--out", type=Path, default=DATA, help="输出目录（默认：crmlib/data/）")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    for path in write_all(args.out, args.seed):
        print(path)


if __name__ == "__main__":
    main()
