// Resolves the project's ESM-style TypeScript imports ('./x.js' written, './x.ts' on disk) for
// eslint-plugin-import's no-cycle rule. Bare specifiers (packages, node:*) are left to Node.
const fs = require('node:fs');
const path = require('node:path');

exports.interfaceVersion = 2;
exports.resolve = (source, file) => {
  if (!source.startsWith('.')) return { found: true, path: null };
  const base = path.resolve(path.dirname(file), source);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return { found: true, path: candidate };
  }
  return { found: false };
};
