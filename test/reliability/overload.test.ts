// Guarantee (docs/guarantees.md): overload delays detection, never drops events. The detector's
// sustained rate is measured on a warm-up; then a burst is published as fast as the producer can
// (reported: burst rate ÷ the rate the detector drained it at). Consumer lag must rise and drain back to
// zero, every event must be processed exactly once (the detector's own count equals the input,
// with no duplicates), and the detector's resident memory is sampled throughout and reported.
import { waitFor } from '@vigil/testkit';
import {
  committedTotal,
  createWorld,
  generateInput,
  metric,
  type Proc,
  produce,
  publishedTotal,
  report,
  rssMiB,
  startDetector,
  waitDrained,
} from './support';

const NIGHTLY = process.env['VIGIL_NIGHTLY'] === '1';
const WARMUP = 2000;
const BURST = NIGHTLY ? 100_000 : 12_000;
/** Far above any plausible steady state for this process, far below "buffers the topic". */
const RSS_LIMIT_MIB = 600;

describe('overload burst', () => {
  const procs: Proc[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
  });

  it('lag rises then drains; every event processed once; memory bounded', async () => {
    const warm = generateInput(31, WARMUP, 'ow');
    const burst = generateInput(32, BURST, 'ob');
    const w = await createWorld('load');
    const d = await startDetector(w, { PROCESS_CHUNK_SIZE: '100' });
    procs.push(d);
    const pid = d.service.child.pid!;
    let maxRss = await rssMiB(pid);
    let maxLag = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxRss = Math.max(maxRss, await rssMiB(pid).catch(() => 0));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    // Warm-up: the rate this detector sustains here.
    await waitFor(async () => (await fetch(`${d.url}/readyz`)).status === 200, {
      timeoutMs: 60_000,
      description: 'ready',
    });
    const t0 = Date.now();
    await produce(w, warm.events);
    await waitDrained(w);
    const sustained = (warm.events.length / (Date.now() - t0)) * 1000;

    // Burst, sampling lag while it drains.
    const b0 = Date.now();
    const producing = produce(w, burst.events).then(() => Date.now() - b0);
    const total = warm.events.length + burst.events.length;
    await waitFor(
      async () => {
        const lag = (await publishedTotal(w)) - (await committedTotal(w));
        maxLag = Math.max(maxLag, lag);
        return (await producing.then(() => true)) && lag === 0 && (await publishedTotal(w)) === total;
      },
      { timeoutMs: NIGHTLY ? 1_200_000 : 240_000, intervalMs: 250, description: 'burst drained' },
    );
    const produceMs = await producing;
    const drainMs = Date.now() - b0;
    await waitDrained(w);
    sampling = false;
    await sampler;

    const text = await d.metrics();
    const processed = metric(text, 'vigil_detector_events_total');
    const duplicates = metric(text, 'vigil_detector_duplicate_events_total');
    expect(maxLag).toBeGreaterThan(0);
    expect({ processed, duplicates }).toEqual({ processed: total, duplicates: 0 });
    expect(maxRss).toBeLessThan(RSS_LIMIT_MIB);

    report({
      scenario: 'overload burst',
      eventsIn: total,
      eventsAccounted: processed,
      duplicates,
      sustainedEventsPerSec: Math.round(sustained),
      burstEventsPerSec: Math.round((burst.events.length / produceMs) * 1000),
      // Rate the detector drained the burst at: the fairest "sustained" figure under load.
      drainEventsPerSec: Math.round((burst.events.length / drainMs) * 1000),
      burstFactor: Number((drainMs / produceMs).toFixed(1)),
      maxLag,
      drainMs,
      maxRssMiB: Math.round(maxRss),
    });
    await d.service.stop();
  });
});
