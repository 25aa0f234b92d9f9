import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Answer, Platform } from "../src/types.js";
import type { CoachTelemetry } from "../src/service.js";

/** Prometheus metrics for one server instance (its own registry, so tests can run several). */
export class CoachMetrics implements CoachTelemetry {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: "coach_requests_total", help: "Requests by surface and route", labelNames: ["surface"], registers: [this.registry] });
  readonly answers = new Counter({ name: "coach_answers_total", help: "Answers by outcome and reason", labelNames: ["outcome", "reason", "surface"], registers: [this.registry] });
  readonly latency = new Histogram({
    name: "coach_answer_latency_seconds",
    help: "Time to compose an answer",
    labelNames: ["surface"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly feedback = new Counter({ name: "coach_feedback_total", help: "Feedback by rating", labelNames: ["rating", "surface"], registers: [this.registry] });
  readonly modelFallbacks = new Counter({ name: "coach_model_fallbacks_total", help: "Answers that fell back from the model to the extractive composer", labelNames: ["cause"], registers: [this.registry] });
  readonly coachingSteps = new Counter({ name: "coach_coaching_steps_total", help: "Coaching steps (practice questions, plans, checklist steps) by mode and stage", labelNames: ["mode", "stage", "surface"], registers: [this.registry] });
  readonly duplicates = new Counter({ name: "coach_duplicate_events_total", help: "Redelivered events answered once and skipped", labelNames: ["surface"], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  request(surface: Platform | string): void {
    this.requests.inc({ surface });
  }

  answerTimer(surface: Platform): () => void {
    const end = this.latency.startTimer({ surface });
    return () => void end();
  }

  answered(answer: Answer, surface: Platform): void {
    this.answers.inc({ outcome: answer.outcome, reason: answer.reason ?? "none", surface });
    if (answer.coaching) this.coachingSteps.inc({ mode: answer.coaching.mode, stage: answer.coaching.stage, surface });
  }

  feedbackRecorded(rating: string, surface: string): void {
    this.feedback.inc({ rating, surface });
  }

  duplicate(surface: Platform): void {
    this.duplicates.inc({ surface });
  }

  modelFallback(cause: string): void {
    this.modelFallbacks.inc({ cause });
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
