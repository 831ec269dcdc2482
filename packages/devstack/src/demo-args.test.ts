import { DemoUsageError, parseDemoArgs } from './demo-args';

describe('parseDemoArgs', () => {
  it('has defaults for a plain `npm run demo`', () => {
    expect(parseDemoArgs([])).toEqual({ seconds: 50, buyers: 1500, seed: '42', exit: false, help: false });
  });

  it('takes --name value and --name=value', () => {
    expect(parseDemoArgs(['--seconds', '20', '--buyers=800', '--seed', 'abc', '--exit'])).toEqual({
      seconds: 20,
      buyers: 800,
      seed: 'abc',
      exit: true,
      help: false,
    });
  });

  it.each([
    [['--seconds', 'fast'], /--seconds: expected a whole number \(got "fast"\)/],
    [['--seconds', '2'], /--seconds: must be at least 5/],
    [['--buyers', '1000000'], /--buyers: must be at most 100000/],
    [['--seed', 'a b'], /--seed: expected 1–64 letters/],
    [['--speed', '3'], /unknown flag --speed/],
    [['--seconds'], /--seconds needs a value/],
    [['--seconds', '--exit'], /--seconds needs a value/],
    [['--exit=yes'], /--exit takes no value/],
    [['--exit', '--exit'], /--exit given twice/],
    [['20'], /unexpected argument "20"/],
  ])('rejects %j with a message naming the flag', (argv, message) => {
    expect(() => parseDemoArgs(argv)).toThrow(DemoUsageError);
    expect(() => parseDemoArgs(argv)).toThrow(message);
  });
});
