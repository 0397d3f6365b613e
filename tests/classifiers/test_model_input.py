"""What the model reads: headline and lead apart from the foreground text, the same at training and prediction."""

from __future__ import annotations

from classifiers.corpus import Item, article_text, item_text, split_article_text, training_views
from classifiers.cv import cv_groups
from classifiers.model_input import HEAD, TEXT, model_fields, model_matrix

PAGE = (
    "Skip to main content\n\nBy Staff Writer\n\n"
    "BAGHDAD (Wire) - Three rockets struck Ain al-Asad air base, which hosts US troops, late on Monday, "
    "security sources said.\n\n"
    "The base's air defences engaged the rockets and there were no casualties, the sources added.\n\n"
    "In response to earlier attacks, US jets struck militia sites near al-Qaim in December.\n\n"
    "Share this article"
)


def test_an_untitled_summary_is_not_taken_for_a_headline():
    assert split_article_text(article_text("Rockets hit base", "Body.")) == ("Rockets hit base", "Body.")
    assert split_article_text(article_text("", "Only a summary. Two.")) == ("", "Only a summary. Two.")
    assert split_article_text("A headline typed alone") == ("A headline typed alone", "")


def test_fields_keep_headline_and_lead_first_and_drop_chrome_and_background():
    head, text = model_fields(article_text("Rockets hit Ain al-Asad air base - The Daily Example", PAGE))
    assert head.splitlines() == [
        "Rockets hit Ain al-Asad air base",
        "Three rockets struck Ain al-Asad air base, which hosts US troops, late on Monday, security sources said.",
    ]
    assert text.startswith(head) and "no casualties" in text
    for gone in ("Skip to main content", "By Staff Writer", "Share this article", "Daily Example", "BAGHDAD"):
        assert gone not in head + text
    # The strike this attack followed is background: it must not pull the report towards us_strike.
    assert "al-Qaim" not in text


def test_training_and_prediction_read_an_item_the_same_way():
    item = Item("x1", "militia_attack", "full", "wire", "i1", "2024-01-01", "Rockets hit Ain al-Asad air base", PAGE)
    row = model_matrix([item_text(item)])[0]
    assert (row[HEAD], row[TEXT]) == model_fields(article_text(item.title, item.text))


def test_training_views_add_the_short_forms_of_each_item():
    full = Item("f1", "us_strike", "full", "wire", "i9", "2024-02-02", "US jets strike depots", "A " * 400)
    rss = Item("r1", "us_strike", "rss", "wire", "i9", "2024-02-02", "Strikes hit al-Qaim", "Jets struck at dawn.")
    head = Item("h1", "us_strike", "headline", "wire", "i9", "2024-02-02", "US strikes militia", "")
    views = training_views([full, rss, head])
    assert [(v.id, v.form) for v in views] == [
        ("f1", "full"), ("f1#headline", "headline"), ("f1#rss", "rss"),
        ("r1", "rss"), ("r1#headline", "headline"), ("h1", "headline"),
    ]
    assert all(v.incident == "i9" and v.label == "us_strike" for v in views)
    assert views[1].text == "" and 0 < len(views[2].text) <= 300


def test_cv_groups_join_two_writers_keys_for_one_incident():
    def item(ident, label, incident, date):
        return Item(ident, label, "headline", "wire", incident, date, f"title {ident}", "")

    items = [
        item("a", "militia_attack", "wa-taji", "2020-03-11"),
        item("b", "militia_attack", "wb-camp-taji", "2020-03-11"),  # the same attack, another writer's key
        item("c", "us_strike", "wa-kh-strikes", "2020-03-11"),  # the same day, the other label: another group
        item("d", "militia_attack", "wa-taji", "2020-03-12"),  # an incident's later report links its dates
        item("e", "militia_attack", "wc-other", "2020-03-12"),
        item("f", "other", "topic-budget", ""),
    ]
    groups = cv_groups(items)
    assert groups[0] == groups[1] == groups[3] == groups[4]
    assert len({groups[0], groups[2], groups[5]}) == 3


def test_language_check_flags_foreign_text_but_not_bare_english_headlines():
    from classifiers.model_input import is_english

    for english in ("Rockets hit Ain al-Asad air base", "US jets strike Kataib Hezbollah depot",
                    "Two US soldiers die in attack on base in Syria"):
        assert is_english(english), english
    for foreign in ("Drei Raketen schlugen auf dem Stützpunkt ein, und ein Soldat wurde verletzt",
                    "Un dron atacó la base de Al Tanf, según una fuente de la coalición",
                    "قصف صاروخي على قاعدة عسكرية"):
        assert not is_english(foreign), foreign
