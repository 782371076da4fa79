/**
 * The last line of `npm test` when tests were skipped: what, where, and how to run them. A test
 * that needs something the machine lacks (redis-server) is skipped with a note saying how to get
 * it (test/redis.ts); the rest of its file's tests are counted with it.
 */
import { relative } from "node:path";
import type { Reporter, TestCase, TestModule } from "vitest/node";

/** The note a skipped test was given (`context.skip(note)`), if any. */
function noteOf(test: TestCase): string | undefined {
  const result = test.result();
  return result.state === "skipped" ? result.note : undefined;
}

export default class SkippedReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const noted = new Map<string, { names: Set<string>; files: Set<string>; tests: number }>();
    const plain = { files: new Set<string>(), tests: 0 };
    for (const module of modules) {
      const file = relative(process.cwd(), module.moduleId);
      const skipped = [...module.children.allTests("skipped")];
      if (skipped.length === 0) continue;
      const notes = skipped.flatMap((test) => noteOf(test) ?? []);
      const note = notes[0];
      if (note === undefined) {
        plain.files.add(file);
        plain.tests += skipped.length;
        continue;
      }
      const entry = noted.get(note) ?? { names: new Set(), files: new Set(), tests: 0 };
      for (const test of skipped) if (noteOf(test) !== undefined) entry.names.add(test.name);
      entry.files.add(file);
      entry.tests += skipped.length;
      noted.set(note, entry);
    }
    const parts = [...noted].map(([note, { names, files, tests }]) => `${[...names].join(", ")} (${tests} test${tests === 1 ? "" : "s"} in ${[...files].join(", ")}): ${note}`);
    if (plain.tests > 0) parts.push(`${plain.tests} test${plain.tests === 1 ? "" : "s"} marked skip in ${[...plain.files].join(", ")}`);
    if (parts.length > 0) process.stdout.write(`\nSkipped: ${parts.join("; ")}.\n`);
  }
}
