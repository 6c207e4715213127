"""Every catalog is complete: nothing untranslated or fuzzy, placeholders and plurals right."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, SUPPORTED, translator

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
PLURALS = {"en": 2, "ro": 3, "zh": 1}


def load(lang: str) -> Catalog:
    path = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def template_ids() -> set[str]:
    with (LOCALES_DIR / "messages.pot").open("rb") as fh:
        pot = read_po(fh)
    return {m.id if isinstance(m.id, str) else m.id[0] for m in pot if m.id}


@pytest.mark.parametrize("lang", SUPPORTED)
def test_catalog_is_complete(lang: str) -> None:
    catalog = load(lang)
    assert catalog.num_plurals == PLURALS[lang]
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    missing = template_ids() - ids
    assert not missing, f"{lang}: not in the catalog (run pybabel update): {sorted(missing)[:5]}"
    problems = []
    for msg in catalog:
        if not msg.id:
            continue
        ids_ = [msg.id] if isinstance(msg.id, str) else list(msg.id)
        strs = [msg.string] if isinstance(msg.string, str) else list(msg.string)
        if msg.fuzzy:
            problems.append(f"fuzzy: {ids_[0]!r}")
        if not all(s.strip() for s in strs):
            problems.append(f"untranslated: {ids_[0]!r}")
            continue
        if isinstance(msg.id, tuple) and len(strs) != PLURALS[lang]:
            problems.append(f"plural forms: {ids_[0]!r}")
        wanted = set(PLACEHOLDER.findall(ids_[0])) | set(PLACEHOLDER.findall(ids_[-1]))
        for s in strs:
            got = set(PLACEHOLDER.findall(s))
            if isinstance(msg.id, tuple) and lang != "en":
                # A plural form may drop {count} where the language says "one" in words.
                got |= wanted & {"{count}", "{n}"}
            if got != wanted:
                problems.append(f"placeholders {sorted(got)} ≠ {sorted(wanted)}: {ids_[0]!r}")
    assert not problems, f"{lang}: " + "; ".join(problems[:10])


def test_romanian_uses_comma_below() -> None:
    text = (LOCALES_DIR / "ro" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert not re.search("[ŞşŢţ]", text), "use ș ț (comma below), not ş ţ (cedilla)"


def test_template_is_current() -> None:
    """Every gettext string in the code is in messages.pot (pybabel extract was run)."""
    from babel.messages.extract import extract_from_dir

    root = Path(__file__).resolve().parent.parent
    found = set()
    for sub in ("bot", "adapters"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            root / sub, method_map=[("**.py", "python")]
        ):
            found.add(message if isinstance(message, str) else message[0])
    missing = found - template_ids()
    assert not missing, f"run pybabel extract: {sorted(missing)[:5]}"


def test_translations_are_used() -> None:
    assert translator("ro").gettext("Skip") != "Skip"
    assert translator("zh").gettext("Skip") != "Skip"
    assert translator("ro").ngettext(
        "Deleted: {count} answer and your profile.",
        "Deleted: {count} answers and your profile.", 21
    ) != translator("ro").ngettext(
        "Deleted: {count} answer and your profile.",
        "Deleted: {count} answers and your profile.", 2
    )


def test_catalogs_ship_in_the_wheel() -> None:
    """pyproject's package data takes every catalog and the template, so a non-editable
    install (a wheel, a container image) speaks Chinese and Romanian too; bot/i18n.py looks for
    them in ``locales/`` beside ``bot/``."""
    config = tomllib.loads((LOCALES_DIR.parent / "pyproject.toml").read_text())
    setuptools = config["tool"]["setuptools"]
    assert "locales*" in setuptools["packages"]["find"]["include"]
    patterns = setuptools["package-data"]["locales"]
    shipped = {p for pattern in patterns for p in LOCALES_DIR.glob(pattern)}
    catalogs = {LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po" for lang in SUPPORTED}
    assert catalogs | {LOCALES_DIR / "messages.pot"} <= shipped
    assert LOCALES_DIR == Path(__file__).resolve().parent.parent / "locales"
