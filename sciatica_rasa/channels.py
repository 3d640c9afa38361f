"""REST and socket.io channels that guard every message before NLU.

Both wrap Rasa's `on_new_message` with the same guard (sciatica.input_guard):
blank, oversized or symbol-only text gets a kind reply, and typed "/intent"
text is turned into plain text unless it is a button payload the bot offered
in its last turn. If a turn ends with no reply at all (for example because the
action server is down or slow), the user still gets a message with the safety
advice.

At start the channels also:
- cap a call to the action server at ACTION_TIMEOUT seconds (default 15; Rasa
  waits 5 minutes), so a hung action server costs the user seconds, not minutes;
- let at most MAX_CONCURRENT_TURNS turns (default 8) run at once, the others
  wait their turn: Rasa's model runs block its event loop, so with a hundred
  turns in flight an action's answer waited behind all of them and hit the
  timeout although the action server had answered at once;
- stop the server when no model could be loaded: Rasa would otherwise serve a
  bot that only ever apologises.

A client that draws the cards itself says so in the message's metadata
(`{"cards": true}`, as the project's page does); any other client gets each bot
message as one readable bubble with its buttons (sciatica.readable), since the
text Rasa would split at blank lines and a payload the client ignores made an
exercise arrive as seven bubbles.

Request bodies are checked before Rasa sees them: a REST request needs a JSON
object with a `sender`; a message that is not text counts as empty. Neither the
user's text nor a request body is ever logged.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Set, Text

import rasa.core.actions.action
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, Sanic, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from sciatica.input_guard import RESTART_PAYLOAD, STARTED_AGAIN_REPLY, as_text, guard
from sciatica.messages import load_messages
from sciatica.readable import readable_reply
from sciatica_rasa.components import TYPED_COMMAND
from sciatica_rasa.origins import allowed_origins

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]

ACTION_TIMEOUT_ENV = "ACTION_TIMEOUT"
DEFAULT_ACTION_TIMEOUT = 15.0
MAX_CONCURRENT_TURNS_ENV = "MAX_CONCURRENT_TURNS"
DEFAULT_MAX_CONCURRENT_TURNS = 8
MAX_SENDER_CHARS = 128
# Message metadata of a client that draws the custom payloads as cards.
CARDS_METADATA_KEY = "cards"
# Exit code of a Rasa server that refused to start without a model.
NO_MODEL_EXIT_CODE = 3

NO_REPLY_FALLBACK = (
    "Sorry, I'm having trouble answering right now. If you have numbness around "
    "your bottom or genitals, new problems peeing or pooing, or weakness or "
    "numbness in both legs, call 999 (UK), 911 (US) or 112 (EU) or go to A&E now. "
    "Otherwise keep gently moving, and please try me again in a minute."
)
NO_SESSION_REPLY = (
    "I've lost track of this conversation. Please reload the page, or send "
    "a session_request first."
)
BAD_REST_BODY = 'Send a JSON object: {"sender": "<your conversation id>", "message": "<text>"}.'
# The quick reply after every referral (domain.yml). Its action needs the action
# server; when that is down, the turn says so and the advice given still stands.
SUMMARY_PAYLOAD = "/ask_summary"
# Loaded at start, so a broken messages file stops the server instead of this reply.
SUMMARY_UNAVAILABLE_REPLY = load_messages()["summary_unavailable"]


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


class _CardlessOutput(OutputChannel):
    """For a client that draws no cards: each bot message as one bubble, never split."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner

    def name(self) -> Text:  # type: ignore[override]
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        reply = readable_reply(message)
        if reply is None:
            return
        # Rasa 3.6's own channels split text at blank lines in every public send_*;
        # their private writers send one message as it is.
        if isinstance(self.inner, CollectingOutputChannel):
            # REST: the payload stays next to the text, as the message contract says.
            await self.inner._persist_message(self.inner._message(
                recipient_id, text=reply.text, buttons=reply.buttons or None, custom=message.get("custom"),
            ))
        elif isinstance(self.inner, SocketIOOutput):
            # Only the keys socket.io widgets know: rasa-webchat tells messages apart by their keys.
            event: Dict[Text, Any] = {"text": reply.text}
            if reply.buttons:
                event["quick_replies"] = [{"content_type": "text", **button} for button in reply.buttons]
            await self.inner._send_message(recipient_id, event)
        else:
            await self.inner.send_response(recipient_id, {"text": reply.text, "buttons": reply.buttons})


def renders_cards(metadata: Any) -> bool:
    return isinstance(metadata, dict) and metadata.get(CARDS_METADATA_KEY) is True


async def _offered_payloads(app: Optional[Sanic], sender_id: Text) -> Set[Text]:
    """Button payloads of the bot's messages since the user's last message."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    if agent is None or agent.tracker_store is None:
        return set()
    try:
        tracker = await agent.tracker_store.retrieve(sender_id)
    except Exception:
        # The store is down: the turn itself will fail and get the fallback.
        logger.exception("Reading the conversation for its offered buttons failed.")
        return set()
    payloads: Set[Text] = set()
    for event in reversed(tracker.events if tracker else []):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            for button in (event.data or {}).get("buttons") or []:
                payloads.add(str(button.get("payload", "")))
    return payloads


def as_metadata(value: Any) -> Optional[Dict[Text, Any]]:
    """Message metadata from a request: a JSON object (or its text), else none."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def as_sender_id(value: Any) -> Optional[Text]:
    """A usable conversation id from a request field, or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip() and len(value) <= MAX_SENDER_CHARS:
        return value
    return None


def _setting(name: str, default: float, minimum: float) -> float:
    try:
        return max(minimum, float(os.environ.get(name, default)))
    except ValueError:
        return default


def action_timeout() -> float:
    return _setting(ACTION_TIMEOUT_ENV, DEFAULT_ACTION_TIMEOUT, 1.0)


def max_concurrent_turns() -> int:
    return int(_setting(MAX_CONCURRENT_TURNS_ENV, DEFAULT_MAX_CONCURRENT_TURNS, 1))


def cap_action_timeout(seconds: float) -> None:
    # RemoteAction reads this module global on every call (rasa 3.6).
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = seconds


async def _refuse_to_serve_without_a_model(app: Sanic, _loop: Any) -> None:
    agent = getattr(app.ctx, "agent", None)
    if agent is not None and agent.is_ready():
        return
    logger.critical(
        "Refusing to serve: no model could be loaded (the reason is logged above). "
        "Check the --model path, the spaCy pipeline in build/spacy (make pipeline) "
        "and the files under data/."
    )
    logging.shutdown()
    # Sanic would keep serving an agent without a model; only an exit stops it.
    os._exit(NO_MODEL_EXIT_CODE)


class _GuardedChannel:
    """Mixin: wraps the message handler of a Rasa input channel with the guard."""

    _app: Optional[Sanic] = None
    # Shared by every channel of the server; made on first use, in the server's loop.
    _turns: Optional[asyncio.Semaphore] = None

    @classmethod
    def _turn_slots(cls) -> asyncio.Semaphore:
        if _GuardedChannel._turns is None:
            _GuardedChannel._turns = asyncio.Semaphore(max_concurrent_turns())
        return _GuardedChannel._turns

    def _guarded(self, on_new_message: Handler) -> Handler:
        async def handle(message: UserMessage) -> None:
            if not renders_cards(message.metadata):
                message.output_channel = _CardlessOutput(message.output_channel)
            output = _CountingOutput(message.output_channel)
            message.output_channel = output
            result = guard(message.text, await _offered_payloads(self._app, message.sender_id))
            if result.reply:
                await output.send_response(message.sender_id, {"text": result.reply})
            if result.text is None:
                return
            message.text = result.text
            if result.typed_command:
                message.metadata = {**(message.metadata or {}), TYPED_COMMAND: True}
            before = output.sent
            try:
                # A turn holds its slot while it holds Rasa's conversation lock,
                # so waiting here never blocks the turn that holds the lock.
                async with self._turn_slots():
                    await on_new_message(message)
            except Exception:
                # Logged here without the user's text (Rasa's channels log it).
                logger.exception("Handling a message failed.")
            finally:
                if output.sent == before:
                    await self._answer_silent_turn(output, message.sender_id, result.text)

        return handle

    @staticmethod
    async def _answer_silent_turn(output: OutputChannel, sender_id: Text, text: Text) -> None:
        if text == RESTART_PAYLOAD:
            # A restart says nothing itself; confirm it so the user is not left waiting.
            await output.send_response(sender_id, {"text": STARTED_AGAIN_REPLY})
            return
        if text == SUMMARY_PAYLOAD:
            logger.warning("The summary could not be made (is the action server down?); said so.")
            await output.send_response(sender_id, {"text": SUMMARY_UNAVAILABLE_REPLY})
            return
        logger.warning("A turn ended without any reply; sent the fallback.")
        await output.send_response(sender_id, {"text": NO_REPLY_FALLBACK})

    def _on_server_start(self, blueprint: Blueprint) -> Blueprint:
        @blueprint.listener("before_server_start")
        async def remember(app: Sanic, _loop: Any) -> None:
            self._app = app
            cap_action_timeout(action_timeout())

        # After every before-start listener, so Rasa has tried to load the model.
        blueprint.listener("after_server_start")(_refuse_to_serve_without_a_model)
        return blueprint


class GuardedRestInput(_GuardedChannel, RestInput):
    """The REST channel at /webhooks/rest/webhook, guarded.

    A body that is not a JSON object with a sender is refused with 400: without a
    sender, Rasa would put every such message into one shared conversation.
    """

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        return self._on_server_start(super().blueprint(self._guarded(on_new_message)))

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        body = req.json  # invalid JSON is already a 400 from Sanic
        sender = as_sender_id(body.get("sender")) if isinstance(body, dict) else None
        if sender is None:
            raise InvalidUsage(BAD_REST_BODY)
        return sender

    def _extract_message(self, req: Request) -> Optional[Text]:
        return as_text(req.json.get("message"))

    def _extract_input_channel(self, req: Request) -> Text:
        channel = req.json.get("input_channel")
        return channel if isinstance(channel, str) and channel else self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return as_metadata(request.json.get("metadata"))


class GuardedSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, sending custom payloads as {"custom": {...}}.

    Rasa 3.6 passes a custom payload's keys to `emit` as arguments, which fails
    for ours; this sends them the way the REST channel returns them.
    """

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        await self.sio.emit(self.bot_message_evt, {"custom": json_message}, room=recipient_id)


async def _enter_room(sio: Any, sid: Text, room: Text) -> None:
    # python-socketio 5.10 made enter_room a coroutine; Rasa 3.6 does not await
    # it, so no reply ever reached a client. Works with either version.
    entered = sio.enter_room(sid, room)
    if inspect.isawaitable(entered):
        await entered


def _refuse_other_origins(sio: Any, allowed: Set[Text]) -> None:
    """Refuse socket.io requests from a web page whose origin is not allowed.

    Rasa turns socket.io's own origin check off and leaves CORS to Sanic, which
    browsers skip for WebSockets: a page of any site could connect. Turning the
    check back on would also repeat Sanic's CORS headers, which browsers refuse,
    so the check wraps the request handler (before the route is made from it).
    The list is the server's CORS list (`--cors`, set by sciatica_rasa.stack).
    """
    handle_request = sio.eio.handle_request

    async def checked(request: Request, *args: Any, **kwargs: Any) -> Any:
        origin = request.headers.get("origin")
        if origin and origin not in allowed:
            return response.text(f"{origin} is not an allowed origin (ALLOWED_ORIGINS).", status=403)
        return await handle_request(request, *args, **kwargs)

    sio.eio.handle_request = checked


class GuardedSocketIOInput(_GuardedChannel, SocketIOInput):
    """The socket.io channel, guarded, with Rasa's session and message handlers replaced."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        guarded = self._guarded(on_new_message)
        blueprint = super().blueprint(guarded)
        sio = self.sio
        _refuse_other_origins(sio, set(allowed_origins()))

        async def session_request(sid: Text, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = as_sender_id(requested) or uuid.uuid4().hex
            if self.session_persistence:
                await _enter_room(sio, sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        async def handle_message(sid: Text, data: Any = None) -> None:
            data = data if isinstance(data, dict) else {"message": data}
            sender_id = as_sender_id(data.get("session_id")) if self.session_persistence else sid
            if sender_id is None:
                await sio.emit(self.bot_message_evt, {"text": NO_SESSION_REPLY}, room=sid)
                return
            if self.session_persistence:
                # Also after a reconnect that skipped session_request.
                await _enter_room(sio, sid, sender_id)
            output = GuardedSocketIOOutput(sio, self.bot_message_evt)
            await guarded(
                UserMessage(
                    as_text(data.get("message")), output, sender_id,
                    input_channel=self.name(), metadata=as_metadata(data.get(self.metadata_key)),
                )
            )

        sio.on("session_request", namespace=self.namespace)(session_request)
        sio.on(self.user_message_evt, namespace=self.namespace)(handle_message)
        return self._on_server_start(blueprint)

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()
        return GuardedSocketIOOutput(self.sio, self.bot_message_evt)
