import type { App } from "@slack/bolt";
import type { ListenerContext } from "../reply.js";
import { registerActions } from "./actions.js";
import { registerAssistant } from "./assistant.js";
import { registerCommands } from "./commands.js";
import { registerEvents } from "./events.js";
import { registerMessages } from "./messages.js";
import { registerViews } from "./views.js";

/** Every listener the app has, grouped the way Bolt's templates group them. */
export function registerListeners(app: App, ctx: ListenerContext): void {
  // The assistant first: its middleware claims assistant-thread messages before the DM listener sees them.
  registerAssistant(app, ctx);
  registerEvents(app, ctx);
  registerMessages(app, ctx);
  registerCommands(app, ctx);
  registerActions(app, ctx);
  registerViews(app, ctx);
}
