"""Every catalog is complete: nothing untranslated or fuzzy, placeholders and plurals right;
GNU msgfmt accepts it; Romanian buttons speak the formal imperative."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, SUPPORTED, translator

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
PLURALS = {"en": 2, "ro": 3, "zh": 1}
ROOT = LOCALES_DIR.parent


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


@pytest.mark.parametrize("po", sorted(LOCALES_DIR.glob("*/LC_MESSAGES/*.po")),
                         ids=lambda p: p.parent.parent.name)
def test_msgfmt_accepts_the_catalog(po: Path) -> None:
    """GNU msgfmt's own checks (header, plural forms, and every format string against its
    msgid), which Poedit and translators' tools apply when they open or save a catalog.
    Without msgfmt this skips, except where REQUIRE_MSGFMT is set (``.ci/run``)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        reason = "GNU msgfmt is not installed (Debian/Ubuntu: apt-get install gettext)"
        if os.environ.get("REQUIRE_MSGFMT"):
            pytest.fail(reason)
        pytest.skip(reason)
    done = subprocess.run([msgfmt, "-c", "--check-format", "-o", os.devnull, str(po)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"msgfmt -c --check-format {po}:\n{done.stderr}"


# Romanian tu-form imperatives (and first-person forms) that have been, or could be, written on
# a button or a menu entry; the formal forms end in -ți (Omiteți, Renunțați, Preluați).  Only the
# label's first word is checked (after "Da," / "Nu,"): there a tu-form cannot be anything else,
# while later in a phrase some of these words are infinitives ("pentru a trimite").
RO_INFORMAL = frozenset("""
    sari omite renunță renunț anulează anulez șterge șterg păstrează păstrez trimite trimit
    răspunde răspund preia preiau rezolvă rezolv începe încep pornește pornesc completează
    alege confirmă confirm continuă închide deschide oprește vezi arată scrie apasă
    atinge selectează salvează modifică adaugă elimină caută primește dezabonează-te abonează-te
""".split())


def _button_and_menu_msgids() -> dict[str, set[str]]:
    """Every msgid the code shows on a button or in a command menu, by where it was found:
    ``Choice(t.gettext("…"), …)``, a Slack modal's ``submit`` / ``close``, the Telegram menu's
    ``N_("…")`` entries."""
    found: dict[str, set[str]] = {"choice": set(), "modal": set(), "menu": set()}

    def gettext_arg(node: ast.AST) -> str | None:
        if isinstance(node, ast.Subscript):  # tm.gettext("Send")[:24]
            node = node.value
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "gettext" and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            return node.args[0].value
        return None

    for path in sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "adapters").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
                    node.func.id == "Choice") and node.args:
                if (label := gettext_arg(node.args[0])) is not None:
                    found["choice"].add(label)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (isinstance(key, ast.Constant) and key.value in ("submit", "close")
                            and isinstance(value, ast.Dict)):
                        for k, v in zip(value.keys, value.values, strict=True):
                            if isinstance(k, ast.Constant) and k.value == "text" and (
                                    label := gettext_arg(v)) is not None:
                                found["modal"].add(label)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id == "N_" and path.parent.name == "telegram"
                  and path.name == "menu.py" and isinstance(node.args[0], ast.Constant)):
                found["menu"].add(str(node.args[0].value))
    return found


def _leading_word(label: str) -> str:
    rest = re.sub(r"^(da|nu),\s*", "", label.strip(), flags=re.IGNORECASE)
    return rest.split()[0].strip(",.:;!?„”").lower() if rest.split() else ""


def test_romanian_buttons_and_menus_use_the_formal_imperative() -> None:
    found = _button_and_menu_msgids()
    assert all(found.values()), f"the label finder found nothing somewhere: {found}"
    catalog = load("ro")
    ro = {m.id: m.string for m in catalog if isinstance(m.id, str) and m.id}
    labels = {msgid: ro[msgid] for kind in found.values() for msgid in kind}
    # Help lines ("{start} — take the survey") are menu entries too.
    labels.update({msgid: text.split(" — ", 1)[1] for msgid, text in ro.items()
                   if re.match(r"^\{[a-z_]+\} — ", msgid) and " — " in text})
    informal = {msgid: text for msgid, text in labels.items()
                if _leading_word(text) in RO_INFORMAL}
    assert not informal, f"ro: use the formal imperative (-ți) on buttons and menus: {informal}"
