"""课程的案例数据（CSV）、数据字典与生成它们的带种子的生成器。

安装后这个目录就是 ``crmlib.data``；请用 ``crmlib.load_dataset(name)`` 读取。
"""
