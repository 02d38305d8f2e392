"""The only module that calls the Slack Web API. Every failure becomes a SlackFailure that says
whether to retry (and when) or give up, so the outbox can decide."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import (
    BackoffRetryIntervalCalculator,
    HttpRequest,
    HttpResponse,
    RetryIntervalCalculator,
    RetryState,
)
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery.pacing import Pacer
from bot.delivery.slack_errors import Outcome, outcome

log = logging.getLogger(__name__)

# Retrying these inside the call after a 5xx or a dropped connection could post twice (Slack may
# have taken the first); the outbox retries them instead, after looking for the first.
NOT_RETRIED_IN_CALL = frozenset({"chat.postMessage"})

MAX_IN_CALL_WAIT_SECONDS = 2


@dataclass
class SlackFailure(Exception):
    error: str
    transient: bool
    retry_after: float | None = None

    def __str__(self) -> str:
        return self.error

    def outcome(self, kind: str | None = None) -> Outcome:
        return outcome(self.error, kind)


class ShortRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, but only for short waits: it sleeps for Retry-After inside the call,
    which is fine for a second or two; a longer wait goes back to the outbox, which schedules the
    message for then without holding a task (and a test clock can step over it)."""

    def __init__(self, max_wait_seconds: int = MAX_IN_CALL_WAIT_SECONDS) -> None:
        super().__init__(max_retry_count=1)
        self.max_wait_seconds = max_wait_seconds

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                               error: Exception | None = None) -> bool:
        if not await super()._can_retry_async(state=state, request=request, response=response, error=error):
            return False
        wait = _retry_after(response.headers if response else {})
        return wait is not None and wait <= self.max_wait_seconds


def build_client(token: str, base_url: str, *, timeout: int = 15,
                 retry_interval: RetryIntervalCalculator | None = None) -> AsyncWebClient:
    """slack_sdk does not retry 429s by default; attach its async handlers for short blips.
    Longer outages are the outbox's job."""
    interval = retry_interval or BackoffRetryIntervalCalculator()
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=interval),
            ShortRateLimitRetryHandler(),
            AsyncServerErrorRetryHandler(max_retry_count=1, interval_calculator=interval),
        ],
    )


class SlackGateway:
    def __init__(self, client: AsyncWebClient, *, now: Callable[[], float] | None = None) -> None:
        self.client = client
        self._once_client = AsyncWebClient(
            token=client.token, base_url=client.base_url, timeout=client.timeout,
            retry_handlers=[h for h in client.retry_handlers or [] if isinstance(h, AsyncRateLimitErrorRetryHandler)],
        )
        self.pacer = Pacer(now) if now is not None else None
        self._bot_user_id: str | None = None
        self.bot_id: str | None = None
        self._team_id: str | None = None

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        if self.client.session is None or self.client.session.closed:
            # One HTTP session for every call: slack_sdk otherwise opens a connection per call.
            self.client.session = self._once_client.session = aiohttp.ClientSession()
        if self.pacer is not None and (wait := self.pacer.wait(method, params.get("channel"))) > 0:
            raise SlackFailure(error="paced", transient=True, retry_after=wait)  # not sent: Slack would say 429
        try:
            # slack_sdk's typed method for each call knows Slack's transport (JSON, form or query).
            client = self._once_client if method in NOT_RETRIED_IN_CALL else self.client
            response = await getattr(client, method.replace(".", "_"))(**params)
            return dict(response.data) if isinstance(response.data, dict) else {}
        except SlackApiError as exc:
            failure = _failure_from(exc)
            if failure.retry_after is not None and self.pacer is not None:
                self.pacer.rate_limited(method, failure.retry_after, params.get("channel"))
            raise failure from None
        except (TimeoutError, aiohttp.ClientError, ConnectionError, SlackClientError) as exc:
            raise SlackFailure(error=f"connection: {type(exc).__name__}", transient=True) from None

    async def close(self) -> None:
        if self.client.session is not None and not self.client.session.closed:
            await self.client.session.close()

    def tokenless_client(self) -> AsyncWebClient:
        """The same client without the bot token, for Bolt: it gives each request a client with the
        token from our `authorize`, so handing it the token too only earns start-up warnings."""
        return AsyncWebClient(base_url=self.client.base_url, timeout=self.client.timeout,
                              retry_handlers=list(self.client.retry_handlers or []))

    async def bot_user_id(self) -> str:
        if self._bot_user_id is None:
            identity = await self.call("auth.test")
            self._team_id = identity.get("team_id")
            self._bot_user_id, self.bot_id = identity["user_id"], identity.get("bot_id")
        return self._bot_user_id

    @property
    def known_bot_user_id(self) -> str | None:
        """The bot's user id if Slack has told us already; never waits for Slack."""
        return self._bot_user_id

    @property
    def known_team_id(self) -> str | None:
        """The installed workspace's id, once auth.test has answered (the same call as the bot's user id)."""
        return self._team_id

    # --- channels -----------------------------------------------------------------------

    async def create_channel(self, name: str, *, private: bool) -> str:
        data = await self.call("conversations.create", name=name, is_private=private)
        return data["channel"]["id"]

    async def find_channel(self, name: str) -> dict[str, Any] | None:
        cursor = None
        while True:
            params: dict[str, Any] = {"types": "public_channel,private_channel", "limit": 200}
            if cursor:
                params["cursor"] = cursor
            data = await self.call("conversations.list", **params)
            for channel in data.get("channels", []):
                if channel.get("name") == name:
                    return channel
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    async def channel_members(self, channel: str) -> list[str]:
        """Every member of the channel, page by page (`conversations.members`)."""
        members: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"channel": channel, "limit": 200}
            if cursor:
                params["cursor"] = cursor
            data = await self.call("conversations.members", **params)
            members += [str(m) for m in data.get("members") or []]
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    async def invite(self, channel: str, users: list[str]) -> None:
        await self.call("conversations.invite", channel=channel, users=",".join(users))

    async def set_topic(self, channel: str, topic: str) -> None:
        await self.call("conversations.setTopic", channel=channel, topic=topic)

    async def archive(self, channel: str) -> None:
        await self.call("conversations.archive", channel=channel)

    async def unarchive(self, channel: str) -> None:
        await self.call("conversations.unarchive", channel=channel)

    async def join(self, channel: str) -> None:
        await self.call("conversations.join", channel=channel)

    async def post(self, channel: str, text: str, blocks: list[dict] | None = None, *,
                   metadata: dict[str, Any] | None = None) -> str:
        """`metadata` ({"event_type": ..., "event_payload": {...}}) marks the message so that a retry
        can find it (`find_own_message`) instead of posting it twice."""
        return (await self.post_to(channel, text, blocks, metadata=metadata))[1]

    async def post_to(self, channel: str, text: str, blocks: list[dict] | None = None, *,
                      metadata: dict[str, Any] | None = None) -> tuple[str, str]:
        """Like :meth:`post`, returning (conversation id, ts): a post to a user ID lands in their DM,
        whose id `chat.update` needs later."""
        params: dict[str, Any] = {"channel": channel, "text": text, "blocks": blocks or []}
        if metadata is not None:
            params["metadata"] = metadata
        data = await self.call("chat.postMessage", **params)
        return str(data.get("channel") or channel), data["ts"]

    async def find_own_message(self, channel: str, event_type: str, payload: dict[str, Any], *,
                               pages: int = 3) -> str | None:
        """The ts of a recent message of ours carrying this metadata, if Slack has one."""
        await self.bot_user_id()
        cursor = None
        for _ in range(pages):
            params: dict[str, Any] = {"channel": channel, "limit": 100, "include_all_metadata": True}
            if cursor:
                params["cursor"] = cursor
            data = await self.call("conversations.history", **params)
            for message in data.get("messages", []):
                meta = message.get("metadata") or {}
                ours = message.get("bot_id") == self.bot_id or message.get("user") == self._bot_user_id
                if ours and meta.get("event_type") == event_type and (meta.get("event_payload") or {}) == payload:
                    return str(message["ts"])
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None


    async def update(self, channel: str, ts: str, text: str, blocks: list[dict] | None = None) -> None:
        await self.call("chat.update", channel=channel, ts=ts, text=text, blocks=blocks or [])

    async def post_ephemeral(self, channel: str, user: str, text: str, blocks: list[dict] | None = None) -> None:
        await self.call("chat.postEphemeral", channel=channel, user=user, text=text, blocks=blocks or [])

    async def pin(self, channel: str, ts: str) -> None:
        await self.call("pins.add", channel=channel, timestamp=ts)

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        await self.call("views.open", trigger_id=trigger_id, view=view)

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        await self.call("views.publish", user_id=user_id, view=view)

    async def user_info(self, user_id: str) -> dict[str, Any]:
        return (await self.call("users.info", user=user_id))["user"]

    # --- direct messages and files --------------------------------------------------------

    async def open_dm(self, user_id: str) -> str:
        data = await self.call("conversations.open", users=user_id)
        return data["channel"]["id"]

    async def upload_file(self, channel_id: str, filename: str, content: bytes, *, title: str,
                          comment: str | None = None, alt_text: str | None = None) -> str:
        """Slack's current upload flow: ask for an upload URL, POST the bytes there, then complete
        the upload into the channel (the retired files.upload is never used). Returns the file id."""
        ticket = await self.call("files.getUploadURLExternal", filename=filename, length=len(content),
                                 alt_txt=alt_text)
        await self._post_bytes(ticket["upload_url"], filename, content)
        await self.call("files.completeUploadExternal", files=[{"id": ticket["file_id"], "title": title}],
                        channel_id=channel_id, initial_comment=comment)
        return ticket["file_id"]

    async def _post_bytes(self, url: str, filename: str, content: bytes) -> None:
        form = aiohttp.FormData()
        form.add_field("filename", content, filename=filename, content_type="application/octet-stream")
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout)) as http, \
                    http.post(url, data=form) as response:
                if response.status == 429 or response.status >= 500:
                    raise SlackFailure(error=f"upload_http_{response.status}", transient=True,
                                       retry_after=_retry_after(response.headers))
                if response.status != 200:
                    raise SlackFailure(error=f"upload_http_{response.status}", transient=False)
        except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
            raise SlackFailure(error=f"connection: {type(exc).__name__}", transient=True) from None


def _failure_from(exc: SlackApiError) -> SlackFailure:
    response = exc.response
    status = getattr(response, "status_code", 200)
    data = response.data if isinstance(response.data, dict) else {}
    error = data.get("error") or f"http_{status}"
    if status == 429:
        wait = _retry_after(response.headers or {})
        return SlackFailure(error="ratelimited", transient=True, retry_after=1.0 if wait is None else wait)
    if status >= 500:
        return SlackFailure(error=f"http_{status}", transient=True)
    return SlackFailure(error=str(error), transient=outcome(str(error)) in (Outcome.RETRY, Outcome.HALT))


def _retry_after(headers: Any) -> float | None:
    for name, value in dict(headers).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None
