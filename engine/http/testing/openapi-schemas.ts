/**
 * The JSON Schemas in docs/openapi/*.yaml that the code's zod schemas define (request bodies and
 * query strings), derived with `z.toJSONSchema` so the documents cannot drift from what the servers
 * accept; engine/http/openapi.test.ts fails when they differ. After changing one of these zod
 * schemas, rewrite the documents:
 *
 *   npx tsc -p tsconfig.json && node dist/engine/http/testing/openapi-schemas.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import * as z from 'zod';
import * as clusterServer from '../../cluster/cluster-server.js';
import { SubmitBody, SubmitRunnerOptions } from '../../cluster/submit-request.js';
import { DeadLettersQuery } from '../../console/runner-console.js';
import * as runnerServer from '../../runtime/runner-server.js';

// From engine/http/testing, or dist/engine/http/testing once built: the repository's docs either way.
const root = join(dirname(fileURLToPath(import.meta.url)), ...(import.meta.url.includes('/dist/') ? ['..', '..', '..', '..'] : ['..', '..', '..']));
export const OPENAPI_DIR = join(root, 'docs', 'openapi');

/** Each document, and the zod schemas behind its `components.schemas` of the same names. */
export const DERIVED: Record<'runner' | 'job-manager', Record<string, z.ZodType>> = {
  runner: { StopBody: runnerServer.StopBody, SavepointBody: runnerServer.SavepointBody, DeadLettersQuery },
  'job-manager': { SubmitBody, SubmitRunnerOptions, StopBody: clusterServer.StopBody, SavepointBody: clusterServer.SavepointBody },
};

/**
 * A zod schema as the document holds it: what a client may send (`io: 'input'`: before defaults
 * and transforms), without `$schema` (the document's `jsonSchemaDialect` says 2020-12).
 *
 * @example
 * derivedSchema(z.strictObject({ directory: z.string() })); // { type: 'object', properties: { directory: { type: 'string' } }, required: ['directory'], additionalProperties: false }
 */
export function derivedSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return rest;
}

/**
 * Rewrites the derived schemas in each document, each on its own line as JSON (valid YAML), and
 * leaves every other byte as written by hand.
 */
export function writeDerivedSchemas(dir = OPENAPI_DIR): void {
  for (const [name, schemas] of Object.entries(DERIVED)) {
    const file = join(dir, `${name}.yaml`);
    let text = readFileSync(file, 'utf8');
    const doc = parseDocument(text);
    const spans = Object.entries(schemas).map(([key, schema]) => {
      const node = doc.getIn(['components', 'schemas', key], true) as { range?: [number, number, number] } | undefined;
      if (!node?.range) throw new Error(`${file}: no components.schemas.${key} to derive into`);
      return { from: node.range[0], to: node.range[1], json: JSON.stringify(derivedSchema(schema)) };
    });
    for (const s of spans.sort((a, b) => b.from - a.from)) text = text.slice(0, s.from) + s.json + text.slice(s.to);
    writeFileSync(file, text);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) writeDerivedSchemas();
