// Settings: the AI provider, endpoint, model and budgets (ai/config.json, checked by the engine
// before it is written), "Test connection" (the engine asks the provider for one token), the key
// (kept by the desktop app in the system's encrypted storage, or in a browser by the engine, in its
// memory, for as long as it runs: a reload keeps it; never in the workspace or any file), and
// what the engine finds on this machine (Docker, PostgreSQL, Electron).
import { useCallback, useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorMessage, inDesktopWindow } from '../api.ts';
import { useDoctor } from '../stores/doctor-store.ts';
import { useWorkspace } from '../stores/workspace-store.ts';
import { ConnectionMessage, TestConnectionButton, useConnectionTest } from '../ui/connection-test.tsx';
import { DoctorPane } from './doctor-pane.tsx';

/** Where most people get a model: the endpoint and a model that works for this kind of work. */
export const PRESETS = [
  {
    name: 'OpenRouter',
    provider: 'openrouter',
    baseUrl: 'https://openrouter.ai/api/v1',
    model: 'anthropic/claude-sonnet-4',
  },
  { name: 'OpenAI', provider: 'openai', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4.1' },
  { name: 'Ollama', provider: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1', model: 'qwen2.5-coder:14b' },
  { name: 'llama.cpp', provider: 'llama.cpp', baseUrl: 'http://127.0.0.1:8080/v1', model: 'local' },
] as const;

const desktop = (globalThis as { branchyard?: { setKey(key: string): Promise<{ stored: boolean }> } }).branchyard;

export function SettingsPane() {
  const info = useWorkspace((s) => s.info);
  const load = useWorkspace((s) => s.load);
  const [keySource, setKeySource] = useState<'memory' | 'environment' | null>(null);
  const connection = useConnectionTest();
  const readKeySource = useCallback(
    () =>
      api.ai.keyStatus
        .query()
        .then((status) => setKeySource(status.source))
        .catch(() => setKeySource(null)),
    [],
  );
  const runDoctor = useDoctor((s) => s.run);
  const [form, setForm] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ text: string; failed: boolean } | null>(null);
  const [key, setKey] = useState('');
  // What the user has typed and not saved yet: the workspace's info is read again after many
  // actions (a codebase added, a switch), and must not overwrite it.
  const [dirty, setDirty] = useState(false);
  const edit = (changes: Record<string, string>) => {
    setDirty(true);
    setForm((current) => ({ ...current, ...changes }));
  };
  useEffect(() => {
    if (!info || dirty) return;
    const { ai } = info;
    setForm({
      provider: ai.provider,
      baseUrl: ai.baseUrl,
      model: ai.model,
      perRevisionUsd: String(ai.budget.perRevisionUsd),
      perMonthUsd: String(ai.budget.perMonthUsd),
      maxTurns: String(ai.budget.maxTurns),
      maxMinutes: String(ai.budget.maxMinutes),
    });
  }, [info, dirty]);
  useEffect(() => {
    void readKeySource();
  }, [readKeySource, info]);
  if (!info) return null;
  const field = (name: string, label: string, type = 'text') => (
    <label className="field">
      <span>{label}</span>
      <input
        className="input"
        name={name}
        type={type}
        step="any"
        value={form[name] ?? ''}
        onChange={(e) => edit({ [name]: e.target.value })}
      />
    </label>
  );
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const number = (name: string) => (form[name] === '' ? undefined : Number(form[name]));
    try {
      await api.workspace.setAi.mutate({
        provider: form.provider,
        baseUrl: form.baseUrl,
        model: form.model,
        budget: {
          perRevisionUsd: number('perRevisionUsd'),
          perMonthUsd: number('perMonthUsd'),
          maxTurns: number('maxTurns'),
          maxMinutes: number('maxMinutes'),
        },
      });
      setMessage({ text: 'Saved to ai/config.json.', failed: false });
      setDirty(false);
      await load();
      void runDoctor();
    } catch (error) {
      setMessage({ text: errorMessage(error), failed: true });
    }
  };
  const storeKey = async () => {
    if (!key) return;
    try {
      if (inDesktopWindow && desktop) {
        await desktop.setKey(key);
        setMessage({ text: 'Key stored in the system’s encrypted storage.', failed: false });
      } else {
        await api.ai.setKey.mutate({ key });
        setMessage({
          text: 'The engine holds the key in its memory until it stops: a reload keeps it, no file ever holds it.',
          failed: false,
        });
      }
      setKey('');
      await load();
      await readKeySource();
      // The checks below say whether the engine has a key: asked again now that it has.
      void runDoctor();
    } catch (error) {
      setMessage({ text: errorMessage(error), failed: true });
    }
  };
  // What the form says now, saved or not, and a key typed but not stored yet.
  const testConnection = () =>
    connection.test({ baseUrl: form.baseUrl || undefined, model: form.model || undefined, key: key || undefined });
  return (
    <section
      className="view settings scroll padded"
      aria-labelledby="settings-title"
      data-testid="settings"
      tabIndex={0}
    >
      <h2 id="settings-title">Settings</h2>
      <div className="toolbar presets" role="group" aria-label="Provider presets">
        <span className="muted">Presets:</span>
        {PRESETS.map((p) => (
          <button
            key={p.name}
            type="button"
            className="button small"
            onClick={() => edit({ provider: p.provider, baseUrl: p.baseUrl, model: p.model })}
            data-testid={`preset-${p.provider}`}
          >
            {p.name}
          </button>
        ))}
      </div>
      <form onSubmit={(e) => void save(e)} className="settings-form">
        {field('provider', 'Provider')}
        {field('baseUrl', 'Base URL (OpenAI-compatible)')}
        {field('model', 'Model')}
        {field('perRevisionUsd', 'Budget per revision (USD)', 'number')}
        {field('perMonthUsd', 'Budget per month (USD)', 'number')}
        {field('maxTurns', 'Turns per revision', 'number')}
        {field('maxMinutes', 'Minutes per revision', 'number')}
        <div className="toolbar">
          <button type="submit" className="button primary">
            Save
          </button>
          <TestConnectionButton
            className="button"
            testing={connection.testing}
            onClick={() => void testConnection()}
            testId="test-connection"
          />
        </div>
        <ConnectionMessage result={connection.result} testId="connection-result" />
      </form>
      <h3 className="section-title">Key</h3>
      <p className="muted" data-testid="key-status">
        {keySource === 'memory'
          ? 'Key set: the engine holds it in its memory until it stops (never in a file).'
          : info.ai.hasKey
            ? `Key set: the engine has it in ${info.ai.keyEnv}.`
            : `No key: set ${info.ai.keyEnv} where the engine runs, or enter it here.`}
      </p>
      <div className="toolbar">
        <input
          className="input"
          aria-label="API key"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          placeholder="sk-…"
        />
        <button type="button" className="button" onClick={() => void storeKey()} disabled={!key}>
          {inDesktopWindow ? 'Store the key' : 'Give the key to the engine'}
        </button>
      </div>
      {message && (
        <p
          className={message.failed ? 'error' : 'muted'}
          role={message.failed ? 'alert' : 'status'}
          data-testid="settings-message"
        >
          {message.text}
        </p>
      )}
      <DoctorPane />
    </section>
  );
}
