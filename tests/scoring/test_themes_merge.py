"""Phrases said by exactly the same comments are one theme (pieces of the same sentences),
shown as the stretch from the first to the last; phrases merely often together stay two."""

from __future__ import annotations

from scoring.themes.analysis import language_themes

UNHAPPY = ["The invoice was wrong twice in a row."] * 6 + [
    "Delivery was late again.", "Delivery was late and the box was damaged.",
    "Late delivery, no apology.", "The courier lost my parcel.",
    "The courier was rude and late."]
HAPPY = ["Great service, thank you.", "Fast delivery, well packed.", "Lovely staff.",
         "Everything arrived on time.", "The app is easy to use."] * 2


def test_pieces_of_one_sentence_are_one_theme() -> None:
    found = language_themes("en", UNHAPPY, HAPPY, None, top=10, min_comments=5)
    texts = [t.text for t in found.themes]
    invoice = [t for t in texts if "invoice" in t or "twice" in t or "row" in t.split()]
    assert invoice == ["invoice was wrong twice in a row"], texts
    assert found.themes[texts.index(invoice[0])].count == 6


def test_phrases_often_but_not_always_together_stay_apart() -> None:
    found = language_themes("en", UNHAPPY, HAPPY, None, top=10, min_comments=5)
    texts = [t.text for t in found.themes]
    assert "late" in texts and "delivery" in texts, texts  # 4 and 3 comments, 3 in common
