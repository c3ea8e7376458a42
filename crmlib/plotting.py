"""画图的共同设置：中文字体，以及各章都用得到的几种基础图。

每个 ``plot_*`` 函数都接受 ``ax=None``，画在给定（或新建）的坐标轴上并返回它。
导入本模块不会改动 matplotlib 的全局设置；需要中文时调用一次 :func:`use_chinese_font`。
"""
from __future__ import annotations

import sys

import matplotlib
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib import font_manager

from ._docs import shared_docs
from ._validation import _show, boolean, fail, numeric_column, require_columns, text

__all__ = ["use_chinese_font", "CHINESE_FONT_FAMILY", "plot_bar", "plot_process"]

# 随依赖 noto-cjk-sans-otc 安装的思源黑体集合（SIL OFL 1.1 许可），取其中的简体中文字面。
CHINESE_FONT_FAMILY = "Noto Sans CJK SC"


def _bundled_font_path() -> str:
    import noto_cjk_sans_otc  # 只在需要时导入：它只带一个字体文件

    return str(noto_cjk_sans_otc.FONT_PATH)


def use_chinese_font() -> str:
    """让 matplotlib 用随课程安装的中文字体，返回字体名。可重复调用。

    不下载任何东西，也不依赖系统字体；同时关闭 Unicode 负号，避免负号显示成方框。

    >>> use_chinese_font()
    'Noto Sans CJK SC'
    """
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    if CHINESE_FONT_FAMILY not in known:
        font_manager.fontManager.addfont(_bundled_font_path())
    families = [CHINESE_FONT_FAMILY] + [
        name for name in matplotlib.rcParams["font.sans-serif"] if name != CHINESE_FONT_FAMILY]
    matplotlib.rcParams["font.sans-serif"] = families
    matplotlib.rcParams["font.family"] = ["sans-serif"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return CHINESE_FONT_FAMILY


def new_axes(ax=None, *, figsize=(7, 4), func: str | None = None):
    """返回可用的坐标轴：给了就用给的，没给就新建一张图。

    ``ax`` 必须是一个 matplotlib Axes（例如 ``fig, ax = plt.subplots()`` 里的 ``ax``）；
    传入整张图或 ``plt.subplots(1, 2)`` 返回的坐标轴数组时报错。报错消息里的函数名是 ``func``，
    不给时取调用 new_axes 的那个函数（例如 ``plot_bar``）。
    """
    if ax is not None:
        if func is None:
            func = sys._getframe(1).f_code.co_name
        from matplotlib.axes import Axes

        if not isinstance(ax, Axes):
            hint = ("这是一组坐标轴，请取其中一个，例如 axes[0]。" if hasattr(ax, "shape") or isinstance(ax, (list, tuple))
                    else "请传入 fig, ax = plt.subplots() 里的 ax，或者不传（自动新建一张图）。")
            raise fail(func, f"参数 ax 应该是 matplotlib 的坐标轴（Axes），收到的是 {type(ax).__name__}：{_show(ax)}。{hint}")
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def check_color(color, func: str, param: str = "color"):
    """检查颜色参数是 matplotlib 认识的颜色，原样返回；不认识时报中文错误。

    >>> check_color("红色", "plot_bar")
    Traceback (most recent call last):
    ...
    crmlib._validation.CRMInputError: plot_bar：参数 color 不是 matplotlib 认识的颜色：'红色'。...
    """
    if not mcolors.is_color_like(color):
        raise fail(func, f"参数 {param} 不是 matplotlib 认识的颜色：{_show(color)}。"
                         f"请写成 '#3b75af'、'tab:orange' 或 'red' 这样的颜色。")
    return color


def check_cmap(cmap, func: str, param: str = "cmap"):
    """检查色图（colormap）参数：名字（如 'Blues'）或 Colormap 对象，原样返回；不认识时报中文错误。

    >>> check_cmap("蓝色", "plot_confusion")
    Traceback (most recent call last):
    ...
    crmlib._validation.CRMInputError: plot_confusion：参数 cmap 不是 matplotlib 认识的色图：'蓝色'。...
    """
    if isinstance(cmap, mcolors.Colormap):
        return cmap
    if not isinstance(cmap, str) or cmap not in matplotlib.colormaps:
        raise fail(func, f"参数 {param} 不是 matplotlib 认识的色图：{_show(cmap)}。"
                         f"请写成 'Blues'、'YlGnBu'、'viridis' 这样的名字。")
    return cmap


@shared_docs
def plot_bar(data, *, x: str, y: str, ax=None, title: str | None = None, xlabel: str | None = None,
             ylabel: str | None = None, color: str = "#3b75af", horizontal: bool = False):
    """按 ``x`` 列的类别画 ``y`` 列的柱状图，返回 Axes。不给 ``title`` 时不画标题。

    参数：
        ``data``：要画的表（DataFrame）。
        ``x``：类别所在的列名，每个类别一根柱子（按表中顺序）。
        ``y``：柱子高度所在的列名（数值，不能有缺失值）。
        {shared:ax}
        {shared:title}
        ``xlabel``：横轴标题（文字）；不给时用列名（竖向柱状图用 ``x``，横向用 ``y``）。
        ``ylabel``：纵轴标题（文字）；不给时用列名（竖向柱状图用 ``y``，横向用 ``x``）。
        ``color``：柱子的颜色（matplotlib 认识的颜色，默认 ``'#3b75af'``）。
        ``horizontal``：True 时画横向柱状图，默认 False（竖向）。

    >>> import pandas as pd
    >>> ax = plot_bar(pd.DataFrame({"渠道": ["门店", "小程序"], "人数": [30, 12]}), x="渠道", y="人数")
    >>> [float(p.get_height()) for p in ax.patches]
    [30.0, 12.0]
    """
    require_columns(data, "plot_bar", x=x, y=y)
    values = numeric_column(data, y, "plot_bar")
    horizontal = boolean(horizontal, "plot_bar", "horizontal")
    check_color(color, "plot_bar")
    for param, value in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        text(value, "plot_bar", param, optional=True)
    ax = new_axes(ax, func="plot_bar")
    labels = data[x].astype(str).tolist()
    if horizontal:
        ax.barh(labels, values.to_numpy(), color=color)
    else:
        ax.bar(labels, values.to_numpy(), color=color)
    ax.set_title(title or "")
    ax.set_xlabel(xlabel if xlabel is not None else (y if horizontal else x))
    ax.set_ylabel(ylabel if ylabel is not None else (x if horizontal else y))
    ax.spines[["top", "right"]].set_visible(False)
    return ax


@shared_docs
def plot_process(steps, *, ax=None, title: str = "CRM 的五步流程", loop_label: str | None = "反馈推动下一轮循环",
                 color: str = "#dbe8f5"):
    """把一串步骤画成从左到右的流程图（方框 + 箭头），``loop_label`` 不为 None 时画一条回到第一步的箭头。返回 Axes。

    ``steps`` 是步骤名称的列表（至少两步），名称里可以用 ``\\n`` 换行。

    参数：
        {shared:ax}
        {shared:title}
        ``color``：方框的填充色（matplotlib 认识的颜色，默认浅蓝 ``'#dbe8f5'``）。

    >>> ax = plot_process(["识别", "接触", "改进"], title="三步循环")
    >>> [t.get_text() for t in ax.texts if t.get_text()]
    ['识别', '接触', '改进', '反馈推动下一轮循环']
    """
    func = "plot_process"
    if isinstance(steps, str) or not isinstance(steps, (list, tuple)):
        raise fail(func, f"参数 steps 应该是步骤名称的列表，例如 ['识别', '接触', '改进']，"
                         f"收到的是 {type(steps).__name__}：{_show(steps)}。")
    if len(steps) < 2:
        raise fail(func, f"参数 steps 至少要有两步，现在只有 {len(steps)} 步。")
    bad = [s for s in steps if not isinstance(s, str) or not s.strip()]
    if bad:
        raise fail(func, f"参数 steps 里的每一步都应该是非空的文字，这些不是：{_show(bad)}。")
    text(title, func, "title")
    text(loop_label, func, "loop_label", optional=True)
    check_color(color, func)
    ax = new_axes(ax, figsize=(1.8 * len(steps), 2.6), func=func)
    box = dict(boxstyle="round,pad=0.5", facecolor=color, edgecolor="#3b75af")
    last = 2 * (len(steps) - 1)
    for i, step in enumerate(steps):
        ax.text(2 * i, 0, step, ha="center", va="center", fontsize=11, bbox=box)
        if i < len(steps) - 1:
            ax.annotate("", xy=(2 * i + 1.35, 0), xytext=(2 * i + 0.65, 0),
                        arrowprops=dict(arrowstyle="->", color="#3b75af"))
    if loop_label is not None:
        ax.annotate("", xy=(0, -0.42), xytext=(last, -0.42),
                    arrowprops=dict(arrowstyle="->", color="#999999", connectionstyle="bar,fraction=-0.08"))
        ax.text(last / 2, -1.0, loop_label, ha="center", color="#666666")
    ax.set_xlim(-1, last + 1)
    ax.set_ylim(-1.2, 0.6)
    ax.axis("off")
    ax.set_title(title)
    return ax
