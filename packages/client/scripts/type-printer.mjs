// @ts-check
import ts from "typescript";

/**
 * Prints resolved TypeScript types as self-contained declaration text.
 *
 * Why not a d.ts bundler: the router's types reach the server's internals (the tRPC context holds
 * `Services`, hence Kysely, pg, PGlite, BullMQ …), which a bundler either leaves as imports or
 * fails to inline. Here every type is printed from the checker's resolved view: a type declared in
 * a package the client really depends on (and exported from that package's entry) stays a
 * reference `import("pkg").Name`; a global (`Date`, `Record`, `Uint8Array`) stays by name; anything
 * else (a `@cairn/services` interface, a `@cairn/db` JSON alias, a non-exported helper) is copied
 * into a local `type` declaration, so recursive types stay finite. A kind of type this printer
 * does not know fails loudly instead of degrading to `any`.
 */
export class TypePrinter {
  /**
   * @param {ts.TypeChecker} checker
   * @param {Map<ts.Symbol, { module: string; name: string }>} allowedExports symbols the output may
   *   reference by import (the exports of the client's real dependencies).
   */
  constructor(checker, allowedExports) {
    this.checker = checker;
    this.allowedExports = allowedExports;
    /** @type {Map<ts.Type, string>} */
    this.hoistedNames = new Map();
    /** @type {Set<string>} */
    this.usedNames = new Set();
    /** @type {string[]} */
    this.declarations = [];
    /** @type {Map<string, string>} the printed body of each hoisted declaration, by its text */
    this.namesByBody = new Map();
  }

  /**
   * Declares `type name = <type>` locally and prints the type as `name` wherever it occurs
   * (used for the router's error shape, which every procedure repeats).
   * @param {ts.Type} type
   * @param {string} name
   * @param {string} path where the type comes from, for error messages
   */
  hoist(type, name, path) {
    return this.#declare(type, name, path);
  }

  /**
   * Like `print`, but a structure printed exactly as a hoisted declaration's body is printed as
   * that declaration's name (tRPC gives every procedure its own copy of the error shape).
   * @param {ts.Type} type
   * @param {string} path
   */
  printShared(type, path) {
    const text = this.print(type, path);
    return this.namesByBody.get(text) ?? text;
  }

  /**
   * The declaration text of `type`.
   * @param {ts.Type} type
   * @param {string} path where the type comes from (e.g. `artifacts.get output`), for errors
   * @returns {string}
   */
  print(type, path) {
    const hoisted = this.hoistedNames.get(type);
    if (hoisted) return hoisted;
    const named = this.#printNamed(type, path);
    if (named !== undefined) return named;
    return this.#printStructure(type, path);
  }

  /**
   * A reference to a named type (alias, interface, class), or undefined when it is anonymous.
   * @param {ts.Type} type
   * @param {string} path
   * @returns {string | undefined}
   */
  #printNamed(type, path) {
    const alias = type.aliasSymbol;
    if (alias) {
      const args = type.aliasTypeArguments ?? [];
      return this.#reference(type, alias, args, path);
    }
    if (!(type.flags & ts.TypeFlags.Object)) return undefined;
    const checker = this.checker;
    if (checker.isArrayType(type) || checker.isTupleType(type)) return undefined;
    const symbol = type.getSymbol();
    if (!symbol || !(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class))) {
      return undefined;
    }
    const objectFlags = /** @type {ts.ObjectType} */ (type).objectFlags;
    /** @type {readonly ts.Type[]} */
    let args = [];
    if (objectFlags & ts.ObjectFlags.Reference) {
      const reference = /** @type {ts.TypeReference} */ (type);
      const params = reference.target.typeParameters ?? [];
      // Interface references also carry their `this` type last: keep the declared parameters only.
      args = checker.getTypeArguments(reference).slice(0, params.length);
    }
    return this.#reference(type, symbol, args, path);
  }

  /**
   * @param {ts.Type} type
   * @param {ts.Symbol} symbol
   * @param {readonly ts.Type[]} args
   * @param {string} path
   */
  #reference(type, symbol, args, path) {
    const typeArgs = args.length
      ? `<${args.map((arg, i) => this.print(arg, `${path} <arg ${i}>`)).join(", ")}>`
      : "";
    const allowed = this.allowedExports.get(symbol);
    if (allowed) return `import(${JSON.stringify(allowed.module)}).${allowed.name}${typeArgs}`;
    const fullName = this.checker.getFullyQualifiedName(symbol);
    // Globals (lib.*.d.ts, @types/node's globals) have unquoted names: they exist for every user.
    if (!fullName.startsWith('"')) return `${fullName}${typeArgs}`;
    return this.#declare(type, symbol.getName(), `${path} (${symbol.getName()})`);
  }

  /**
   * @param {ts.Type} type
   * @param {string} base
   * @param {string} path
   */
  #declare(type, base, path) {
    const existing = this.hoistedNames.get(type);
    if (existing) return existing;
    let name = base.replace(/[^A-Za-z0-9_$]/g, "_");
    for (let n = 2; this.usedNames.has(name); n++) name = `${base}_${n}`;
    this.usedNames.add(name);
    this.hoistedNames.set(type, name);
    // Registered before printing the body, so a recursive type refers to itself by name.
    const body = this.#printStructure(type, path);
    this.namesByBody.set(body, name);
    this.declarations.push(`type ${name} = ${body};`);
    return name;
  }

  /**
   * @param {ts.Type} type
   * @param {string} path
   * @returns {string}
   */
  #printStructure(type, path) {
    const f = type.flags;
    const checker = this.checker;
    if (f & ts.TypeFlags.Any) return "any";
    if (f & ts.TypeFlags.Unknown) return "unknown";
    if (f & ts.TypeFlags.Never) return "never";
    if (f & ts.TypeFlags.Void) return "void";
    if (f & ts.TypeFlags.Undefined) return "undefined";
    if (f & ts.TypeFlags.Null) return "null";
    if (f & ts.TypeFlags.String) return "string";
    if (f & ts.TypeFlags.Number) return "number";
    if (f & ts.TypeFlags.BigInt) return "bigint";
    if (f & ts.TypeFlags.ESSymbol) return "symbol";
    if (f & ts.TypeFlags.NonPrimitive) return "object";
    if (f & ts.TypeFlags.Boolean) return "boolean";
    if (f & ts.TypeFlags.EnumLiteral) return this.#unsupported("an enum", path);
    if (f & ts.TypeFlags.BooleanLiteral) return checker.typeToString(type);
    if (f & ts.TypeFlags.StringLiteral) {
      return JSON.stringify(/** @type {ts.StringLiteralType} */ (type).value);
    }
    if (f & ts.TypeFlags.NumberLiteral) {
      return String(/** @type {ts.NumberLiteralType} */ (type).value);
    }
    if (f & ts.TypeFlags.BigIntLiteral) return checker.typeToString(type);
    if (f & ts.TypeFlags.Union) {
      const members = /** @type {ts.UnionType} */ (type).types;
      return members.map((m, i) => this.#operand(m, `${path} |${i}`)).join(" | ");
    }
    if (f & ts.TypeFlags.Intersection) {
      const members = /** @type {ts.IntersectionType} */ (type).types;
      return members.map((m, i) => this.#operand(m, `${path} &${i}`)).join(" & ");
    }
    if (f & ts.TypeFlags.TemplateLiteral) return this.#templateLiteral(type, path);
    if (f & ts.TypeFlags.Object) return this.#printObject(type, path);
    return this.#unsupported(`type "${checker.typeToString(type)}"`, path);
  }

  /**
   * A union or intersection member, parenthesised when it would bind wrongly.
   * @param {ts.Type} type
   * @param {string} path
   */
  #operand(type, path) {
    const text = this.print(type, path);
    const compound =
      !this.hoistedNames.has(type) &&
      !type.aliasSymbol &&
      (type.flags & (ts.TypeFlags.Union | ts.TypeFlags.Intersection) ||
        this.checker.getSignaturesOfType(type, ts.SignatureKind.Call).length > 0);
    return compound ? `(${text})` : text;
  }

  /**
   * @param {ts.Type} type
   * @param {string} path
   */
  #templateLiteral(type, path) {
    const { texts, types } = /** @type {ts.TemplateLiteralType} */ (type);
    const escapeText = (/** @type {string} */ s) =>
      s.replace(/[`\\]/g, "\\$&").replace(/\$\{/g, "\\${");
    let out = `\`${escapeText(texts[0] ?? "")}`;
    types.forEach((t, i) => {
      out += `\${${this.print(t, `${path} \${${i}}`)}}${escapeText(texts[i + 1] ?? "")}`;
    });
    return `${out}\``;
  }

  /**
   * @param {ts.Type} type
   * @param {string} path
   */
  #printObject(type, path) {
    const checker = this.checker;
    if (checker.isArrayType(type)) {
      const [element] = checker.getTypeArguments(/** @type {ts.TypeReference} */ (type));
      const readonly = type.getSymbol()?.getName() === "ReadonlyArray" ? "readonly " : "";
      return `${readonly}${this.#operand(/** @type {ts.Type} */ (element), `${path}[]`)}[]`;
    }
    if (checker.isTupleType(type)) {
      const reference = /** @type {ts.TypeReference} */ (type);
      const target = /** @type {ts.TupleType} */ (reference.target);
      const elements = checker.getTypeArguments(reference).map((element, i) => {
        const text = this.print(element, `${path}[${i}]`);
        const flags = target.elementFlags[i] ?? ts.ElementFlags.Required;
        if (flags & ts.ElementFlags.Optional) return `${text}?`;
        if (flags & ts.ElementFlags.Rest) return `...${text}[]`;
        if (flags & ts.ElementFlags.Variadic) return `...${text}`;
        return text;
      });
      return `${target.readonly ? "readonly " : ""}[${elements.join(", ")}]`;
    }
    /** @type {string[]} */
    const members = [];
    for (const signature of checker.getSignaturesOfType(type, ts.SignatureKind.Call)) {
      members.push(this.#signature(signature, `${path} ()`));
    }
    for (const signature of checker.getSignaturesOfType(type, ts.SignatureKind.Construct)) {
      members.push(`new ${this.#signature(signature, `${path} new()`)}`);
    }
    for (const info of checker.getIndexInfosOfType(type)) {
      const key = this.print(info.keyType, `${path} [key]`);
      const value = this.print(info.type, `${path} [${key}]`);
      members.push(`${info.isReadonly ? "readonly " : ""}[key: ${key}]: ${value}`);
    }
    for (const property of checker.getPropertiesOfType(type)) {
      members.push(this.#property(property, path));
    }
    // A lone call signature reads better (and parses the same) as a function type.
    if (members.length === 1 && members[0]?.startsWith("(")) {
      const [signature] = checker.getSignaturesOfType(type, ts.SignatureKind.Call);
      if (signature) return this.#signature(signature, `${path} ()`, " =>");
    }
    return members.length ? `{ ${members.join("; ")} }` : "{}";
  }

  /**
   * @param {ts.Symbol} property
   * @param {string} path
   */
  #property(property, path) {
    const name = property.getName();
    if (name.startsWith("__@")) return this.#unsupported(`the symbol-keyed property ${name}`, path);
    const key = propertyKey(name);
    const optional = property.flags & ts.SymbolFlags.Optional ? "?" : "";
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    const readonly =
      declaration && ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Readonly
        ? "readonly "
        : "";
    const value = this.print(this.checker.getTypeOfSymbol(property), `${path}.${name}`);
    return `${readonly}${key}${optional}: ${value}`;
  }

  /**
   * @param {ts.Signature} signature
   * @param {string} path
   * @param {string} arrow ":" for a member signature, " =>" for a function type
   */
  #signature(signature, path, arrow = ":") {
    if (signature.getTypeParameters()?.length) {
      return this.#unsupported("a generic call signature", path);
    }
    const params = signature.getParameters().map((parameter, i) => {
      const declaration = /** @type {ts.ParameterDeclaration | undefined} */ (
        parameter.valueDeclaration
      );
      const rest = declaration?.dotDotDotToken ? "..." : "";
      const optional = declaration && this.checker.isOptionalParameter(declaration) ? "?" : "";
      const type = this.print(this.checker.getTypeOfSymbol(parameter), `${path} (arg ${i})`);
      return `${rest}${parameter.getName()}${optional}: ${type}`;
    });
    const result = this.print(signature.getReturnType(), `${path} (return)`);
    return `(${params.join(", ")})${arrow} ${result}`;
  }

  /**
   * @param {string} what
   * @param {string} path
   * @returns {never}
   */
  #unsupported(what, path) {
    throw new Error(
      `Cannot inline ${what} at ${path} into @cairn/client's declarations: ` +
        "extend packages/client/scripts/type-printer.mjs to print it, or change the server's type.",
    );
  }
}

/**
 * A property name as written in a type literal: bare when it is an identifier, quoted otherwise.
 * @param {string} name
 */
export function propertyKey(name) {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}
