import { z } from 'zod';
import { ENV_BINDINGS } from './envBindings';
import { ConfigSchema } from './schema';

interface JsonSchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
}

function typeOf(node: JsonSchemaNode): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (node.type === 'array') return `list of ${node.items?.type ?? 'values'}`;
  return node.type ?? 'any';
}

function rows(node: JsonSchemaNode, prefix: string): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (child.properties) return rows(child, path);
    const binding = ENV_BINDINGS.find((b) => b.path === path);
    const env =
      binding === undefined ? '' : `\`${binding.name}\`${binding.secret ? ' (secret, env only)' : ''}`;
    const fallback = child.default === undefined ? '—' : `\`${JSON.stringify(child.default)}\``;
    return [`| \`${path}\` | ${typeOf(child)} | ${fallback} | ${env} | ${child.description ?? ''} |`];
  });
}

/** The configuration reference as a Markdown table, generated from the schema (README.md embeds it). */
export function configReference(): string {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  return [
    '| Setting | Type | Default | Environment | Description |',
    '| --- | --- | --- | --- | --- |',
    ...rows(schema, ''),
  ].join('\n');
}
