// Guarantee (docs/guarantees.md): a Kafka broker restart delays detection, loses nothing and
// double-counts nothing. The shared broker must not be restarted (other work uses it), so this
// test starts a SECOND single-node KRaft broker from the same jars (infra/kafka/kafka.sh with its
// own ports and data folder), runs a detector against it, restarts that broker mid-run, and checks
// the outcome the input implies.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@vigil/testkit';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import {
  buyersOf,
  committedTotal,
  createWorld,
  freePort,
  generateInput,
  metric,
  type Proc,
  produce,
  publishedTotal,
  ROOT,
  report,
  startDetector,
  suspicionJobs,
  timeoutWindowSize,
  waitDrained,
} from './support';

const run = promisify(execFile);
const SEED = Number(process.env['VIGIL_SEED'] ?? 41);

/** This checkout's jars when infra/stack.sh fetched them; otherwise kafka.sh fetches its own. */
function findLibs(): string | undefined {
  for (const dir of [join(ROOT, '.vigil', 'kafka', 'libs'), process.env['VIGIL_KAFKA_LIBS']]) {
    if (dir && existsSync(join(dir, '.stamp'))) return dir;
  }
  return undefined;
}
const libs = findLibs();

describe('Kafka broker restart (a second, private broker)', () => {
  const procs: Proc[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-rel-kafka-'));
  let env: NodeJS.ProcessEnv;
  let brokers: string[];
  const kafkaSh = (cmd: string) =>
    run('bash', [join(ROOT, 'infra', 'kafka', 'kafka.sh'), cmd], { env, timeout: 180_000 });

  beforeAll(async () => {
    const [port, controller] = [await freePort(), await freePort()];
    brokers = [`127.0.0.1:${port}`];
    mkdirSync(join(dataDir, 'kafka'), { recursive: true });
    // Share the jars (kafka.sh skips the Maven fetch when the stamp matches); without them
    // kafka.sh resolves its own copy from the Maven cache.
    if (libs) symlinkSync(libs, join(dataDir, 'kafka', 'libs'));
    env = {
      ...process.env,
      VIGIL_DATA_DIR: dataDir,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controller),
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_HEAP: '384m',
    };
    await kafkaSh('start');
  }, 200_000);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    await kafkaSh('stop').catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('restarted mid-run: the detector reconnects, nothing lost or double-counted', async () => {
    const input = generateInput(SEED, 3000, `q${SEED}`);
    const createOn = async (topics: string[], numPartitions: number) => {
      const admin = new Kafka({ clientId: 'rel-admin', brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: topics.map((topic) => ({ topic, numPartitions, replicationFactor: 1 })),
        });
      } finally {
        await admin.disconnect();
      }
    };
    const w = await createWorld('kafka', { brokers, createTopicsWith: createOn });
    await produce(w, input.events);
    const d = await startDetector(w, { PROCESS_CHUNK_SIZE: '25' });
    procs.push(d);
    await waitFor(async () => (await committedTotal(w)) > 0, {
      timeoutMs: 60_000,
      description: 'first commit',
    });

    await kafkaSh('stop');
    const downAt = Date.now();
    await waitFor(
      async () =>
        (await fetch(`${d.url}/readyz`, { signal: AbortSignal.timeout(4000) }).catch(() => null))?.status ===
        503,
      {
        timeoutMs: 30_000,
        description: 'detector not ready while the broker is down',
      },
    );
    await kafkaSh('start');
    const upAt = Date.now();
    await waitDrained(w, 180_000);
    const recoveryMs = Date.now() - upAt;
    expect(d.service.child.exitCode).toBeNull();
    const text = await d.metrics();

    const redis = new Redis(w.redisUrl);
    try {
      for (const [buyer, n] of input.timeouts)
        expect([buyer, await timeoutWindowSize(redis, w, buyer)]).toEqual([buyer, n]);
    } finally {
      redis.disconnect();
    }
    const jobs = await suspicionJobs(w);
    expect([...buyersOf(jobs, 'bulk-non-payment')].sort()).toEqual([...input.nonPayers].sort());
    expect([...buyersOf(jobs, 'seller-label-accumulation')].sort()).toEqual([...input.labelled].sort());
    expect(await publishedTotal(w)).toBe(input.events.length);

    report({
      scenario: 'kafka broker restart',
      eventsIn: input.events.length,
      eventsAccounted: await committedTotal(w),
      duplicates: metric(text, 'vigil_detector_duplicate_events_total'),
      brokerDownMs: upAt - downAt,
      recoveryMs,
      rebalances: metric(text, 'vigil_detector_rebalances_total'),
    });
    await d.service.stop();
  });
});
