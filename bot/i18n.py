"""Per-request translations and locale-aware formatting (Babel + gettext catalogs).

There is no process-wide language: callers ask for a :class:`Translator` for one locale and pass
it along.  Catalogs live in ``locales/<lang>/LC_MESSAGES/messages.po``; the ``.mo`` files are
compiled from them on first use when missing or older than the ``.po``.
"""

from __future__ import annotations

import gettext as _gettext
import logging
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED: tuple[str, ...] = ("en", "ro", "zh")
DOMAIN = "messages"
# The Babel locale used for formatting numbers and dates in each catalog language.
_BABEL_LOCALE = {"en": "en", "ro": "ro", "zh": "zh_Hans_CN"}
# The CLDR language each catalog stands for (our Chinese catalog is Simplified Chinese).
_CLDR_LANGUAGE = {"en": "en", "ro": "ro", "zh": "zh_Hans"}
_LANGUAGE_NAMES = {"en": "English", "ro": "Română", "zh": "简体中文"}
_lock = threading.Lock()


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def negotiate(tag: str | None, default: str = "en") -> str:
    """Map a platform language tag ('zh-hans', 'zh-CN', 'zh_TW', 'ro-RO', 'en-GB', ...) to one of
    our catalogs, falling back to ``default`` for empty or unknown tags."""
    if not tag or not tag.strip():
        return default
    raw = tag.strip().replace("_", "-")
    try:
        parsed = Locale.parse(raw, sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        try:
            parsed = Locale.parse(raw.split("-")[0])
        except (ValueError, TypeError, UnknownLocaleError):
            return default
    # All Chinese variants go to our Simplified catalog (the only Chinese one we ship).
    return parsed.language if parsed.language in SUPPORTED else default


def language_name(code: str) -> str:
    """The language's own name (an endonym), for the language menu and buttons only; sentences
    use :meth:`Translator.language`."""
    return _LANGUAGE_NAMES[code]


def _compiled_mo(lang: str) -> bytes:
    po_path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        return mo_path.read_bytes()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = BytesIO()
    write_mo(buf, catalog)
    data = buf.getvalue()
    try:
        tmp = mo_path.with_suffix(".mo.tmp")
        tmp.write_bytes(data)
        tmp.replace(mo_path)
    except OSError as exc:  # read-only install: keep it in memory
        log.debug("could not write %s: %s", mo_path, exc)
    return data


def compile_catalogs() -> list[Path]:
    """Compile every catalog's ``.mo`` file (also done lazily on first use)."""
    out = []
    for lang in SUPPORTED:
        _compiled_mo(lang)
        out.append(LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo")
    return out


@cache
def _translations(lang: str) -> _gettext.GNUTranslations | _gettext.NullTranslations:
    with _lock:
        try:
            return _gettext.GNUTranslations(BytesIO(_compiled_mo(lang)))
        except FileNotFoundError:
            log.warning("no catalog for %s; showing English", lang)
            return _gettext.NullTranslations()


@dataclass(frozen=True)
class Translator:
    """Translations and formatting for one locale (``en``, ``ro`` or ``zh``)."""

    lang: str

    @property
    def babel_locale(self) -> str:
        return _BABEL_LOCALE[self.lang]

    def gettext(self, message: str) -> str:
        return _translations(self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _translations(self.lang).ngettext(singular, plural, n)

    def number(self, value: float | int | Decimal, digits: int = 0) -> str:
        fmt = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=fmt, locale=self.babel_locale)

    def signed(self, value: float | int | Decimal, digits: int = 0) -> str:
        """A number with an explicit sign: +30, −5, 0."""
        magnitude: float | int | Decimal = -value if value < 0 else value
        text = self.number(magnitude, digits)
        if round(float(value), digits) > 0:
            return "+" + text
        if round(float(value), digits) < 0:
            return "−" + text
        return text

    def percent(self, share: float, digits: int = 0) -> str:
        """A share in 0..1 as a percentage in this locale ('46 %' in Romanian)."""
        pattern = Locale.parse(self.babel_locale).percent_formats[None].pattern
        if digits:  # '#,##0 %' → '#,##0.0 %', keeping the locale's spacing and sign place
            pattern = re.sub(r"0(?=[^0-9#]*%)", "0." + "0" * digits, pattern, count=1)
        return format_percent(share, format=pattern, locale=self.babel_locale)

    def date(self, value: date | datetime) -> str:
        if isinstance(value, datetime):
            value = value.date()
        return format_date(value, format="medium", locale=self.babel_locale)

    def datetime(self, value: datetime) -> str:
        return format_datetime(value, format="short", locale=self.babel_locale)

    def duration(self, value: timedelta) -> str:
        """A length of time, rounded to its largest unit: "1 day", "5 ore", "3小时"."""
        return format_timedelta(value, granularity="minute", locale=self.babel_locale)

    def ago(self, value: timedelta) -> str:
        """How long ago: "2 days ago", "acum 2 zile", "2天前"."""
        return format_timedelta(-abs(value), granularity="minute", add_direction=True,
                                locale=self.babel_locale)

    def language(self, code: str) -> str:
        """A language's name in this reader's language, as it stands mid-sentence (CLDR:
        ro "română", en "Romanian", zh "罗马尼亚语"); an unknown code is shown as it is."""
        names = Locale.parse(self.babel_locale).languages
        return names.get(_CLDR_LANGUAGE.get(code, code)) or names.get(code) or code


@cache
def translator(lang: str) -> Translator:
    """The translator for a catalog language; unknown codes are negotiated first."""
    code = lang if lang in SUPPORTED else negotiate(lang)
    return Translator(code)
