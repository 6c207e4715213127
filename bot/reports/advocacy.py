"""``/nps advocacy [period] [by channel|language]``: the promoters asked in the period and what
came of it (:mod:`.advocacy_data` counts, :mod:`scoring.advocacy` computes): who accepted,
link clicks, referred people and who of them answered a survey, the referral rate, the
advocacy conversion rate, review clicks, and the top referrers, named only where they said
they may be."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from bot.i18n import Translator
from bot.periods import Period, PeriodError, parse_period
from bot.reports.advocacy_data import AdvocacyData, Tally, advocacy_data, referrer_names
from bot.reports.commands import ManagerContext, period_error
from bot.reports.figures import SAMPLE_FLOOR
from bot.reports.labels import segment_label, span_text
from scoring.advocacy import LEVEL, Rate, Share, figures, top_referrers

WORD = "advocacy"
SPLITS = ("channel", "language")
TOP = 5


def help_line(cmd: str, t: Translator) -> str:
    return t.gettext("{cmd} advocacy [period] [by channel|language] — promoters asked, "
                     "referrals and reviews").format(cmd=cmd)


def _share(share: Share, t: Translator) -> str:
    """``8 of 12 (67 %; 95 % interval 39 %–86 %)``."""
    interval = share.interval
    if share.value is None or interval is None:
        return t.gettext("{k} of {n}").format(k=t.number(share.k), n=t.number(share.n))
    return t.gettext("{k} of {n} ({share}; {level} interval {low}–{high})").format(
        k=t.number(share.k), n=t.number(share.n), share=t.percent(share.value),
        level=t.percent(LEVEL), low=t.percent(interval[0]), high=t.percent(interval[1]))


def _rate(rate: Rate, t: Translator) -> str:
    interval = rate.interval
    if rate.value is None or interval is None:
        return "—"
    return t.gettext("{value} (n = {n}; {level} interval {low}–{high})").format(
        value=t.number(rate.value, 2), n=t.number(rate.n), level=t.percent(LEVEL),
        low=t.number(interval[0], 2), high=t.number(interval[1], 2))


def figure_lines(group: Sequence[Tally], t: Translator) -> list[str]:
    f = figures(p.promoter() for p in group)
    lines = [t.gettext("Promoters asked: n = {n}").format(n=t.number(f.asked)),
             t.gettext("Accepted: {share}").format(share=_share(f.accepted, t)),
             t.gettext("Referral link clicks: {count}").format(count=t.number(f.link_clicks)),
             t.gettext("Referred people: {count}; of them answered a survey: {share}").format(
                 count=t.number(f.referred), share=_share(f.referred_answered, t)),
             t.gettext("Referral rate (referred people per promoter asked): {rate}").format(
                 rate=_rate(f.referral_rate, t)),
             t.gettext("Advocacy conversion (brought at least one person): {share}").format(
                 share=_share(f.conversion, t)),
             t.gettext("Review clicks: {count}; promoters who opened the review page: "
                       "{share}").format(count=t.number(f.review_clicks),
                                         share=_share(f.reviewers, t))]
    if f.asked < SAMPLE_FLOOR:
        lines[0] += " " + t.gettext("⚠ too few to trust")
    return lines


def _top_lines(session: Session, data: AdvocacyData, t: Translator) -> list[str]:
    ranked = top_referrers({p.customer_id: p.referred for p in data.promoters}, TOP)
    if not ranked:
        return []
    names = referrer_names(session, (c for c, _ in ranked))
    lines = [t.gettext("Top referrers:")]
    for rank, (customer, count) in enumerate(ranked, 1):
        who = names.get(customer) or t.gettext("a promoter (not named)")
        lines.append(t.ngettext("{rank}. {name}: {count} person", "{rank}. {name}: {count} "
                                "people", count).format(rank=rank, name=who,
                                                        count=t.number(count)))
    return lines


def render_advocacy(session: Session, data: AdvocacyData, split: str | None,
                    t: Translator) -> str:
    period = data.period
    lines = [t.gettext("Advocacy · {label} ({span})").format(label=period.label,
                                                            span=span_text(period, t))]
    if not data.promoters:
        lines.append(t.gettext("No promoter was asked in this period."))
    else:
        lines += figure_lines(data.promoters, t)
        if split is not None:
            groups: dict[str, list[Tally]] = {}
            for p in data.promoters:
                groups.setdefault(p.channel if split == "channel" else p.locale, []).append(p)
            for key in sorted(groups, key=lambda k: (-len(groups[k]), k)):
                lines += ["", segment_label(split, key, t) + ":"]
                lines += ["  " + line for line in figure_lines(groups[key], t)]
        top = _top_lines(session, data, t)
        if top:
            lines += ["", *top]
    if data.elsewhere:
        lines.append(t.ngettext(
            "Besides, {count} person was attributed in this period to a customer not asked "
            "in it (an imported referred_by, or a link of an earlier ask).",
            "Besides, {count} people were attributed in this period to customers not asked "
            "in it (an imported referred_by, or a link of an earlier ask).",
            data.elsewhere).format(count=t.number(data.elsewhere)))
    lines.append(t.gettext("Intervals: Wilson’s for shares; exact Poisson (Garwood) for the "
                           "referral rate."))
    return "\n".join(lines)


def advocacy_reply(session: Session, args: str, t: Translator, cmd: str,
                   context: ManagerContext) -> str:
    """A manager's ``/nps advocacy …``."""
    words = args.split()
    split = None
    lowered = [w.casefold() for w in words]
    if "by" in lowered:
        at = lowered.index("by")
        rest = lowered[at + 1:]
        if len(rest) != 1 or rest[0] not in SPLITS:
            word = " ".join(words[at + 1:]) or "by"
            return t.gettext("I cannot split the advocacy figures by “{word}”: use by channel "
                             "or by language.").format(word=word) + "\n" + help_line(cmd, t)
        split, words = rest[0], words[:at]
    text = " ".join(words)
    try:
        period: Period = parse_period(text or None, context.now, context.zone)
    except PeriodError as exc:
        return period_error(exc, text, t)
    return render_advocacy(session, advocacy_data(session, period), split, t)
