/**
 * `npm run fake:openai`: a deterministic OpenAI-compatible server on loopback (FAKE_OPENAI_PORT,
 * default a free port), printing its base URL. CI uses it to run `npm run eval -- --mode llm`
 * through the real openai/LangChain clients; it answers from the context it is given.
 */
import { startFakeOpenAi } from "../tests/fakes/openai.js";

const fake = await startFakeOpenAi();
process.stdout.write(`${fake.url}\n`);
process.on("SIGTERM", () => void fake.close().then(() => process.exit(0)));
