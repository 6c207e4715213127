"""Settings come from the environment and .env; a bad value names the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.i18n import negotiate
from bot.settings import SettingsError, load_settings


def test_defaults_and_lists(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_MANAGER_IDS", "111, 222")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    s = load_settings()
    assert s.telegram_manager_ids == frozenset({"111", "222"})
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert not s.telegram_enabled and not s.slack_enabled


def test_dotenv_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MANAGER_LOCALE", raising=False)
    (tmp_path / ".env").write_text("MANAGER_LOCALE=ro\nSLACK_MANAGER_IDS=U1\n")
    s = load_settings()
    assert s.manager_locale == "ro" and s.slack_manager_ids == frozenset({"U1"})


@pytest.mark.parametrize("var,value", [("PORT", "eighty"), ("MANAGER_LOCALE", "fr"),
                                       ("DATABASE_URL", "mysql://x"),
                                       ("COMMENT_MAX_LENGTH", "0")])
def test_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, var: str,
                              value: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError, match=var):
        load_settings()


@pytest.mark.parametrize("tag,lang", [("zh-hans", "zh"), ("zh-CN", "zh"), ("zh_TW", "zh"),
                                      ("ro-RO", "ro"), ("en-GB", "en"), ("", "en"), (None, "en"),
                                      ("xx-YY", "en"), ("pt-br", "en"), ("ro", "ro"),
                                      ("!!", "en")])
def test_locale_negotiation(tag: str | None, lang: str) -> None:
    assert negotiate(tag) == lang


def test_env_example_lists_every_setting() -> None:
    from pathlib import Path

    from bot.settings import Settings

    example = (Path(__file__).parent.parent / ".env.example").read_text(encoding="utf-8")
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in example]
    assert missing == []
