"""One Lua script for every write made on what was read, and for every count of the limits.

A meeting's command reads the meeting and its roster, runs the rules on them in Python, and then
has to write the result only if nothing changed meanwhile. WATCH/MULTI/EXEC did that in some ten
Redis commands; this script does it in one call, which Redis runs atomically:

1. it reads every key it checks, counts and claims, with one MGET;
2. each checked key must still hold exactly what the caller read (compared by SHA-1, so any write
   at all is seen, even one that left the version alone), or the script changes nothing and
   answers what the keys hold now, for the caller to run its rules again;
3. an event counted in a moving window (companion.guards.limits) past its budget changes nothing;
4. a claim (a signal that still counts) that exists is answered with its time left, the event
   counted;
5. then every write is made: values with their times to live, expiries, deletions, set members;
6. and last, a message published, so that what tells of a change goes out with it or not at all.

Redis counts each command a script runs in ``INFO commandstats``, as if sent on its own: a command
on the hot path costs the EVALSHA, the MGET and one SET per key written (benchmarks/redis_calls.py).

redis-py's ``Script`` sends EVALSHA, and loads the script again when Redis answers NOSCRIPT (a
restarted or flushed Redis), so the script is registered once per client.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson
import redis

# The moving window keeps one value per sender and budget: the times (epoch ms) of its recent
# events, newest first, comma-separated, only as many as its largest rate can count and only as
# old as its longest window. An event is refused, and counts nothing, while any rate already holds
# its limit of events within its window; its wait is until the oldest of those leaves.
_LUA = """
local function spend(key, held, now, rates)
    local longest, most = 0, 0
    for _, rate in ipairs(rates) do
        longest = math.max(longest, rate[2])
        most = math.max(most, rate[1])
    end
    local times = {}
    if held then
        for text in string.gmatch(held, '%d+') do
            local at = tonumber(text)
            if at <= now - longest or #times >= most then break end
            times[#times + 1] = at
        end
    end
    for index, rate in ipairs(rates) do
        local edge = times[rate[1]]
        if edge and edge > now - rate[2] then
            return index, edge + rate[2] - now
        end
    end
    table.insert(times, 1, now)
    if #times > most then times[#times] = nil end
    local kept = {}
    for i, at in ipairs(times) do kept[i] = string.format('%.0f', at) end
    redis.call('SET', key, table.concat(kept, ','), 'PX', string.format('%.0f', longest))
    return 0, 0
end

local plan = cjson.decode(ARGV[1])
local reads = {}
for _, check in ipairs(plan.checks) do reads[#reads + 1] = KEYS[check[1]] end
local counted, claimed = nil, nil
if plan.count then
    reads[#reads + 1] = KEYS[plan.count[1]]
    counted = #reads
end
if plan.claim then
    reads[#reads + 1] = KEYS[plan.claim]
    claimed = #reads
end
local held = {}
if #reads > 0 then held = redis.call('MGET', unpack(reads)) end

for i, check in ipairs(plan.checks) do
    local now = held[i]
    local same
    if now then same = redis.sha1hex(now) == check[2] else same = check[2] == '' end
    if not same then
        local current = {'changed'}
        for j = 1, #plan.checks do current[j + 1] = held[j] end
        return current
    end
end

if counted then
    local rate, wait = spend(KEYS[plan.count[1]], held[counted], plan.count[2], plan.count[3])
    if rate > 0 then return {'limited', rate, wait} end
end
if claimed and held[claimed] then
    return {'claimed', redis.call('PTTL', KEYS[plan.claim])}
end

for _, op in ipairs(plan.ops) do
    local name, key = op[1], KEYS[op[2]]
    if name == 'set' then
        redis.call('SET', key, ARGV[op[3]], 'PX', string.format('%.0f', op[4]))
    elseif name == 'expire' then
        redis.call('PEXPIRE', key, string.format('%.0f', op[3]))
    elseif name == 'del' then
        redis.call('DEL', key)
    elseif name == 'sadd' then
        redis.call('SADD', key, ARGV[op[3]])
    elseif name == 'srem' then
        redis.call('SREM', key, ARGV[op[3]])
    elseif name == 'publish' then
        redis.call('PUBLISH', ARGV[op[2]], ARGV[op[3]])
    end
end
return {'done'}
"""

Value = str | bytes


def digest(value: Value | None) -> str:
    """What a checked key is compared by: the SHA-1 of its bytes ("" for no value), as the
    script's ``redis.sha1hex`` computes it."""
    if value is None:
        return ""
    data = value.encode() if isinstance(value, str) else value
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class EventCount:
    """One event to count in a sender's moving window: refused, counting nothing, past any of
    ``rates`` (each ``(events, window_ms)``), as of ``at_ms``."""

    key: str
    rates: tuple[tuple[int, int], ...]
    at_ms: int


@dataclass(frozen=True)
class OverBudget:
    """A count refused: by which of its rates (an index into ``EventCount.rates``), and how long
    until that rate has room again."""

    rate: int
    wait_ms: int


class RateLimited(Exception):
    """The sender's budget is spent; nothing was written."""

    def __init__(self, over: OverBudget) -> None:
        super().__init__(over.wait_ms)
        self.over = over


@dataclass(frozen=True)
class Outcome:
    """What a run did: ``done`` (written), ``changed`` (a checked key no longer holds what was
    read: ``held`` is what each holds now, in the order checked), ``limited`` (``over``) or
    ``claimed`` (``claim_ms`` left)."""

    status: str
    held: tuple[str | None, ...] = ()
    over: OverBudget | None = None
    claim_ms: int = 0

    @property
    def done(self) -> bool:
        return self.status == "done"


@dataclass
class CheckedWrite:
    """What one run of the script checks, counts, claims and writes, built up by the caller."""

    keys: list[str] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)
    checks: list[tuple[int, str]] = field(default_factory=list)
    count: EventCount | None = None
    claim: str | None = None
    ops: list[list[Any]] = field(default_factory=list)

    def expect(self, key: str, held: Value | None) -> CheckedWrite:
        """``key`` must still hold ``held`` (None: no value)."""
        self.checks.append((self._key(key), digest(held)))
        return self

    def spend(self, count: EventCount | None) -> CheckedWrite:
        self.count = count
        return self

    def unclaimed(self, key: str) -> CheckedWrite:
        """``key`` must not exist: while it does, the run answers its time left."""
        self.claim = key
        return self

    def set(self, key: str, value: Value, ttl_ms: int) -> CheckedWrite:
        self.ops.append(["set", self._key(key), self._value(value), ttl_ms])
        return self

    def expire(self, key: str, ttl_ms: int) -> CheckedWrite:
        """EXPIRE never creates a key: what is gone stays gone."""
        self.ops.append(["expire", self._key(key), ttl_ms])
        return self

    def delete(self, key: str) -> CheckedWrite:
        self.ops.append(["del", self._key(key)])
        return self

    def add(self, key: str, member: str) -> CheckedWrite:
        self.ops.append(["sadd", self._key(key), self._value(member)])
        return self

    def remove(self, key: str, member: str) -> CheckedWrite:
        self.ops.append(["srem", self._key(key), self._value(member)])
        return self

    def publish(self, channel: str, message: Value) -> CheckedWrite:
        """``message`` on ``channel``, once everything else is written. A channel is not a key:
        its name travels in ARGV."""
        self.ops.append(["publish", self._value(channel), self._value(message)])
        return self

    def _key(self, key: str) -> int:
        """The key's place in KEYS (Lua counts from 1), each key once."""
        if key not in self.keys:
            self.keys.append(key)
        return self.keys.index(key) + 1

    def _value(self, value: Value) -> int:
        """The value's place in ARGV, after the plan itself (ARGV[1])."""
        self.values.append(value)
        return len(self.values) + 1

    def plan(self) -> bytes:
        """ARGV[1]. What is absent is left out: Lua's JSON reads null as a true value."""
        plan: dict[str, Any] = {"checks": self.checks, "ops": self.ops}
        if self.count is not None:
            count = self.count
            plan["count"] = [self._key(count.key), count.at_ms, [list(r) for r in count.rates]]
        if self.claim is not None:
            plan["claim"] = self._key(self.claim)
        return orjson.dumps(plan)


class CheckedWriter:
    """The script, registered once on ``client``."""

    def __init__(self, client: redis.Redis) -> None:
        self._script = client.register_script(_LUA)

    def run(self, write: CheckedWrite) -> Outcome:
        plan = write.plan()  # first: it may add the count's and the claim's keys
        reply = self._script(keys=write.keys, args=[plan, *write.values])
        return _outcome(reply)


def _outcome(reply: list[Any]) -> Outcome:
    status = _text(reply[0])
    if status == "changed":
        return Outcome(status, held=tuple(None if v is None else _text(v) for v in reply[1:]))
    if status == "limited":
        return Outcome(status, over=OverBudget(int(reply[1]) - 1, int(reply[2])))
    if status == "claimed":
        return Outcome(status, claim_ms=int(reply[1]))
    return Outcome("done")


def _text(value: Value) -> str:
    return value.decode() if isinstance(value, bytes) else value
