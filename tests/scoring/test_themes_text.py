"""Comments cut into words and phrases (scoring/themes/tokens.py, phrases.py, words.py) and the
example trimmed (examples.py): sentences end at punctuation and emoji, not at a hyphen or an
apostrophe; Chinese segmented by jieba-rs in any comment; Latin words of a Chinese comment read
as English; Romanian folded before it is stemmed; what a phrase may start and end with."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scoring.themes import Comment, find_themes
from scoring.themes.examples import LIMIT, excerpt
from scoring.themes.phrases import comment_phrases
from scoring.themes.tokens import sentences
from scoring.themes.words import Kind, word_key, word_kind
from tests.strategies import platform_text


def phrases(text: str, language: str) -> set[tuple[str, ...]]:
    return set(comment_phrases(sentences(text, language)))


def words(text: str, language: str) -> list[list[str]]:
    return [[text[t.start:t.end] for t in s.tokens] for s in sentences(text, language)]


def test_sentences_end_at_punctuation_and_emoji_not_at_hyphens_or_apostrophes() -> None:
    assert words("Late delivery. Support, slow😡 app don’t e-mail", "en") == [
        ["Late", "delivery"], ["Support"], ["slow"], ["app", "don’t", "e", "mail"]]
    assert words("Nu-mi place; s-a blocat\naplicația", "ro") == [
        ["Nu", "mi", "place"], ["s", "a", "blocat"], ["aplicația"]]
    assert ("deliveri", "support") not in phrases("Delivery. Support", "en")
    assert ("late", "deliveri") in phrases("late delivery", "en")


def test_chinese_is_segmented_in_any_comment_and_its_latin_words_read_as_english() -> None:
    assert words("App 经常闪退，付款很慢", "zh") == [["App", "经常", "闪退"], ["付款", "很", "慢"]]
    assert ("app", "经常", "闪退") in phrases("Apps 经常闪退", "zh")  # "apps" stemmed as English
    assert ("物流",) in phrases("Livrarea prin 物流 a întârziat", "ro")


def test_a_phrase_neither_starts_nor_ends_with_a_stop_word_and_says_something() -> None:
    found = phrases("The app is easy to use and very good", "en")
    assert ("easi", "to", "use") in found  # a stop word inside
    assert not any(p[0] in ("the", "is", "to", "and") or p[-1] in ("the", "is", "to", "and")
                   for p in found)
    assert ("good",) not in found and ("veri", "good") not in found  # generic alone
    assert ("timp", "de", "livr") in phrases("timp de livrare", "ro")
    assert word_kind("great", "en") is Kind.GENERIC and word_kind("și", "ro") is Kind.STOP
    assert word_kind("2026", "en") is Kind.STOP  # digits alone


def test_romanian_is_folded_before_it_is_stemmed() -> None:
    for spellings in (["aplicația", "aplicaţia", "aplicatia", "APLICAȚIA"],
                      ["întârziere", "intarziere", "Întârziere"], ["preț", "pret", "preţ"]):
        assert len({word_key(w.lower(), "ro") for w in spellings}) == 1, spellings
    assert word_kind("şi", "ro") is Kind.STOP and word_kind("si", "ro") is Kind.STOP


def test_a_long_example_is_cut_politely_around_its_theme() -> None:
    short = "  The refund   never came. "
    assert excerpt(short, 6, 12) == "The refund never came."
    filler = "We ordered a sofa for the living room and waited for weeks. " * 3
    text = filler + "Then the refund was refused by the shop without any reason at all. " + (
        "Later we called again and again and nobody answered the phone, not once. " * 3)
    start = text.index("refund")
    shown = excerpt(text, start, start + 6)
    assert shown.startswith("…Then the refund was refused")
    assert shown.endswith(" …") and len(shown) <= LIMIT + 4
    assert shown[1:-2] in " ".join(text.split())  # the customer's words, only cut
    chinese = "物流太慢了。" * 10 + "退款一直没有到账，" * 30
    at = chinese.index("退款")
    cut = excerpt(chinese, at, at + 2)
    assert cut.startswith("…退款一直没有到账") and cut.endswith("…") and len(cut) <= LIMIT + 2


@given(st.lists(platform_text(max_size=60), min_size=1, max_size=12),
       st.sampled_from(["en", "ro", "zh"]))
def test_any_text_gives_themes_or_none_never_an_error(texts: list[str], language: str) -> None:
    comments = [Comment(t, "detractor" if i % 2 else "promoter", language)
                for i, t in enumerate(texts * 3)]
    for found in find_themes(comments, "detractor", min_comments=1):
        for theme in found.themes:
            assert theme.count >= 3 and 0 < theme.share <= 1 and theme.example
            assert any(theme.key in phrases(t, language) for t in texts)
