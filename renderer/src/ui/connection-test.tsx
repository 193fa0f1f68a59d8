// "Test connection", as Settings and the first run both offer it: the provider is asked for one
// token with the endpoint, model and key the caller passes, and the answer is said under it.
import { PlugZap } from 'lucide-react';
import { useState } from 'react';
import { api, errorMessage } from '../api.ts';

type Target = Parameters<typeof api.ai.testConnection.mutate>[0];
export interface ConnectionResult {
  ok: boolean;
  message: string;
}

/** The test's state: whether it runs, how the last one went, and how to run or forget one. */
export function useConnectionTest() {
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<ConnectionResult | null>(null);
  const test = async (target: Target) => {
    setTesting(true);
    setResult(null);
    try {
      setResult(await api.ai.testConnection.mutate(target));
    } catch (error) {
      setResult({ ok: false, message: errorMessage(error) });
    } finally {
      setTesting(false);
    }
  };
  return { testing, result, test, clear: () => setResult(null) };
}

export function TestConnectionButton(props: {
  testing: boolean;
  disabled?: boolean;
  onClick: () => void;
  className: string;
  testId: string;
}) {
  return (
    <button
      type="button"
      className={props.className}
      onClick={props.onClick}
      disabled={props.testing || props.disabled}
      data-testid={props.testId}
    >
      <PlugZap size={14} aria-hidden /> {props.testing ? 'Testing…' : 'Test connection'}
    </button>
  );
}

export function ConnectionMessage({ result, testId }: { result: ConnectionResult | null; testId: string }) {
  if (!result) return null;
  return (
    <p className={result.ok ? 'good' : 'error'} role={result.ok ? 'status' : 'alert'} data-testid={testId}>
      {result.message}
    </p>
  );
}
