import { expectThrowsCode } from "@cairn/vitest-config/expect-code";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorOf } from "./error-of.test-helpers.js";
import {
  isDirectoryMarkerKey,
  nameForAddFile,
  nameForDirEntry,
  nameForNewFile,
  nameForPrefixObject,
  nameForReference,
  normalizeEntryPath,
  parseReferenceUri,
} from "./index.js";

/**
 * One row of a seed table: the API call (as written in the seed), and the resulting artifact
 * contents. `names` computes what Cairn stores for that call.
 */
interface SeedRow {
  call: string;
  names: () => string[];
  expected: string[];
}

/** The files of a directory, as the client's walker reports them (relative to the directory). */
const dirFiles = (files: string[]) => files;

// seeds/001_* ("Construir artefactos"): project directory
//   imágenes/{gato.png, perro.png}, checkpoints/modelo.h5, modelo.h5
const seed001Files: SeedRow[] = [
  {
    call: "artifact.add_file('modelo.h5')",
    names: () => [nameForAddFile("modelo.h5")],
    expected: ["modelo.h5"],
  },
  {
    call: "artifact.add_file('checkpoints/modelo.h5')",
    names: () => [nameForAddFile("checkpoints/modelo.h5")],
    expected: ["modelo.h5"],
  },
  {
    call: "artifact.add_file('modelo.h5', name='modelos/mimodelo.h5')",
    names: () => [nameForAddFile("modelo.h5", { name: "modelos/mimodelo.h5" })],
    expected: ["modelos/mimodelo.h5"],
  },
  {
    call: "artifact.add_dir('imágenes')",
    names: () => dirFiles(["gato.png", "perro.png"]).map((f) => nameForDirEntry(f)),
    expected: ["gato.png", "perro.png"],
  },
  {
    call: "artifact.add_dir('imágenes', name='imágenes')",
    names: () =>
      dirFiles(["gato.png", "perro.png"]).map((f) => nameForDirEntry(f, { name: "imágenes" })),
    expected: ["imágenes/gato.png", "imágenes/perro.png"],
  },
  {
    call: "artifact.new_file('hola.txt')",
    names: () => [nameForNewFile("hola.txt")],
    expected: ["hola.txt"],
  },
  // The prose example of the same seed.
  {
    call: "artifact.add_file('ruta/archivo.txt')",
    names: () => [nameForAddFile("ruta/archivo.txt")],
    expected: ["archivo.txt"],
  },
];

// seeds/001_*: bucket s3://mi-bucket with imágenes/{gato.png, perro.png}, checkpoints/modelo.h5, modelo.h5
const seed001Refs: SeedRow[] = [
  {
    call: "artifact.add_reference('s3://mi-bucket/modelo.h5')",
    names: () => [nameForReference("s3://mi-bucket/modelo.h5")],
    expected: ["modelo.h5"],
  },
  {
    call: "artifact.add_reference('s3://mi-bucket/checkpoints/modelo.h5')",
    names: () => [nameForReference("s3://mi-bucket/checkpoints/modelo.h5")],
    expected: ["modelo.h5"],
  },
  {
    call: "artifact.add_reference('s3://mi-bucket/modelo.h5', name='modelos/mimodelo.h5')",
    names: () => [nameForReference("s3://mi-bucket/modelo.h5", { name: "modelos/mimodelo.h5" })],
    expected: ["modelos/mimodelo.h5"],
  },
  {
    call: "artifact.add_reference('s3://mi-bucket/imágenes')",
    names: () =>
      ["imágenes/gato.png", "imágenes/perro.png"].map((key) =>
        nameForPrefixObject("s3://mi-bucket/imágenes", key),
      ),
    expected: ["gato.png", "perro.png"],
  },
  {
    call: "artifact.add_reference('s3://mi-bucket/imágenes', name='imágenes')",
    names: () =>
      ["imágenes/gato.png", "imágenes/perro.png"].map((key) =>
        nameForPrefixObject("s3://mi-bucket/imágenes", key, { name: "imágenes" }),
      ),
    expected: ["imágenes/gato.png", "imágenes/perro.png"],
  },
];

// seeds/002_* ("Artifacts API"): project-directory images/{cat.png, dog.png}, checkpoints/model.h5, model.h5
const seed002Files: SeedRow[] = [
  {
    call: "artifact.add_file('model.h5')",
    names: () => [nameForAddFile("model.h5")],
    expected: ["model.h5"],
  },
  {
    call: "artifact.add_file('checkpoints/model.h5')",
    names: () => [nameForAddFile("checkpoints/model.h5")],
    expected: ["model.h5"],
  },
  {
    call: "artifact.add_file('model.h5', name='models/mymodel.h5')",
    names: () => [nameForAddFile("model.h5", { name: "models/mymodel.h5" })],
    expected: ["models/mymodel.h5"],
  },
  {
    call: "artifact.add_dir('images')",
    names: () => dirFiles(["cat.png", "dog.png"]).map((f) => nameForDirEntry(f)),
    expected: ["cat.png", "dog.png"],
  },
  {
    call: "artifact.add_dir('images', name='images')",
    names: () =>
      dirFiles(["cat.png", "dog.png"]).map((f) => nameForDirEntry(f, { name: "images" })),
    expected: ["images/cat.png", "images/dog.png"],
  },
  {
    call: "artifact.new_file('hello.txt')",
    names: () => [nameForNewFile("hello.txt")],
    expected: ["hello.txt"],
  },
];

// seeds/002_*: bucket s3://my-bucket with images/{cat.png, dog.png}, checkpoints/model.h5, model.h5
const seed002Refs: SeedRow[] = [
  {
    call: "artifact.add_reference('s3://my-bucket/model.h5')",
    names: () => [nameForReference("s3://my-bucket/model.h5")],
    expected: ["model.h5"],
  },
  {
    call: "artifact.add_reference('s3://my-bucket/checkpoints/model.h5')",
    names: () => [nameForReference("s3://my-bucket/checkpoints/model.h5")],
    expected: ["model.h5"],
  },
  {
    call: "artifact.add_reference('s3://my-bucket/model.h5', name='models/mymodel.h5')",
    names: () => [nameForReference("s3://my-bucket/model.h5", { name: "models/mymodel.h5" })],
    expected: ["models/mymodel.h5"],
  },
  {
    call: "artifact.add_reference('s3://my-bucket/images')",
    names: () =>
      ["images/cat.png", "images/dog.png"].map((key) =>
        nameForPrefixObject("s3://my-bucket/images", key),
      ),
    expected: ["cat.png", "dog.png"],
  },
  {
    call: "artifact.add_reference('s3://my-bucket/images', name='images')",
    names: () =>
      ["images/cat.png", "images/dog.png"].map((key) =>
        nameForPrefixObject("s3://my-bucket/images", key, { name: "images" }),
      ),
    expected: ["images/cat.png", "images/dog.png"],
  },
];

describe.each([
  ["seeds/001 add files", seed001Files],
  ["seeds/001 add references", seed001Refs],
  ["seeds/002 add files", seed002Files],
  ["seeds/002 add references", seed002Refs],
])("%s (normative table)", (_table, rows) => {
  it.each(rows.map((row) => [row.call, row] as const))("%s", (_call, row) => {
    expect(row.names()).toEqual(row.expected);
  });
});

describe("nameForAddFile", () => {
  it.each([
    ["/abs/dir/model.h5", {}, "model.h5"],
    ["C:\\data\\model.h5", {}, "model.h5"],
    ["./model.h5", {}, "model.h5"],
    ["checkpoints/model.h5", { name: "./a\\b.h5" }, "a/b.h5"],
    ["cafe\u0301.txt", {}, "caf\u00e9.txt"],
    ["model.h5", { name: undefined }, "model.h5"],
  ])("nameForAddFile(%j, %j) → %j", (local, options, expected) => {
    expect(nameForAddFile(local, options)).toBe(expected);
  });

  it.each([
    ["dir/", {}],
    ["", {}],
    ["dir/..", {}],
    ["model.h5", { name: "../escape.h5" }],
    ["model.h5", { name: "/abs.h5" }],
    ["model.h5", { name: "" }],
  ])("rejects nameForAddFile(%j, %j) with INVALID_PATH", (local, options) => {
    expectThrowsCode(() => nameForAddFile(local, options), "INVALID_PATH");
  });
});

describe("nameForDirEntry", () => {
  it.each([
    ["sub/x.png", {}, "sub/x.png"],
    ["sub\\x.png", { name: "pre/fix" }, "pre/fix/sub/x.png"],
  ])("nameForDirEntry(%j, %j) → %j", (rel, options, expected) => {
    expect(nameForDirEntry(rel, options)).toBe(expected);
  });

  it.each([
    ["../x.png", {}],
    ["x.png", { name: "../up" }],
    ["/x.png", { name: "images" }],
  ])("rejects nameForDirEntry(%j, %j)", (rel, options) => {
    expectThrowsCode(() => nameForDirEntry(rel, options), "INVALID_PATH");
  });
});

describe("nameForNewFile", () => {
  it("normalises and validates", () => {
    expect(nameForNewFile("./out/results.json")).toBe("out/results.json");
    expectThrowsCode(() => nameForNewFile("out/"), "INVALID_PATH");
  });
});

describe("nameForReference", () => {
  it.each([
    ["gs://my-bucket/checkpoints/model.h5", {}, "model.h5"],
    ["https://example.com/data/train.csv?x=1", {}, "train.csv"],
    ["https://example.com", {}, "example.com"],
    ["https://example.com/", {}, "example.com"],
    ["http://example.com/my%20file.txt", {}, "my file.txt"],
    ["file:///data/train.csv", {}, "train.csv"],
    ["file:///data/train.csv", { name: "data/train.csv" }, "data/train.csv"],
    ["s3://my-bucket/images/", {}, "images"],
  ])("nameForReference(%j, %j) → %j", (uri, options, expected) => {
    expect(nameForReference(uri, options)).toBe(expected);
  });

  it("accepts an already parsed URI", () => {
    expect(nameForReference(parseReferenceUri("s3://my-bucket/a/b.bin"))).toBe("b.bin");
  });

  it("rejects bad URIs and bad names", () => {
    expectThrowsCode(() => nameForReference("ftp://x/y"), "INVALID_URI");
    expectThrowsCode(() => nameForReference("s3://my-bucket/x", { name: "a//b" }), "INVALID_PATH");
  });
});

describe("nameForPrefixObject", () => {
  it.each([
    ["s3://my-bucket/images/", "images/cat.png", {}, "cat.png"],
    ["s3://my-bucket/images", "images/sub/deep/cat.png", {}, "sub/deep/cat.png"],
    ["s3://my-bucket", "images/cat.png", {}, "images/cat.png"],
    ["s3://my-bucket/", "model.h5", { name: "all" }, "all/model.h5"],
    ["gs://my-bucket/a/b", "a/b/c.txt", { name: "x/y" }, "x/y/c.txt"],
    // The prefix names a single object: named like a single reference.
    ["s3://my-bucket/model.h5", "model.h5", {}, "model.h5"],
    ["s3://my-bucket/checkpoints/model.h5", "checkpoints/model.h5", {}, "model.h5"],
    ["s3://my-bucket/model.h5", "model.h5", { name: "models/mymodel.h5" }, "models/mymodel.h5"],
  ])("nameForPrefixObject(%j, %j, %j) → %j", (prefix, key, options, expected) => {
    expect(nameForPrefixObject(prefix, key, options)).toBe(expected);
  });

  it.each([
    ["s3://my-bucket/images", "images2/cat.png", "INVALID_PATH", "outside the prefix"],
    ["s3://my-bucket/images", "other/cat.png", "INVALID_PATH", "outside the prefix"],
    ["s3://my-bucket/images", "imag", "INVALID_PATH", "outside the prefix"],
    ["s3://my-bucket/images", "images/sub/", "INVALID_PATH", "directory marker"],
    ["s3://my-bucket/images", "", "INVALID_PATH", "empty"],
    ["s3://my-bucket/images", "images/../x", "INVALID_PATH", '".."'],
    ["s3://my-bucket/images", "images//x", "INVALID_PATH", "empty segment"],
    ["https://example.com/images", "images/cat.png", "INVALID_URI", "only s3:// and gs://"],
    ["file:///images", "images/cat.png", "INVALID_URI", "only s3:// and gs://"],
  ])("rejects nameForPrefixObject(%j, %j) with %s", (prefix, key, code, fragment) => {
    const error = errorOf(() => nameForPrefixObject(prefix, key));
    expect(error.code).toBe(code);
    expect(error.message).toContain(fragment);
  });

  it("keeps every valid key's path relative to the prefix (property)", () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,12}$/);
    const segments = fc.array(segment, { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(
        segments,
        segments,
        fc.option(segments, { nil: undefined }),
        (prefix, rest, name) => {
          const prefixKey = prefix.join("/");
          const key = `${prefixKey}/${rest.join("/")}`;
          const options = name === undefined ? {} : { name: name.join("/") };
          const out = nameForPrefixObject(`s3://my-bucket/${prefixKey}`, key, options);
          expect(out).toBe(
            name === undefined ? rest.join("/") : `${name.join("/")}/${rest.join("/")}`,
          );
          expect(normalizeEntryPath(out)).toBe(out);
        },
      ),
    );
  });
});

describe("isDirectoryMarkerKey", () => {
  it("is true only for keys ending in '/'", () => {
    expect(isDirectoryMarkerKey("images/")).toBe(true);
    expect(isDirectoryMarkerKey("images/cat.png")).toBe(false);
  });
});
