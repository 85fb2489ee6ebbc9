/**
 * docs/openapi/*.yaml stay true to the servers: each is structurally valid OpenAPI 3.1 with every
 * `$ref` resolving; every documented operation is a route of its server, answering one of its
 * documented statuses with a documented media type; every route the server answers is documented
 * (found by probing both servers, started with stand-ins, with every method on each documented
 * path and on its variants: each literal segment swapped for, or followed by, a word of either
 * document or of the server's own "no route … try …" hints); and the schemas derived from zod equal
 * what `z.toJSONSchema` makes of those schemas now.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRouteMiss, JOB_ID, probe, startApiServers, type Answer } from './testing/api-servers.js';
import { METHODS, OpenApiFile, type Operation } from './testing/openapi-document.js';
import { DERIVED, derivedSchema, OPENAPI_DIR } from './testing/openapi-schemas.js';

const docs = { runner: new OpenApiFile(join(OPENAPI_DIR, 'runner.yaml')), 'job-manager': new OpenApiFile(join(OPENAPI_DIR, 'job-manager.yaml')) };
let servers: Awaited<ReturnType<typeof startApiServers>>;
beforeAll(async () => void (servers = await startApiServers()));
afterAll(() => servers.close());

const base = (name: keyof typeof docs): string => (name === 'runner' ? servers.runner : servers.jobManager);
const concrete = (path: string): string => path.replace('{id}', JOB_ID).replace('{module}', 'main.js');
// The servers take a path with trailing slashes as the path without them (but `/ui/` is the page).
const templateOf = (path: string): RegExp => new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}${path.endsWith('/') ? '' : '/*'}$`);

/** Requests in small batches: many at once would only queue in the servers. */
async function probeAll(name: keyof typeof docs, requests: { method: string; path: string; body?: unknown }[]): Promise<(Answer & { method: string; path: string })[]> {
  const answers: (Answer & { method: string; path: string })[] = [];
  for (let i = 0; i < requests.length; i += 16) {
    answers.push(...(await Promise.all(requests.slice(i, i + 16).map(async (r) => ({ ...r, ...(await probe(base(name), r.method, r.path, r.body)) })))));
  }
  return answers;
}

function example(op: Operation): unknown {
  const content = (op.op.requestBody as { content?: Record<string, { example?: unknown }> } | undefined)?.content;
  return content?.['application/json']?.example ?? {};
}

describe.each(Object.keys(docs) as (keyof typeof docs)[])('docs/openapi/%s.yaml', (name) => {
  const api = docs[name];

  it('is structurally valid OpenAPI 3.1, and every $ref resolves', () => {
    expect([...api.structuralFaults(), ...api.danglingRefs().map((r) => `dangling $ref ${r}`)]).toEqual([]);
  });

  it('documents routes the server has, with the statuses and media types it answers', async () => {
    const ops = api.operations();
    const answers = await probeAll(name, ops.map((o) => ({ method: o.method, path: concrete(o.path), body: example(o) })));
    const wrong = answers.flatMap((a, i) => {
      const responses = ops[i]!.op.responses as Record<string, unknown>;
      const documented = responses[String(a.status)];
      if (isRouteMiss(a) || documented === undefined) return [`${a.method.toUpperCase()} ${a.path}: ${a.status} ${a.error ?? ''}`];
      const content = api.deref(documented).content as Record<string, unknown> | undefined;
      return content && !(a.type in content) ? [`${a.method.toUpperCase()} ${a.path}: ${a.type} is not documented for ${a.status}`] : [];
    });
    expect(wrong).toEqual([]);
  });

  it('leaves no route the server answers undocumented', async () => {
    const ops = api.operations();
    const hints = await probeAll(name, ['/no-such-route', '/v1/no-such-route', `/v1/jobs/${JOB_ID}/no-such-route`].flatMap((path) => ['get', 'post'].map((method) => ({ method, path }))));
    const words = new Set(Object.values(docs).flatMap((d) => d.operations().flatMap((o) => o.path.split('/').filter((s) => s !== '' && !s.startsWith('{')))));
    for (const h of hints) for (const w of h.error?.split('try ')[1]?.match(/[a-z][a-z0-9-]*/g) ?? []) words.add(w);
    const variants = new Set<string>();
    for (const { path } of ops) {
      const segments = path.split('/');
      variants.add(`${path.replace(/\/$/, '')}/{word}`);
      segments.forEach((s, i) => s !== '' && !s.startsWith('{') && variants.add(segments.map((t, j) => (j === i ? '{word}' : t)).join('/')));
    }
    const requests = [
      ...[...new Set(ops.map((o) => o.path))].flatMap((path) => METHODS.map((method) => ({ method, path: concrete(path) }))),
      ...[...variants].flatMap((v) => [...words].flatMap((w) => ['get', 'post'].map((method) => ({ method, path: concrete(v.replace('{word}', w)) })))),
    ];
    const undocumented = (await probeAll(name, requests))
      .filter((a) => !isRouteMiss(a) && !ops.some((o) => o.method === a.method && templateOf(o.path).test(a.path)))
      .map((a) => `${a.method.toUpperCase()} ${a.path}: ${a.status}`);
    expect([...new Set(undocumented)]).toEqual([]);
  });

  it("holds the zod schemas' JSON Schema as the code defines it now", () => {
    const schemas = (api.doc.components as { schemas: Record<string, unknown> }).schemas;
    for (const [key, schema] of Object.entries(DERIVED[name])) {
      expect(schemas[key], `components.schemas.${key}: run engine/http/testing/openapi-schemas.ts (see its header)`).toEqual(derivedSchema(schema));
    }
  });
});
