import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // A hang guard, not a speed bound: with two files at a time on a shared 2-core machine, a test
    // that starts two server processes in turn (durability) can take longer than 30 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default is one worker fewer than the cores: a single worker on a 2-core machine,
    // where most files spend their time waiting on child processes and loopback servers.
    maxWorkers: 2,
    globalSetup: ["tests/global-setup.ts"],
  },
});
