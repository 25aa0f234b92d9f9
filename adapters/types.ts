import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * What a platform adapter tells the composition root (server/): whether it is on and ready, for
 * /readyz, and the routes it answers on node:http ahead of express (Slack's acknowledgements).
 */
export interface PlatformStatus {
  name: "slack" | "teams" | "web";
  enabled: boolean;
  ready: boolean;
  /** Why the platform is off or not ready, in words an operator can act on. */
  detail: string;
}

/** A route served straight from node:http, before express, for acknowledgements that must be fast. */
export type FastRoute = (req: IncomingMessage, res: ServerResponse) => void;
