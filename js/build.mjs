// Builds the browser files Django serves from the ES modules in js/src:
//
//   realtime_core/static/realtime_core/realtime.js    esbuild's bundle of src/index.js
//   realtime_core/static/realtime_core/realtime.d.ts  tsc's declarations of src/index.js
//   realtime_core/static/realtime_core/catch-up.js    the same for src/catch-up.js
//   realtime_core/static/realtime_core/catch-up.d.ts
//   realtime_core/static/realtime_core/console.js     the debug console page's script
//                                                     (src/console.js; no API, no .d.ts)
//
// Each bundle is one file that works without a build step: a classic <script> (it
// defines one global) and a CommonJS file whose `module.exports` is a static object
// literal, so Node's ES module loader finds its named exports. tsc writes one .d.ts per
// module; they are joined into one file (the modules' names never collide) exporting
// what the entry exports: its values and the types it re-aliases under their own name.
//
//   node build.mjs          write the files (what `make js` runs)
//   node build.mjs --check  exit 1 if the files on disk differ from a fresh build

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';
import ts from 'typescript';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(HERE);
const STATIC = path.join(REPO, 'realtime_core', 'static', 'realtime_core');
const ESBUILD_VERSION = esbuild.version;

/**
 * The bundles: `entry` (under src/), the file it becomes (and, with `types`, its .d.ts
 * beside it), and the global a classic script defines: `global` names it, `value` is
 * the export it holds (`null`: an object of all the exports).
 */
const BUNDLES = [
  { entry: 'index.js', output: 'realtime.js', global: 'Realtime', value: 'Realtime', types: true },
  { entry: 'catch-up.js', output: 'catch-up.js', global: 'RealtimeCatchUp', value: null, types: true },
  { entry: 'console.js', output: 'console.js', global: 'RealtimeConsole', value: null, types: false },
];

/** The browsers the bundles must run in: what the sources' syntax already needs. */
const TARGET = 'es2018';

function notice(entry) {
  return (
    `// Generated from js/src/${entry} and the modules it imports (esbuild ${ESBUILD_VERSION}, ` +
    `typescript ${ts.version}):\n// edit those sources, then run \`make js\` and commit this file with them.\n`
  );
}

/** The entry's leading `/** ... *\/` comment: the bundle's documentation. */
function leadingDoc(file) {
  const match = /^\/\*\*[\s\S]*?\*\/\n/.exec(readFileSync(file, 'utf8'));
  if (!match) throw new Error(`${file} must start with a /** ... */ comment: the bundle's header`);
  return match[0];
}

/** `export { a, b as c };` at the end of esbuild's ES module output, as [[local, exported]]. */
function splitExports(code, entry) {
  const match = /\nexport \{([^}]*)\};\n$/.exec(code);
  if (!match) throw new Error(`esbuild's bundle of ${entry} does not end with one export statement`);
  const names = match[1].split(',').map((part) => part.trim()).filter(Boolean).map((part) => {
    const [local, exported = local] = part.split(/\s+as\s+/);
    return [local, exported];
  });
  return { body: code.slice(0, match.index + 1), names };
}

async function bundle({ entry, global, value }) {
  const file = path.join(HERE, 'src', entry);
  const result = await esbuild.build({
    entryPoints: [file],
    absWorkingDir: HERE,
    bundle: true,
    format: 'esm',
    target: TARGET,
    platform: 'neutral',
    charset: 'utf8',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const { body, names } = splitExports(result.outputFiles[0].text, entry);
  const exported = names.map(([local, name]) => (local === name ? name : `${name}: ${local}`)).join(', ');
  const globalValue = value === null ? '{ ' + exported + ' }' : names.find(([, name]) => name === value)[0];
  return [
    notice(entry),
    leadingDoc(file),
    '(function (root) {\n',
    "'use strict';\n\n",
    body,
    '\n',
    '// A static object literal: Node reads these names, so ES modules can import them by name.\n',
    "if (typeof module === 'object' && module && module.exports) {\n",
    `  module.exports = { ${exported} };\n`,
    '} else {\n',
    `  root.${global} = ${globalValue};\n`,
    '}\n',
    "})(typeof globalThis !== 'undefined' ? globalThis : this);\n",
  ].join('');
}

// Declarations ---------------------------------------------------------------------------

function compilerOptions() {
  const configFile = path.join(HERE, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, HERE);
  return { ...options, noEmit: false, declaration: true, emitDeclarationOnly: true, declarationMap: false };
}

function report(diagnostics, what) {
  if (!diagnostics.length) return;
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => HERE, getNewLine: () => '\n' };
  throw new Error(`${what}:\n${ts.formatDiagnostics(diagnostics, host)}`);
}

/** tsc's declarations of `entry` and of the modules it names, parsed, the entry's first. */
function moduleDeclarations(entry) {
  const program = ts.createProgram([entry], compilerOptions());
  report(ts.getPreEmitDiagnostics(program), 'type errors');
  const emitted = new Map();
  const result = program.emit(undefined, (fileName, text) => emitted.set(path.resolve(fileName), text));
  report(result.diagnostics, 'declaration errors');
  const declarationsOf = (file) => {
    const name = path.join(path.dirname(file), path.basename(file, '.js') + '.d.ts');
    if (!emitted.has(name)) throw new Error(`tsc wrote no declarations for ${file}`);
    return emitted.get(name);
  };
  const modules = [];
  const visit = (file) => {
    if (modules.some((module) => module.file === file)) return;
    const text = declarationsOf(file);
    const source = ts.createSourceFile(file + '.d.ts', text, ts.ScriptTarget.Latest, true);
    modules.push({ file, source });
    for (const specifier of relativeImports(source)) visit(path.resolve(path.dirname(file), specifier));
  };
  visit(entry);
  return modules;
}

/** The modules a declaration file names: in imports, re-exports and `import("./m.js")` types. */
function relativeImports(source) {
  const found = [];
  const visit = (node) => {
    const specifier = ts.isImportTypeNode(node)
      ? ts.isLiteralTypeNode(node.argument) && node.argument.literal
      : (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier;
    if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith('.')) found.push(specifier.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const hasModifier = (node, kind) => (ts.getModifiers(node) || []).some((m) => m.kind === kind);
const isInternal = (node) => ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal');

/** `type X = import("./m.js").X`: a module's alias of another module's type, under its own name. */
function isReAlias(statement) {
  const type = ts.isTypeAliasDeclaration(statement) ? statement.type : null;
  return Boolean(
    type && ts.isImportTypeNode(type) && !type.isTypeOf && !type.typeArguments && type.qualifier &&
      ts.isIdentifier(type.qualifier) && type.qualifier.text === statement.name.text,
  );
}

/** JSDoc comments that only declare types (tsc leaves them before the next declaration). */
const TYPEDEF_COMMENT = /\/\*\*(?:(?!\*\/)[\s\S])*@(?:typedef|callback)\b(?:(?!\*\/)[\s\S])*\*\/\n/g;

/** The names a top-level declaration declares. */
function declaredNames(statement) {
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.map((declaration) => declaration.name.getText());
  }
  return statement.name ? [statement.name.text] : [];
}

/** The names `node` refers to as types: type references, `typeof X`, `extends X`. */
function typeNamesIn(node) {
  const names = new Set();
  const leftmost = (name) => (ts.isIdentifier(name) ? name.text : leftmost(name.left || name.expression));
  const visit = (child) => {
    if (ts.isTypeReferenceNode(child)) names.add(leftmost(child.typeName));
    else if (ts.isTypeQueryNode(child)) names.add(leftmost(child.exprName));
    else if (ts.isExpressionWithTypeArguments(child)) names.add(leftmost(child.expression));
    ts.forEachChild(child, visit);
  };
  visit(node);
  return names;
}

/**
 * One module's declarations for the joined file, each `{names, uses, text, exported}`:
 * without imports and `export` (the joined file exports the entry's names),
 * `import("./m.js").X` written `X`, and no member marked `@internal` (the modules use
 * those among themselves). `exported` is "value" or "type" for what `source` exports.
 */
function localDeclarations(source) {
  const transformer = (context) => {
    const { factory } = context;
    const visit = (node) => {
      if (ts.isImportTypeNode(node) && node.qualifier && ts.isIdentifier(node.qualifier)) {
        const name = factory.createIdentifier(node.qualifier.text);
        const args = node.typeArguments && node.typeArguments.map((arg) => ts.visitNode(arg, visit));
        return node.isTypeOf ? factory.createTypeQueryNode(name, args) : factory.createTypeReferenceNode(name, args);
      }
      if ((ts.isClassElement(node) || ts.isTypeElement(node)) && isInternal(node)) return undefined;
      return ts.visitEachChild(node, visit, context);
    };
    return (statement) => ts.visitEachChild(statement, visit, context);
  };
  const kept = source.statements.filter(
    (statement) => !ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement) && !isReAlias(statement),
  );
  const statements = ts.transform(kept, [transformer]).transformed;
  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  return statements.map((statement, index) => {
    const isType = ts.isTypeAliasDeclaration(statement) || ts.isInterfaceDeclaration(statement);
    const exported = hasModifier(statement, ts.SyntaxKind.ExportKeyword);
    let text = printer.printNode(ts.EmitHint.Unspecified, statement, source).replace(TYPEDEF_COMMENT, '');
    if (exported) {
      const declare = isType || hasModifier(statement, ts.SyntaxKind.DeclareKeyword);
      text = text.replace(/^((?:\/\*\*[\s\S]*?\*\/\s*)?)export /, declare ? '$1' : '$1declare ');
    }
    return {
      names: declaredNames(kept[index]),
      uses: typeNamesIn(statement),
      text,
      exported: exported ? (isType ? 'type' : 'value') : null,
    };
  });
}

/** The entry's re-exports (`export { X } from './m.js'`) and re-aliased types, by kind. */
function reExports(source) {
  const found = { value: [], type: [] };
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) {
        if (element.propertyName) throw new Error(`${source.fileName}: export ${element.name.text} under its own name`);
        found.value.push(element.name.text);
      }
    } else if (isReAlias(statement)) {
      found.type.push(statement.name.text);
    }
  }
  return found;
}

/**
 * The declarations of a bundle: what the entry exports, and what those declarations
 * use (transitively), each module's under a comment naming it.
 */
function declarations({ entry }) {
  const file = path.join(HERE, 'src', entry);
  const modules = moduleDeclarations(file).map(({ file: module, source }) => ({
    module,
    source,
    declarations: localDeclarations(source),
  }));
  const exports = { value: [], type: [] };
  const entryModule = modules.find(({ module }) => module === file);
  const reExported = reExports(entryModule.source);
  exports.value.push(...reExported.value);
  exports.type.push(...reExported.type);
  for (const declaration of entryModule.declarations) {
    if (declaration.exported) exports[declaration.exported].push(...declaration.names);
  }
  const byName = new Map();
  for (const { declarations: found } of modules) {
    for (const declaration of found) for (const name of declaration.names) byName.set(name, [...(byName.get(name) || []), declaration]);
  }
  const needed = new Set();
  const need = (name) => {
    for (const declaration of byName.get(name) || []) {
      if (needed.has(declaration)) continue;
      needed.add(declaration);
      for (const used of declaration.uses) need(used);
    }
  };
  for (const name of [...exports.value, ...exports.type]) {
    if (!byName.has(name)) throw new Error(`${entry} exports ${name}, which no module declares`);
    need(name);
  }
  const sections = [];
  for (const { module, declarations: found } of modules) {
    const texts = found.filter((declaration) => needed.has(declaration)).map((declaration) => declaration.text);
    if (texts.length) sections.push(`// ${path.relative(REPO, module)}\n\n${texts.join('\n')}\n\n`);
  }
  const lines = [notice(entry), ...sections];
  if (exports.value.length) lines.push(`export { ${exports.value.sort().join(', ')} };\n`);
  if (exports.type.length) lines.push(`export type { ${exports.type.sort().join(', ')} };\n`);
  const text = lines.join('');
  checkJoined(text, entry);
  return text;
}

/** The joined declarations must compile on their own (no name lost or declared twice). */
function checkJoined(text, entry) {
  const name = path.join(STATIC, 'joined.d.ts');
  const options = { strict: true, noEmit: true, types: [], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (path.resolve(f) === name ? text : readFile(f));
  host.getSourceFile = (f, version) =>
    path.resolve(f) === name ? ts.createSourceFile(f, text, version, true) : getSourceFile(f, version);
  const program = ts.createProgram([name], options, host);
  report(ts.getPreEmitDiagnostics(program), `the joined declarations of ${entry}`);
}

// Writing and checking -------------------------------------------------------------------

async function build() {
  const files = new Map();
  for (const target of BUNDLES) {
    files.set(path.join(STATIC, target.output), await bundle(target));
    if (target.types) files.set(path.join(STATIC, target.output.replace(/\.js$/, '.d.ts')), declarations(target));
  }
  return files;
}

function current(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

const files = await build();
if (process.argv.includes('--check')) {
  const stale = [...files].filter(([file, text]) => current(file) !== text).map(([file]) => path.relative(REPO, file));
  if (stale.length) {
    console.error(`${stale.join(', ')}: not what js/src builds; run make js and commit`);
    process.exit(1);
  }
} else {
  for (const [file, text] of files) {
    if (current(file) !== text) writeFileSync(file, text);
    console.log(`${path.relative(REPO, file)}: ${Buffer.byteLength(text)} bytes`);
  }
}
