"""How the trained model behaves on texts written for these tests (not in the corpus)."""

from __future__ import annotations

import math

import pytest

from classifiers.model import LABELS, Classifier, Prediction, article_text

STRIKE = "US fighter jets struck {group} weapons depots and a command post near {place} overnight, the Pentagon said"
ATTACK = "{group} fired rockets at {place}, which hosts US troops; no casualties were reported"
GROUPS = ["Kataib Hezbollah", "Harakat al-Nujaba", "Kataib Sayyid al-Shuhada", "an Iran-backed militia"]
STRIKE_PLACES = ["al-Qaim", "Jurf al-Sakhar", "Abu Kamal", "Mayadin"]
BASES = ["Ain al-Asad air base", "Harir base in Erbil", "the Green Village base", "the al-Tanf garrison"]


def labels(classifier: Classifier, texts: list[str]) -> list[str]:
    return [p.label for p in classifier.predict(texts)]


@pytest.mark.parametrize("group", GROUPS)
def test_a_strike_stays_a_strike_when_group_or_place_changes(classifier, group):
    texts = [STRIKE.format(group=group, place=place) for place in STRIKE_PLACES]
    assert labels(classifier, texts) == ["us_strike"] * len(texts)


@pytest.mark.parametrize("group", GROUPS)
def test_an_attack_stays_an_attack_when_group_or_base_changes(classifier, group):
    texts = [ATTACK.format(group=group.capitalize() if group[0].islower() else group, place=b) for b in BASES]
    assert labels(classifier, texts) == ["militia_attack"] * len(texts)


def test_who_did_what_to_whom_flips_the_label(classifier):
    attack, strike = classifier.predict(["Militia fired rockets at the base", "US jets struck the militia's depot"])
    assert attack.label == "militia_attack"
    assert strike.label == "us_strike"


@pytest.mark.parametrize(
    "text",
    [
        "US and British jets strike Houthi radar sites near Hodeidah",
        "Houthis fire anti-ship missile at tanker in the Red Sea",
        article_text(
            "Houthi drone hits cargo ship off Yemen",
            "The crew was unhurt; the group said it acted in support of Gaza and would keep targeting ships.",
        ),
        "ISIS gunmen kill four soldiers in ambush in Kirkuk province",
        "Coalition-backed Iraqi forces raid ISIS hideout in Hamrin mountains",
        article_text("Islamic State claims bombing at Syrian checkpoint",
                     "The group said its fighters detonated a car bomb near Deir ez-Zor, killing three guards."),
    ],
)
def test_houthi_and_isis_items_stay_other(classifier, text):
    assert labels(classifier, [text]) == ["other"]


@pytest.mark.parametrize("text", ["Rockets hit Ain al-Asad", "Dollar edges higher"])
def test_a_bare_headline_works(classifier, text):
    (pred,) = classifier.predict([text])
    assert isinstance(pred, Prediction)
    assert set(pred.scores) == set(LABELS)
    assert math.isclose(sum(pred.scores.values()), 1.0, rel_tol=1e-6)
    assert pred.confidence == pred.scores[pred.label]


def test_the_abstain_threshold_maps_low_confidence_to_other(classifier):
    text = "Explosion reported near a base in western Iraq"
    (plain,) = classifier.predict([text])
    strict = Classifier(classifier.pipeline, classifier.metadata, abstain_threshold=1.0)
    lax = Classifier(classifier.pipeline, classifier.metadata, abstain_threshold=0.0)
    assert strict.predict([text])[0].label == "other"
    assert lax.predict([text])[0].label == max(plain.scores, key=plain.scores.get)
    assert strict.predict([text])[0].scores == plain.scores
    with pytest.raises(ValueError):
        Classifier(classifier.pipeline, classifier.metadata, abstain_threshold=1.5)


def test_batches_match_single_predictions(classifier):
    texts = [STRIKE.format(group=g, place="al-Qaim") for g in GROUPS] + ["", "Weather: rain in Basra"]
    batch = classifier.predict(texts)
    assert batch == [classifier.predict([t])[0] for t in texts]
    assert classifier.predict([]) == []
    with pytest.raises(TypeError):
        classifier.predict("a single string")  # type: ignore[arg-type]


def test_huge_input_is_read_up_to_the_cap(classifier):
    from classifiers.corpus import MAX_INPUT_CHARS

    lead = "Rockets hit Ain al-Asad air base hosting US troops. "
    huge = lead * (1_000_000 // len(lead))
    (pred,) = classifier.predict([huge])
    assert pred == classifier.predict([huge[:MAX_INPUT_CHARS]])[0]
    assert pred.label == "militia_attack"
    assert classifier.explain(huge, k=3)


def test_explain_names_the_terms_that_pushed(classifier):
    terms = classifier.explain("Rockets slammed into Ain al-Asad air base hosting US troops", k=5)
    assert 0 < len(terms) <= 5
    assert all(label in LABELS for _, label, _ in terms)
    weights = [w for _, _, w in terms]
    assert weights == sorted(weights, reverse=True)
    assert ("rockets", "militia_attack") in {(t, label) for t, label, _ in terms}
    strike_terms = dict((t, label) for t, label, _ in classifier.explain("US jets struck the militia's depot", k=8))
    assert "us_strike" in strike_terms.values()
    assert classifier.explain("", k=5) == []


def test_article_text_puts_the_headline_first():
    assert article_text("  Rockets   hit base ", "") == "Rockets hit base"
    assert article_text("Title", "Body text.") == "Title\n\nBody text."
    assert article_text("", "Only a summary") == "\n\nOnly a summary"  # no headline: the summary is not one
