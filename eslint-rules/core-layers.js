// The floors of core/ (DESIGN.md §5): a part imports only parts on lower floors, and only
// through their index.ts, from wherever the import is written (core, bench, e2e, scripts).
// Kept as a rule of our own because the kept ones (eslint-plugin-boundaries, import/no-cycle)
// know folders but not floors, and need a resolver this project does not otherwise use.
import path from 'node:path';

/** Lowest first. A part on floor n may import the parts on floors below n. */
export const LAYERS = [
  ['errors', 'lifecycle', 'testing'],
  ['events', 'locks', 'pgwire', 'tokens'],
  ['workspace', 'store'],
  ['git', 'logs', 'doctor'],
  ['build', 'revisions', 'runtime', 'template'],
  ['sandbox', 'schema', 'terminal'],
  ['agent', 'gateway', 'github', 'provider-check'],
  ['engine', 'explorer'],
  ['api'],
  ['serve'],
  ['cli'],
];

/** Faces besides index.ts, each with its reason in its own header. */
const FACES = { build: ['sandbox.ts'] };

const floorOf = new Map(LAYERS.flatMap((parts, floor) => parts.map((part) => [part, floor])));

/** `core/<part>/<rest>` of a path relative to the repository, or null outside core. */
function corePath(relative) {
  const match = /^core\/([^/]+)\/(.+)$/.exec(relative.split(path.sep).join('/'));
  return match ? { part: match[1], rest: match[2] } : null;
}

const isTestSupport = (rest) => /(^|\/)fixtures\//.test(rest) || /\.test\.ts$/.test(rest);

export default {
  meta: {
    type: 'problem',
    docs: { description: 'core parts import lower floors only, through their index.ts' },
    schema: [],
    messages: {
      deep: 'Import {{target}} through core/{{part}}/index.ts, not a file inside it (CONVENTIONS.md §9; other faces are listed in FACES of eslint-rules/core-layers.js).',
      upward:
        'core/{{from}} (floor {{fromFloor}}) may not import core/{{to}} (floor {{toFloor}}): lower floors never import higher ones (eslint-rules/core-layers.js).',
      unknown: 'core/{{part}} has no floor yet: add it to LAYERS in eslint-rules/core-layers.js.',
    },
  },
  create(context) {
    const root = context.cwd;
    const file = path.relative(root, context.filename);
    const own = corePath(file);
    const ownIsTest = !own || isTestSupport(own.rest);
    const check = (node, specifier) => {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const target = corePath(path.relative(root, path.resolve(path.dirname(context.filename), specifier)));
      if (!target || target.part === own?.part) return;
      // Tests, bench and e2e may reach the test support of a part (its fixtures).
      if (ownIsTest && /(^|\/)fixtures\//.test(target.rest)) return;
      if (target.rest !== 'index.ts' && !FACES[target.part]?.includes(target.rest))
        context.report({
          node,
          messageId: 'deep',
          data: { target: `core/${target.part}/${target.rest}`, part: target.part },
        });
      if (!own || isTestSupport(own.rest)) return;
      const from = floorOf.get(own.part);
      const to = floorOf.get(target.part);
      if (from === undefined) return context.report({ node, messageId: 'unknown', data: { part: own.part } });
      if (to === undefined) return context.report({ node, messageId: 'unknown', data: { part: target.part } });
      if (to >= from)
        context.report({
          node,
          messageId: 'upward',
          data: { from: own.part, fromFloor: from, to: target.part, toFloor: to },
        });
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};
