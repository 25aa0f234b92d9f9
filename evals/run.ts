/** Entry point of `npm run eval`; see evals/cli.ts for the options. */
import { runEvalCli } from "./cli.js";

process.exitCode = await runEvalCli(process.argv.slice(2));
