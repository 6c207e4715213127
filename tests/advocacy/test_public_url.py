"""PUBLIC_URL: where the promoters' web links point; checked, and else taken from
TELEGRAM_WEBHOOK_URL's scheme and host."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings


def test_public_url_and_its_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PUBLIC_URL", "TELEGRAM_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir("/")  # no .env file
    assert load_settings(public_url="https://bot.example.com/").web_base_url == \
        "https://bot.example.com"
    assert load_settings(public_url="http://10.0.0.5:8080/base").web_base_url == \
        "http://10.0.0.5:8080/base"
    assert load_settings(telegram_webhook_url="https://hooks.example.com:8443/telegram/webhook"
                         ).web_base_url == "https://hooks.example.com:8443"
    assert load_settings(public_url="https://a.example", telegram_webhook_url=(
        "https://b.example/telegram/webhook")).web_base_url == "https://a.example"
    assert load_settings().web_base_url == ""


@pytest.mark.parametrize("bad", ["bot.example.com", "ftp://bot.example.com", "https://",
                                 "https://bot.example.com/?x=1"])
def test_a_bad_public_url_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.chdir("/")
    with pytest.raises(SettingsError) as caught:
        load_settings(public_url=bad)
    assert str(caught.value).startswith("bad setting: PUBLIC_URL: ")
    assert "https://bot.example.com" in str(caught.value)
