import { parseArgs, UsageError } from './cli-args';

describe('key CLI arguments', () => {
  it('parses create, revoke and list', () => {
    expect(parseArgs(['create', '--role', 'seller', '--seller', 's-1', '--label', 'shop'])).toEqual({
      command: 'create',
      role: 'seller',
      sellerId: 's-1',
      label: 'shop',
    });
    expect(parseArgs(['create', '--role=ops'])).toEqual({ command: 'create', role: 'ops', label: '' });
    expect(parseArgs(['revoke', '--id', '12'])).toEqual({ command: 'revoke', id: '12' });
    expect(parseArgs(['list'])).toEqual({ command: 'list' });
  });

  it.each([
    [['create', '--role', 'admin'], '--role'],
    [['create', '--role', 'seller'], '--seller'],
    [['create', '--role', 'ops', '--seller', 's'], '--seller'],
    [['create', '--role', 'ops', '--colour', 'red'], '--colour'],
    [['create', '--role'], '--role'],
    [['revoke', '--id', 'abc'], '--id'],
    [['revoke'], '--id'],
  ])('%j fails naming %s', (argv, flag) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(flag);
  });

  it('names an unknown command', () => {
    expect(() => parseArgs(['delete'])).toThrow('"delete"');
  });
});
