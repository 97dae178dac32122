// Validates every case of the conformance corpus with Ajv against schema/delivery.schema.json, the contract as
// plain JSON Schema (draft-04, through Ajv's own draft-04 class): no OpenAPI option, no dispatch of ours, only the
// date-time formats the schema names. Compares each verdict with cases.json's strict one, or the case's
// documented "jsonschema" verdict; where the two differ only because JSON.parse loses what the Go reader sees (a
// number's lexical form, duplicate keys, a byte order mark), the case's "js" entry documents it. Exits 1 on any
// other disagreement.
//
// usage: node jsonschema.mjs ../../schema/delivery.schema.json ../testdata ../../internal/fixtures/vendor
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv-draft-04";
import { caseReader } from "./corpus.mjs";

const [schemaPath, corpusDir, vendorDir] = process.argv.slice(2);
if (!schemaPath || !corpusDir || !vendorDir) {
  console.error("usage: node jsonschema.mjs SCHEMA_JSON CORPUS_DIR VENDOR_DIR");
  process.exit(2);
}
const readCase = caseReader(corpusDir, vendorDir);

const ajv = new Ajv({ strict: true, allErrors: true });
// realTime reports whether the fields of a date-time the schema's pattern already shaped hold a real instant: the
// day exists in the proleptic Gregorian calendar, hour ≤ 23, minute and second ≤ 59, offset up to ±23:59.
const realTime = (withOffset) => (s) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/.exec(s);
  if (!m || (m[7] !== undefined) !== withOffset) return false;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= days[mo - 1] && h <= 23 && mi <= 59 && se <= 59 &&
    Number(m[8] ?? 0) <= 23 && Number(m[9] ?? 0) <= 59;
};
ajv.addFormat("date-time", realTime(true));
ajv.addFormat("korean-local-date-time", realTime(false));
ajv.addFormat("int64", { type: "number", validate: () => true }); // the schema's bounds say it
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));

// verdict: "malformed" when JSON.parse refuses the text, else "valid" or "invalid" by the schema.
function verdict(bytes) {
  let doc;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return { verdict: "malformed", errors: [] };
  }
  const ok = validate(doc);
  return { verdict: ok ? "valid" : "invalid", errors: (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`) };
}

const cases = JSON.parse(readFileSync(join(corpusDir, "cases.json"), "utf8"));
let agree = 0, documented = 0;
const disagreements = [];
for (const c of cases) {
  const got = verdict(readCase(c.file));
  const expected = c.jsonschema ? c.jsonschema.verdict : c.strict;
  if (got.verdict === expected) {
    c.jsonschema ? documented++ : agree++;
  } else if (c.js && got.verdict === c.js.verdict && /JSON\.parse|TextDecoder/.test(c.js.why)) {
    documented++;
  } else {
    disagreements.push(`${c.file}: ajv ${got.verdict}, expected ${expected} ${got.errors.slice(0, 5).join("; ")}`);
  }
}
for (const d of disagreements) console.log("DISAGREE " + d);
console.log(`ajv jsonschema: ${cases.length} cases, ${agree} agree with strict, ${documented} differ as documented, ${disagreements.length} disagree`);
process.exit(disagreements.length ? 1 : 0);
