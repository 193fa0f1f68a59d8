// What is on screen follows the engine: its events say when something changed, and after a lost
// connection (when what changed meanwhile was never heard of) everything is read again.
import { useEffect } from 'react';
import { useActivity } from '../stores/activity-store.ts';
import { useBranches } from '../stores/branches-store.ts';
import { useGateways } from '../stores/gateways-store.ts';
import { useStatus } from '../stores/status-store.ts';
import { useWorkspace } from '../stores/workspace-store.ts';

const refreshStatus = () => void useStatus.getState().load(useWorkspace.getState().codebases.map((c) => c.name));

export function useEngineSync(): void {
  useEffect(() => useActivity.getState().connect(), []);
  useEffect(() => {
    void useWorkspace.getState().load();
    // The status bar's figures follow the codebases the workspace holds.
    const stopStatus = useWorkspace.subscribe((state, previous) => {
      if (state.codebases !== previous.codebases) refreshStatus();
    });
    const stopReconnect = useActivity.subscribe((state, previous) => {
      if (state.reconnections === previous.reconnections) return;
      void useWorkspace.getState().load();
      void useBranches.getState().refresh();
      void useGateways.getState().load();
    });
    const stopEvents = useActivity.subscribe((state, previous) => {
      const last = previous.events.at(-1);
      const fresh = state.events.slice(last ? state.events.lastIndexOf(last) + 1 : 0);
      for (const event of fresh) {
        if (event.type === 'codebase.added') void useWorkspace.getState().load();
        if (event.type === 'gateway.reloaded') void useGateways.getState().load();
        if (event.type === 'branch.created') {
          void useWorkspace.getState().load();
          void useBranches.getState().branchCreated(event.payload.codebase);
        }
        if (event.type === 'gateway.promoted' || event.type === 'branch.running') {
          void useGateways.getState().load();
          void useBranches.getState().refresh();
        }
        if (event.type === 'schema.checked' || event.type === 'schema.behind') void useBranches.getState().refresh();
        // A branch woke, slept or failed to wake (issue 21): its state in the lists follows.
        if (event.type === 'progress' && /^(wake|sleep):/.test(event.payload.task))
          void useBranches.getState().refresh();
        if (event.type === 'branch.running' || event.type === 'revision.ended' || event.type === 'gateway.promoted')
          refreshStatus();
      }
    });
    return () => {
      stopStatus();
      stopReconnect();
      stopEvents();
    };
  }, []);
}
