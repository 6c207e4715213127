"""The Slack app manifest declares what the adapter serves."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.settings import Settings

MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yaml"


def test_manifest_matches_the_adapter() -> None:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    commands = {c["command"]: c for c in data["features"]["slash_commands"]}
    assert set(commands) == {defaults.slack_command_nps, defaults.slack_command_csat,
                             defaults.slack_command_ces}
    assert all(c["should_escape"] is True for c in commands.values()), "send needs <@U…> ids"
    urls = {c["url"] for c in commands.values()}
    urls |= {data["settings"]["event_subscriptions"]["request_url"],
             data["settings"]["interactivity"]["request_url"]}
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")
    assert set(data["settings"]["event_subscriptions"]["bot_events"]) == {
        "message.im", "app_home_opened"}
    scopes = set(data["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "commands", "im:history", "im:write", "users:read",
            "channels:read"} <= scopes
    assert data["features"]["app_home"]["home_tab_enabled"] is True
