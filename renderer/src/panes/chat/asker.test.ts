import { describe, expect, it } from 'vitest';
import type { Step } from '../../stores/chat-store.ts';
import { askerTitle } from './asker.ts';

const ask = (role?: Step['role']): Step => ({ kind: 'tool', tool: 'ask_user', ok: true, summary: '', role });
const text = (role?: Step['role']): Step => ({ kind: 'text', text: 'Thinking', role });

describe('the reply card names who asks', () => {
  it('names the product owner when it asked, from the engine’s record of the question', () => {
    expect(askerTitle({ messageRole: 'product-owner', steps: [], live: [] })).toBe('The product owner asks');
  });

  it('names the product owner from its ask_user call when the record does not say', () => {
    expect(askerTitle({ steps: [text('product-owner'), ask('product-owner')], live: [] })).toBe(
      'The product owner asks',
    );
  });

  it('names the developer when it asked after the product owner refined the request', () => {
    expect(askerTitle({ steps: [ask('product-owner'), text('developer')], live: [ask('developer')] })).toBe(
      'The developer asks',
    );
  });

  it('keeps "The agent asks" where only the developer took part, or the role is unknown', () => {
    expect(askerTitle({ messageRole: 'developer', steps: [ask('developer')], live: [] })).toBe('The agent asks');
    expect(askerTitle({ steps: [ask()], live: [] })).toBe('The agent asks');
  });
});
