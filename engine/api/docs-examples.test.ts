/**
 * The manual's code examples compile: every ```ts block of docs/*.md is type-checked, as if it were
 * a file in docs/, and every one of README.md as if at the root, against the project's own sources
 * and compiler options.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const docs = join(root, 'docs');

function examples(): { file: string; code: string }[] {
  const blocks = (dir: string, f: string): { file: string; code: string }[] =>
    [...readFileSync(join(dir, f), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m, i) => ({ file: join(dir, `${f.replace(/\.md$/, '')}-example-${i + 1}.ts`), code: m[1]! }));
  return [...readdirSync(docs).filter((f) => f.endsWith('.md')).flatMap((f) => blocks(docs, f)), ...blocks(root, 'README.md')];
}

function diagnostics(file: string, code: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const host = ts.createCompilerHost(config.options);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  const source = host.getSourceFile.bind(host);
  host.readFile = (f) => (f === file ? code : read(f));
  host.fileExists = (f) => f === file || exists(f);
  host.getSourceFile = (f, v, ...rest) => (f === file ? ts.createSourceFile(f, code, v) : source(f, v, ...rest));
  const program = ts.createProgram([file], { ...config.options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('docs examples', () => {
  const all = examples();
  it('exist', () => expect(all.length).toBeGreaterThan(0));
  it('include the README\'s', () => expect(all.some((e) => e.file.startsWith(join(root, 'README-')))).toBe(true));
  it.each(all.map((e) => ({ ...e, name: e.file.slice(root.length + 1) })))('$name compiles', ({ file, code }) => {
    expect(diagnostics(file, code)).toEqual([]);
  });
});
