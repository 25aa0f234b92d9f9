import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";

export interface ConnectorCall {
  conversationId: string;
  replyToId: string | null;
  activity: Record<string, unknown>;
  authorization: string | undefined;
}

/** A fake Bot Framework connector (the Teams service) on loopback, recording what the bot sends. */
export async function startFakeConnector(): Promise<{ url: string; calls: ConnectorCall[]; close: () => Promise<void> }> {
  const calls: ConnectorCall[] = [];
  const app = express();
  app.use(express.json({ limit: "5mb" }));
  let n = 0;
  app.post("/v3/conversations/:conversationId/activities/:replyToId", (req, res) => {
    calls.push({ conversationId: req.params.conversationId!, replyToId: req.params.replyToId!, activity: req.body as Record<string, unknown>, authorization: req.headers.authorization });
    res.json({ id: `reply-${++n}` });
  });
  app.post("/v3/conversations/:conversationId/activities", (req, res) => {
    calls.push({ conversationId: req.params.conversationId!, replyToId: null, activity: req.body as Record<string, unknown>, authorization: req.headers.authorization });
    res.json({ id: `msg-${++n}` });
  });
  app.use((req, res) => res.status(404).json({ error: `fake connector has no ${req.method} ${req.path}` }));
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, close: () => new Promise((r) => server.close(() => r())) };
}
