import { parseArgs, UsageError } from './args';

describe('parseArgs', () => {
  it('has the documented defaults and produces to Kafka when no file is given', () => {
    const o = parseArgs([], {});
    expect(o).toMatchObject({
      seed: '1',
      buyers: 2000,
      sellers: 200,
      days: 30,
      abusiveRate: 0.03,
      rate: 'max',
      kafka: true,
      brokers: ['127.0.0.1:9092'],
      batchSize: 500,
    });
    expect(o.end).toBeUndefined();
  });

  it('writes only the file when --out is given, unless --kafka is asked for too', () => {
    expect(parseArgs(['--out', 'e.jsonl'], {}).kafka).toBe(false);
    expect(parseArgs(['--out', 'e.jsonl', '--kafka'], {}).kafka).toBe(true);
    expect(parseArgs(['--no-kafka', '--truth', 't.jsonl'], {}).kafka).toBe(false);
  });

  it('parses every flag, in both --flag value and --flag=value forms', () => {
    const o = parseArgs(
      [
        '--seed=abc',
        '--buyers',
        '50',
        '--sellers=12',
        '--days',
        '7.5',
        '--end',
        '2026-11-26T00:00:00Z',
        '--abusive-rate',
        '0.2',
        '--rate',
        '250',
        '--out',
        'e.jsonl',
        '--truth',
        't.jsonl',
        '--kafka',
        '--brokers',
        'a:1, b:2',
        '--topic-prefix',
        'demo.',
        '--duration',
        '30',
        '--batch-size',
        '100',
      ],
      {},
    );
    expect(o).toEqual({
      help: false,
      seed: 'abc',
      buyers: 50,
      sellers: 12,
      days: 7.5,
      end: new Date('2026-11-26T00:00:00Z'),
      abusiveRate: 0.2,
      rate: 250,
      out: 'e.jsonl',
      truth: 't.jsonl',
      kafka: true,
      brokers: ['a:1', 'b:2'],
      topicPrefix: 'demo.',
      duration: 30,
      batchSize: 100,
    });
  });

  it('takes brokers from KAFKA_BROKERS when --brokers is absent', () => {
    expect(parseArgs([], { KAFKA_BROKERS: 'k1:9092,k2:9092' }).brokers).toEqual(['k1:9092', 'k2:9092']);
  });

  it.each([
    [['--rate', 'fast'], /invalid flag --rate: expected a positive number or 'max' \(got "fast"\)/],
    [['--buyers', '0'], /invalid flag --buyers: must be at least 1/],
    [['--buyers', '1.5'], /invalid flag --buyers: expected a whole number/],
    [['--sellers', '3'], /invalid flag --sellers: must be at least 10/],
    [['--abusive-rate', '1.5'], /invalid flag --abusive-rate/],
    [['--end', 'yesterday'], /invalid flag --end: expected an ISO-8601 instant/],
    [['--brokers', 'nohost'], /invalid flag --brokers: expected host:port/],
    [['--duration', '-1'], /invalid flag --duration/],
    [['--days', '0'], /invalid flag --days/],
    [['--topic-prefix', 'a b'], /invalid flag --topic-prefix/],
    [['--bogus'], /unknown flag --bogus/],
    [['--out'], /flag --out needs a value/],
    [['--seed', '1', '--seed', '2'], /flag --seed given twice/],
    [['--kafka=yes'], /flag --kafka takes no value/],
    [['stray'], /unexpected argument "stray"/],
    [['--no-kafka'], /nothing to do/],
    [['--replay', 'e.jsonl', '--truth', 't.jsonl'], /--truth cannot be used with --replay/],
  ])('rejects %j naming the problem', (argv, message) => {
    expect(() => parseArgs(argv as string[], {})).toThrow(UsageError);
    expect(() => parseArgs(argv as string[], {})).toThrow(message as RegExp);
  });

  it('names KAFKA_BROKERS when the environment default is bad', () => {
    expect(() => parseArgs([], { KAFKA_BROKERS: 'oops' })).toThrow(/--brokers.*KAFKA_BROKERS="oops"/);
  });
});
