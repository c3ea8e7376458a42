"""Properties of the chapter-02 case data that the lesson relies on."""
import crmlib

STAGES = ["线索", "接通", "确认需求", "评估方案", "谈判", "成交"]


def test_ctrip_pull_strategy_acquires_cheaper_and_more_loyal_customers():
    data = crmlib.load_dataset("ctrip_acquisition")
    cost = crmlib.acquisition_cost(data, by="period")
    assert cost["诱销期"] < cost["硬销期"] / 2
    totals = data.groupby("period")[["first_booking", "repeat_12m"]].sum()
    repeat = totals["repeat_12m"] / totals["first_booking"]
    assert repeat["诱销期"] > repeat["硬销期"] + 0.1
    funnel_columns = ["reached", "registered", "first_booking", "repeat_12m"]
    assert (data[funnel_columns].diff(axis=1).iloc[:, 1:] <= 0).all().all(), "every funnel narrows"


def test_pipeline_has_a_clear_bottleneck_and_qualified_prospects_win_more():
    leads = crmlib.load_dataset("sales_pipeline")
    table = crmlib.funnel_table(crmlib.stage_counts(leads, stages=STAGES))
    assert table["step_rate"].idxmin() == "确认需求"
    qualified = crmlib.qualify_prospects(leads)["qualified"]
    won = leads["stage"] == "成交"
    assert won[qualified].mean() > 5 * won[~qualified].mean()
