// A cheap swarm: many socket.io-client 4 widgets in one Node process, doing what one process of
// benchmarks/swarm.py does (the same seating, the same commands at the same rate, the same record
// of what arrived), for a fraction of python-socketio's CPU. benchmarks/node_side.py runs it and
// turns what it records into the same figures, with the same code as for the Python swarm.
//
// Talks to its parent in JSON lines. Its one argument is its assignment: {url, kind ("ours" or
// "bare"), meetings (their indices), members, runId, signalKinds}. It prints {"step": "ready"} once
// its widgets are seated; then, for each {"step": "traffic", traffic, start_at} read from stdin, it
// drives the traffic and prints {"step": "traffic", value: what it saw}; {"step": "close"} ends it.
// Any failure prints {"step": "error", value: text}. Times are CLOCK_MONOTONIC seconds, the clock
// of Python's time.monotonic(), so parent and swarm name the same moments.

"use strict";

const readline = require("node:readline");
const { io } = require("socket.io-client");

const CALL_TIMEOUT_MS = 10_000;
const SEATING_CONNECT_TIMEOUT_MS = 30_000;
const DRAIN_SECONDS = 2.0; // after the last acknowledgement, for the last broadcasts to land
const HTTP_CONCURRENCY = 16;
const CONNECT_CONCURRENCY = 32;
const SIGNAL_WINDOW_SECONDS = 60; // a member's signal of one kind counts once per window
const LATE_SECONDS = 0.1; // a command sent this long after its due time counts as late
const LAG_TICK_SECONDS = 0.05; // how often the event loop's own lateness is sampled

const monotonic = () => Number(process.hrtime.bigint()) / 1e9;
const sleep = (seconds) => new Promise((done) => setTimeout(done, Math.max(0, seconds * 1000)));
const say = (step, value) => process.stdout.write(`${JSON.stringify({ step, value })}\n`);
const sizeOf = (message) => Buffer.byteLength(JSON.stringify(message));
const clientErrors = {};
const countError = (text) => {
  const key = text.slice(0, 80);
  clientErrors[key] = (clientErrors[key] || 0) + 1;
};

// mulberry32: a small seeded generator, so each meeting's plan is the same from run to run.
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function limited(concurrency, jobs) {
  const results = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return results;
}

class Widget {
  constructor(meeting, number) {
    this.meeting = meeting;
    this.number = number;
    this.seen = 0;
    this.outOfOrder = 0;
    this.duplicates = 0;
    this.latest = null; // the last whole snapshot
    this.socket = null;
  }

  // A snapshot or a patch: either carries the meeting's state at its version.
  onState(message, whole) {
    const now = monotonic();
    const version = message.version;
    if (whole && (this.latest === null || version >= this.latest.version)) this.latest = message;
    if (version === this.seen) {
      this.duplicates += 1;
      return;
    }
    if (version < this.seen) this.outOfOrder += 1;
    this.seen = Math.max(this.seen, version);
    this.meeting.arrived(this, version, now, message, whole);
  }

  connect(url, auth) {
    return new Promise((resolve, reject) => {
      const socket = io(url, {
        transports: ["websocket"],
        auth,
        forceNew: true,
        reconnection: false,
        timeout: SEATING_CONNECT_TIMEOUT_MS,
      });
      this.socket = socket;
      socket.on("snapshot", (message) => this.onState(message, true));
      socket.on("patch", (message) => this.onState(message, false));
      socket.once("connect", () => {
        socket.on("disconnect", (reason) => {
          if (!this.meeting.closing) countError(`disconnect: ${reason}`);
        });
        resolve();
      });
      socket.once("connect_error", (error) => reject(new Error(`connect: ${error.message}`)));
    });
  }

  // Ours takes each command as its own event; the floor and the Node peer take them as "command".
  send(event, payload) {
    const timed = this.socket.timeout(CALL_TIMEOUT_MS);
    if (this.meeting.kind === "bare") {
      return timed.emitWithAck("command", { name: event, ...(payload || {}) });
    }
    return payload === null ? timed.emitWithAck(event) : timed.emitWithAck(event, payload);
  }

  async snapshotFrom(version) {
    const deadline = monotonic() + CALL_TIMEOUT_MS / 1000;
    while (this.latest === null || this.latest.version < version) {
      if (monotonic() > deadline) throw new Error(`no snapshot of version ${version} in time`);
      await sleep(0.01);
    }
    return this.latest;
  }

  // The whole state at `version` or later: asks for it (sync) when patches brought the version.
  async stateFrom(version) {
    if (this.latest === null || this.latest.version < version) await accepted(this, "sync");
    return this.snapshotFrom(version);
  }
}

class Meeting {
  constructor(index, assignment) {
    this.index = index;
    this.kind = assignment.kind;
    this.members = assignment.members;
    this.bareId = `${assignment.runId}-${index}`;
    this.widgets = [];
    this.arrivals = new Map();
    this.measuredFrom = Infinity;
    this.stateBytes = [];
    this.snapshotBytes = [];
    this.hands = new Set();
    this.signalPairs = [];
    for (let member = 1; member < this.members; member++) {
      for (const kind of assignment.signalKinds) this.signalPairs.push([member, kind]);
    }
    this.signalled = new Map();
    this.closing = false;
  }

  arrived(widget, version, at, message, whole) {
    let times = this.arrivals.get(version);
    if (times === undefined) this.arrivals.set(version, (times = []));
    times.push(at);
    if (widget.number === 0 && at >= this.measuredFrom) {
      const size = sizeOf(message);
      this.stateBytes.push(size);
      if (whole) this.snapshotBytes.push(size);
    }
  }

  // The mix of benchmarks/swarm.py: hands 40 %, the facilitator's timers 30 %, signals 30 %.
  nextCommand(random, now) {
    const roll = random();
    if (roll < 0.15) return [this.widgets[0], "start_timer", { timer: "speaker", seconds: 180 }];
    if (roll < 0.3) return [this.widgets[0], "extend_timer", { timer: "phase", seconds: 60 }];
    if (roll < 0.6) {
      const signal = this.freshSignal(random, now);
      if (signal !== null) return signal;
    }
    const asker = 2 + Math.floor(random() * (this.members - 2));
    const event = this.hands.has(asker) ? "lower_hand" : "raise_hand";
    return [this.widgets[asker], event, null];
  }

  freshSignal(random, now) {
    const [member, kind] = this.signalPairs[Math.floor(random() * this.signalPairs.length)];
    const key = `${member}:${kind}`;
    if (now - (this.signalled.get(key) ?? -1e9) < SIGNAL_WINDOW_SECONDS + 1) return null;
    this.signalled.set(key, now);
    return [this.widgets[member], "send_signal", { kind }];
  }

  accepted(widget, event) {
    if (event === "raise_hand") this.hands.add(widget.number);
    else if (event === "lower_hand") this.hands.delete(widget.number);
  }
}

// --- Seating: sets created and joined over HTTP, widgets connected, the meeting under way -------

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (response.status !== 201) throw new Error(`POST ${url} answered ${response.status}`);
  return answer;
}

async function tokens(url, meeting) {
  const body = { set_name: `Bench ${meeting.index}`, facilitator_name: "Fay", admission: "open" };
  const created = await post(`${url}/api/sets`, body);
  const found = [created.facilitator_token];
  for (let number = 1; number < meeting.members; number++) {
    const joining = { invite_token: created.invite_token, display_name: `Member ${number}` };
    found.push((await post(`${url}/api/join`, joining)).participant_token);
  }
  return found;
}

async function accepted(widget, event, payload = null) {
  const answer = await widget.send(event, payload);
  if (!answer || !answer.ok) {
    throw new Error(`${event} was refused during setup: ${JSON.stringify(answer)}`);
  }
  return answer.version;
}

async function openQuestions(meeting) {
  const [facilitator, presenter] = meeting.widgets;
  await accepted(facilitator, "advance_phase"); // check-in
  await accepted(facilitator, "advance_phase"); // bidding
  const version = await accepted(presenter, "place_bid", { title: "Bench issue", minutes: 20 });
  const bidId = (await facilitator.stateFrom(version)).meeting.bids[0].id;
  await accepted(facilitator, "accept_bid", { bid_id: bidId });
  await accepted(facilitator, "advance_phase"); // work: the presenter presents
  await accepted(facilitator, "advance_phase"); // clarifying questions
  await accepted(facilitator, "start_timer", { timer: "phase", seconds: 3600 });
}

async function seat(assignment) {
  const meetings = assignment.meetings.map((index) => new Meeting(index, assignment));
  let auths;
  if (assignment.kind === "ours") {
    const found = await limited(
      HTTP_CONCURRENCY,
      meetings.map((meeting) => () => tokens(assignment.url, meeting)),
    );
    auths = found.map((meetingTokens) => meetingTokens.map((token) => ({ token })));
  } else {
    auths = meetings.map((meeting) => Array(meeting.members).fill({ meeting: meeting.bareId }));
  }
  const connecting = [];
  meetings.forEach((meeting, m) => {
    for (let number = 0; number < meeting.members; number++) {
      const widget = new Widget(meeting, number);
      meeting.widgets.push(widget);
      connecting.push(() => widget.connect(assignment.url, auths[m][number]));
    }
  });
  await limited(CONNECT_CONCURRENCY, connecting);
  if (assignment.kind === "ours") {
    await limited(
      HTTP_CONCURRENCY,
      meetings.map((meeting) => () => openQuestions(meeting)),
    );
  }
  return meetings;
}

// --- Traffic, and what arrived ------------------------------------------------------------------

async function drive(meeting, traffic, startAt, tally) {
  const random = generator(traffic.seed * 1_000_003 + meeting.index);
  const period = 1 / traffic.rate;
  const measuredFrom = startAt + traffic.warmup;
  const stopAt = measuredFrom + traffic.duration;
  let due = startAt + random() * period;
  while (due < stopAt) {
    await sleep(due - monotonic());
    const [widget, event, payload] = meeting.nextCommand(random, due);
    const sent = monotonic();
    const measured = sent >= measuredFrom;
    let answer = null;
    try {
      answer = await widget.send(event, payload);
    } catch {
      tally.timeouts += measured ? 1 : 0;
    }
    const acked = monotonic();
    if (answer && answer.ok) {
      meeting.accepted(widget, event);
      if (measured) tally.sent.push([meeting, sent, acked, answer.version]);
    } else if (answer && measured) {
      const code = `${event}:${answer.error}`;
      tally.rejected[code] = (tally.rejected[code] || 0) + 1;
    }
    if (measured && sent - due > LATE_SECONDS) tally.late += 1;
    due += period;
  }
}

// The event loop's own lateness: how long after its due moment each tick ran, while measured.
function lagSampler(measuredFrom, until) {
  const lags = [];
  let due = monotonic() + LAG_TICK_SECONDS;
  const timer = setInterval(() => {
    const now = monotonic();
    if (now >= measuredFrom && now <= until) lags.push((now - due) * 1000);
    due = now + LAG_TICK_SECONDS;
  }, LAG_TICK_SECONDS * 1000);
  return { lags, stop: () => clearInterval(timer) };
}

async function wholeSnapshotBytes(meetings) {
  const sizes = await limited(
    CONNECT_CONCURRENCY,
    meetings.map((meeting) => async () => {
      const facilitator = meeting.widgets[0];
      try {
        return sizeOf(await facilitator.snapshotFrom(await accepted(facilitator, "sync")));
      } catch {
        return null; // a server past its knee may not answer: its size is known from others
      }
    }),
  );
  return sizes.filter((size) => size !== null);
}

async function runTraffic(meetings, traffic, startAt) {
  const measuredFrom = startAt + traffic.warmup;
  for (const meeting of meetings) {
    meeting.arrivals.clear();
    meeting.stateBytes = [];
    meeting.snapshotBytes = [];
    meeting.measuredFrom = measuredFrom;
  }
  const widgets = meetings.flatMap((meeting) => meeting.widgets);
  for (const widget of widgets) widget.outOfOrder = widget.duplicates = 0;
  const tally = { sent: [], rejected: {}, timeouts: 0, late: 0 };
  const lag = lagSampler(measuredFrom, measuredFrom + traffic.duration);
  await Promise.all(meetings.map((meeting) => drive(meeting, traffic, startAt, tally)));
  await sleep(DRAIN_SECONDS);
  lag.stop();
  const seen = {
    outcomes: tally.sent.map(([meeting, sent, acked, version]) => [
      meeting.index,
      sent,
      acked,
      meeting.arrivals.get(version) || [],
      meeting.members,
    ]),
    out_of_order: widgets.reduce((sum, widget) => sum + widget.outOfOrder, 0),
    duplicates: widgets.reduce((sum, widget) => sum + widget.duplicates, 0),
    rejected: tally.rejected,
    timeouts: tally.timeouts,
    late: tally.late,
    state_bytes: meetings.flatMap((meeting) => meeting.stateBytes),
    snapshot_bytes: meetings.flatMap((meeting) => meeting.snapshotBytes),
    lag_ms: lag.lags,
    client_errors: { ...clientErrors },
  };
  if (meetings.length && meetings[0].kind === "ours") {
    seen.snapshot_bytes.push(...(await wholeSnapshotBytes(meetings)));
  }
  return seen;
}

async function main() {
  const assignment = JSON.parse(process.argv[2]);
  const started = monotonic();
  const meetings = await seat(assignment);
  const widgets = meetings.reduce((sum, meeting) => sum + meeting.widgets.length, 0);
  say("ready", { widgets, seconds: monotonic() - started });
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const asked = JSON.parse(line);
    if (asked.step === "traffic") {
      say("traffic", await runTraffic(meetings, asked.traffic, asked.start_at));
    } else {
      break;
    }
  }
  for (const meeting of meetings) meeting.closing = true;
  for (const widget of meetings.flatMap((meeting) => meeting.widgets)) widget.socket.disconnect();
  process.exit(0);
}

main().catch((error) => {
  say("error", error.stack || String(error));
  process.exit(1);
});
