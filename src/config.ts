import { resolve } from "node:path";
import { ConfigInvalidError } from "./errors.js";

/**
 * The only place that reads the environment. Every variable is checked at once so a bad
 * deployment fails at start with one message naming each problem and how to fix it.
 */
export interface CoachConfig {
  port: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  dataDir: string;
  knowledgeDir: string;
  llmProvider: "none" | "openai" | "azure";
  embeddings: "local" | "openai";
  llm: {
    /** Embedding model when EMBEDDINGS=openai (served by OPENAI_BASE_URL or OpenAI). */
    embeddingsModel: string;
    apiKey: string | null;
    baseUrl: string | null;
    model: string;
    timeoutMs: number;
    maxTokens: number;
    /** Azure OpenAI: resource endpoint, deployment and API version. */
    azureEndpoint: string | null;
    azureDeployment: string | null;
    azureApiVersion: string;
  };
  /** Longest question accepted, in characters; longer ones get `input_too_long`. */
  maxInputChars: number;
  /** Questions per user per minute; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Questions (and feedback) per minute from one peer address on the web API; 0 turns it off. */
  webRateLimitPerMinute: number;
  /**
   * Which proxies' X-Forwarded-For to believe when finding a web client's address (express's
   * "trust proxy"): false (the default: the peer address is the client), a hop count, or a list of
   * addresses, CIDR ranges and the names loopback, linklocal, uniquelocal.
   */
  trustProxy: false | number | string[];
  /** Unset: in-process state. Set: shared state across replicas. */
  redisUrl: string | null;
  /** Longest wait for one Redis command before falling back to in-process state. */
  redisTimeoutMs: number;
  /** The answer log (answers.jsonl) is rotated to answers.1.jsonl beyond this many bytes. */
  answerLogMaxBytes: number;
  slack: {
    botToken: string | null;
    signingSecret: string | null;
    appToken: string | null;
    apiUrl: string | null;
  };
  teams: {
    appId: string;
    appPassword: string;
    tenantId: string;
    appType: "MultiTenant" | "SingleTenant" | "UserAssignedMSI";
  };
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CoachConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const port = parseInteger(read("PORT") ?? "3978", "PORT", 1, 65535, problems);
  const maxInputChars = parseInteger(read("MAX_INPUT_CHARS") ?? "4000", "MAX_INPUT_CHARS", 10, 32_000, problems);

  const rateLimitPerMinute = parseInteger(read("RATE_LIMIT_PER_MINUTE") ?? "20", "RATE_LIMIT_PER_MINUTE", 0, 100_000, problems);

  const logLevel = (read("LOG_LEVEL") ?? "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL="${env.LOG_LEVEL}" is not a log level: use one of ${LOG_LEVELS.join(", ")}.`);
  }

  const llmProvider = (read("LLM_PROVIDER") ?? "none").toLowerCase();
  if (!["none", "openai", "azure"].includes(llmProvider)) problems.push(`LLM_PROVIDER="${env.LLM_PROVIDER}" must be none, openai (OpenAI or any OpenAI-compatible server such as Ollama or vLLM) or azure.`);
  const llmApiKey = read("OPENAI_API_KEY") ?? null;
  const llmBaseUrl = read("OPENAI_BASE_URL") ?? null;
  if (llmBaseUrl && !isHttpUrl(llmBaseUrl)) problems.push(`OPENAI_BASE_URL="${llmBaseUrl}" is not an http(s) URL (e.g. http://localhost:11434/v1 for Ollama).`);
  // A local OpenAI-compatible server needs no key; OpenAI itself does.
  if (llmProvider === "openai" && !llmApiKey && !llmBaseUrl) problems.push("LLM_PROVIDER=openai needs OPENAI_API_KEY (Missing credentials: set OPENAI_API_KEY), or OPENAI_BASE_URL for a local OpenAI-compatible server.");
  const azureEndpoint = read("AZURE_OPENAI_ENDPOINT") ?? null;
  const azureDeployment = read("AZURE_OPENAI_DEPLOYMENT") ?? null;
  const azureKey = read("AZURE_OPENAI_API_KEY") ?? llmApiKey;
  if (llmProvider === "azure") {
    if (!azureEndpoint || !isHttpUrl(azureEndpoint)) problems.push("LLM_PROVIDER=azure needs AZURE_OPENAI_ENDPOINT, e.g. https://YOUR-RESOURCE.openai.azure.com.");
    if (!azureDeployment) problems.push("LLM_PROVIDER=azure needs AZURE_OPENAI_DEPLOYMENT (the deployment name of your chat model).");
    if (!azureKey) problems.push("LLM_PROVIDER=azure needs AZURE_OPENAI_API_KEY.");
  }
  const llmTimeoutMs = parseInteger(read("LLM_TIMEOUT_MS") ?? "12000", "LLM_TIMEOUT_MS", 100, 120_000, problems);
  const llmMaxTokens = parseInteger(read("LLM_MAX_TOKENS") ?? "600", "LLM_MAX_TOKENS", 16, 16_000, problems);
  const embeddings = (read("EMBEDDINGS") ?? "local").toLowerCase();
  if (!["local", "openai"].includes(embeddings)) problems.push(`EMBEDDINGS="${env.EMBEDDINGS}" must be local (offline, the default) or openai (an OpenAI-compatible embeddings endpoint).`);
  if (embeddings === "openai" && !llmApiKey && !llmBaseUrl) problems.push("EMBEDDINGS=openai needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server.");

  const webRateLimitPerMinute = parseInteger(read("WEB_RATE_LIMIT_PER_MINUTE") ?? "60", "WEB_RATE_LIMIT_PER_MINUTE", 0, 100_000, problems);
  const trustProxy = parseTrustProxy(read("TRUST_PROXY"), problems);
  const redisTimeoutMs = parseInteger(read("REDIS_TIMEOUT_MS") ?? "500", "REDIS_TIMEOUT_MS", 10, 60_000, problems);
  const answerLogMaxMb = parseInteger(read("ANSWER_LOG_MAX_MB") ?? "100", "ANSWER_LOG_MAX_MB", 1, 100_000, problems);
  const redisUrl = read("REDIS_URL") ?? null;
  if (redisUrl && !/^rediss?:\/\/[^\s]+$/u.test(redisUrl)) problems.push(`REDIS_URL must look like redis://host:6379 (or rediss:// for TLS); unset it for in-process state.`);

  const slackBotToken = read("SLACK_BOT_TOKEN") ?? null;
  const slackSigningSecret = read("SLACK_SIGNING_SECRET") ?? null;
  const slackAppToken = read("SLACK_APP_TOKEN") ?? null;
  const slackApiUrl = read("SLACK_API_URL") ?? null;
  if (slackBotToken && !slackBotToken.startsWith("xoxb-")) problems.push("SLACK_BOT_TOKEN must be the bot token that starts with xoxb- (Slack app → OAuth & Permissions).");
  if (slackAppToken && !slackAppToken.startsWith("xapp-")) problems.push("SLACK_APP_TOKEN must be an app-level token that starts with xapp- (Slack app → Basic Information → App-Level Tokens, scope connections:write).");
  if (slackBotToken && !slackSigningSecret && !slackAppToken) problems.push("SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is: set one of them.");
  if (!slackBotToken && (slackSigningSecret || slackAppToken)) problems.push("SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set without SLACK_BOT_TOKEN: set the xoxb- bot token too.");
  if (slackApiUrl && !isHttpUrl(slackApiUrl)) problems.push(`SLACK_API_URL="${slackApiUrl}" is not an http(s) URL (e.g. https://slack.com/api/).`);

  const appType = read("MicrosoftAppType") ?? "MultiTenant";
  if (!["MultiTenant", "SingleTenant", "UserAssignedMSI"].includes(appType)) problems.push(`MicrosoftAppType="${appType}" must be MultiTenant, SingleTenant or UserAssignedMSI.`);
  const appId = read("MicrosoftAppId") ?? "";
  const appPassword = read("MicrosoftAppPassword") ?? "";
  const tenantId = read("MicrosoftAppTenantId") ?? "";
  if (appId && !appPassword && appType !== "UserAssignedMSI") problems.push("MicrosoftAppId is set without MicrosoftAppPassword: set the client secret of the Azure Bot's app registration.");
  if (appType === "SingleTenant" && appId && !tenantId) problems.push("MicrosoftAppType=SingleTenant needs MicrosoftAppTenantId.");

  if (problems.length > 0) throw new ConfigInvalidError(problems);
  return {
    port,
    logLevel: logLevel as CoachConfig["logLevel"],
    dataDir: resolve(cwd, read("DATA_DIR") ?? "data"),
    knowledgeDir: resolve(cwd, read("KNOWLEDGE_DIR") ?? "knowledge"),
    llmProvider: llmProvider as CoachConfig["llmProvider"],
    embeddings: embeddings as CoachConfig["embeddings"],
    llm: {
      embeddingsModel: read("OPENAI_EMBEDDINGS_MODEL") ?? "text-embedding-3-small",
      apiKey: llmProvider === "azure" ? azureKey : llmApiKey,
      baseUrl: llmBaseUrl,
      model: read("OPENAI_MODEL") ?? "gpt-4o-mini",
      timeoutMs: llmTimeoutMs,
      maxTokens: llmMaxTokens,
      azureEndpoint,
      azureDeployment,
      azureApiVersion: read("AZURE_OPENAI_API_VERSION") ?? "2024-10-21",
    },
    maxInputChars,
    rateLimitPerMinute,
    webRateLimitPerMinute,
    trustProxy,
    redisUrl,
    redisTimeoutMs,
    answerLogMaxBytes: answerLogMaxMb * 1024 * 1024,
    slack: { botToken: slackBotToken, signingSecret: slackSigningSecret, appToken: slackAppToken, apiUrl: slackApiUrl },
    teams: { appId, appPassword, tenantId, appType: appType as CoachConfig["teams"]["appType"] },
  };
}

function parseInteger(raw: string, name: string, min: number, max: number, problems: string[]): number {
  const value = Number(raw);
  if (!/^\d+$/u.test(raw) || value < min || value > max) {
    problems.push(`${name}="${raw}" must be a whole number from ${min} to ${max}.`);
    return min;
  }
  return value;
}

const PROXY_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

/** TRUST_PROXY: unset/false, a hop count, or addresses/CIDRs/names. "true" (believe anyone) is refused. */
function parseTrustProxy(raw: string | undefined, problems: string[]): false | number | string[] {
  if (!raw || raw.toLowerCase() === "false") return false;
  if (/^\d+$/u.test(raw)) return Number(raw);
  const entries = raw.split(",").map((e) => e.trim()).filter(Boolean);
  const bad = entries.filter((e) => !PROXY_NAMES.has(e) && !/^[0-9a-f:.]+(\/\d{1,3})?$/iu.test(e));
  if (raw.toLowerCase() === "true" || bad.length > 0 || entries.length === 0) {
    problems.push(`TRUST_PROXY="${raw}" must be false, the number of proxies in front of the server (e.g. 1), or a comma-separated list of proxy addresses, CIDR ranges or loopback/linklocal/uniquelocal; "true" would let any client choose its own address.`);
    return false;
  }
  return entries;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
