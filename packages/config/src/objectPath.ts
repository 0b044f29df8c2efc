// Dotted paths ("redis.url") into plain objects: how env bindings and secrets name config fields.

type Tree = Record<string, unknown>;

export function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getPath(root: unknown, path: string | readonly PropertyKey[]): unknown {
  const keys = typeof path === 'string' ? path.split('.') : path;
  let node: unknown = root;
  for (const key of keys) {
    if (!isTree(node) && !Array.isArray(node)) return undefined;
    node = (node as Tree)[String(key)];
  }
  return node;
}

/** Sets `path`, creating (or replacing non-object) intermediate nodes. */
export function setPath(root: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = root;
  for (const key of keys) {
    const next = node[key];
    if (!isTree(next)) node[key] = {};
    node = node[key] as Tree;
  }
  node[last] = value;
}

export function deletePath(root: unknown, path: string): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  const parent = getPath(root, keys);
  if (isTree(parent)) delete parent[last];
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
