import { describe, expect, it } from 'vitest';
import { closedName, compareLogNames, parseLogName } from './file-names.ts';
import { LineSplitter, lineText, MAX_LINE_BYTES } from './line-text.ts';
import { Redactor } from './redact.ts';

describe('lines from bytes', () => {
  it('splits at newlines across chunks and keeps a line without an end for end()', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((b) => lines.push(b.toString()));
    splitter.push(Buffer.from('one\ntw'));
    splitter.push(Buffer.from('o\r\nthree'));
    expect(lines).toEqual(['one', 'two\r']);
    expect(splitter.pendingBytes).toBe(5);
    splitter.end();
    expect(lines.at(-1)).toBe('three');
  });

  it('passes a line longer than the bound on in pieces at character boundaries', () => {
    const pieces: Buffer[] = [];
    const splitter = new LineSplitter((b) => pieces.push(Buffer.from(b)));
    const line = Buffer.from('é'.repeat(MAX_LINE_BYTES)); // two bytes each
    for (let i = 0; i < line.length; i += 65_536) splitter.push(line.subarray(i, i + 65_536));
    splitter.push(Buffer.from('\n'));
    expect(pieces.length).toBe(2);
    expect(pieces.every((p) => p.length <= MAX_LINE_BYTES)).toBe(true);
    expect(pieces.map((p) => p.toString('utf8')).join('')).toBe('é'.repeat(MAX_LINE_BYTES));
  });

  it('keeps invalid UTF-8 and control characters, escaped', () => {
    expect(lineText(Buffer.from([0x61, 0xff, 0x62, 0xc3]))).toBe('a\\xffb\\xc3');
    expect(lineText(Buffer.from('\x1b[31mred\x1b[0m\tok\r'))).toBe('\\x1b[31mred\\x1b[0m\tok');
    expect(lineText(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\\xed\\xa0\\x80'); // a lone surrogate is not UTF-8
    expect(lineText(Buffer.from('naïve 日本 😀'))).toBe('naïve 日本 😀');
    expect(lineText(Buffer.from([0, 1, 2]))).toBe('\\x00\\x01\\x02');
  });
});

describe('file names', () => {
  it('round-trips, rounds to thousands and keeps two files of one second apart', () => {
    const at = new Date(Date.UTC(2026, 3, 4, 4, 25, 0));
    expect(closedName(9_612, at)).toBe('10k-20260404-042500.log');
    expect(closedName(4_499, at)).toBe('4k-20260404-042500.log');
    expect(closedName(10_000, at, 2)).toBe('10k-20260404-042500-2.log');
    expect(parseLogName('10k-20260404-042500.log')).toMatchObject({
      open: false,
      thousands: 10,
      startedAt: at,
      sequence: 1,
    });
    expect(parseLogName('open-20260404-042500-3.log')).toMatchObject({ open: true, startedAt: at, sequence: 3 });
    // Files of one second keep their order whatever their sizes.
    const names = [
      '19k-20260404-042500-2.log',
      '20k-20260404-042500.log',
      'open-20260404-042500-3.log',
      '1k-20260404-042459.log',
    ];
    expect(
      names
        .map(parseLogName)
        .sort((a, b) => compareLogNames(a!, b!))
        .map((n) => n!.name),
    ).toEqual([
      '1k-20260404-042459.log',
      '20k-20260404-042500.log',
      '19k-20260404-042500-2.log',
      'open-20260404-042500-3.log',
    ]);
    for (const bad of ['../x.log', '10k-2026-042500.log', 'open.log', '10k-20260404-042500.log/..'])
      expect(parseLogName(bad)).toBeUndefined();
  });
});

describe('redaction', () => {
  const redactor = new Redactor(['the-llm-key-value-123']);
  it.each([
    ['Authorization: Basic YWxpY2U6c2VjcmV0', 'YWxpY2U6c2VjcmV0'],
    ['cookie: session=abc123def456', 'abc123def456'],
    ['{"password":"hunter2hunter2"}', 'hunter2hunter2'],
    ['key sk-proj-AbCdEfGhIjKlMnOpQrStUv', 'sk-proj-AbCdEfGhIjKlMnOpQrStUv'],
    ['token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB', 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB'],
    ['aws AKIAIOSFODNN7EXAMPLE here', 'AKIAIOSFODNN7EXAMPLE'],
    [
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'dozjgNryP4J3jVmNHl0w5N',
    ],
    ['configured with the-llm-key-value-123', 'the-llm-key-value-123'],
  ])('hides %s', (input, secret) => {
    const out = redactor.redact(input);
    expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });
  it('leaves ordinary lines alone', () => {
    const ordinary = 'GET /notes/list-notes 200 1.2ms 312B 127.0.0.1 proxied';
    expect(redactor.redact(ordinary)).toBe(ordinary);
  });
});
