"""Chinese labels render with the bundled font; importing crmlib changes nothing global."""
import json
import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import crmlib  # noqa: E402


def draw_chinese_figure():
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [3, -1, 2], label="销售额（元）")
    ax.set_title("晨光社区超市：每月销售额")
    ax.set_xticks([1, 2, 3], ["一月", "二月", "三月"])
    ax.set_xlabel("月份")
    ax.legend(title="图例")
    fig.canvas.draw()
    return fig


def test_chinese_figure_draws_without_missing_glyph_warnings():
    assert crmlib.use_chinese_font() == "Noto Sans CJK SC"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = draw_chinese_figure()
    plt.close(fig)
    glyph_warnings = [w for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]
    assert glyph_warnings == []
    from matplotlib import font_manager
    resolved = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert resolved.endswith("NotoSansCJK-Regular.ttc")


def test_without_the_font_chinese_labels_do_warn():
    """The warning check above can fail: a plain DejaVu setup warns on Chinese text."""
    code = (
        "import warnings, matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt\n"
        "matplotlib.rcParams['font.sans-serif'] = ['DejaVu Sans']\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always'); fig, ax = plt.subplots(); ax.set_title('销售额'); fig.canvas.draw()\n"
        "print(sum('missing from' in str(x.message) for x in w))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) > 0


def test_importing_crmlib_has_no_global_side_effects():
    code = (
        "import json, sys, matplotlib\n"  # dict.items: reading rcParams["backend"] would import pyplot

        "before = {k: str(v) for k, v in dict.items(matplotlib.rcParams)}\n"
        "import crmlib\n"
        "after = {k: str(v) for k, v in dict.items(matplotlib.rcParams)}\n"
        "print(json.dumps({'changed': [k for k in before if before[k] != after[k]],"
        " 'pyplot': 'matplotlib.pyplot' in sys.modules}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr == ""
    assert json.loads(out.stdout) == {"changed": [], "pyplot": False}


def test_plot_bar_draws_on_the_given_axes_and_validates():
    fig, ax = plt.subplots()
    data = pd.DataFrame({"渠道": ["门店", "小程序"], "人数": [30, 12]})
    assert crmlib.plot_bar(data, x="渠道", y="人数", ax=ax, title="各渠道人数") is ax
    assert [p.get_height() for p in ax.patches] == [30, 12]
    assert ax.get_title() == "各渠道人数"
    with pytest.raises(KeyError, match="找不到列 '人'"):
        crmlib.plot_bar(data, x="渠道", y="人", ax=ax)
    plt.close(fig)


def test_plot_process_draws_every_step_in_order_with_arrows_and_a_loop():
    fig, ax = plt.subplots()
    steps = ["识别", "接触", "分析", "推广", "改进"]
    assert crmlib.plot_process(steps, ax=ax, title="五步") is ax
    labels = [t.get_text() for t in ax.texts if t.get_text()]
    assert labels == steps + ["反馈推动下一轮循环"]
    # one arrow between neighbours, one back to the start
    arrows = [t for t in ax.texts if not t.get_text()]
    assert len(arrows) == len(steps)
    assert ax.get_title() == "五步"
    plt.close(fig)
    ax = crmlib.plot_process(["甲", "乙"], loop_label=None)
    assert [t.get_text() for t in ax.texts if t.get_text()] == ["甲", "乙"]
    plt.close(ax.figure)
    with pytest.raises(crmlib.CRMInputError, match="plot_process：参数 steps 至少要有两步"):
        crmlib.plot_process(["只有一步"])
    with pytest.raises(crmlib.CRMInputError, match="steps 应该是步骤名称的列表"):
        crmlib.plot_process("识别")
