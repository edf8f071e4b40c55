/**
 * The one origin sender (delivery/send.ts): its deadline covers the wait for the status line
 * and ends with it. A Durable Object sends every attempt from one long-lived context; a timer
 * left running for the whole origin timeout after each answer reached workerd's cap on active
 * timeouts while a queue drained a backlog, and the throw that followed made its alarm resend
 * events the origin already had (found by the bench: 3 redeliveries per 10 s queue run).
 */
import { describe, expect, it } from "vitest";
import { sendToOrigin, type OriginRequest } from "../../../src/delivery/send";

const request = (): OriginRequest => ({ id: "msg_1", url: "https://origin.test/hook", method: "POST", headers: new Headers({ "content-type": "application/json" }), body: new TextEncoder().encode("{}") });
const answered: typeof fetch = async () => new Response("ok");

describe("sendToOrigin", () => {
  it("relays the origin's answer", async () => {
    const sent = await sendToOrigin(request(), undefined, 30_000, Date.now(), answered);
    expect(sent.ok).toBe(true);
    if (sent.ok) expect(await sent.response.text()).toBe("ok");
  });

  it("leaves no timer behind: 12,000 answered attempts with a 60 s timeout in one context all go through", async () => {
    // Each attempt's deadline ends with its answer; a deadline that outlived it would put
    // 12,000 timers in this one context, past workerd's cap, and the sends would fail.
    for (let i = 0; i < 12_000; i++) {
      const sent = await sendToOrigin(request(), undefined, 60_000, Date.now(), answered);
      if (!sent.ok) throw new Error(`attempt ${i}: ${JSON.stringify(sent)}`);
    }
  });

  it("an origin that does not answer within the timeout is a timeout, and the request is aborted", async () => {
    let aborted = false;
    const silent: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        init!.signal!.addEventListener("abort", () => {
          aborted = true;
          reject(new DOMException("aborted", "AbortError"));
        });
      });
    const started = Date.now();
    expect(await sendToOrigin(request(), undefined, 50, started, silent)).toEqual({ ok: false, timeout: true });
    expect(aborted).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("a network failure is an error with its message, not a timeout", async () => {
    const failing: typeof fetch = async () => {
      throw new TypeError("Network connection lost.");
    };
    expect(await sendToOrigin(request(), undefined, 30_000, Date.now(), failing)).toEqual({ ok: false, timeout: false, error: "Network connection lost." });
  });

  it("an answer after the status line is not cut off by the deadline (it covers the wait for the status line only)", async () => {
    const slowBody: typeof fetch = async () =>
      new Response(
        new ReadableStream({
          async start(c) {
            await new Promise((r) => setTimeout(r, 120));
            c.enqueue(new TextEncoder().encode("late"));
            c.close();
          },
        }),
      );
    const sent = await sendToOrigin(request(), undefined, 30, Date.now(), slowBody);
    expect(sent.ok).toBe(true);
    if (sent.ok) expect(await sent.response.text()).toBe("late");
  });
});
