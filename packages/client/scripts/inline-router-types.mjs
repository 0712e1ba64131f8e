// @ts-check
/**
 * Build step (after `tsc -p tsconfig.build.json`): makes dist/*.d.ts stand on their own.
 *
 * src/transport/router-types.ts does `import type { AppRouter } from "@cairn/api"`, and @cairn/api
 * is only a devDependency (shipping it would pull the server into every client install), so tsc's
 * declarations point at a package users do not have. This script writes the router's type, fully
 * resolved, to dist/transport/app-router.d.ts, points the declarations at it, proves it equal to
 * the server's type, and fails the build if any declaration still imports a package that is not a
 * `dependency` of @cairn/client.
 *
 * Why a script and not a d.ts bundler (evaluated on Node 20 + TS 5.9.3 against this router):
 * - dts-bundle-generator 9.5.1 `--external-inlines @cairn/api @cairn/services` aborts ("Cannot
 *   find symbol for node FS" in PGlite's types): the router's context type holds `Services`, so
 *   the bundler walks the whole server (Kysely, pg, PGlite, BullMQ).
 * - rollup-plugin-dts 6.5.1 inlines @cairn/api/services/db but leaves `import … from "kysely"`;
 *   inlining everything but the client's dependencies crashes on CommonJS sources it reaches.
 * - @microsoft/api-extractor's `bundledPackages` has the same reach problem and bundles its own
 *   TypeScript (6.0 today), not the workspace's 5.9.
 * The client never needs the server's context type, only each procedure's kind, input, output and
 * the error shape, which this script prints from the type checker (scripts/type-printer.mjs) with
 * the workspace's own `typescript`: no new dependency, and a kind of type it cannot print fails
 * the build instead of becoming `any`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { declarationFiles, foreignImports } from "./dist-imports.mjs";
import { propertyKey, TypePrinter } from "./type-printer.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const SERVER = "@cairn/api";
const OUTPUT = join(dist, "transport", "app-router.d.ts");

/** @type {{ dependencies: Record<string, string> }} */
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const dependencies = Object.keys(pkg.dependencies);

/** @type {ts.CompilerOptions} */
const options = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: ["node"],
  // Resolve every workspace package through its built `types`, as a user would (not `src`).
  customConditions: [],
};

/**
 * A program over `files` (virtual, in memory) plus what they import from disk.
 * @param {Record<string, string>} files
 * @param {ts.Program} [oldProgram]
 */
function createProgram(files, oldProgram) {
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (file) => file in files || fileExists(file);
  host.readFile = (file) => files[file] ?? readFile(file);
  host.getSourceFile = (file, language, ...rest) => {
    const text = files[file];
    if (text !== undefined) return ts.createSourceFile(file, text, language);
    return getSourceFile(file, language, ...rest);
  };
  return ts.createProgram(Object.keys(files), options, host, oldProgram);
}

/**
 * @param {ts.TypeChecker} checker
 * @param {ts.Type} type
 * @param {string} name
 * @param {string} path
 */
function property(checker, type, name, path) {
  const symbol = checker.getPropertyOfType(type, name);
  if (!symbol) throw new Error(`${SERVER}'s AppRouter has no ${path}.${name}: tRPC changed shape?`);
  return checker.getTypeOfSymbol(symbol);
}

/**
 * The exports of the client's dependencies, by the symbol they resolve to.
 * @param {ts.Program} program
 * @param {ts.SourceFile} entry
 */
function dependencyExports(program, entry) {
  const checker = program.getTypeChecker();
  /** @type {Map<ts.Symbol, { module: string; name: string }>} */
  const exports = new Map();
  for (const statement of entry.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) {
      continue;
    }
    const module = statement.moduleSpecifier.text;
    if (!dependencies.includes(module)) continue;
    const moduleSymbol = checker.getSymbolAtLocation(statement.moduleSpecifier);
    if (!moduleSymbol) throw new Error(`Cannot resolve ${module}: is it installed and built?`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const target =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (!exports.has(target)) exports.set(target, { module, name: exported.getName() });
    }
  }
  return exports;
}

/**
 * Prints a router record: procedures as tRPC procedure types, sub-records recursively.
 * @param {TypePrinter} printer
 * @param {ts.Type} record
 * @param {string[]} path
 * @param {string[][]} procedures collects the path of every procedure printed
 * @returns {string}
 */
function printRecord(printer, record, path, procedures) {
  const checker = printer.checker;
  const members = checker.getPropertiesOfType(record).map((entry) => {
    const here = [...path, entry.getName()];
    const at = here.join(".");
    const value = checker.getTypeOfSymbol(entry);
    const def = checker.getPropertyOfType(value, "_def");
    const isProcedure = def && checker.getPropertyOfType(checker.getTypeOfSymbol(def), "procedure");
    if (!isProcedure) {
      return `${propertyKey(entry.getName())}: ${printRecord(printer, value, here, procedures)}`;
    }
    if (checker.getPropertyOfType(value, "_observable")) {
      throw new Error(`${at} is an observable subscription: return an async generator instead.`);
    }
    const defType = property(checker, value, "_def", at);
    const kind = /** @type {ts.StringLiteralType} */ (property(checker, defType, "type", at)).value;
    const wrapper = { query: "Query", mutation: "Mutation", subscription: "Subscription" }[kind];
    if (!wrapper) throw new Error(`${at} has an unknown procedure type ${kind}.`);
    const types = property(checker, defType, "$types", `${at}._def`);
    procedures.push(here);
    const input = printer.print(property(checker, types, "input", at), `${at} input`);
    const output = printer.print(property(checker, types, "output", at), `${at} output`);
    const errorShape = printer.printShared(
      property(checker, types, "errorShape", at),
      `${at} error`,
    );
    const meta = printer.print(property(checker, value, "meta", at), `${at} meta`);
    return (
      `${propertyKey(entry.getName())}: import("@trpc/server").TRPC${wrapper}Procedure<` +
      `{ input: ${input}; output: ${output}; meta: ${meta}; errorShape: ${errorShape} }>`
    );
  });
  return `{ ${members.join("; ")} }`;
}

/** Generates the declaration text of the client-side AppRouter. */
function generate() {
  const entryFile = join(root, "src", "__shipped-router-entry__.ts");
  const imports = [SERVER, ...dependencies]
    .map((module, i) => `import type * as m${i} from ${JSON.stringify(module)};`)
    .join("\n");
  const program = createProgram({
    [entryFile]: `${imports}\nexport type AppRouter = m0.AppRouter;\n`,
  });
  const entry = /** @type {ts.SourceFile} */ (program.getSourceFile(entryFile));
  const checker = program.getTypeChecker();
  const problems = ts.getPreEmitDiagnostics(program, entry);
  if (problems.length) {
    throw new Error(
      `Cannot load ${SERVER}'s AppRouter (build it first: pnpm turbo run build --filter @cairn/client...):\n` +
        ts.formatDiagnostics(problems, {
          ...ts.createCompilerHost(options),
          getNewLine: () => "\n",
        }),
    );
  }
  const moduleSymbol = /** @type {ts.Symbol} */ (checker.getSymbolAtLocation(entry));
  const routerSymbol = /** @type {ts.Symbol} */ (checker.getExportsOfModule(moduleSymbol)[0]);
  const router = checker.getDeclaredTypeOfSymbol(routerSymbol);

  const printer = new TypePrinter(checker, dependencyExports(program, entry));
  printer.usedNames.add("AppRouter"); // the export below: no hoisted type may take its name
  const def = property(checker, router, "_def", "AppRouter");
  const rootTypes = property(
    checker,
    property(checker, def, "_config", "_def"),
    "$types",
    "_config",
  );
  printer.hoist(property(checker, rootTypes, "errorShape", "root"), "ErrorShape", "error shape");
  const meta = printer.print(property(checker, rootTypes, "meta", "root"), "root meta");
  const errorShape = printer.print(property(checker, rootTypes, "errorShape", "root"), "root");
  const transformer = printer.print(property(checker, rootTypes, "transformer", "root"), "root");
  /** @type {string[][]} */
  const procedures = [];
  const record = printRecord(printer, property(checker, def, "record", "_def"), [], procedures);

  const text = [
    ...printer.declarations,
    "/**",
    " * The Cairn server's tRPC router as the client sees it: every procedure's kind, input, output",
    " * and error shape. `ctx` is the server's own business and left out.",
    " */",
    'export type AppRouter = import("@trpc/server").TRPCBuiltRouter<',
    `{ ctx: object; meta: ${meta}; errorShape: ${errorShape}; transformer: ${transformer} },`,
    `${record}>;`,
  ].join("\n");
  const parsed = ts.createSourceFile(OUTPUT, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const header =
    "// Generated by packages/client/scripts/inline-router-types.mjs from @cairn/api's AppRouter\n" +
    "// at build time (so users need no server package). Do not edit.\n";
  return { text: header + ts.createPrinter().printFile(parsed), program, procedures };
}

/**
 * Fails unless the shipped router infers exactly the server's inputs, outputs and errors, naming
 * each procedure that differs.
 * @param {string} shipped the generated declaration text
 * @param {string[][]} procedures
 * @param {ts.Program} oldProgram
 */
function verify(shipped, procedures, oldProgram) {
  const check = join(dist, "transport", "__verify-app-router__.ts");
  // Checked as a .ts file: declarations would be skipped by skipLibCheck.
  const shippedAsTs = OUTPUT.replace(/\.d\.ts$/, ".ts");
  const checks = procedures.flatMap((path) => {
    const at = path.map((key) => `[${JSON.stringify(key)}]`).join("");
    return ["Inputs", "Outputs"].map(
      (side) =>
        `export const ${side.toLowerCase()}_${path.join("_")}: Equal<` +
        `inferRouter${side}<Shipped>${at}, inferRouter${side}<Server>${at}> = true;`,
    );
  });
  const program = createProgram(
    {
      [shippedAsTs]: shipped,
      [check]: `
import type { AppRouter as Server } from ${JSON.stringify(SERVER)};
import type { AppRouter as Shipped } from "./app-router.js";
import type { inferRouterInputs, inferRouterOutputs, inferRouterError } from "@trpc/server";
import type { TRPCClient } from "@trpc/client";
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export const all_inputs: Equal<inferRouterInputs<Shipped>, inferRouterInputs<Server>> = true;
export const all_outputs: Equal<inferRouterOutputs<Shipped>, inferRouterOutputs<Server>> = true;
export const error_shape: Equal<inferRouterError<Shipped>, inferRouterError<Server>> = true;
export const trpc_client: Equal<TRPCClient<Shipped>, TRPCClient<Server>> = true;
${checks.join("\n")}
`,
    },
    oldProgram,
  );
  const problems = [check, shippedAsTs].flatMap((file) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(file)),
  );
  if (problems.length) {
    const names = problems.map((problem) => {
      if (problem.file?.fileName !== check || problem.start === undefined) {
        return ts.flattenDiagnosticMessageText(problem.messageText, "\n");
      }
      const line = problem.file.text.slice(problem.start).split("\n")[0] ?? "";
      return `${line.replace(/^(\w+):.*$/, "$1")} differs`;
    });
    throw new Error(
      `The generated ${relative(root, OUTPUT)} does not match ${SERVER}'s AppRouter ` +
        `(fix packages/client/scripts/type-printer.mjs):\n  ${names.join("\n  ")}`,
    );
  }
}

/** Points every `import type { AppRouter } from "@cairn/api"` in dist at the generated file. */
function rewriteImports() {
  const pattern = new RegExp(`(import type \\{ AppRouter \\} from )"${SERVER}"`, "g");
  for (const file of declarationFiles(dist)) {
    const text = readFileSync(file, "utf8");
    if (!pattern.test(text)) continue;
    let target = relative(dirname(file), OUTPUT).replace(/\.d\.ts$/, ".js");
    if (!target.startsWith(".")) target = `./${target}`;
    writeFileSync(file, text.replace(pattern, `$1"${target}"`));
  }
}

const started = performance.now();
const { text, program, procedures } = generate();
verify(text, procedures, program);
writeFileSync(OUTPUT, text);
rewriteImports();
const foreign = foreignImports(dist, dependencies);
if (foreign.length) {
  const list = foreign.map(({ file, specifier }) => `  dist/${file}: "${specifier}"`).join("\n");
  throw new Error(
    `@cairn/client's declarations import packages that are not its dependencies:\n${list}\n` +
      "Users would get unresolved types. Import such types through the generated AppRouter, or " +
      "teach packages/client/scripts/inline-router-types.mjs to inline them.",
  );
}
const ms = Math.round(performance.now() - started);
console.log(
  `inline-router-types: wrote ${relative(root, OUTPUT)} (${text.length} chars, ${ms} ms)`,
);
