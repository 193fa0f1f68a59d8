import { describe, expect, it } from 'vitest';
import { branchInfoSchema, initialChecks } from './branch-info.ts';

const record = {
  number: 2,
  parent: 1,
  commit: 'a'.repeat(40),
  createdAt: '2026-11-01T10:00:00.000Z',
  author: 'agent',
  devRevision: 1,
  message: 'm',
  status: 'built',
};

describe('branch records', () => {
  it('start with every check pending, the route checks among them', () => {
    expect(initialChecks()).toEqual({
      build: { status: 'pending' },
      typecheck: { status: 'pending' },
      tests: { status: 'pending' },
      routes: { status: 'pending' },
      schema: { status: 'pending' },
    });
  });

  it('still read when written before a check existed (no routes entry), and refuse unknown checks', () => {
    const old = branchInfoSchema.safeParse({
      ...record,
      checks: {
        build: { status: 'passed' },
        typecheck: { status: 'passed' },
        tests: { status: 'passed' },
        schema: { status: 'passed' },
      },
    });
    expect(old.success).toBe(true);
    expect(old.data?.checks.routes).toBeUndefined();
    expect(branchInfoSchema.safeParse({ ...record, checks: { lint: { status: 'passed' } } }).success).toBe(false);
  });
});
