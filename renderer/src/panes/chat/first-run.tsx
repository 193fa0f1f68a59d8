// The first screen of an empty thread: what is set up and what is left, in order (the workspace,
// a codebase, a model and its key, with the provider presets and a "Test connection"), then
// prompts to start from. Each step says how to do it here.
import { CircleCheck, CircleDashed, Sparkles } from 'lucide-react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorMessage } from '../../api.ts';
import { useChat } from '../../stores/chat-store.ts';
import { useDoctor } from '../../stores/doctor-store.ts';
import { useLayout } from '../../stores/layout-store.ts';
import { useWorkspace } from '../../stores/workspace-store.ts';
import { ConnectionMessage, TestConnectionButton, useConnectionTest } from '../../ui/connection-test.tsx';
import { PRESETS } from '../settings-pane.tsx';

const SUGGESTED = [
  'Add a route that lists users with pagination',
  'Add a health check route that reports the version',
  'Add a route that creates a note with a title and a body, and validates both',
];

function Step({ done, title, children }: { done: boolean; title: string; children?: React.ReactNode }) {
  return (
    <li className={`first-run-step${done ? ' done' : ''}`}>
      {done ? (
        <CircleCheck size={16} className="good" aria-label="done" />
      ) : (
        <CircleDashed size={16} className="muted" aria-label="to do" />
      )}
      <div>
        <strong>{title}</strong>
        {children}
      </div>
    </li>
  );
}

export function FirstRun() {
  const info = useWorkspace((s) => s.info);
  const codebases = useWorkspace((s) => s.codebases);
  const load = useWorkspace((s) => s.load);
  const setDraft = useChat((s) => s.setDraft);
  const show = useLayout((s) => s.show);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const hasKey = Boolean(info?.ai.hasKey);
  const add = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api.codebase.add.mutate({ name: name.trim() });
      setName('');
      setError(null);
      await load();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <div className="chat-empty first-run" data-testid="first-run">
      <p className="chat-empty-title">What should the API do?</p>
      <p className="muted">Each prompt becomes a new branch of the codebase, built and running beside the others.</p>
      <ol className="list first-run-steps">
        <Step done={Boolean(info)} title={`Workspace${info ? ` ${info.name}` : ''}`} />
        <Step
          done={codebases.length > 0}
          title={
            codebases.length
              ? `Codebase${codebases.length > 1 ? 's' : ''} ${codebases.map((c) => c.name).join(', ')}`
              : 'A codebase'
          }
        >
          {codebases.length === 0 && (
            <form className="first-run-form" onSubmit={(e) => void add(e)}>
              <input
                className="input"
                aria-label="Codebase name"
                placeholder="users"
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
              <button type="submit" className="button small" disabled={!name.trim()}>
                Add
              </button>
              {error && <p className="error">{error}</p>}
            </form>
          )}
        </Step>
        <Step done={hasKey} title={info ? `Model ${info.ai.model}` : 'A model'}>
          <p className="muted first-run-detail">
            {info?.ai.baseUrl} · {hasKey ? 'key set' : 'no key yet'}{' '}
            <button type="button" className="link-button" onClick={() => show('settings')}>
              {hasKey ? 'Change' : 'Set the key'}
            </button>
          </p>
          <Provider />
        </Step>
      </ol>
      <p className="muted first-run-try">
        <Sparkles size={14} aria-hidden /> Try:
      </p>
      <div className="first-run-prompts">
        {SUGGESTED.map((p) => (
          <button key={p} type="button" className="button small suggestion" onClick={() => setDraft(p)}>
            {p}
          </button>
        ))}
      </div>
    </div>
  );
}

/**
 * The providers most people use, one click each: a preset is written to ai/config.json ("Use"),
 * and "Test connection" asks the provider for one token with the endpoint and model shown (the
 * chosen preset's, or the workspace's) and the key the engine holds, as Settings does.
 */
function Provider() {
  const info = useWorkspace((s) => s.info);
  const load = useWorkspace((s) => s.load);
  const runDoctor = useDoctor((s) => s.run);
  const [choice, setChoice] = useState<(typeof PRESETS)[number] | null>(null);
  const connection = useConnectionTest();
  const [saveError, setSaveError] = useState<string | null>(null);
  const target = choice ?? (info ? { baseUrl: info.ai.baseUrl, model: info.ai.model } : null);
  const use = async () => {
    if (!choice) return;
    try {
      await api.workspace.setAi.mutate({ provider: choice.provider, baseUrl: choice.baseUrl, model: choice.model });
      setChoice(null);
      setSaveError(null);
      await load();
      void runDoctor();
    } catch (error) {
      setSaveError(errorMessage(error));
    }
  };
  return (
    <div className="first-run-provider" data-testid="first-run-provider">
      <div className="toolbar presets" role="group" aria-label="Provider presets">
        {PRESETS.map((p) => (
          <button
            key={p.name}
            type="button"
            className="button small"
            aria-pressed={choice?.name === p.name}
            onClick={() => {
              setChoice(choice?.name === p.name ? null : p);
              connection.clear();
            }}
          >
            {p.name}
          </button>
        ))}
      </div>
      {choice && (
        <p className="muted first-run-detail" data-testid="first-run-choice">
          {choice.baseUrl} · {choice.model}
        </p>
      )}
      <div className="toolbar">
        <TestConnectionButton
          className="button small"
          testing={connection.testing}
          disabled={!target}
          onClick={() => target && void connection.test({ baseUrl: target.baseUrl, model: target.model })}
          testId="first-run-test-connection"
        />
        {choice && (
          <button type="button" className="button small primary" onClick={() => void use()}>
            Use {choice.name}
          </button>
        )}
      </div>
      <ConnectionMessage result={connection.result} testId="first-run-connection" />
      {saveError && (
        <p className="error" role="alert">
          {saveError}
        </p>
      )}
    </div>
  );
}
