import { type PromptResponse, RequestError } from "@agentclientprotocol/sdk";
import type { Kernel, KernelEvent, QueuedPrompt, TurnResult } from "@pincer/kernel";
import { stopReason } from "./content.js";

interface Request {
  resolve(response: PromptResponse): void;
  reject(error: Error): void;
}

/**
 * Which `session/prompt` request answers for the work running in a session. ACP v1 has one
 * prompt turn at a time per session; a client that sends another while one runs (an editor that
 * lets its user type on) gets what Claude Code's ACP adapter gives (the "prompt queueing" RFD):
 * the prompt is queued as a steering message, and when the model takes it in, the earlier request
 * answers `end_turn` and this one answers for the rest of the work. A queued prompt the work
 * never reaches answers `cancelled` (the turn was cancelled) or an error naming why.
 */
export class PromptTurns {
  private owner: Request | undefined;
  private readonly waiting = new Map<string, Request>();
  /** The kernel's run of the current prompt and everything queued into it. */
  running: Promise<TurnResult> | undefined;

  constructor(
    private readonly kernel: Kernel,
    /** Resolves once every update sent so far was written: a request never answers before its updates. */
    private readonly flushed: () => Promise<void>,
  ) {}

  /** `run`: how to start the work when nothing runs (a markdown command's turn); default kernel.prompt(text). */
  prompt(text: string, signal: AbortSignal, run?: () => Promise<TurnResult>): Promise<PromptResponse> {
    return new Promise<PromptResponse>((resolve, reject) => {
      const request: Request = { resolve, reject };
      // `$/cancel_request` for this prompt, or the connection closing, cancels the work it is part of.
      signal.addEventListener(
        "abort",
        () => {
          if (this.owner === request || [...this.waiting.values()].includes(request)) this.kernel.abort("cancelled");
        },
        { once: true },
      );
      if (!this.kernel.running) {
        this.start(text, request, run);
        return;
      }
      let queued: QueuedPrompt;
      try {
        queued = this.kernel.steer(text);
      } catch (error) {
        reject(RequestError.invalidRequest(undefined, (error as Error).message));
        return;
      }
      this.waiting.set(queued.id, request);
    });
  }

  /** The kernel's queue events move the answer from one request to the next. */
  onEvent(event: KernelEvent): void {
    if (event.type === "queue_delivered") {
      for (const item of event.delivered) {
        const next = this.waiting.get(item.id);
        if (!next) continue;
        this.waiting.delete(item.id);
        const previous = this.owner;
        this.owner = next;
        if (previous) void this.flushed().then(() => previous.resolve({ stopReason: "end_turn" }));
      }
    } else if (event.type === "queue_dropped") {
      for (const item of event.dropped) {
        const request = this.waiting.get(item.id);
        if (!request) continue;
        this.waiting.delete(item.id);
        void this.flushed().then(() =>
          event.reason === "aborted"
            ? request.resolve({ stopReason: "cancelled" })
            : request.reject(
                new RequestError(-32603, `Not sent to the model: the turn before it ended (${event.reason}).`),
              ),
        );
      }
    }
  }

  private start(text: string, request: Request, runner?: () => Promise<TurnResult>): void {
    this.owner = request;
    const run = runner ? runner() : this.kernel.prompt(text);
    this.running = run;
    run.then(
      (result) => {
        // Taken now: a prompt arriving while the updates flush starts new work with a new owner.
        const owner = this.owner;
        this.owner = undefined;
        void this.flushed().then(() => {
          const reason = stopReason(result);
          if (typeof reason === "object") owner?.reject(new RequestError(-32603, reason.error));
          else owner?.resolve({ stopReason: reason });
        });
      },
      (error: Error) => {
        const owner = this.owner;
        this.owner = undefined;
        void this.flushed().then(() => owner?.reject(error));
      },
    );
    void run
      .catch(() => {})
      .finally(() => {
        if (this.running === run) this.running = undefined;
      });
  }
}
