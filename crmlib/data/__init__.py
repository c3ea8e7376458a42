"""课程的案例数据（CSV）与数据字典，随 crmlib 一起安装；请用 ``crmlib.load_dataset(name)`` 读取。

这些文件由仓库里的 ``data_builders/generate.py``（带种子的生成器，不随 crmlib 安装）写出：
``make datasets`` 重新生成，同一种子得到逐字节相同的文件。
"""
