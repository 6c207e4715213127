"""Cutting a text where a line ends, measured as Telegram measures (UTF-16 code units): what a
photo's caption holds and what follows it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.telegram.render import MAX_CAPTION, photo_caption
from bot.text import split_at_line, units

LINES = st.lists(st.text(alphabet=st.sampled_from(list("ab ș中🟥\u200d")), max_size=30),
                 max_size=30)


def test_hand_made_cuts() -> None:
    assert split_at_line("a\nbb\nccc", 5) == ("a\nbb", "ccc")
    assert split_at_line("a\nbb\nccc", 20) == ("a\nbb\nccc", "")
    assert split_at_line("one two three", 8) == ("one two", "three")  # a line too long
    assert split_at_line("x" * 10, 4) == ("xxxx", "xxxxxx")  # no space either
    assert split_at_line("🟥🟥🟥", 5) == ("🟥🟥", "🟥")  # never half of an emoji
    assert split_at_line("\n\nabc def", 6) == ("\n\nabc", "def")


@given(LINES, st.integers(min_value=2, max_value=120))
def test_the_head_fits_and_ends_where_a_line_does(lines: list[str], limit: int) -> None:
    text = "\n".join(lines)
    head, rest = split_at_line(text, limit)
    assert units(head) <= limit
    assert (rest == "") == (units(text) <= limit)
    if not rest:
        assert head == text
        return
    assert text.startswith(head)
    assert "".join((head + rest).split()) == "".join(text.split())  # only blanks at the cut
    breaks = [i for i, ch in enumerate(text) if ch == "\n"
              and units(text[:i]) <= limit and text[:i].strip()]
    if breaks:  # a whole line fits: the cut is where the last line that fits ends
        assert head == text[:breaks[-1]].rstrip()


def test_a_photo_caption_holds_what_telegram_allows() -> None:
    lines = [f"2026-W{w:02d}: +{w} (n = {w * 3}) 🟥" for w in range(1, 53)]
    text = "\n".join(lines)
    caption, rest = photo_caption(text)
    assert units(caption) <= MAX_CAPTION < units(text)
    assert f"{caption}\n{rest}" == text
    assert photo_caption("short") == ("short", "")
