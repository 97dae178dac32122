// Validates every case of the conformance corpus with Ajv, an independent JSON Schema validator, against the
// schemas of openapi.yaml, chosen by (productName, event) as the contract's two discriminators say, and compares its verdict with the expected strict verdict of cases.json (the one
// kin-openapi must give too). Exits 1 on any disagreement that cases.json does not document under "js".
//
// usage: node ajv.mjs ../../openapi.yaml ../testdata ../../internal/fixtures/vendor
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { caseReader } from "./corpus.mjs";

const [specPath, corpusDir, vendorDir] = process.argv.slice(2);
if (!specPath || !corpusDir || !vendorDir) {
  console.error("usage: node ajv.mjs OPENAPI_YAML CORPUS_DIR VENDOR_DIR");
  process.exit(2);
}
const readCase = caseReader(corpusDir, vendorDir);

const spec = parse(readFileSync(specPath, "utf8"));
// OpenAPI 3.0 schema objects are JSON Schema with a few keywords of their own: Ajv knows nullable and
// discriminator; the annotations are declared so that Ajv's strict mode still catches real typos.
const ajv = new Ajv({ strict: true, allErrors: true, discriminator: true, strictTypes: false });
addFormats(ajv, { mode: "full" });
// realDay reports whether day d of month mo exists in year y of the proleptic Gregorian calendar (Date.UTC would
// read years 0 to 99 as 1900 to 1999).
const realDay = (y, mo, d) => mo >= 1 && mo <= 12 && d >= 1 &&
  d <= [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
// The contract's date-time is RFC 3339 section 5.6 exactly, as validate reads it (ajv-formats' own accepts a space
// for the T, "+0900", "+09" and second 60): every field has its digits, T and Z are upper case (Go's time package
// requires it, and the RFC lets a case-sensitive format do so), the fraction follows a point, the day exists,
// hour ≤ 23, minute and second ≤ 59 (no leap second), and the offset is Z or ±hh:mm with hh ≤ 23 and mm ≤ 59.
const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/;
ajv.addFormat("date-time", (s) => {
  const m = rfc3339.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se, oh, om] = m.slice(1).map((f) => Number(f ?? 0));
  return realDay(y, mo, d) && h <= 23 && mi <= 59 && se <= 59 && oh <= 23 && om <= 59;
});
// The contract's own format for requestDate/receiveDate: yyyy-MM-ddTHH:mm:ss, a real day, no offset.
ajv.addFormat("korean-local-date-time", (s) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  return realDay(y, mo, d) && h <= 23 && mi <= 59 && se <= 59;
});
ajv.addVocabulary(["example", "x-go-type", "x-enum-varnames", "x-enum-descriptions",
  "x-oapi-codegen-extra-tags"]);

const base = "https://smshook.invalid/openapi.json";
const text = JSON.stringify({ $id: base, definitions: spec.components.schemas })
  .replaceAll('"#/components/schemas/', '"#/definitions/');
ajv.addSchema(JSON.parse(text));
const schemaOf = (name) => ajv.getSchema(`${base}#/definitions/${name}`);

// The request body's schema, through its $ref: a oneOf whose discriminator maps productName to a product's
// schema, itself a oneOf whose discriminator maps event to an envelope. Ajv's discriminator keyword wants the
// property declared by each member of the oneOf, which a product's oneOf is not, so the dispatch is done here,
// from the two mappings.
const named = (ref) => ref.split("/").pop();
let body = spec.paths["/"].post.requestBody.content["application/json"].schema;
if (body.$ref) body = spec.components.schemas[named(body.$ref)];
const envelopes = Object.fromEntries(Object.entries(body.discriminator.mapping).map(([product, ref]) => {
  const byEvent = spec.components.schemas[named(ref)].discriminator;
  if (byEvent?.propertyName !== "event") throw new Error(`${named(ref)}: no discriminator on event`);
  return [product, Object.fromEntries(Object.entries(byEvent.mapping).map(([event, r]) => [event, schemaOf(named(r))]))];
}));
const generic = schemaOf("Envelope");

// schemaFor returns the envelope of a delivery's (productName, event), or the generic Envelope for a product or an
// event the contract does not know, or an event its product does not send: the generic envelope accepts any pair
// of known names, where validate (Go) also reports /event for the pair.
const schemaFor = (doc) => (Object.hasOwn(envelopes, doc.productName) && Object.hasOwn(envelopes[doc.productName], doc.event) ?
  envelopes[doc.productName][doc.event] : generic);

// verdict: "malformed" when JSON.parse refuses the text, else "valid" or "invalid" by the event's schema.
function verdict(bytes) {
  let doc;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return { verdict: "malformed", errors: [] };
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    return { verdict: "invalid", errors: ["(body) must be an object"] };
  }
  const validate = schemaFor(doc);
  const ok = validate(doc);
  return { verdict: ok ? "valid" : "invalid", errors: (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`) };
}

const cases = JSON.parse(readFileSync(join(corpusDir, "cases.json"), "utf8"));
let agree = 0, documented = 0;
const disagreements = [];
for (const c of cases) {
  const got = verdict(readCase(c.file));
  const expected = c.js ? c.js.verdict : c.strict;
  if (got.verdict !== expected) {
    disagreements.push(`${c.file}: ajv ${got.verdict}, expected ${expected}${c.js ? " (documented: " + c.js.why + ")" : ""} ${got.errors.join("; ")}`);
  } else if (c.js) {
    documented++;
  } else {
    agree++;
  }
}
for (const d of disagreements) console.log("DISAGREE " + d);
console.log(`ajv: ${cases.length} cases, ${agree} agree with kin-openapi strict, ${documented} differ as documented, ${disagreements.length} disagree`);
process.exit(disagreements.length ? 1 : 0);
