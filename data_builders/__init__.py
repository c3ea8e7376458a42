"""案例数据的生成器（教师与维护者的工具，不随学生安装的 crmlib 分发）。

``python -m data_builders.generate``（或 ``make datasets``）把每个案例模块（``builders/``）构建的数据
写进 ``crmlib/data/``。
"""
