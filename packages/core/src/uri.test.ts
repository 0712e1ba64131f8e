import { expectThrowsCode } from "@cairn/vitest-config/expect-code";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorOf } from "./error-of.test-helpers.js";
import {
  formatReferenceUri,
  isCairnError,
  type ParsedReferenceUri,
  parseReferenceUri,
  REFERENCE_URI_SCHEMES,
  uriBaseName,
  validateBucketName,
} from "./index.js";

describe("parseReferenceUri", () => {
  it.each<[string, ParsedReferenceUri]>([
    ["s3://my-bucket/model.h5", { scheme: "s3", bucket: "my-bucket", key: "model.h5" }],
    [
      "s3://my-bucket/checkpoints/model.h5",
      { scheme: "s3", bucket: "my-bucket", key: "checkpoints/model.h5" },
    ],
    ["s3://my-bucket/images", { scheme: "s3", bucket: "my-bucket", key: "images" }],
    ["s3://my-bucket/images/", { scheme: "s3", bucket: "my-bucket", key: "images/" }],
    ["s3://my-bucket", { scheme: "s3", bucket: "my-bucket", key: "" }],
    ["s3://my-bucket/", { scheme: "s3", bucket: "my-bucket", key: "" }],
    ["S3://my.bucket-1/a b?c#d", { scheme: "s3", bucket: "my.bucket-1", key: "a b?c#d" }],
    ["gs://my-bucket/data/x.csv", { scheme: "gs", bucket: "my-bucket", key: "data/x.csv" }],
    ["gs://my_bucket/x", { scheme: "gs", bucket: "my_bucket", key: "x" }],
    ["https://example.com/a/b.csv", { scheme: "https", url: "https://example.com/a/b.csv" }],
    ["HTTPS://Example.COM", { scheme: "https", url: "https://example.com/" }],
    ["http://localhost:8080/x?y=1", { scheme: "http", url: "http://localhost:8080/x?y=1" }],
    ["https://h.io/a%20b", { scheme: "https", url: "https://h.io/a%20b" }],
    ["file:///data/train.csv", { scheme: "file", path: "/data/train.csv" }],
    ["file://localhost/data/x", { scheme: "file", path: "/data/x" }],
    ["file:///my%20dir/x%23y", { scheme: "file", path: "/my dir/x#y" }],
    ["file:///C:/data/x.csv", { scheme: "file", path: "C:/data/x.csv" }],
    ["FILE:///x", { scheme: "file", path: "/x" }],
  ])("%j", (uri, expected) => {
    expect(parseReferenceUri(uri)).toEqual(expected);
  });

  it.each([
    ["", "empty"],
    ["model.h5", "no scheme"],
    ["/abs/path", "no scheme"],
    ["ftp://host/x", '"ftp" is not supported'],
    ["azure://c/x", "s3, gs, http, https, file"],
    ["s3:/my-bucket/x", 's3://"'],
    ["s3://", "bucket name is missing"],
    ["s3:///key", "bucket name is missing"],
    ["s3://ab/x", "Invalid bucket name"],
    ["s3://My-Bucket/x", "Invalid bucket name"],
    ["s3://my_bucket/x", "Invalid bucket name"],
    [`s3://${"b".repeat(64)}/x`, "Invalid bucket name"],
    ["s3://-bucket/x", "start and end"],
    ["s3://bucket-/x", "start and end"],
    [`s3://bucket/${"k".repeat(1025)}`, "1024"],
    ["s3://bucket/a\nb", "control character"],
    ["https://", "not a valid URL"],
    ["https://user:pw@host/x", "credentials"],
    ["file://server/share/x", "only local files"],
    ["file:relative/x", "absolute path"],
    ["file:///", "path is missing"],
    ["file://", "path is missing"],
    ["file:///a?b", "query or fragment"],
    ["file:///a%ZZ", "percent-encoding"],
    ["file:///a%00b", "control character"],
  ])("rejects %j with INVALID_URI (%s)", (uri, fragment) => {
    const error = errorOf(() => parseReferenceUri(uri));
    expect(error.code).toBe("INVALID_URI");
    expect(error.message).toContain(fragment);
  });

  it("lists the supported schemes for an unknown one", () => {
    const message = errorOf(() => parseReferenceUri("wandb://x/y")).message;
    for (const scheme of REFERENCE_URI_SCHEMES) expect(message).toContain(scheme);
  });
});

describe("validateBucketName", () => {
  it.each(["abc", "my-bucket", "my.bucket.2", "0abc", "a".repeat(63)])("accepts %j", (bucket) => {
    expect(validateBucketName(bucket)).toBe(bucket);
  });

  it.each(["", "ab", "a".repeat(64), "ABC", "a_b", "a b", ".abc", "abc.", "-abc", "abc-"])(
    "rejects %j",
    (bucket) => {
      expectThrowsCode(() => validateBucketName(bucket), "INVALID_URI");
    },
  );

  it("allows '_' on gs only", () => {
    expect(validateBucketName("my_bucket", "gs")).toBe("my_bucket");
    expectThrowsCode(() => validateBucketName("my_bucket", "s3"), "INVALID_URI");
  });
});

describe("uriBaseName", () => {
  it.each([
    ["s3://my-bucket/model.h5", "model.h5"],
    ["s3://my-bucket/checkpoints/model.h5", "model.h5"],
    ["s3://my-bucket/images/", "images"],
    ["s3://my-bucket", "my-bucket"],
    ["gs://my-bucket/a/b/c.parquet", "c.parquet"],
    ["https://example.com/data/train.csv", "train.csv"],
    ["https://example.com/data/train.csv?raw=1#top", "train.csv"],
    ["https://example.com/dir/", "dir"],
    ["https://example.com", "example.com"],
    ["https://example.com/", "example.com"],
    ["http://example.com:8080", "example.com"],
    ["https://example.com/my%20file.txt", "my file.txt"],
    ["https://example.com/a%2Fb", "a%2Fb"],
    ["https://example.com/%E0%A4%A", "%E0%A4%A"],
    ["file:///data/train.csv", "train.csv"],
    ["file:///C:/data/x.csv", "x.csv"],
  ])("uriBaseName(%j) → %j", (uri, expected) => {
    expect(uriBaseName(parseReferenceUri(uri))).toBe(expected);
  });
});

describe("formatReferenceUri round-trips", () => {
  const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
  const key = fc.string({ unit: "grapheme", maxLength: 60 }).filter((k) => !/\p{Cc}/u.test(k));
  const bucketUri = fc.record({
    scheme: fc.constantFrom("s3" as const, "gs" as const),
    bucket,
    key,
  });
  const segment = fc
    .string({ unit: "grapheme", minLength: 1, maxLength: 12 })
    .filter((s) => !/[/\p{Cc}]/u.test(s));
  const fileUri = fc
    .array(segment, { minLength: 1, maxLength: 5 })
    .map((segments) => ({ scheme: "file" as const, path: `/${segments.join("/")}` }));
  const httpUri = fc
    .webUrl({ withQueryParameters: true, withFragments: true })
    .map((u) => parseReferenceUri(u));

  it("parseReferenceUri(formatReferenceUri(p)) equals p", () => {
    fc.assert(
      fc.property(fc.oneof(bucketUri, fileUri, httpUri), (parsed) => {
        expect(parseReferenceUri(formatReferenceUri(parsed))).toEqual(parsed);
      }),
      { numRuns: 1000 },
    );
  });

  it("never throws anything but INVALID_URI on arbitrary input", () => {
    fc.assert(
      fc.property(
        fc
          .oneof(fc.string(), fc.webUrl(), fc.constantFrom("s3://", "gs://", "file://"))
          .chain((p) => fc.string({ maxLength: 20 }).map((s) => p + s)),
        (input) => {
          try {
            parseReferenceUri(input);
          } catch (error) {
            expect(isCairnError(error, "INVALID_URI")).toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
