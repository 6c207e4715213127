"""Who a Slack user is: name, language (``users.info`` with ``include_locale``) and whether they
are a bot; cached with an expiry so a busy workspace does not call Slack on every message."""

from __future__ import annotations

import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

TTL_SECONDS = 6 * 3600


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    locale: str | None
    is_bot: bool = False
    deleted: bool = False


class People:
    def __init__(self, client: AsyncWebClient, ttl: float = TTL_SECONDS) -> None:
        self.client = client
        self.ttl = ttl
        self._cache: dict[str, tuple[float, Person]] = {}

    async def get(self, user_id: str) -> Person:
        hit = self._cache.get(user_id)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            response = await self.client.users_info(user=user_id, include_locale=True)
        except SlackApiError:
            return Person(user_id, None)  # unknown here: default language, id as name
        data = response.get("user") or {}
        profile = data.get("profile") or {}
        person = Person(
            name=profile.get("display_name") or data.get("real_name") or data.get("name")
            or user_id,
            locale=data.get("locale"),
            is_bot=bool(data.get("is_bot")) or user_id == "USLACKBOT",
            deleted=bool(data.get("deleted")),
        )
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[user_id] = (now + self.ttl, person)
        return person
