// Resuming a revision the engine was stopped in: the saved conversation goes on as the model's
// API accepts it (every tool call answered) and the model is told what happened.
import { describe, expect, it } from 'vitest';
import type { Transcript } from './dev-flow.ts';
import { resumeTranscript } from './dev-flow.ts';

const call = (id: string, name: string) => ({ id, type: 'function' as const, function: { name, arguments: '{}' } });

describe('resumeTranscript', () => {
  it('answers the calls a cut-off turn left open, the pending question as unanswered, and says the engine restarted', () => {
    const transcript: Transcript = {
      messages: [
        { role: 'system', content: 'system' },
        { role: 'user', content: 'Add a route' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [call('a', 'list_files'), call('b', 'write_file'), call('c', 'ask_user')],
        },
        { role: 'tool', tool_call_id: 'a', content: 'src/app.ts' },
      ],
      pendingAsk: 'c',
      turns: 1,
      activeMs: 1000,
    };
    resumeTranscript(transcript);
    expect(transcript.messages.slice(3)).toEqual([
      { role: 'tool', tool_call_id: 'a', content: 'src/app.ts' },
      { role: 'tool', tool_call_id: 'b', content: 'Not run: the engine stopped before this call.' },
      {
        role: 'tool',
        tool_call_id: 'c',
        content: expect.stringContaining('Not answered: the engine stopped before the user saw these questions'),
      },
      {
        role: 'user',
        content: expect.stringContaining('The engine stopped in the middle of this work and has been started again'),
      },
    ]);
    expect(transcript.pendingAsk).toBeNull();
  });

  it('adds only the note when the last turn completed', () => {
    const transcript: Transcript = {
      messages: [
        { role: 'assistant', content: null, tool_calls: [call('a', 'list_files')] },
        { role: 'tool', tool_call_id: 'a', content: 'src/app.ts' },
      ],
      pendingAsk: null,
      turns: 1,
      activeMs: 0,
    };
    resumeTranscript(transcript);
    expect(transcript.messages.map((m) => m.role)).toEqual(['assistant', 'tool', 'user']);
  });
});
