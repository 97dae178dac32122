// codes.mjs validates the result-code catalogue (result-codes.json) against its JSON Schema with Ajv's 2020-12
// validator, as another language reads it, and checks what a schema cannot: each (kind, code) once, and the
// outcomes the Go lookups and Outcome() rules are built on.
//
//   node codes.mjs ../../result-codes.json ../../result-codes.schema.json
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";

const [catalogueFile, schemaFile] = process.argv.slice(2);
const catalogue = JSON.parse(readFileSync(catalogueFile, "utf8"));
const schema = JSON.parse(readFileSync(schemaFile, "utf8"));

// strictRequired and strictTypes are Ajv's lints beyond JSON Schema: they want every required name and every
// type repeated inside each conditional branch, which the schema states once, under properties.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
const validate = ajv.compile(schema);
let failures = 0;
const fail = (msg) => {
  console.error(`codes: ${msg}`);
  failures++;
};
if (!validate(catalogue)) {
  for (const e of validate.errors) fail(`${e.instancePath || "(catalogue)"}: ${e.message}`);
}
const rows = Array.isArray(catalogue) ? catalogue : catalogue.codes ?? [];
const seen = new Set();
for (const row of rows) {
  const key = `${row.kind} ${row.code}`;
  if (seen.has(key)) fail(`${key} is listed twice`);
  seen.add(key);
}
const outcome = (kind, code) => rows.find((r) => r.kind === kind && r.code === code)?.outcome;
if (outcome("receive", "1000") !== "success") fail("receive 1000 is not the success");
if (outcome("dlr-status", "DELIVERED") !== "success") fail("DLR DELIVERED is not a success");
for (const pending of ["ACCEPTED", "BUFFERED"]) {
  if (outcome("dlr-status", pending) !== "pending") fail(`DLR ${pending} is not pending`);
}
if (rows.filter((r) => r.kind === "receive" && r.outcome === "success").length !== 1) fail("more than one receive success");
if (failures > 0) process.exit(1);
console.log(`codes: ${rows.length} codes valid against ${schemaFile.split("/").pop()}`);
