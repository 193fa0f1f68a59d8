// `owner/repo#n`, as `branchyard issue` takes it (and GitHub writes it).
import { BranchyardError } from '../errors/index.ts';

export function parseIssueRef(text: string): { repository: string; number: number } {
  const match = /^([\w.-]+\/[\w.-]+)#(\d+)$/.exec(text.trim());
  if (!match)
    throw new BranchyardError(
      'InvalidInputError',
      `"${text}" is not an issue: expected owner/repo#number, e.g. acme/shop-api#12`,
    );
  return { repository: match[1]!, number: Number(match[2]) };
}
