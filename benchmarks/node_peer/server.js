// The peer users would otherwise pick: a bare Socket.IO 4 server on Node, doing per command exactly
// what the Flask-SocketIO floor (benchmarks/bare_server.py) does, so the same swarm drives both.
//
// A widget connects with auth {meeting: id} and joins the room "meeting:<id>". Its one event,
// "command", reads the meeting's state (one GET), writes the next version (one SET of our
// snapshot's size) and broadcasts it to the room as "snapshot" (one PUBLISH, through the Redis
// adapter, as several processes would need; Flask-SocketIO's message queue does the same), then
// acknowledges {ok: true, version}. Pings as ours: every 10 s, 10 s to answer.
//
// Run by benchmarks/node_side.py: PORT, REDIS_URL and BENCH_PAYLOAD_BYTES in the environment.

"use strict";

const http = require("node:http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

const DEFAULT_PAYLOAD_BYTES = 4000;
const PING_INTERVAL_MS = 10_000;
const PING_TIMEOUT_MS = 10_000;

function roomFor(meetingId) {
  return `meeting:${meetingId}`;
}

// A snapshot message padded so that, as compact JSON, it is payloadBytes long (at version 0).
function firstState(meetingId, payloadBytes) {
  const state = { type: "snapshot", version: 0, meeting: { id: meetingId, padding: "" } };
  state.meeting.padding = "x".repeat(Math.max(0, payloadBytes - JSON.stringify(state).length));
  return state;
}

async function main() {
  const port = Number(process.env.PORT);
  const url = process.env.REDIS_URL;
  const payloadBytes = Number(process.env.BENCH_PAYLOAD_BYTES || DEFAULT_PAYLOAD_BYTES);
  const store = createClient({ url });
  const publisher = store.duplicate();
  const subscriber = store.duplicate();
  for (const client of [store, publisher, subscriber]) {
    client.on("error", (error) => console.error(`redis: ${error.message}`));
  }
  await Promise.all([store.connect(), publisher.connect(), subscriber.connect()]);

  const server = http.createServer((request, response) => {
    if (request.url === "/healthz") {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end('{"status":"ok"}');
      return;
    }
    response.writeHead(404).end();
  });
  const io = new Server(server, {
    adapter: createAdapter(publisher, subscriber),
    pingInterval: PING_INTERVAL_MS,
    pingTimeout: PING_TIMEOUT_MS,
    serveClient: false,
  });

  io.use((socket, next) => {
    const auth = socket.handshake.auth;
    if (!auth || typeof auth.meeting !== "string") {
      next(new Error("a meeting id, please"));
      return;
    }
    next();
  });

  io.on("connection", (socket) => {
    const meetingId = socket.handshake.auth.meeting;
    socket.join(roomFor(meetingId));
    socket.on("command", async (_command, acknowledge) => {
      const answer = typeof acknowledge === "function" ? acknowledge : () => {};
      try {
        const key = `bench:meeting:${meetingId}`;
        const stored = await store.get(key);
        const state = stored ? JSON.parse(stored) : firstState(meetingId, payloadBytes);
        state.version += 1;
        await store.set(key, JSON.stringify(state));
        io.to(roomFor(meetingId)).emit("snapshot", state);
        answer({ ok: true, version: state.version });
      } catch (error) {
        console.error(`command failed: ${error.message}`);
        answer({ error: "unavailable", message: "The store could not be reached." });
      }
    });
  });

  const stop = () => {
    io.close();
    Promise.allSettled([store.quit(), publisher.quit(), subscriber.quit()]).then(() =>
      process.exit(0),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  server.listen(port, "127.0.0.1", () => console.log(`listening on 127.0.0.1:${port}`));
}

main().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
