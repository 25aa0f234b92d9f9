import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import express from "express";
// `ws` is not a dependency of this project: it is installed for botbuilder (botframework-streaming)
// and resolvable from here. Slack's own client (@slack/socket-mode 3) connects with undici.
import WebSocket from "ws";
import type { CoachConfig } from "../../src/config.js";
import { startCoachServer, type RunningServer } from "../../server/start.js";
import { recordingLogger, tempWorkspace, type Json } from "../helpers.js";
import { waitFor } from "../processes.js";

export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
  /** The bearer token the call was made with (the bot token, or the app token for apps.connections.open). */
  token?: string;
}

/** What the app sent back over the Socket Mode WebSocket: an acknowledgement of one envelope. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

/**
 * The Socket Mode side of the fake: apps.connections.open hands out ws://127.0.0.1:PORT/link
 * URLs, each connection is greeted with `hello` as Slack greets it, `send()` delivers an envelope
 * on the newest connection, and every acknowledgement the client sends is kept in `acks`.
 */
export interface FakeSocketMode {
  /** How many WebSocket connections the client has opened so far. */
  connections: () => number;
  /** How many of them are open now. */
  openCount: () => number;
  acks: SocketAck[];
  send(envelope: Record<string, unknown>): void;
  /** Resolves with the acknowledgement of `envelopeId` once the client has sent it. */
  ackOf(envelopeId: string, timeoutMs?: number): Promise<SocketAck>;
}

/**
 * A fake Slack Web API on loopback: records every call the real @slack/web-api client makes
 * (form-encoded, with JSON-encoded nested fields) and every post to a response_url.
 */
export async function startFakeSlackApi(): Promise<{ url: string; calls: SlackCall[]; responses: Record<string, unknown>[]; threads: Map<string, Record<string, unknown>[]>; failures: Map<string, string>; socket: FakeSocketMode; close: () => Promise<void> }> {
  const calls: SlackCall[] = [];
  /** Methods that answer `{ ok: false, error }` (a test sets them), as Slack does for a method a workspace does not allow. */
  const failures = new Map<string, string>();
  /** Thread messages conversations.replies returns, by "channel:thread_ts" (a test sets them). */
  const threads = new Map<string, Record<string, unknown>[]>();
  const responses: Record<string, unknown>[] = [];
  const app = express();
  app.use(express.urlencoded({ extended: false, limit: "5mb" }));
  app.use(express.json({ limit: "5mb" }));
  let ts = 1000;
  app.post("/api/:method", (req, res) => {
    const body: Record<string, unknown> = { ...(req.body as Record<string, unknown>) };
    for (const key of ["blocks", "view", "prompts", "metadata", "attachments", "chunks"]) {
      if (typeof body[key] === "string") body[key] = JSON.parse(body[key] as string);
    }
    const method = req.params.method!;
    const token = /^Bearer (.+)$/u.exec(req.headers.authorization ?? "")?.[1] ?? (typeof body.token === "string" ? body.token : undefined);
    calls.push({ method, body, ...(token ? { token } : {}) });
    const failure = failures.get(method);
    if (failure) {
      res.json({ ok: false, error: failure });
      return;
    }
    const extra: Record<string, unknown> =
      method === "apps.connections.open"
        ? { url: `ws://127.0.0.1:${port}/link/?ticket=${calls.length}&app_id=A1` }
        : method === "chat.startStream"
          ? { ts: `${++ts}.000100`, channel: body.channel }
          : method === "chat.appendStream" || method === "chat.stopStream"
            ? { ts: body.ts, channel: body.channel }
            : method === "auth.test"
        ? { user_id: "UBOT", bot_id: "BBOT", team_id: "T1", user: "coach" }
        : method === "chat.postMessage"
          ? { ts: `${++ts}.000100`, channel: body.channel }
          : method === "conversations.replies"
            ? { messages: threads.get(`${String(body.channel)}:${String(body.ts)}`) ?? [], has_more: false }
            : method === "conversations.open"
              ? { channel: { id: `D${String(body.users ?? "").replace(/^U/u, "")}` } }
              : {};
    res.json({ ok: true, ...extra });
  });
  app.post("/respond/:id", (req, res) => {
    responses.push(req.body as Record<string, unknown>);
    res.json({ ok: true });
  });
  const server: Server = createServer(app);
  const sockets = new WebSocket.Server({ noServer: true });
  const open: WebSocket[] = [];
  let connections = 0;
  const acks: SocketAck[] = [];
  server.on("upgrade", (req, socket, head) => {
    if (!req.url?.startsWith("/link/")) {
      socket.destroy();
      return;
    }
    sockets.handleUpgrade(req, socket as Socket, head, (ws) => {
      connections += 1;
      open.push(ws);
      ws.on("close", () => open.splice(open.indexOf(ws), 1));
      ws.on("message", (data) => {
        const message = JSON.parse(String(data)) as SocketAck;
        if (typeof message.envelope_id === "string") acks.push(message);
      });
      // Slack's first message on every connection: until it arrives the client is not connected.
      ws.send(JSON.stringify({ type: "hello", num_connections: open.length, debug_info: { host: "fake-slack", approximate_connection_time: 18060 }, connection_info: { app_id: "A1" } }));
    });
  });
  const socketMode: FakeSocketMode = {
    connections: () => connections,
    openCount: () => open.length,
    acks,
    send(envelope) {
      const ws = open.at(-1);
      if (!ws) throw new Error("no Socket Mode connection is open");
      ws.send(JSON.stringify(envelope));
    },
    async ackOf(envelopeId, timeoutMs = 10_000) {
      await waitFor(async () => acks.some((a) => a.envelope_id === envelopeId), timeoutMs, `ack of ${envelopeId}`);
      return acks.find((a) => a.envelope_id === envelopeId)!;
    },
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    responses,
    threads,
    failures,
    socket: socketMode,
    close: async () => {
      for (const ws of open) ws.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A coach server with Slack on next to a fake Slack Web API, ready once /readyz says so: the
 * set-up every Slack test file shares. Over HTTP, events are signed with `signingSecret`; with
 * `{ appToken }` (and no signing secret) the app runs in Socket Mode, as it does in production
 * when only SLACK_APP_TOKEN is set: it verifies its bot token with auth.test, opens a connection
 * with apps.connections.open and is ready once the fake's WebSocket has said hello. `stop()`
 * stops both and removes the workspace. `config` may be a function of the workspace's own config
 * (to change part of a nested setting such as `llm`).
 */
export async function startSlackHarness(
  signingSecret: string | null,
  config: Partial<CoachConfig> | ((workspace: CoachConfig) => Partial<CoachConfig>) = {},
  mode: { appToken?: string } = {},
): Promise<{ slackApi: Awaited<ReturnType<typeof startFakeSlackApi>>; running: RunningServer; dataDir: string; stop: () => Promise<void> }> {
  const ws = tempWorkspace();
  const slackApi = await startFakeSlackApi();
  const running = await startCoachServer(
    { ...ws.config, port: 0, ...(typeof config === "function" ? config(ws.config) : config), slack: { botToken: "xoxb-test", signingSecret, appToken: mode.appToken ?? null, apiUrl: `${slackApi.url}/api/` } },
    recordingLogger().logger,
    // Socket Mode learns the bot's identity from auth.test, as a fresh install does.
    { host: "127.0.0.1", ...(mode.appToken ? {} : { slack: { botId: "BBOT", botUserId: "UBOT" } }) },
  );
  await waitFor(async () => ((await (await fetch(`${running.url}/readyz`)).json()) as Json).status === "ready", 10_000, "slack ready");
  return {
    slackApi,
    running,
    dataDir: ws.dataDir,
    stop: async () => {
      await running.stop();
      await slackApi.close();
      ws.cleanup();
    },
  };
}

/** Slack's request signature headers for `body` (v0, HMAC-SHA256 of "v0:timestamp:body"). */
export function slackSignature(signingSecret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return { "x-slack-signature": signature, "x-slack-request-timestamp": String(timestamp) };
}

let deliveries = 0;
/** One Events API delivery (event_callback) as Slack posts it over HTTP. */
export function slackEventBody(event: Record<string, unknown>, eventId = `Ev${++deliveries}${Date.now()}`): string {
  return JSON.stringify({ token: "x", team_id: "T1", api_app_id: "A1", type: "event_callback", event_id: eventId, event_time: Math.floor(Date.now() / 1000), authorizations: [{ team_id: "T1", user_id: "UBOT", is_bot: true }], event });
}
