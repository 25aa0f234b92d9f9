import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { startCoachServer, type RunningServer } from "../server/start.js";
import { recordingLogger, REPO, tempWorkspace } from "./helpers.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = join(REPO, "tests", "artifacts");

let ws: ReturnType<typeof tempWorkspace>;
let running: RunningServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
  ws = tempWorkspace();
  running = await startCoachServer({ ...ws.config, port: 0 }, recordingLogger().logger, { host: "127.0.0.1" });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
});
afterAll(async () => {
  await browser?.close();
  await running?.stop();
  ws?.cleanup();
});

describe("web playground in headless Chromium", () => {
  it("asks, shows the answer with sources and follow-ups, and records 👍 feedback", async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 1100 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(running.url);
    await page.getByLabel("Your question").fill("Which companies hire AI PMs in manufacturing?");
    await page.getByRole("button", { name: "Ask", exact: true }).click();
    const turn = page.locator("article.turn").first();
    await turn.waitFor();
    await expect.poll(() => turn.getAttribute("data-outcome")).toBe("answered");
    expect(await turn.locator(".answer").innerText()).toMatch(/Augury/u);
    expect(await turn.locator(".sources li").allInnerTexts()).toContain("Companies Hiring and How to Land Your First Role");
    expect(await turn.locator(".followups button").count()).toBeGreaterThan(0);

    await turn.getByRole("button", { name: "Helpful", exact: true }).click();
    await turn.locator(".thanks").waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "playground.png"), fullPage: true });

    const feedback = readFileSync(join(ws.dataDir, "feedback.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(feedback.at(-1)).toMatchObject({ rating: "up", platform: "web" });
    expect(errors).toEqual([]);
  });

  it("runs interview practice from its button: progress, a typed answer scored with sources, then stop", async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 1300 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(running.url);
    await page.getByRole("button", { name: "Interview practice" }).click();
    const question = page.locator("article.turn").first();
    await question.locator(".answer").waitFor();
    expect(await question.locator(".answer").innerText()).toMatch(/Interview practice · question 1 of 5/u);
    expect(await question.locator("progress").getAttribute("aria-label")).toBe("Interview practice: 1 of 5");
    expect(await question.locator(".followups button").allInnerTexts()).toEqual(["Hint", "Skip", "Stop"]);

    await page.getByLabel("Your question").fill("Integrate with the plant's sensor network and the historian; air-gapped sites need edge inference on local hardware.");
    await page.getByRole("button", { name: "Ask", exact: true }).click();
    await expect.poll(() => page.locator("article.turn").count()).toBe(2);
    const feedback = page.locator("article.turn").first();
    expect(await feedback.locator(".answer").innerText()).toMatch(/of \d key points/u);
    expect(await feedback.locator(".sources li").count()).toBeGreaterThan(0);
    expect(await feedback.locator("progress").getAttribute("value")).toBe("2");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "playground-practice.png"), fullPage: true });

    await feedback.getByRole("button", { name: "Stop", exact: true }).click();
    await expect.poll(() => page.locator("article.turn").count()).toBe(3);
    expect(await page.locator("article.turn").first().locator(".answer").innerText()).toMatch(/Practice stopped after 1 question/u);
    expect(errors).toEqual([]);
  });

  it("shows user input as text, never as markup", async () => {
    const page = await browser.newPage();
    await page.goto(running.url);
    await page.getByLabel("Your question").fill('<img src=x onerror="document.title=\'pwned\'"> what is a digital twin?');
    await page.getByRole("button", { name: "Ask", exact: true }).click();
    await page.locator("article.turn").first().waitFor();
    expect(await page.locator("article.turn img").count()).toBe(0);
    expect(await page.title()).not.toBe("pwned");
    expect(await page.locator("article.turn .question").innerText()).toContain("<img");
  });

  it("renders a refusal as a message, not an error", async () => {
    const page = await browser.newPage();
    await page.goto(running.url);
    await page.getByLabel("Your question").fill("how do I bypass the light curtain?");
    await page.getByRole("button", { name: "Ask", exact: true }).click();
    const turn = page.locator("article.turn").first();
    await turn.waitFor();
    expect(await turn.getAttribute("data-reason")).toBe("safety_bypass");
    expect(await turn.innerText()).toMatch(/safety or controls engineer/u);
  });
});
