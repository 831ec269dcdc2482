import { PassThrough } from 'node:stream';
import type { MarketEvent } from '@vigil/events';
import { type Clock, progressPrinter, pump } from './pump';
import type { EventSink } from './sinks';

/** A clock that only moves when the code under test sleeps (or a write advances it). */
function fakeClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}
function memorySink(onWrite?: (n: number) => void): EventSink & { batches: MarketEvent[][] } {
  const batches: MarketEvent[][] = [];
  return {
    name: 'memory',
    batches,
    async write(events) {
      batches.push([...events]);
      onWrite?.(events.length);
    },
    async close() {},
  };
}
const events = (n: number): MarketEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `e${i}`,
    type: 'order.paid',
    version: 1,
    occurredAt: '2026-11-26T10:00:00.000Z',
    buyerId: 'b-1',
    sellerId: 's-1',
    orderId: `o-${i}`,
    data: { amount: 1 },
  }));

describe('pump', () => {
  it('delivers every event, in order, to every sink', async () => {
    const a = memorySink();
    const b = memorySink();
    const src = events(1234);
    const r = await pump(src, [a, b], { batchSize: 100, clock: fakeClock() });
    expect(r).toMatchObject({ sent: 1234, stoppedBy: 'end' });
    expect(a.batches.flat().map((e) => e.id)).toEqual(src.map((e) => e.id));
    expect(b.batches.flat()).toHaveLength(1234);
    expect(Math.max(...a.batches.map((x) => x.length))).toBe(100);
  });

  it('holds the target rate: 1000 events at 100/s take about 10 s of (fake) time', async () => {
    const clock = fakeClock();
    const sink = memorySink();
    const r = await pump(events(1000), [sink], { rate: 100, clock });
    // One batch of tokens is available at the start, so the last event leaves 0.1 s early.
    expect(clock.t).toBeGreaterThanOrEqual(9_800);
    expect(clock.t).toBeLessThanOrEqual(10_100);
    expect(r.sent).toBe(1000);
    // About ten writes a second: batches of rate/10.
    expect(Math.max(...sink.batches.map((x) => x.length))).toBe(10);
  });

  it('never sleeps at rate max', async () => {
    const clock = fakeClock();
    await pump(events(5000), [memorySink()], { rate: 'max', clock });
    expect(clock.t).toBe(0);
  });

  it('stops after the duration, having sent whole batches only', async () => {
    const clock = fakeClock();
    // Each write of 10 events "takes" 100 ms.
    const sink = memorySink((n) => {
      clock.t += n * 10;
    });
    const r = await pump(events(10_000), [sink], { batchSize: 10, durationMs: 1_000, clock });
    expect(r.stoppedBy).toBe('duration');
    expect(r.sent).toBe(100);
    expect(sink.batches.flat()).toHaveLength(100);
  });

  it('stops when its signal is aborted', async () => {
    const abort = new AbortController();
    const sink = memorySink(() => abort.abort());
    const r = await pump(events(1000), [sink], { batchSize: 10, signal: abort.signal, clock: fakeClock() });
    expect(r).toMatchObject({ sent: 10, stoppedBy: 'signal' });
  });

  it('reports progress, ending with a done report', async () => {
    const reports: { sent: number; done: boolean }[] = [];
    const clock = fakeClock();
    await pump(events(300), [memorySink()], {
      rate: 100,
      total: 300,
      clock,
      progressEveryMs: 1000,
      onProgress: (p) => reports.push({ sent: p.sent, done: p.done }),
    });
    expect(reports.length).toBeGreaterThan(1);
    expect(reports[reports.length - 1]).toEqual({ sent: 300, done: true });
  });
});

describe('progressPrinter', () => {
  const capture = (isTTY: boolean) => {
    const s = new PassThrough() as PassThrough & { isTTY?: boolean };
    s.isTTY = isTTY;
    let out = '';
    s.on('data', (d) => {
      out += String(d);
    });
    return { s, text: () => out };
  };
  it('draws a bar with events, rate and elapsed on a TTY', () => {
    const c = capture(true);
    progressPrinter(c.s)({ sent: 500, total: 1000, elapsedMs: 2000, rate: 250, done: false });
    expect(c.text()).toContain('[############............] 500/1,000 events  250 ev/s  2.0s');
  });
  it('prints plain lines at most every interval otherwise, and always the last', () => {
    const c = capture(false);
    const print = progressPrinter(c.s, 5000);
    print({ sent: 1, elapsedMs: 0, rate: 0, done: false });
    print({ sent: 2, elapsedMs: 1000, rate: 2, done: false });
    print({ sent: 3, elapsedMs: 6000, rate: 0.5, done: false });
    print({ sent: 4, elapsedMs: 6500, rate: 0.6, done: true });
    expect(c.text().trim().split('\n')).toEqual([
      'progress sent=1 rate=0/s elapsed=0.0s',
      'progress sent=3 rate=1/s elapsed=6.0s',
      'progress sent=4 rate=1/s elapsed=6.5s done',
    ]);
  });
});
