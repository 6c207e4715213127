"""Hypothesis strategies for text as platforms deliver it: any Unicode, with the characters that
break things made likely (NUL and other controls, RTL and zero-width marks, joiners, lone
surrogates as a JSON ``\\ud800`` arrives in Python, emoji, CJK)."""

from __future__ import annotations

from hypothesis import strategies as st

TRICKY = (
    "\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\r", "\n", "\t", "\r\n",
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069",
    "\u2028", "\u2029", "\ufeff", "\ufffd", "\ufffe", "\uffff",
    "\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "\ude00", "\ud83d\ude00",
    "😀", "👨\u200d👩\u200d👧\u200d👦", "🇷🇴", "e\u0301", "送货", "ș", "<", ">", "&", "*", "_",
    "`", "<!channel>", "<@U123>", "&amp;", "/start", "@", " ",
)


def platform_text(*, min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    """Strings of any code point (surrogates included) and of the pieces above."""
    piece = st.one_of(
        st.characters(codec=None, categories=None),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
        st.sampled_from(TRICKY),
    )
    return st.lists(piece, min_size=min_size, max_size=max_size).map("".join)
