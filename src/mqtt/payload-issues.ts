// Why a command payload was refused, in one line a user can act on. zod reports a union that
// matched no branch as a bare "Invalid input"; here the branch the payload came closest to
// speaks instead, or, when several come equally close, each of them.
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** One line describing every issue: `path: message`, separated by `; `. */
export function describeIssues(
  issues: readonly Issue[],
  prefix: readonly PropertyKey[] = [],
): string {
  return issues.map((issue) => describeIssue(issue, prefix)).join('; ');
}

function describeIssue(issue: Issue, prefix: readonly PropertyKey[]): string {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // A branch with a wrong key fails at once with several issues; the closest has fewest.
    const fewest = Math.min(...issue.errors.map((branch) => branch.length));
    const closest = issue.errors.filter((branch) => branch.length === fewest);
    if (closest.length === 1) return describeIssues(closest[0], path);
    return `one of: ${closest.map((branch) => `(${describeIssues(branch, path)})`).join(' or ')}`;
  }
  const at = path.length === 0 ? '' : `${path.map(String).join('.')}: `;
  return `${at}${issue.message}`;
}
