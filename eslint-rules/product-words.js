// Messages from core speak of the product, not of CLI commands (issue 18): core is one engine
// under three transports, and only the CLI types commands. What the user can do goes in an
// error's hint (core/errors), which each transport words its own way (core/cli/output.ts as a
// command, renderer/src/api.ts as an action in the window). This rule finds a string in core
// that names `branchyard <command>`; comments may, and so may test support.
import path from 'node:path';

/** `branchyard <command>` as a person would type it; not `Branchyard` the product, nor `branchyard.json`. */
const COMMAND = /(?<![\w./-])branchyard [a-z][\w-]*/g;

/**
 * Strings that may name a command, each with its reason. A file and the command it names, so a
 * new message in the same file is still caught.
 */
export const ALLOWED = [
  {
    file: 'core/logs/logs-repository.ts',
    command: 'branchyard logs',
    why: 'the README written into the logs repository: a document for people who open that folder by hand, where the command line is how they read it',
  },
];

/** core/cli words commands by design; tests and their support (core/testing, fixtures) drive the CLI as a user does. */
const isExempt = (relative) =>
  !/^core\//.test(relative) ||
  /^core\/(cli|testing)\//.test(relative) ||
  /\.test\.ts$/.test(relative) ||
  /(^|\/)fixtures\//.test(relative);

export default {
  meta: {
    type: 'problem',
    docs: { description: 'strings in core name no CLI command; hints are worded by each transport' },
    schema: [],
    messages: {
      command:
        '"{{found}}" names a command of the CLI: core speaks of the product. Say it in product words and give the error a hint (ErrorHint in core/errors), which core/cli/output.ts words as a command; a document that must name it goes in ALLOWED of eslint-rules/product-words.js with its reason.',
    },
  },
  create(context) {
    const relative = path.relative(context.cwd, context.filename).split(path.sep).join('/');
    if (isExempt(relative)) return {};
    const allowed = ALLOWED.filter((a) => a.file === relative).map((a) => a.command);
    const check = (node, text) => {
      for (const [found] of text.matchAll(COMMAND))
        if (!allowed.includes(found)) context.report({ node, messageId: 'command', data: { found } });
    };
    return {
      Literal: (node) => typeof node.value === 'string' && check(node, node.value),
      // An interpolation stands in as a word: `branchyard ${command}` names a command too.
      TemplateLiteral: (node) => check(node, node.quasis.map((q) => q.value.cooked ?? q.value.raw).join('x')),
    };
  },
};
