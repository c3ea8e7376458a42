"""Properties of the chapter-03 case data that the lesson relies on."""
import crmlib


def test_every_content_type_and_nature_appears():
    utterances = crmlib.load_dataset("objection_utterances")
    assert set(utterances["objection_type"]) == set(crmlib.OBJECTION_TYPES)
    assert set(utterances["nature"]) == {"真异议", "假异议", "隐藏异议"}


def test_default_rules_are_good_but_not_perfect():
    utterances = crmlib.load_dataset("objection_utterances")
    predicted = crmlib.classify_objections(utterances["text"])
    accuracy = crmlib.classification_accuracy(utterances["objection_type"], predicted)
    assert 0.8 < accuracy < 0.97, "the lesson discusses both what the rules get right and where they fail"
    assert (predicted == "未识别").any(), "an exercise adds a keyword for an unrecognised sentence"


def test_matching_method_to_objection_pays_off():
    rates = crmlib.method_success_rates(crmlib.load_dataset("objection_calls"))
    assert rates["隐藏异议"].idxmax() == "询问法"
    assert rates["假异议"].idxmax() == "忽视法"
    assert rates.loc["忽视法", "真异议"] < rates.loc["“是的……如果”法", "真异议"]
