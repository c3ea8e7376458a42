"""Properties of the chapter-02 case data that the lesson and its exercises rely on."""
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


def test_ctrip_has_no_calendar_years_presented_as_history():
    data = crmlib.load_dataset("ctrip_acquisition")
    assert sorted(data["quarter"].unique().tolist()) == [1, 2, 3, 4]
    from crmlib.datasets import _catalog
    assert "合成" in _catalog().set_index("dataset").loc["ctrip_acquisition", "title"]


def test_ctrip_cheapest_first_booking_is_not_cheapest_returning_customer():
    """The lesson shows cost per first booking; exercise 7 asks per returning customer (another answer)."""
    data = crmlib.load_dataset("ctrip_acquisition")
    per_first = crmlib.acquisition_cost(data, by="channel").sort_values()
    per_repeat = crmlib.acquisition_cost(data, by="channel", customers_col="repeat_12m").sort_values()
    assert per_first.index[0] == "网站优惠内容"
    assert per_repeat.index[0] == "会员推荐积分"
    # a clear margin, not noise
    assert per_repeat.iloc[1] > 1.3 * per_repeat.iloc[0]
    assert per_first["会员推荐积分"] > 1.1 * per_first["网站优惠内容"]


def _bottleneck(leads):
    return crmlib.funnel_table(crmlib.stage_counts(leads, stages=STAGES))["step_rate"].idxmin()


def test_pipeline_team_and_one_rep_have_different_bottlenecks():
    leads = crmlib.load_dataset("sales_pipeline")
    assert _bottleneck(leads) == "确认需求"
    li = leads[leads["rep"] == "李强"]
    assert len(li) >= 150
    assert _bottleneck(li) == "接通"
    rates = crmlib.funnel_table(crmlib.stage_counts(li, stages=STAGES))["step_rate"]
    assert rates["接通"] < rates.drop("接通").min() - 0.1, "李强's weak step stands out"
    others = {rep: _bottleneck(part) for rep, part in leads[leads["rep"] != "李强"].groupby("rep")}
    assert set(others.values()) == {"确认需求"}


def test_qualified_prospects_win_more_in_every_source():
    leads = crmlib.load_dataset("sales_pipeline")
    qualified = crmlib.qualify_prospects(leads)["qualified"]
    won = leads["stage"] == "成交"
    assert won[qualified].mean() > 5 * won[~qualified].mean()
    for _, part in leads.groupby("source"):
        q = qualified[part.index]
        assert won[part.index][q].mean() > 4 * won[part.index][~q].mean()


def test_personality_alone_does_not_decide_but_the_matched_tactic_raises_the_win_rate():
    leads = crmlib.load_dataset("sales_pipeline")
    won = leads["stage"] == "成交"
    by_personality = won.groupby(leads["personality"]).mean()
    by_matched = won.groupby(leads["matched_tactic"]).mean()
    assert by_matched[True] > 2 * by_matched[False]
    assert by_personality.max() - by_personality.min() < (by_matched[True] - by_matched[False]) / 2
    both = won.groupby([leads["personality"], leads["matched_tactic"]]).mean().unstack()
    assert (both[True] > 2 * both[False]).all(), "matching helps within every personality type"
    # matching was drawn independently of personality and rep: about half of each group
    share = leads.groupby("personality")["matched_tactic"].mean()
    assert share.between(0.4, 0.6).all()
