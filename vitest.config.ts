import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default is one worker fewer than the cores: a single worker on a 2-core machine,
    // where most files spend their time waiting on child processes and loopback servers.
    maxWorkers: 2,
    globalSetup: ["tests/global-setup.ts"],
  },
});
