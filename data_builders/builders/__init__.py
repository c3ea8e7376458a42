"""每个案例一个模块：``build(rng)`` 返回若干 :class:`~.spec.Dataset`。"""
