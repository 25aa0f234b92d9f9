import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the fake model does for the next request. */
export type Behaviour =
  | { kind: "text"; text: string }
  | { kind: "status"; status: number }
  | { kind: "delay"; ms: number; text?: string }
  | { kind: "malformed_sse" }
  | { kind: "grounded" };

export interface FakeOpenAi {
  url: string;
  requests: { path: string; body: Record<string, unknown> }[];
  /** Behaviours used in order, one per chat request; when empty, `grounded`. */
  script: Behaviour[];
  close(): Promise<void>;
}

/**
 * The default "model": answers from the numbered context it is given, the first two sentences of
 * the first passages, each with its [n] — a well-behaved RAG model, deterministic for CI.
 */
export function groundedReply(userMessage: string): string {
  const context = userMessage.split(/\n\nConversation so far/u)[0] ?? "";
  const passages = context.split(/^\[(\d+)\] ([^\n]*)\n/mu).slice(1);
  const lines: string[] = [];
  for (let i = 0; i + 2 < passages.length; i += 3) {
    const [n, section, body] = [passages[i]!, passages[i + 1]!, passages[i + 2]!];
    const title = section.split(" › ").at(-1)!;
    const sentences = body
      .replace(/^(Kind): [^\n]*\n+/gmu, "")
      .replace(/^(Status: \w+)\n+/gmu, "$1. ")
      .replace(/\n+/gu, " ")
      .split(/(?<=[.!?])\s+(?=[A-Z$])/u)
      .map((x) => x.trim())
      .filter((x) => x.length > 0);
    const take = i === 0 ? sentences.slice(0, 7) : sentences.slice(0, 2);
    take.forEach((sentence, k) => {
      const lead = i > 0 && k === 0 ? `**${title}**: ` : "";
      lines.push(`${lines.length === 0 ? "" : "- "}${lead}${sentence.replace(/[.!?]?$/u, ".")} [${n}]`);
    });
  }
  return lines.length ? lines.join("\n") : "NOT_IN_GUIDE";
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const fake: FakeOpenAi = { url: "", requests: [], script: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      void (async () => {
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw || "{}") as Record<string, unknown>;
        } catch {
          res.writeHead(400).end();
          return;
        }
        const path = req.url ?? "";
        fake.requests.push({ path, body });
        if (path.endsWith("/embeddings")) {
          const inputs = Array.isArray(body.input) ? body.input : [body.input];
          const data = inputs.map((_, index) => {
            const vector = Float32Array.from({ length: 8 }, (__, i) => Math.sin(index + i));
            return { object: "embedding", index, embedding: body.encoding_format === "base64" ? Buffer.from(vector.buffer).toString("base64") : Array.from(vector) };
          });
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } }));
          return;
        }
        if (!path.endsWith("/chat/completions")) {
          res.writeHead(404).end();
          return;
        }
        const behaviour = fake.script.shift() ?? { kind: "grounded" };
        const messages = (body.messages as { role: string; content: string }[]) ?? [];
        const user = messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
        let text: string;
        if (behaviour.kind === "status") {
          res.writeHead(behaviour.status, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `fake ${behaviour.status}`, type: "server_error" } }));
          return;
        }
        if (behaviour.kind === "delay") {
          await new Promise((r) => setTimeout(r, behaviour.ms));
          if (res.destroyed || req.destroyed) return;
          text = behaviour.text ?? groundedReply(user);
        } else if (behaviour.kind === "text") text = behaviour.text;
        else if (behaviour.kind === "malformed_sse") {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.end('data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Edge inf\n\ndata: {this is not json\n\n');
          return;
        } else text = groundedReply(user);

        if (body.stream) {
          res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
          const words = text.match(/\S+\s*/gu) ?? [];
          const chunk = (delta: Record<string, unknown>, finish: string | null) => `data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
          res.write(chunk({ role: "assistant", content: "" }, null));
          for (const w of words) res.write(chunk({ content: w }, null));
          res.write(chunk({}, "stop"));
          res.write(`data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1, model: body.model, choices: [], usage: { prompt_tokens: 100, completion_tokens: words.length, total_tokens: 100 + words.length } })}\n\n`);
          res.end("data: [DONE]\n\n");
          return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            id: "chatcmpl-fake",
            object: "chat.completion",
            created: 1,
            model: body.model,
            choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
            usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
          }),
        );
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(Number(process.env.FAKE_OPENAI_PORT ?? 0), "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  fake.close = () => new Promise((r) => server.close(() => r()));
  return fake;
}
