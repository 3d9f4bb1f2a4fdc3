"""Limits that hold back a script, a stuck key or a flood without a real meeting ever meeting them:
how many events each participant may send, how many unauthenticated HTTP requests each client
address may make, and how many Socket.IO connections it may hold at once.

Everything is counted in the app's Redis, so every server process shares one count. Nothing there
or in the logs says who or where: each key carries only a keyed hash (HMAC, with a key derived from
SECRET_KEY, never in Redis) of what it counts. Each kind of budget hashes with its own name, so the
key of someone's anonymous signals has nothing in common with the key of their other commands,
whose effects the meeting shows under their name.

Each sender's count in a budget is one moving window per rate, all kept in one value and counted
by the store's checked write (``companion.store.checked_write``): a count on its own is one EVALSHA
(a read and a write inside it), and a meeting's command is counted in the very write that commits
it (``participant_count``), so a refused command and its count are one thing.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis
from flask import Flask, current_app, request, session
from limits import RateLimitItem

from companion.clock import now_ms
from companion.config import RATE_VARIABLES, parse_networks, parse_rate
from companion.domain.errors import Rejected
from companion.logs import get_logger
from companion.responses import error_response
from companion.services import derived_key, services
from companion.store import keys
from companion.store.checked_write import CheckedWrite, CheckedWriter, EventCount, OverBudget
from realtime.commit import RATE_LIMITED as RATE_LIMITED_REFUSAL
from realtime.liveness import liveness

log = get_logger("limits")
Handler = Callable[..., Any]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

COMMANDS, SIGNALS, SYNC, HTTP = "commands", "signals", "sync", "http"
# Which budget a Socket.IO event spends: signals their own, the cheap reads (and any event we do
# not define, "*") theirs, every other command the commands budget.
BUDGET_OF_EVENT = {"send_signal": SIGNALS, "sync": SYNC, "clock": SYNC, "*": SYNC}
BUDGET_SETTINGS = {
    COMMANDS: "COMMAND_RATE",
    SIGNALS: "SIGNAL_RATE",
    SYNC: "SYNC_RATE",
    HTTP: "HTTP_RATE",
}

RATE_LIMITED = RATE_LIMITED_REFUSAL.message
TOO_MANY_CONNECTIONS = (
    "Too many widgets are open from your network. Close one you no longer use, then try again."
)
TAG_HEX_CHARS = 32  # 128 bits: no two people or addresses share a count in practice
CODE_HEX_CHARS = 12  # what a log line says instead of an address
IPV6_PREFIX = 64  # one IPv6 subscriber holds a whole /64: count it as one address
# Long enough for any meeting; a key whose connections all ended uncleanly goes away by itself.
CONNECTIONS_KEY_SECONDS = 24 * 3600

# Atomically: drop the connections of server processes that stopped beating (a crashed process
# never runs its disconnect handlers), count the rest, and take a slot only when one is free.
# A connection is live while its process beat, or it was taken, within the presence timeout.
_CLAIM_SLOT = """
local live = 0
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #entries, 2 do
    local process = string.match(entries[i], '^([^.]+)%.')
    local beat = process and tonumber(redis.call('ZSCORE', KEYS[2], process)) or 0
    if math.max(beat, tonumber(entries[i + 1])) < tonumber(ARGV[3]) then
        redis.call('ZREM', KEYS[1], entries[i])
    else
        live = live + 1
    end
end
if live >= tonumber(ARGV[4]) then
    return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


@dataclass(frozen=True)
class ConnectionSlot:
    """One Socket.IO connection's place in its client address's count."""

    key: str
    lease: str


class Limits:
    def __init__(
        self,
        app: Flask,
        client: redis.Redis,
        tag_key: bytes,
    ) -> None:
        self.redis = client
        # Shortest window first, so a refusal names the rate that has room again soonest.
        self.rates = {
            budget: sorted(parse_rate(RATE_VARIABLES[setting], app.config[setting]), key=_window)
            for budget, setting in BUDGET_SETTINGS.items()
        }
        self.windows = {
            budget: tuple((rate.amount, _window(rate) * 1000) for rate in rates)
            for budget, rates in self.rates.items()
        }
        self.connections_per_address = int(app.config["CONNECTIONS_PER_ADDRESS"])
        self.trusted_proxies = parse_networks(app.config["TRUSTED_PROXIES"])
        self.presence_timeout_ms = int(app.config["PRESENCE_TIMEOUT_SECONDS"] * 1000)
        self.tag_key = tag_key
        self.counter = CheckedWriter(client)
        self.claim_script = client.register_script(_CLAIM_SLOT)

    def tag(self, budget: str, *counted: str) -> str:
        """What a count is kept under: opaque without the app's key."""
        message = "\0".join((budget, *counted)).encode()
        return hmac.new(self.tag_key, message, hashlib.sha256).hexdigest()[:TAG_HEX_CHARS]

    def count_of(self, budget: str, *counted: str) -> EventCount:
        """One event in ``budget`` of what ``counted`` names, to count now or in a write."""
        key = keys.rate_window(budget, self.tag(budget, *counted))
        return EventCount(key, self.windows[budget], now_ms())

    def spend(self, budget: str, *counted: str) -> OverBudget | None:
        """Counts one event, unless one of the budget's rates is spent: then it counts nothing
        and answers which, and for how long. Fails open: with Redis unreachable the event goes
        on, to the store's own ``unavailable``, rather than being refused for the wrong reason."""
        try:
            return self.counter.run(CheckedWrite().spend(self.count_of(budget, *counted))).over
        except redis.RedisError:
            log.warning("limits.unavailable", extra={"budget": budget})
        return None

    def exceeded(self, budget: str, *counted: str) -> RateLimitItem | None:
        """Counts one event; answers the rate it would exceed, if any (and then counts nothing)."""
        over = self.spend(budget, *counted)
        return None if over is None else self.rates[budget][over.rate]

    def client_address(self, environ: Mapping[str, Any]) -> str | None:
        """The right-most address that is not a trusted proxy: what the nearest proxy we trust
        saw, which the client cannot forge. None when the request comes from a trusted proxy on
        its own account: it could name any client address anyway, so counting it protects
        nothing (and a local ``companion serve`` is never held back)."""
        hops = [environ.get("REMOTE_ADDR") or ""]
        if self._trusted(hops[0]):
            forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()][::-1]
        for hop in hops:
            if not self._trusted(hop):
                return _counted_address(hop)
        return None

    def _trusted(self, address: str) -> bool:
        parsed = _ip(address)
        return parsed is not None and any(parsed in network for network in self.trusted_proxies)

    def claim_connection_slot(self, address: str, lease: str) -> ConnectionSlot:
        """A place in the address's count, or ``too_many_connections``. ``lease`` starts with
        its process's id, as a connection id does, so a dead process's leases can be told apart.
        Fails open like ``exceeded``: the connection then meets the store's own ``unavailable``."""
        slot = ConnectionSlot(keys.address_connections(self.tag("connections", address)), lease)
        now = now_ms()
        cutoff = now - self.presence_timeout_ms
        try:
            taken = self.claim_script(
                keys=[slot.key, keys.server_processes()],
                args=[lease, now, cutoff, self.connections_per_address, CONNECTIONS_KEY_SECONDS],
            )
        except redis.RedisError:
            log.warning("limits.unavailable", extra={"budget": "connections"})
            return slot
        if not taken:
            log.info("connection.too_many", extra={"address": self.code(address)})
            raise Rejected("too_many_connections", TOO_MANY_CONNECTIONS)
        return slot

    def release(self, slot: ConnectionSlot) -> None:
        try:
            self.redis.zrem(slot.key, slot.lease)
        except redis.RedisError:
            log.warning("limits.unavailable", extra={"budget": "connections"})

    def code(self, address: str) -> str:
        """What the logs say instead of an address (personal data): the same for one address,
        and nothing more, so an operator can see one source hammering without learning whose."""
        return self.tag("log", address)[:CODE_HEX_CHARS]


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _counted_address(text: str) -> str:
    """IPv6 by its /64, since one subscriber holds all of it; anything unreadable as it is."""
    address = _ip(text)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address) if address is not None else text


def _window(rate: RateLimitItem) -> int:
    return rate.get_expiry()


def init_app(app: Flask) -> None:
    """Every setting is checked again here, under its variable's name, however it was given."""
    with app.app_context():
        client = services().store.redis  # on a Sentinel address, the primary's, as it changes
    tag_key = derived_key(app.config["SECRET_KEY"], "rate limits")
    app.extensions["companion.limits"] = Limits(app, client, tag_key)


def limits() -> Limits:
    return current_app.extensions["companion.limits"]


def limited_per_address(view: Handler) -> Handler:
    """For HTTP endpoints anyone may call: past the address's budget for this endpoint, ``429
    rate_limited`` with ``Retry-After``, and the view never runs."""

    @functools.wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        address = limits().client_address(request.environ)
        if address is None:
            return view(*args, **kwargs)
        over = limits().spend(HTTP, request.endpoint or "", address)
        if over is None:
            return view(*args, **kwargs)
        code = limits().code(address)
        log.info("http.rate_limited", extra={"endpoint": request.endpoint, "address": code})
        response, status = error_response(429, "rate_limited", RATE_LIMITED)
        response.headers["Retry-After"] = str(max(1, math.ceil(over.wait_ms / 1000)))
        return response, status

    return limited


def count_participant_event(event: str) -> None:
    """Spends one of the sender's budget for ``event`` in this meeting, which all their tabs
    share; raises ``rate_limited`` once it is spent. Called before anything is committed, so a
    refused event changes nothing and only its sender hears of it. (A meeting's command spends
    it in its own write instead: ``participant_count``.)"""
    if limits().spend(*_participant_budget(event)) is not None:
        raise Rejected("rate_limited", RATE_LIMITED)  # a new one each time: a raise grows its trace


def participant_count(event: str) -> EventCount:
    """The sender's event in its budget, for the store to count in the write that commits it
    (``MeetingStore.update_meeting``), and to refuse it with, past the budget."""
    return limits().count_of(*_participant_budget(event))


def _participant_budget(event: str) -> tuple[str, str, str]:
    """The budget ``event`` spends, and what it counts: the meeting and the sender. A connection
    that is nobody (a stage view) names its own budget in ``counted_as``: every person in a Teams
    call opens the stage with the same link at once."""
    budget = BUDGET_OF_EVENT.get(event, COMMANDS)
    sender = session.get("counted_as") or session.get("participant_id") or ""
    return budget, session.get("meeting_id") or "", sender


def limited_per_participant(event: str) -> Callable[[Handler], Handler]:
    """For Socket.IO events that commit nothing (``sync``, ``clock``, unknown events): past the
    sender's budget they answer ``rate_limited`` and the handler never runs."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def limited(*args: Any) -> Any:
            try:
                count_participant_event(event)
            except Rejected as error:
                log.info(
                    "event.rate_limited",
                    extra={"meeting_id": session.get("meeting_id"), "event": event},
                )
                return error.as_dict()
            return handler(*args)

        return limited

    return decorate


def holds_connection_slot(
    refuse: Callable[[str, str], Exception],
) -> Callable[[Handler], Handler]:
    """For the connect handler: a slot in the client address's count before anything else, given
    back if the connection is refused for any reason; ``refuse`` builds the refusal."""

    def decorate(on_connect: Handler) -> Handler:
        @functools.wraps(on_connect)
        def connect(auth: Any = None) -> None:
            address = limits().client_address(request.environ)
            if address is None or "connection_slot" in session:  # uncounted, or counted already
                on_connect(auth)
                return
            try:
                slot = limits().claim_connection_slot(address, liveness().connection_id())
            except Rejected as error:
                raise refuse(error.code, error.message) from error
            try:
                on_connect(auth)
            except BaseException:
                limits().release(slot)
                raise
            session["connection_slot"] = slot

        return connect

    return decorate


def releases_connection_slot(on_disconnect: Handler) -> Handler:
    """For the disconnect handler: gives the connection's slot back, whatever the handler does."""

    @functools.wraps(on_disconnect)
    def disconnect(*args: Any) -> Any:
        try:
            return on_disconnect(*args)
        finally:
            slot = session.get("connection_slot")
            if slot is not None:
                limits().release(slot)

    return disconnect
