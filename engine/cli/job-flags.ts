/**
 * Turns a job's options schema into command-line flags (`inputTopic` → `--input-topic`) and help text,
 * through the JSON Schema zod generates, so a job declares its options once.
 */
import * as z from 'zod';
import type { FlagSpec } from './flags.js';

interface JsonSchemaProperty {
  type?: string | string[];
  default?: unknown;
  description?: string;
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** An object schema's fields, through the refinements and transforms around it. */
function fieldsOf(schema: z.ZodType): Record<string, z.ZodType> {
  if (schema instanceof z.ZodObject) return schema.shape as Record<string, z.ZodType>;
  return schema instanceof z.ZodPipe ? fieldsOf(schema.in as z.ZodType) : {};
}

/**
 * A field's default, read from its `.default()` or `.prefault()`: zod's JSON Schema drops it under a
 * preprocess (`numberFlag(…).default(10)`).
 */
function defaultOf(field: z.ZodType | undefined): unknown {
  if (field instanceof z.ZodDefault || field instanceof z.ZodPrefault) return field.def.defaultValue;
  return field instanceof z.ZodPipe ? defaultOf(field.in as z.ZodType) : undefined;
}

/** The option names of a job schema, with their defaults (as the user would type them). */
export function jobOptionList(schema: z.ZodType): { name: string; flag: string; type: string; default: unknown }[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonSchemaProperty> };
  const fields = fieldsOf(schema);
  return Object.entries(json.properties ?? {}).map(([name, p]) => ({
    name,
    flag: `--${kebab(name)}`,
    type: Array.isArray(p.type) ? p.type.join('|') : (p.type ?? 'value'),
    default: p.default ?? defaultOf(fields[name]),
  }));
}

/** parseArgs flags for every job option (values stay strings; the schema coerces them). */
export function jobFlagSpec(schema: z.ZodType): FlagSpec {
  return Object.fromEntries(jobOptionList(schema).map((o) => [kebab(o.name), { type: 'string' as const }]));
}

/** Help lines for a job's options. */
export function jobOptionsHelp(schema: z.ZodType): string {
  const list = jobOptionList(schema);
  const width = Math.max(...list.map((o) => o.flag.length), 10);
  return list.map((o) => `  ${o.flag.padEnd(width)}  ${o.default === undefined ? '' : `(default ${String(o.default)})`}`).join('\n');
}
