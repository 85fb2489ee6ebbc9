/**
 * Module hooks (node:module `register`) that resolve `eddy` and `eddy/*` as if imported from the
 * loading Eddy's own package.json (a self-reference), so a job whose project holds another copy of
 * the same Eddy version shares the runner's engine: one set of classes and symbols (job metrics
 * are bound through a module-level symbol). Registered by engine/api/eddy-dependency.ts only.
 */
import type { InitializeHook, ResolveHook } from 'node:module';

let ownPackageJson: string | undefined;

export const initialize: InitializeHook<{ ownPackageJson: string }> = (data) => {
  ownPackageJson = data.ownPackageJson;
};

export const resolve: ResolveHook = (specifier, context, next) => {
  if (ownPackageJson !== undefined && (specifier === 'eddy' || specifier.startsWith('eddy/'))) return next(specifier, { ...context, parentURL: ownPackageJson });
  return next(specifier, context);
};
