"""REST and socket.io channels that guard every message before NLU.

Both wrap Rasa's `on_new_message` with the same guard (sciatica.input_guard):
blank, oversized or symbol-only text gets a kind reply, and typed "/intent"
text is turned into plain text unless it is a button payload the bot offered
in its last turn. If a turn ends with no reply at all (for example because the
action server is down), the user still gets a message with the safety advice.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Set, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, Sanic

from sciatica.input_guard import RESTART_PAYLOAD, guard
from sciatica_rasa.components import TYPED_COMMAND

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]

NO_REPLY_FALLBACK = (
    "Sorry, I'm having trouble answering right now. If you have numbness around "
    "your bottom or genitals, new problems peeing or pooing, or weakness or "
    "numbness in both legs, call 999 (UK), 911 (US) or 112 (EU) or go to A&E now. "
    "Otherwise keep gently moving, and please try me again in a minute."
)


class _CountingOutput(OutputChannel):
    """Forwards to the real output channel and counts what was sent."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # type: ignore[override]
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


async def _offered_payloads(app: Optional[Sanic], sender_id: Text) -> Set[Text]:
    """Button payloads of the bot's messages since the user's last message."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    if agent is None or agent.tracker_store is None:
        return set()
    tracker = await agent.tracker_store.retrieve(sender_id)
    payloads: Set[Text] = set()
    for event in reversed(tracker.events if tracker else []):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            for button in (event.data or {}).get("buttons") or []:
                payloads.add(str(button.get("payload", "")))
    return payloads


class _GuardedChannel:
    """Mixin: wraps the message handler of a Rasa input channel with the guard."""

    _app: Optional[Sanic] = None

    def _guarded(self, on_new_message: Handler) -> Handler:
        async def handle(message: UserMessage) -> None:
            offered = await _offered_payloads(self._app, message.sender_id)
            result = guard(message.text, offered)
            output = _CountingOutput(message.output_channel)
            if result.reply:
                await output.send_response(message.sender_id, {"text": result.reply})
            if result.text is None:
                return
            message.text = result.text
            message.output_channel = output
            if result.typed_command:
                message.metadata = {**(message.metadata or {}), TYPED_COMMAND: True}
            before = output.sent
            try:
                await on_new_message(message)
            except Exception:
                # Logged here without the user's text (Rasa's channels log it).
                logger.exception("Handling a message failed.")
            finally:
                # A restart is silent by design; any other silent turn is a fault.
                if output.sent == before and result.text != RESTART_PAYLOAD:
                    logger.warning("A turn ended without any reply; sent the fallback.")
                    await output.send_response(message.sender_id, {"text": NO_REPLY_FALLBACK})

        return handle

    def _remember_app(self, blueprint: Blueprint) -> Blueprint:
        @blueprint.listener("before_server_start")
        async def remember(app: Sanic, _loop: Any) -> None:
            self._app = app

        return blueprint


class GuardedRestInput(_GuardedChannel, RestInput):
    """The REST channel at /webhooks/rest/webhook, guarded."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        return self._remember_app(super().blueprint(self._guarded(on_new_message)))


class GuardedSocketIOInput(_GuardedChannel, SocketIOInput):
    """The socket.io channel, guarded."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        return self._remember_app(super().blueprint(self._guarded(on_new_message)))
