import { connect, createServer, type Server, type Socket } from 'node:net';
import { encodeEvent, type Suspicion, TOPICS } from '@vigil/events';
import { createDetectorCore, defaultRulesConfig } from '@vigil/rules';
import { testRedisUrl, uniqueName, waitFor } from '@vigil/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bulkNonPaymentAbuse } from './scenarios';
import { metricValue, TestWorld } from './support';

/** A TCP proxy to Redis that a test can cut and restore, to make a real outage. */
class RedisProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  private readonly upstream = new URL(testRedisUrl());

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.upstream.port || 6379), this.upstream.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address && typeof address === 'object') this.port = address.port;
    this.server = server;
  }

  /** Stops accepting and drops every open connection. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

// A real Redis outage under the real rule engine and BullMQ: the detector commits nothing, reports
// not ready, does not crash, and processes every event once Redis is back.
describe('detector during a Redis outage (real rule engine)', () => {
  const world = new TestWorld();
  const proxy = new RedisProxy();
  let redis: Redis;
  let queueRedis: Redis;
  let queue: Queue<Suspicion>;
  const keyPrefix = uniqueName('vigil_outage');

  beforeAll(async () => {
    await world.setup();
    await proxy.start();
    const viaProxy = () =>
      new Redis({ host: '127.0.0.1', port: proxy.port, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    redis = viaProxy();
    queueRedis = viaProxy();
    // Connection errors while the proxy is cut are expected; the detector reports them.
    redis.on('error', () => undefined);
    queueRedis.on('error', () => undefined);
    queue = new Queue<Suspicion>(world.queueName, { connection: queueRedis, prefix: world.bullPrefix });
    queue.on('error', () => undefined);
  });

  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await world.redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await world.redis.unlink(...keys);
    } while (cursor !== '0');
    await world.close(); // stops the detector first
    await queue.close();
    redis.disconnect();
    queueRedis.disconnect();
    await proxy.cut();
  });

  it('holds offsets while Redis is away and processes every event after it returns', async () => {
    const fatal: unknown[] = [];
    const processor = createDetectorCore({ redis, config: defaultRulesConfig(), keyPrefix });
    const { detector, registry } = await world.detector({
      processor,
      queue,
      onFatal: (err) => fatal.push(err),
      queueTimeoutMs: 2000,
    });
    await waitFor(() => detector.readiness().ready, { description: 'detector ready' });

    await proxy.cut();
    const { buyerId, events } = bulkNonPaymentAbuse(uniqueName('outage'));
    for (const e of events) await world.send(TOPICS.orders, [{ key: e.buyerId, value: encodeEvent(e) }]);

    await waitFor(
      async () =>
        (await metricValue(registry, 'vigil_detector_processing_errors_total', { retriable: 'true' })) >= 2,
      { description: 'retried failures' },
    );
    expect(detector.readiness().ready).toBe(false);
    expect(await world.committed(TOPICS.orders)).toBe(0);
    expect(fatal).toEqual([]);

    await proxy.start();
    await waitFor(async () => (await world.committed(TOPICS.orders)) === events.length, {
      description: 'all events committed after recovery',
      timeoutMs: 60000,
    });
    expect(fatal).toEqual([]);
    const jobs = await world.queue.getJobs(['waiting', 'delayed', 'prioritized', 'completed', 'failed']);
    const fired = jobs.filter(
      (j) => j.data.ruleId === 'bulk-non-payment' && j.data.buyerIds.includes(buyerId),
    );
    expect(fired).toHaveLength(1);
    await waitFor(() => detector.readiness().ready, { description: 'ready again' });
    expect(
      await metricValue(registry, 'vigil_detector_processing_errors_total', { retriable: 'false' }),
    ).toBe(0);
  });
});
