/**
 * Reading an OpenAPI 3.1 document for engine/http/openapi.test.ts: its operations, `$ref`s
 * resolved across files (the job manager's document points into the runner's, and the runner's at
 * the trending record's schema), and the structural faults a reader or generator would trip on.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

type Json = Record<string, unknown>;
export const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export interface Operation {
  method: (typeof METHODS)[number];
  path: string;
  op: Json;
  /** Path-level and operation-level parameters, resolved. */
  parameters: Json[];
}

export class OpenApiFile {
  readonly #files = new Map<string, Json>();

  constructor(readonly file: string) {}

  get doc(): Json {
    return this.#load(this.file);
  }

  /** The value a `$ref` from `from` (a file) names, or undefined when it names nothing. */
  resolveRef(ref: string, from = this.file): { value: unknown; file: string } | undefined {
    const [target = '', pointer = ''] = ref.split('#');
    const file = target === '' ? from : resolve(dirname(from), target);
    let value: unknown;
    try {
      value = this.#load(file);
    } catch {
      return undefined;
    }
    for (const token of pointer.split('/').slice(1).map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))) {
      if (typeof value !== 'object' || value === null || !(token in value)) return undefined;
      value = (value as Json)[token];
    }
    return { value, file };
  }

  /** An object, or what its `$ref` names (followed until no `$ref` is left). */
  deref(value: unknown, from = this.file): Json {
    let v = value as Json;
    for (let file = from; typeof v.$ref === 'string'; ) {
      const hit = this.resolveRef(v.$ref, file);
      if (!hit) throw new Error(`${file}: ${v.$ref} resolves to nothing`);
      ({ file } = hit);
      v = hit.value as Json;
    }
    return v;
  }

  operations(): Operation[] {
    return Object.entries(this.doc.paths as Record<string, Json>).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m] !== undefined).map((method) => {
        const op = item[method] as Json;
        const parameters = [...((item.parameters as unknown[]) ?? []), ...((op.parameters as unknown[]) ?? [])].map((p) => this.deref(p));
        return { method, path, op, parameters };
      }),
    );
  }

  /** Every `$ref` in this document, and the files it points into, that resolves to nothing. */
  danglingRefs(): string[] {
    const seen = new Set<string>();
    const dangling: string[] = [];
    const walk = (value: unknown, file: string): void => {
      if (typeof value !== 'object' || value === null) return;
      const ref = (value as Json).$ref;
      if (typeof ref === 'string') {
        const hit = this.resolveRef(ref, file);
        if (!hit) dangling.push(`${file}: ${ref}`);
        else if (hit.file !== file && !seen.has(hit.file)) {
          seen.add(hit.file);
          walk(this.#load(hit.file), hit.file);
        }
      }
      for (const v of Object.values(value)) walk(v, file);
    };
    seen.add(this.file);
    walk(this.doc, this.file);
    return dangling;
  }

  /** What OpenAPI 3.1 requires of the document and its operations, as sentences naming the place. */
  structuralFaults(): string[] {
    const d = this.doc;
    const faults: string[] = [];
    const fault = (ok: boolean, what: string): void => void (ok || faults.push(what));
    fault(typeof d.openapi === 'string' && /^3\.1\.\d+$/.test(d.openapi), 'openapi: expected 3.1.x');
    const info = (d.info ?? {}) as Json;
    fault(typeof info.title === 'string' && typeof info.version === 'string', 'info: title and version are required');
    const tags = new Set(((d.tags as Json[]) ?? []).map((t) => t.name));
    const schemes = ((d.components as Json | undefined)?.securitySchemes ?? {}) as Json;
    const ids = new Set<unknown>();
    for (const { method, path, op, parameters } of this.operations()) {
      const at = `${method.toUpperCase()} ${path}`;
      fault(path.startsWith('/'), `${at}: a path starts with /`);
      fault(typeof op.operationId === 'string' && !ids.has(op.operationId), `${at}: operationId missing or not unique`);
      ids.add(op.operationId);
      for (const t of (op.tags as unknown[]) ?? []) fault(tags.has(t), `${at}: tag ${String(t)} is not declared`);
      for (const req of (op.security as Json[]) ?? []) for (const name of Object.keys(req)) fault(name in schemes, `${at}: no security scheme ${name}`);
      const responses = Object.entries((op.responses ?? {}) as Json);
      fault(responses.length > 0, `${at}: no responses`);
      for (const [code, r] of responses) fault(/^([1-5]\d\d|default)$/.test(code) && typeof this.deref(r).description === 'string', `${at}: response ${code} needs a status code and a description`);
      for (const p of parameters) fault(typeof p.name === 'string' && ['query', 'header', 'path', 'cookie'].includes(p.in as string) && (p.in !== 'path' || p.required === true), `${at}: parameter ${String(p.name)} needs a name, a place, and required if in the path`);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = parameters.filter((p) => p.in === 'path').map((p) => p.name).sort();
      fault(JSON.stringify(templated) === JSON.stringify(declared), `${at}: path parameters ${JSON.stringify(declared)} differ from the template's ${JSON.stringify(templated)}`);
    }
    return faults;
  }

  #load(file: string): Json {
    let doc = this.#files.get(file);
    if (!doc) this.#files.set(file, (doc = parse(readFileSync(file, 'utf8')) as Json));
    return doc;
  }
}
