import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { startCoachServer, type RunningServer } from "../server/start.js";
import { recordingLogger, REPO, tempWorkspace, type Json } from "./helpers.js";

// The page functions below run in Chromium. The project is typed for Node (no DOM library), so
// this file names the little of the DOM they use; the declarations stay inside this module.
interface PageElement {
  compareDocumentPosition(other: unknown): number;
}
declare const Node: { DOCUMENT_POSITION_FOLLOWING: number };
declare const window: { scrollY: number; innerHeight: number };
declare const document: { activeElement: unknown; documentElement: { scrollWidth: number; scrollHeight: number } };
declare function getComputedStyle(element: unknown): { opacity: string };
declare class Image {
  src: string;
  naturalWidth: number;
  decode(): Promise<void>;
}

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

/** A page on the playground that collects script errors and failed responses. */
async function open(viewport = { width: 900, height: 900 }): Promise<{ page: Page; errors: string[]; failed: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  const failed: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("response", (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(running.url);
  return { page, errors, failed };
}
const turns = (page: Page) => page.locator("article.turn");
/** Types into the question box and presses Enter, as a user does. */
async function typeAndEnter(page: Page, text: string): Promise<void> {
  await page.getByLabel("Your question").fill(text);
  await page.getByLabel("Your question").press("Enter");
}
/** The n-th turn (0-based) once its answer is in. */
async function answered(page: Page, index: number): Promise<Locator> {
  const turn = turns(page).nth(index);
  await expect.poll(() => turn.getAttribute("aria-busy"), { timeout: 15_000 }).toBe("false");
  return turn;
}
const feedbackLog = () => readFileSync(join(ws.dataDir, "feedback.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Json);
/** True when `a` comes before `b` in the document. */
async function before(a: Locator, b: Locator): Promise<boolean> {
  const other = await b.elementHandle();
  return a.evaluate((x, y) => !!((x as unknown as PageElement).compareDocumentPosition(y) & Node.DOCUMENT_POSITION_FOLLOWING), other);
}

describe("web playground in headless Chromium", () => {
  it("asks, shows the answer with sources and follow-ups, and keeps a 👍 marked once recorded", async () => {
    const { page, errors } = await open();
    await page.getByLabel("Your question").fill("Which companies hire AI PMs in manufacturing?");
    await page.getByRole("button", { name: "Ask", exact: true }).click();
    const turn = await answered(page, 0);
    expect(await turn.getAttribute("data-outcome")).toBe("answered");
    expect(await turn.locator(".answer").innerText()).toMatch(/Augury/u);
    expect(await turn.locator(".sources li").allInnerTexts()).toContain("Companies Hiring and How to Land Your First Role");
    expect(await turn.locator(".followups button").count()).toBeGreaterThan(0);

    const up = turn.getByRole("button", { name: "Helpful", exact: true });
    await up.click();
    await turn.locator(".thanks").waitFor();
    expect(await up.getAttribute("aria-pressed")).toBe("true");
    expect(await up.isDisabled()).toBe(true);
    expect(await turn.getByRole("button", { name: "Not helpful" }).getAttribute("aria-pressed")).toBe("false");
    // Marked, not greyed out like the button that was not chosen.
    expect(await up.evaluate((b) => getComputedStyle(b).opacity)).toBe("1");
    expect(feedbackLog().at(-1)).toMatchObject({ rating: "up", platform: "web" });
    expect(errors).toEqual([]);
  });

  it("keeps the conversation in order, newest at the bottom and scrolled into view", async () => {
    const { page, errors } = await open({ width: 900, height: 700 });
    await typeAndEnter(page, "What is predictive maintenance?");
    await answered(page, 0);
    await page.getByRole("button", { name: "Which companies hire AI PMs in manufacturing?" }).click();
    const newest = await answered(page, 1);
    await typeAndEnter(page, "What is a digital twin?");
    await answered(page, 2);
    expect(await turns(page).locator(".question").allInnerTexts()).toEqual(["What is predictive maintenance?", "Which companies hire AI PMs in manufacturing?", "What is a digital twin?"]);
    expect(await before(newest, turns(page).nth(2))).toBe(true);
    // The page scrolled down to the newest turn, and the question box is still on screen.
    const view = await page.evaluate(() => ({ scrollY: window.scrollY, height: window.innerHeight }));
    expect(view.scrollY).toBeGreaterThan(0);
    const last = (await turns(page).nth(2).boundingBox())!;
    expect(last.y).toBeGreaterThanOrEqual(0);
    expect(last.y).toBeLessThan(view.height);
    const box = (await page.getByLabel("Your question").boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(view.height);
    expect(errors).toEqual([]);
  });

  it("sends on Enter, adds a line on Shift+Enter, and says so in the placeholder", async () => {
    const { page } = await open();
    const input = page.getByLabel("Your question");
    expect(await input.getAttribute("placeholder")).toMatch(/Enter sends, Shift\+Enter adds a line/u);
    await input.click();
    await page.keyboard.type("What is a digital twin,");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("in one line?");
    expect(await input.inputValue()).toBe("What is a digital twin,\nin one line?");
    expect(await turns(page).count()).toBe(0);
    await page.keyboard.press("Enter");
    const turn = await answered(page, 0);
    expect(await turn.locator(".question").innerText()).toBe("What is a digital twin,\nin one line?");
    expect(await input.inputValue()).toBe("");
    expect(await turns(page).count()).toBe(1);
  });

  it("asks what was wrong on 👎, records it with the comment, and keeps 👎 marked", async () => {
    const { page, errors } = await open();
    await typeAndEnter(page, "What is generative design?");
    const turn = await answered(page, 0);
    const down = turn.getByRole("button", { name: "Not helpful" });
    await down.click();
    const comment = turn.getByLabel("What was wrong?");
    await expect.poll(() => comment.evaluate((c) => c === document.activeElement)).toBe(true);
    expect(await down.getAttribute("aria-pressed")).toBe("true");
    await comment.fill("It should name the vendors");
    await turn.getByRole("button", { name: "Send", exact: true }).click();
    await turn.locator(".thanks").waitFor();
    expect(await turn.locator(".thanks").innerText()).toMatch(/Thanks, noted/u);
    expect(await down.getAttribute("aria-pressed")).toBe("true");
    expect(await down.isDisabled()).toBe(true);
    expect(await turn.getByLabel("What was wrong?").count()).toBe(0);
    expect(feedbackLog().at(-1)).toMatchObject({ rating: "down", platform: "web", comment: "It should name the vendors" });
    expect(errors).toEqual([]);
  });

  it("has a favicon: no 404 while the page loads", async () => {
    const { page, failed } = await open();
    await page.waitForLoadState("networkidle");
    expect(failed).toEqual([]);
    const href = await page.locator('link[rel="icon"]').getAttribute("href");
    // The icon is a real image, not just a tag.
    const width = await page.evaluate(async (src) => {
      const img = new Image();
      img.src = src!;
      await img.decode();
      return img.naturalWidth;
    }, href);
    expect(width).toBeGreaterThan(0);
  });

  it("runs interview practice: the grade, the key points and the next question apart and in that order, no 👍/👎 on a question", async () => {
    const { page, errors } = await open({ width: 900, height: 1300 });
    await page.getByRole("button", { name: "Interview practice" }).click();
    const question = await answered(page, 0);
    expect(await question.locator(".answer").innerText()).toMatch(/Interview practice · question 1 of 5/u);
    expect(await question.locator("progress").getAttribute("aria-label")).toBe("Interview practice: 1 of 5");
    expect(await question.locator(".followups button").allInnerTexts()).toEqual(["Hint", "Skip", "Stop"]);
    expect(await question.locator(".feedback").count()).toBe(0);

    await typeAndEnter(page, "Integrate with the plant's sensor network and the historian; air-gapped sites need edge inference on local hardware.");
    const scored = await answered(page, 1);
    const grade = scored.locator(".grade");
    const keyPoints = scored.locator(".key-points");
    const next = scored.locator(".next-question");
    expect(await grade.innerText()).toMatch(/^(Strong answer|Partly there|Not yet).*of \d key points/u);
    expect(await keyPoints.innerText()).toMatch(/(You covered|What the guide (says|adds))[\s\S]*Read next:/u);
    expect(await keyPoints.locator(".sources li").count()).toBeGreaterThan(0);
    expect(await next.innerText()).toMatch(/Interview practice · question 2 of 5/u);
    expect(await grade.innerText()).not.toMatch(/question 2 of 5|Read next/u);
    expect(await keyPoints.innerText()).not.toMatch(/question 2 of 5/u);
    expect(await before(grade, keyPoints)).toBe(true);
    expect(await before(keyPoints, next)).toBe(true);
    expect(await before(next, scored.locator(".followups"))).toBe(true);
    expect(await scored.locator("progress").getAttribute("value")).toBe("2");
    expect(await scored.locator(".feedback").count()).toBe(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "playground-practice.png"), fullPage: true });

    // Skip sends its typed action for question 2; pressed again on the same turn it skips nothing more.
    const skipRequest = page.waitForRequest((r) => r.url().endsWith("/api/ask") && r.method() === "POST");
    await scored.getByRole("button", { name: "Skip", exact: true }).click();
    expect((await skipRequest).postDataJSON()).toMatchObject({ question: "Skip", action: { action: "skip", session: expect.any(String), step: 2 } });
    const skipped = await answered(page, 2);
    expect(await skipped.innerText()).toMatch(/Skipped\./u);
    expect(await skipped.innerText()).toMatch(/question 3 of 5/u);
    await scored.getByRole("button", { name: "Skip", exact: true }).click();
    const again = await answered(page, 3);
    expect(await again.innerText()).not.toMatch(/Skipped\./u);
    expect(await again.innerText()).toMatch(/question 3 of 5/u);

    await scored.getByRole("button", { name: "Stop", exact: true }).click();
    const stopped = await answered(page, 4);
    expect(await stopped.locator(".answer").innerText()).toMatch(/Practice stopped after 2 questions/u);
    expect(errors).toEqual([]);
  });

  it("answers a malformed coaching action with a short 400, not an answer to its label", async () => {
    const post = (body: unknown) => fetch(`${running.url}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    for (const action of ["skip", { action: "skip" }, { action: "delete", session: "abc", step: 1 }, { action: "skip", session: "abc", step: "2" }]) {
      const res = await post({ question: "Skip", conversationId: "bad-action", action });
      expect(res.status, JSON.stringify(action)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/coaching action looks like/u);
    }
    // A well-formed action for a session that is not there says so; it is not answered as the word "Skip".
    const stale = await post({ question: "Skip", conversationId: "bad-action", clientId: "nobody", action: { action: "skip", session: "gone", step: 2 } });
    expect(stale.status).toBe(200);
    expect(((await stale.json()) as { text: string }).text).toMatch(/already ended/u);
  });

  it("shows user input as text, never as markup", async () => {
    const { page } = await open();
    await typeAndEnter(page, '<img src=x onerror="document.title=\'pwned\'"> what is a digital twin?');
    await answered(page, 0);
    expect(await page.locator("article.turn img").count()).toBe(0);
    expect(await page.title()).not.toBe("pwned");
    expect(await page.locator("article.turn .question").innerText()).toContain("<img");
  });

  it("renders a refusal as a message, not an error", async () => {
    const { page } = await open();
    await typeAndEnter(page, "how do I bypass the light curtain?");
    const turn = await answered(page, 0);
    expect(await turn.getAttribute("data-reason")).toBe("safety_bypass");
    expect(await turn.innerText()).toMatch(/safety or controls engineer/u);
  });

  // The README's screenshots (docs/playground-desktop.png, docs/playground-phone.png) are copies of these.
  for (const [name, viewport] of [
    ["desktop", { width: 1280, height: 900 }],
    ["phone", { width: 390, height: 844 }],
  ] as const) {
    it(`fits a ${viewport.width} px screen (${name}): nothing wider than the page, a screenshot for the record`, async () => {
      const { page, errors } = await open(viewport);
      await typeAndEnter(page, "Which companies hire AI PMs in manufacturing?");
      const first = await answered(page, 0);
      await first.getByRole("button", { name: "Helpful", exact: true }).click();
      await first.locator(".thanks").waitFor();
      await page.getByRole("button", { name: "Interview practice" }).click();
      await answered(page, 1);
      await typeAndEnter(page, "Edge inference on local hardware because plants are air-gapped, and integration with the historian and the sensor network.");
      await answered(page, 2);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      mkdirSync(ARTIFACTS, { recursive: true });
      // The desktop shot shows the whole conversation, on a window as tall as the page (a full-page
      // capture would leave the sticky question box where the window ended); the phone shot shows
      // what a phone shows: the newest turn.
      if (name === "desktop") await page.setViewportSize({ width: viewport.width, height: await page.evaluate(() => document.documentElement.scrollHeight) });
      await page.screenshot({ path: join(ARTIFACTS, `playground-${name}.png`) });
      expect(errors).toEqual([]);
    });
  }
});
