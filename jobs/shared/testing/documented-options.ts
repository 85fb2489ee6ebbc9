/** A check that a job's section of docs/jobs.md lists exactly its options, with their defaults. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type * as z from 'zod';
import { jobOptionList } from '../../../engine/cli/job-flags.js';

/**
 * @example
 * expectDocumentedOptions('viewer-sessions', ViewerSessionsOptions);
 */
export function expectDocumentedOptions(job: string, schema: z.ZodType): void {
  const doc = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'jobs.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith(job));
  expect(section, `docs/jobs.md has no section ${job}`).toBeDefined();
  const rows = [...section!.matchAll(/^\| `(--[a-z-]+)` \| ([^|]*) \|/gm)].map((m) => [m[1], m[2]!.trim()]);
  const options = jobOptionList(schema).map((o) => [o.flag, o.default === undefined ? '' : `\`${String(o.default)}\``]);
  expect(rows.map(([flag]) => flag).sort()).toEqual(options.map(([flag]) => flag).sort());
  for (const [flag, def] of options) if (def !== '') expect(rows).toContainEqual([flag, def]);
}
