/** One way a model package differs from the shape every model package shares. */
export interface ConformanceProblem {
  /** The file or folder at fault, relative to the package folder (`package.json`, `src/plugin.ts`, `src/mlp`). */
  file: string;
  /** What is wrong, naming the key or file involved. */
  problem: string;
  /** What to do about it. */
  fix: string;
}

/** What {@link checkModelPackage} found in one package. */
export interface ConformanceReport {
  /** Absolute path of the package folder. */
  packageDir: string;
  /** The name the package must have: `@pio/model-<folder>`. */
  expectedName: string;
  /** Every problem found; empty when the package conforms. */
  problems: ConformanceProblem[];
}

/**
 * A report as text: one line per problem, each with its file, what is wrong
 * and what to do. Used as the assertion message of the conformance suite.
 */
export function formatConformanceReport(report: ConformanceReport): string {
  if (report.problems.length === 0) return `${report.expectedName} (${report.packageDir}) conforms.`;
  const count = report.problems.length;
  const lines = report.problems.map((entry) => `  - ${entry.file}: ${entry.problem}\n    fix: ${entry.fix}`);
  return `${report.expectedName} (${report.packageDir}) has ${count} conformance problem${count === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}
