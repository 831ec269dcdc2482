import { parseReplayArgs } from './replay-cli';

describe('replay flags', () => {
  it('takes a timestamp or an offset, with defaults for the rest', () => {
    const o = parseReplayArgs(['--from-timestamp', '2026-11-20T00:00:00Z', '--group', 'g-1']);
    expect(o).toMatchObject({
      fromTimestamp: '2026-11-20T00:00:00Z',
      group: 'g-1',
      httpPort: 9465,
      force: false,
    });
    expect(parseReplayArgs(['--from-offset', 'earliest']).fromOffset).toBe('earliest');
    expect(parseReplayArgs(['--from-offset', '42']).fromOffset).toBe(42);
    expect(parseReplayArgs(['--from-offset', '0']).group).toMatch(/^vigil-replay-\d+$/);
  });
  it.each([
    [[], /--from-timestamp: give exactly one/],
    [['--from-timestamp', '2026-11-20T00:00:00Z', '--from-offset', '1'], /give exactly one/],
    [['--from-timestamp', 'yesterday'], /--from-timestamp/],
    [['--from-offset', '-1'], /--from-offset/],
    [['--from-offset', '1', '--group', 'a:b'], /--group/],
    [['--from-offset', '1', '--brokers', 'nohost'], /--brokers/],
    [['--from-offset', '1', '--http-port', '70000'], /--http-port/],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => parseReplayArgs(argv as string[])).toThrow(message);
  });
  it('rejects unknown flags', () => {
    expect(() => parseReplayArgs(['--from-offset', '1', '--frm', 'x'])).toThrow(/frm/);
  });
});
