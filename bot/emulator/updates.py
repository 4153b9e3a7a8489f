"""Updates: the queue getUpdates long-polls, and webhook deliveries (per chat in order,
concurrent across chats, retried).
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from typing import Any

import aiohttp

from .api import (
    CONFLICT,
    WEBHOOK_MAX_CONNECTIONS,
    ApiError,
    bad_request,
)
from .state import EmulatorState


class UpdateQueue(EmulatorState):
    """Updates for the bot: long polling and webhook delivery."""

    def _push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update_id = next(self._update_ids)
        self._last_update_id = max(self._last_update_id, update_id)
        update = {"update_id": update_id, kind: payload}
        self._updates.append(update)
        self._wake_pollers()
        if self.webhook is not None and self.webhook_target is not None:
            self._deliver_pending()
        return update

    def deliver_webhooks_to(self, url: str) -> None:
        """Where the bot's webhook URL really listens (its public https URL is not reachable).
        Updates queued meanwhile are delivered now."""
        self.webhook_target = url
        if self.webhook is not None and self._updates:
            self._deliver_pending()

    async def wait_webhook(self, timeout: float = 10) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait until the bot has called setWebhook; returns its url and secret_token."""
        return await self._wait_until(lambda: self.webhook, timeout)  # type: ignore[no-any-return]

    @property
    def webhook_queued(self) -> int:
        """Updates accepted by the fake and not yet delivered to the webhook."""
        return sum(len(queue) for queue in self._webhook_queues.values())

    async def wait_webhook_idle(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Wait until every update pushed so far has been delivered (answered 2xx)."""
        await self._wait_or_fail(
            lambda: True if not self._webhook_busy and not self._updates else None,
            timeout,
            lambda: (
                f"webhook deliveries still pending after {timeout}s: {self.webhook_queued} "
                f"queued, {len(self._updates)} not handed over; failures {self.webhook_failures}"
            ),
        )

    def _deliver_pending(self) -> None:
        """Hand queued updates to the webhook as Telegram does: POSTs with the secret-token
        header, concurrent across chats (at most `max_connections` at once) and one at a time,
        in order, within a chat; a delivery that fails (no answer or not 2xx) is retried."""
        if self.webhook_target is None:
            return
        updates, self._updates = self._updates, []
        for update in updates:
            key = _update_chat(update)
            self._webhook_queues.setdefault(key, deque()).append(update)
            if key not in self._webhook_busy:
                self._webhook_busy.add(key)
                task = asyncio.get_running_loop().create_task(self._drain_chat(key))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)

    async def _drain_chat(self, key: int) -> None:
        queue = self._webhook_queues[key]
        try:
            while queue:
                if self.webhook is None or self.webhook_target is None:
                    # deleteWebhook: what was not delivered waits for getUpdates again.
                    self._updates = sorted(
                        [*self._updates, *queue], key=lambda u: int(u["update_id"])
                    )
                    queue.clear()
                    self._wake_pollers()
                    break
                if await self._post_update(queue[0]):
                    queue.popleft()
                    self._notify()
        finally:
            self._webhook_busy.discard(key)
            if not queue:
                self._webhook_queues.pop(key, None)
            self._notify()

    async def _post_update(self, update: dict[str, Any]) -> bool:
        """POST one update until the webhook answers 2xx (backing off between tries); False
        when the webhook was deleted first."""
        delay = 0.05
        while True:
            webhook, target = self.webhook, self.webhook_target
            if webhook is None or target is None:
                return False
            headers = {}
            if webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = str(webhook["secret_token"])
            if self._webhook_slots is None:
                self._webhook_slots = asyncio.Semaphore(self.webhook_max_connections)
            if self._webhook_session is None or self._webhook_session.closed:
                self._webhook_session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=0)
                )
            async with self._webhook_slots:
                try:
                    async with self._webhook_session.post(
                        target, json=update, headers=headers
                    ) as answer:
                        status = answer.status
                        await answer.read()
                except (aiohttp.ClientError, OSError):
                    status = 0
            if status:
                self.webhook_answers.append(status)
                self.webhook_deliveries.append((int(update["update_id"]), status))
            else:
                self.webhook_failures += 1
            if 200 <= status < 300:
                return True
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _m_getUpdates(self, token: str, params: dict[str, Any], files: Any) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._polled.set()
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older long poll is terminated with 409, like Telegram does
        offset = params.get("offset")
        limit = params.get("limit", 100)
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            limit = 100 if not isinstance(limit, int) or limit > 100 else 1
        timeout = params.get("timeout", 0)
        timeout = timeout if isinstance(timeout, int) and timeout > 0 else 0
        if isinstance(offset, int) and offset != 0:
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            else:
                self._updates = self._updates[offset:]
        allowed = params.get("allowed_updates")

        def ready() -> list[dict[str, Any]]:
            updates = self._updates
            if allowed:
                updates = [u for u in updates if any(k in u for k in allowed)]
            return updates[:limit]

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._updates_changed
            if generation != self._poll_generation:
                self.conflicts += 1
                raise ApiError(409, CONFLICT)
            result = ready()
            if result or self._closing:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return ready()

    async def _m_deleteWebhook(self, token: str, params: dict[str, Any], files: Any) -> Any:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = None
        return True

    async def _m_setWebhook(self, token: str, params: dict[str, Any], files: Any) -> Any:
        url = str(params.get("url") or "")
        if not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(
                400, "Bad Request: bad webhook: secret token contains unallowed characters"
            )
        connections = params.get("max_connections", WEBHOOK_MAX_CONNECTIONS)
        if not isinstance(connections, int) or not 1 <= connections <= 100:
            raise bad_request("bad webhook: max_connections must be 1 to 100")
        self.webhook = {"url": url, "secret_token": secret}
        if connections != self.webhook_max_connections or self._webhook_slots is None:
            self.webhook_max_connections = connections
            self._webhook_slots = asyncio.Semaphore(connections)
        self._notify()
        if self._updates:
            self._deliver_pending()
        return True

    async def _m_getWebhookInfo(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }


def _update_chat(update: dict[str, Any]) -> int:
    """The chat an update belongs to (its sender for updates without one): Telegram keeps
    the updates of one chat in order."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if chat:
            return int(chat["id"])
        sender = payload.get("from")
        if sender:
            return int(sender["id"])
    return 0
