"""``/nps themes`` as text in the reader's language, its usage and /help line, and the
summary's and the digest's line "Detractors talk most about …"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.lists import format_list
from sqlmodel import Session

from bot.i18n import Translator
from bot.metrics import METRICS
from bot.periods import PeriodError, parse_period
from bot.prompts import metric_label
from bot.reports.labels import bucket_names, span_text
from bot.reports.themes import ThemeReport, build_themes, parse_themes_args
from scoring.themes import MIN_COMMENTS, MIN_THEME, Theme, Themes

TALK = 3
"""Themes per language the summary's line names."""


def bucket_list(metric: str) -> str:
    return "|".join(METRICS[metric].buckets)


def themes_help_line(metric: str, cmd: str, t: Translator) -> str:
    return t.gettext("{cmd} themes [period] [{buckets}] — what the comments of a bucket talk "
                     "about, per language").format(cmd=cmd, buckets=bucket_list(metric))


def themes_usage(cmd: str, metric: str, t: Translator) -> str:
    return t.gettext("Usage: {cmd} themes [period] [{buckets}]").format(
        cmd=cmd, buckets=bucket_list(metric))


def unknown_bucket(word: str, cmd: str, metric: str, t: Translator) -> str:
    names = format_list(list(bucket_names(metric, t).values()), locale=t.babel_locale)
    return t.gettext("I do not know the bucket “{word}”. The buckets are: {names}.").format(
        word=word, names=names) + "\n" + themes_usage(cmd, metric, t)


def quoted(text: str, t: Translator) -> str:
    return t.gettext("“{text}”").format(text=text)


def theme_line(rank: int, theme: Theme, t: Translator) -> str:
    values = {"rank": rank, "theme": theme.text, "count": t.number(theme.count),
              "share": t.percent(theme.share)}
    if theme.change is None:
        return t.ngettext("{rank}. {theme} — {count} comment ({share})",
                          "{rank}. {theme} — {count} comments ({share})",
                          theme.count).format(**values)
    return t.ngettext("{rank}. {theme} — {count} comment ({share}), {change} {unit}",
                      "{rank}. {theme} — {count} comments ({share}), {change} {unit}",
                      theme.count).format(change=t.signed(round(theme.change * 100)),
                                          unit=t.gettext("percentage points"), **values)


def language_lines(found: Themes, t: Translator) -> list[str]:
    name = t.language(found.language)
    name = name[:1].upper() + name[1:]  # it starts the line: "Română: 15 comentarii"
    if not found.enough:
        return [t.ngettext(
            "{language}: only {count} comment, too few for themes (at least {min} are needed).",
            "{language}: only {count} comments, too few for themes (at least {min} are "
            "needed).", found.comments).format(language=name, count=t.number(found.comments),
                                               min=t.number(MIN_COMMENTS))]
    lines = [t.ngettext("{language}: {count} comment", "{language}: {count} comments",
                        found.comments).format(language=name, count=t.number(found.comments))]
    if found.previous == 0:
        lines.append(t.gettext("No comment in the previous period to compare with."))
    if not found.themes:
        lines.append(t.ngettext("No phrase comes up in {min} comment or more.",
                                "No phrase comes up in {min} comments or more.",
                                MIN_THEME).format(min=t.number(MIN_THEME)))
    for rank, theme in enumerate(found.themes, 1):
        lines += [theme_line(rank, theme, t), "   " + quoted(theme.example, t)]
    return lines


def render_themes(report: ThemeReport, t: Translator) -> str:
    """The chat's answer to ``/nps themes``."""
    bucket = bucket_names(report.metric, t)[report.bucket]
    lines = [t.gettext("{metric} themes · {bucket} · {label} ({span})").format(
        metric=metric_label(report.metric, t), bucket=bucket, label=report.period.label,
        span=span_text(report.period, t))]
    if not report.languages:
        lines.append(t.gettext("No comments from {bucket} in this period.").format(
            bucket=bucket))
        return "\n".join(lines)
    if report.previous is not None:
        lines.append(t.gettext("The change is in the share of comments, against {span}.").format(
            span=span_text(report.previous, t)))
    for found in report.languages:
        lines += ["", *language_lines(found, t)]
    lines += ["", t.gettext(
        "Method: phrases of one to three words (Chinese segmented by jieba-rs, Romanian and "
        "English stemmed by Snowball, Romanian with and without diacritics as one), ranked by "
        "how much more often this bucket uses them than the others: the log odds ratio with an "
        "informative prior (Monroe et al., 2008).")]
    return "\n".join(lines)


def talk_line(metric: str, talk: Sequence[Themes], t: Translator) -> str | None:
    """"Detractors talk most about “late”, “refund” and “customer support”." (per language
    when the comments are in several), or None without a language with enough comments."""
    groups = [(th.language, [quoted(x.text, t) for x in th.themes[:TALK]])
              for th in talk if th.themes]
    if not groups:
        return None
    parts = [format_list(words, locale=t.babel_locale) for _, words in groups]
    if len(groups) > 1:
        parts = [t.gettext("{themes} ({language})").format(themes=p, language=t.language(lang))
                 for p, (lang, _) in zip(parts, groups, strict=True)]
    joined = parts[0]
    for part in parts[1:]:
        joined = t.gettext("{first}; {second}").format(first=joined, second=part)
    return t.gettext(METRICS[metric].talk_line).format(themes=joined)


def themes_reply(session: Session, metric: str, text: str, t: Translator, cmd: str,
                 now: datetime, zone: ZoneInfo) -> str:
    """The answer to ``{cmd} themes …``: the themes, or why the words were refused."""
    from bot.reports.commands import period_error

    args = parse_themes_args(text, metric, now, zone)
    if args.unknown is not None:
        return unknown_bucket(args.unknown, cmd, metric, t)
    try:
        period = parse_period(args.period or None, now, zone)
    except PeriodError as exc:
        return period_error(exc, args.period, t) + "\n" + themes_usage(cmd, metric, t)
    bucket = args.bucket or METRICS[metric].worst
    return render_themes(build_themes(session, metric, period, bucket), t)
