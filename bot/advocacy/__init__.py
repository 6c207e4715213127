"""Advocacy: the promoter ask after a survey, its referral and review links (``/r/<token>``),
and the people attributed to a promoter (a referral start, an imported ``referred_by``).
Keyword-only data functions over a session, like :mod:`bot.store`; the conversation is
:mod:`bot.engine.advocacy`, the figures :mod:`bot.reports.advocacy` (``docs/advocacy.md``)."""
