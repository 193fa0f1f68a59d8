// Who asks the question a revision waits on: with two roles (issue 22) the product owner asks
// while it refines the request and the developer while it builds, and the reply card says which.
import type { Revision, Step } from '../../stores/chat-store.ts';

type Role = NonNullable<Step['role']>;

/**
 * The reply card's title. The role is the one the engine recorded with the question (the
 * revision's last response), else the role of the last `ask_user` call in its steps; a revision
 * where only the developer took part keeps the plain "The agent asks".
 */
export function askerTitle(revision: Pick<Revision, 'messageRole' | 'steps' | 'live'>): string {
  const steps = [...revision.steps, ...revision.live];
  const asked = steps.findLast((s) => s.kind === 'tool' && s.tool === 'ask_user');
  const role: Role | undefined = revision.messageRole ?? asked?.role;
  if (role === 'product-owner') return 'The product owner asks';
  if (role === 'developer' && steps.some((s) => s.role === 'product-owner')) return 'The developer asks';
  return 'The agent asks';
}
