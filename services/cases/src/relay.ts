import { OUTBOX_DESTINATIONS } from '@vigil/cases';
import type { Logger } from '@vigil/common';
import { SELLER_ALERT_JOB_OPTIONS, SellerAlertJob } from '@vigil/events';
import type { Queue } from 'bullmq';
import type { Producer } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  pool: Pool;
  /** A connected kafkajs producer created with `idempotent: true` (acks all). */
  producer: Producer;
  /** The seller-alerts queue (BullMQ). */
  alertsQueue: Queue;
  /** Kafka topic of each Kafka destination. */
  topics: { enforcement: string; sellerRelief: string };
  logger: Logger;
  registry: Registry;
  /** Rows per transaction. Default 50. */
  batchSize?: number;
  /** Idle wait between polls when the outbox is empty. Default 500 ms. */
  pollMs?: number;
  /**
   * Test hook run after a batch is published and before it is marked published; throwing here
   * is a crash between the two steps (the rows stay unpublished and are sent again).
   */
  afterPublish?: (ids: string[]) => void | Promise<void>;
}

interface Row {
  id: string;
  kind: string;
  destination: string;
  key: string;
  payload: unknown;
}

/**
 * Publishes outbox rows: a small batch is locked with FOR UPDATE SKIP LOCKED (relays on several
 * processes share the work), Kafka rows go out through the idempotent producer with acks=all, queue
 * rows are added with their deterministic job id, then the rows are marked published in the same
 * transaction. A crash between publish and mark sends the same ids again (consumers dedupe on the
 * id, BullMQ ignores an existing job id): nothing is lost, duplicates carry identical ids.
 */
export class OutboxRelay {
  private readonly o: Required<Omit<OutboxRelayOptions, 'afterPublish'>> &
    Pick<OutboxRelayOptions, 'afterPublish'>;
  private readonly log: Logger;
  private readonly pending: Gauge;
  private readonly oldest: Gauge;
  private readonly published: Counter<'destination'>;
  private readonly failures: Counter;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(options: OutboxRelayOptions) {
    this.o = { batchSize: 50, pollMs: 500, ...options };
    this.log = options.logger.child({ component: 'outbox-relay' });
    const registers = [options.registry];
    this.pending = new Gauge({
      name: 'vigil_outbox_pending',
      help: 'Outbox rows not yet published',
      registers,
    });
    this.oldest = new Gauge({
      name: 'vigil_outbox_oldest_age_seconds',
      help: 'Age of the oldest unpublished outbox row (0 when none)',
      registers,
    });
    this.published = new Counter({
      name: 'vigil_outbox_published_total',
      help: 'Outbox rows published (a row republished after a crash counts again)',
      labelNames: ['destination'] as const,
      registers,
    });
    this.failures = new Counter({
      name: 'vigil_outbox_publish_failures_total',
      help: 'Relay batches that failed and were rolled back (retried on the next poll)',
      registers,
    });
  }

  /** Starts polling in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the batch in flight; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sent = 0;
      try {
        sent = await this.runOnce();
      } catch (err) {
        this.failures.inc();
        this.log.error({ err }, 'outbox batch failed; will retry');
      }
      await this.refreshGauges().catch((err: unknown) =>
        this.log.warn({ err }, 'outbox gauges not refreshed'),
      );
      if (sent < this.o.batchSize && this.running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.o.pollMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }

  /** Publishes one batch; returns how many rows were published and marked. */
  async runOnce(): Promise<number> {
    const client = await this.o.pool.connect();
    let broken = false;
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const rows = (
        await client.query<Row>(
          `SELECT id, kind, destination, key, payload FROM outbox WHERE published_at IS NULL AND last_error IS NULL
           ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [this.o.batchSize],
        )
      ).rows;
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const sent = await this.publish(client, rows);
      if (this.o.afterPublish) await this.o.afterPublish(sent);
      await client.query(
        `UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1::uuid[])`,
        [sent],
      );
      await client.query('COMMIT');
      return sent.length;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  private async publish(client: PoolClient, rows: Row[]): Promise<string[]> {
    const sent: string[] = [];
    const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
    const kafkaIds: string[] = [];
    const alerts: Row[] = [];
    for (const row of rows) {
      const topic =
        row.kind === 'kafka' && row.destination === OUTBOX_DESTINATIONS.enforcement.destination
          ? this.o.topics.enforcement
          : row.kind === 'kafka' && row.destination === OUTBOX_DESTINATIONS.sellerRelief.destination
            ? this.o.topics.sellerRelief
            : undefined;
      if (topic) {
        const list = byTopic.get(topic) ?? [];
        list.push({
          key: row.key,
          value: JSON.stringify(row.payload),
          headers: { 'vigil-event-id': row.id },
        });
        byTopic.set(topic, list);
        kafkaIds.push(row.id);
      } else if (row.kind === 'queue' && row.destination === OUTBOX_DESTINATIONS.sellerAlerts.destination) {
        alerts.push(row);
      } else {
        await this.markBad(client, row, `unknown destination ${row.kind}/${row.destination}`);
      }
    }
    if (byTopic.size > 0) {
      await this.o.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      sent.push(...kafkaIds);
      for (const [topic, messages] of byTopic) this.published.inc({ destination: topic }, messages.length);
    }
    for (const row of alerts) {
      // Rows are ours, but what comes back from storage is parsed before it goes anywhere.
      const job = SellerAlertJob.safeParse(row.payload);
      if (!job.success) {
        await this.markBad(client, row, `invalid seller alert: ${job.error.message}`);
        continue;
      }
      // Same job id again (a republish) is a no-op in BullMQ while the job is kept.
      await this.o.alertsQueue.add('seller-alert', job.data, { ...SELLER_ALERT_JOB_OPTIONS, jobId: row.key });
      sent.push(row.id);
      this.published.inc({ destination: this.o.alertsQueue.name });
    }
    return sent;
  }

  // A row the relay cannot publish stays unpublished with its error (so it no longer blocks the
  // batch, still counts as pending, and an operator can fix it and clear last_error to replay it).
  private async markBad(client: PoolClient, row: Row, reason: string): Promise<void> {
    this.log.error(
      { outboxId: row.id, kind: row.kind, destination: row.destination, reason },
      'unpublishable outbox row',
    );
    await client.query('UPDATE outbox SET last_error = $2 WHERE id = $1', [row.id, reason]);
  }

  /** Updates the pending and oldest-age gauges from the table. */
  async refreshGauges(): Promise<void> {
    const r = await this.o.pool.query<{ n: string; age: number | null }>(
      `SELECT count(*) AS n, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age
       FROM outbox WHERE published_at IS NULL`,
    );
    this.pending.set(Number(r.rows[0]?.n ?? 0));
    this.oldest.set(Math.max(0, r.rows[0]?.age ?? 0));
  }
}
