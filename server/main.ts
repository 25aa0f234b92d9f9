/** `npm start`: the server for Slack, Teams, the web playground, health and metrics. */
import { loadConfig } from "../src/config.js";
import { createLogger, routeConsoleTo } from "../src/logger.js";
import { asCoachError, ConfigInvalidError } from "../src/errors.js";
import { startCoachServer } from "./start.js";

let config;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`${error instanceof ConfigInvalidError ? error.message : asCoachError(error).message}\n`);
  process.exit(1);
}
const logger = createLogger(config.logLevel);
routeConsoleTo(logger);
const running = await startCoachServer(config, logger);

const shutdown = (signal: string) => {
  logger.info({ signal }, "shutting down: finishing in-flight answers");
  const force = setTimeout(() => process.exit(1), 15_000);
  force.unref();
  running.stop().then(
    () => {
      logger.info("stopped");
      process.exit(0);
    },
    (error: unknown) => {
      logger.error({ err: error }, "shutdown failed");
      process.exit(1);
    },
  );
};
process.once("SIGTERM", () => shutdown("SIGTERM"));
process.once("SIGINT", () => shutdown("SIGINT"));
process.on("unhandledRejection", (error) => logger.error({ err: error }, "unhandled rejection"));
