import type { PolicyIssue } from './policy.types';

/**
 * A YAML data file (a policy, country groups, a service's data set) that cannot be read, parsed or validated;
 * the message names each problem as `file:line:column: message (at /json/pointer)`.
 */
export class DataFileError extends Error {
  constructor(readonly issues: PolicyIssue[]) {
    super(
      issues
        .slice(0, 5)
        .map((i) => `${i.file}:${i.line}:${i.column}: ${i.message}${i.path ? ` (at ${i.path})` : ''}`)
        .join('\n') + (issues.length > 5 ? `\n(+${issues.length - 5} more)` : ''),
    );
    this.name = DataFileError.name;
  }
}
