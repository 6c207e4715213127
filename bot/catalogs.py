"""Maintainers' catalog chores: extract the strings, update every catalog, keep English whole.

``survey-bot i18n update`` runs ``pybabel extract`` (mappings from pyproject.toml) and
``pybabel update``, then fills the English catalog with the source strings (English is the
source language), fills what Romanian and Chinese lack from ``locales/drafts/*.toml`` (new
strings' translations written beside the work that adds them, so that parallel branches do not
edit the same catalogs; folded into the catalogs and deleted when merged) and reports what they
still lack.  A draft file holds ``[[message]]`` tables: ``id`` (and ``plural``), ``ro`` and ``zh``
(a string, or a list of plural forms: three for Romanian, one for Chinese).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from bot.i18n import LOCALES_DIR, SUPPORTED

ROOT = LOCALES_DIR.parent
DRAFTS = LOCALES_DIR / "drafts"


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]


def fill_english(path: Path) -> int:
    """Set every English msgstr to its msgid; the number of entries changed."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    changed = 0
    for message in catalog:
        if not message.id:
            continue
        wanted: str | tuple[str, ...] = message.id if isinstance(message.id, str) else tuple(
            message.id)
        if message.string != wanted or message.fuzzy:
            message.string = wanted
            message.flags.discard("fuzzy")
            changed += 1
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False)
    return changed


def drafts() -> dict[str, dict[str, Any]]:
    """The drafted translations, by msgid."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(DRAFTS.glob("*.toml")):
        with path.open("rb") as fh:
            for entry in tomllib.load(fh).get("message", []):
                found[entry["id"]] = entry
    return found


def fill_drafts(path: Path, lang: str, drafted: dict[str, dict[str, Any]]) -> int:
    """Fill the empty or fuzzy msgstrs of ``lang`` that a draft translates; how many."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    changed = 0
    for message in catalog:
        key = message.id if isinstance(message.id, str) else message.id[0]
        entry = drafted.get(key) if key else None
        if entry is None or lang not in entry:
            continue
        raw = message.string
        strings = [raw] if isinstance(raw, str) else list(raw or ())
        if not message.fuzzy and all(s.strip() for s in strings):
            continue
        value = entry[lang]
        message.string = value if isinstance(message.id, str) else tuple(
            value if isinstance(value, list) else [value])
        message.flags.discard("fuzzy")
        changed += 1
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False)
    return changed


def untranslated(path: Path, lang: str) -> list[str]:
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    out = []
    for message in catalog:
        raw = message.string
        strings = [raw] if isinstance(raw, str) else list(raw or ())
        if message.id and (message.fuzzy or not all(s.strip() for s in strings)):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def update() -> dict[str, list[str]]:
    """Extract, update every catalog, fill English; what each other language still lacks."""
    pot = LOCALES_DIR / "messages.pot"
    _pybabel("extract", "-F", str(ROOT / "pyproject.toml"), "-o", str(pot), "--no-location",
             "--sort-output", "-k", "N_", "--project", "survey-bot", "-w", "100", str(ROOT))
    _pybabel("update", "-i", str(pot), "-d", str(LOCALES_DIR), "--no-fuzzy-matching",
             "--ignore-obsolete", "-w", "100")
    fill_english(LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po")
    drafted = drafts()
    for lang in SUPPORTED:
        if lang != "en":
            fill_drafts(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po", lang, drafted)
    return {lang: untranslated(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po", lang)
            for lang in SUPPORTED if lang != "en"}
