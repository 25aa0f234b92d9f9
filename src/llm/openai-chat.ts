/**
 * The chat client for a configured model: LangChain's OpenAI clients and the openai package's error
 * classes. Loaded by the coach only when LLM_PROVIDER is set (these packages and their
 * dependencies are some 500 modules, ~0.4 s of an offline start for nothing).
 */
import type { ChatOpenAI } from "@langchain/openai";
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, AuthenticationError, PermissionDeniedError, RateLimitError } from "openai";
import type { CoachConfig } from "../config.js";
import { ModelCallError, type ModelFailure } from "../errors.js";
import type { ChatMessage, ChatModel, CompleteOptions, Completion } from "./model.js";

function toLangChain(messages: ChatMessage[]): BaseMessage[] {
  return messages.map((m) => (m.role === "system" ? new SystemMessage(m.content) : m.role === "user" ? new HumanMessage(m.content) : new AIMessage(m.content)));
}

/**
 * Classify what the OpenAI/LangChain client threw by the openai package's error classes (LangChain
 * re-throws them, except the client's timeout and abort, which it turns into plain Errors named
 * "TimeoutError" and "AbortError").
 */
export function classifyModelError(error: unknown, signal?: AbortSignal): ModelCallError {
  if (error instanceof ModelCallError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const as = (failure: ModelFailure) => new ModelCallError(failure, message, { cause: error });
  if (signal?.aborted || error instanceof APIConnectionTimeoutError || error instanceof APIUserAbortError) return as("timeout");
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return as("timeout");
  if (error instanceof RateLimitError) return as("rate_limited");
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) return as("unauthorized");
  if (error instanceof APIConnectionError) return as("network");
  if (error instanceof APIError && error.status !== undefined) return as(error.status >= 500 ? "server_error" : "client_error");
  return as("bad_response");
}

/**
 * The openai SDK prints what it cannot parse (a broken stream chunk) to the console before it
 * throws: raw lines in a JSON log, and the model's text in them. The error it throws reaches our
 * log with its cause (ResilientChatModel), so the SDK's own logging is off.
 */
const SDK_LOGGING = { logLevel: "off" } as const;

/**
 * Chat through LangChain's OpenAI clients: ChatOpenAI with a base URL (OpenAI, Ollama, vLLM,
 * LM Studio…) or AzureChatOpenAI. Retries are ours (see ResilientChatModel), so the client's are off.
 */
export class LangChainChatModel implements ChatModel {
  readonly id: string;
  /** The client, made on first use: LangChain's OpenAI package costs ~0.4 s to load, offline too. */
  private model: Promise<ChatOpenAI> | null = null;

  constructor(private readonly config: CoachConfig) {
    this.id = config.llmProvider === "azure" ? `azure:${config.llm.azureDeployment}` : `openai:${config.llm.model}`;
  }

  private client(): Promise<ChatOpenAI> {
    this.model ??= import("@langchain/openai").then(({ ChatOpenAI, AzureChatOpenAI }) => {
      const { llm } = this.config;
      if (this.config.llmProvider === "azure") {
        return new AzureChatOpenAI({
          azureOpenAIApiKey: llm.apiKey ?? undefined,
          azureOpenAIEndpoint: llm.azureEndpoint ?? undefined,
          azureOpenAIApiDeploymentName: llm.azureDeployment ?? undefined,
          azureOpenAIApiVersion: llm.azureApiVersion,
          configuration: SDK_LOGGING,
          maxTokens: llm.maxTokens,
          temperature: 0.2,
          maxRetries: 0,
        });
      }
      return new ChatOpenAI({
        model: llm.model,
        // Local OpenAI-compatible servers ignore the key but the client insists on one.
        apiKey: llm.apiKey ?? "not-needed",
        configuration: { ...SDK_LOGGING, ...(llm.baseUrl ? { baseURL: llm.baseUrl } : {}) },
        maxTokens: llm.maxTokens,
        temperature: 0.2,
        maxRetries: 0,
        streamUsage: true,
      });
    });
    return this.model;
  }

  /** Errors come out classified (ModelCallError), so nothing else needs the openai package's classes. */
  async complete(messages: ChatMessage[], options: CompleteOptions = {}): Promise<Completion> {
    try {
      return await this.request(messages, options);
    } catch (error) {
      throw classifyModelError(error, options.signal);
    }
  }

  private async request(messages: ChatMessage[], options: CompleteOptions): Promise<Completion> {
    const input = toLangChain(messages);
    if (options.onToken) {
      let text = "";
      let usage: Completion["usage"] = {};
      const stream = await (await this.client()).stream(input, { signal: options.signal });
      for await (const chunk of stream) {
        const piece = typeof chunk.content === "string" ? chunk.content : "";
        if (piece) {
          text += piece;
          options.onToken(piece);
        }
        if (chunk.usage_metadata) usage = { inputTokens: chunk.usage_metadata.input_tokens, outputTokens: chunk.usage_metadata.output_tokens };
      }
      return { text, usage };
    }
    const result = await (await this.client()).invoke(input, { signal: options.signal });
    const text = typeof result.content === "string" ? result.content : "";
    return { text, usage: { inputTokens: result.usage_metadata?.input_tokens, outputTokens: result.usage_metadata?.output_tokens } };
  }
}

