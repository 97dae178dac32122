"""Runs the conformance corpus through delivery.read and compares each verdict with cases.json's strict one, or
with the case's documented "jsonschema" verdict; exits 1 on any other disagreement.

usage: /usr/bin/python3 examples/python/conformance.py conformance_test/testdata internal/fixtures/vendor
"""
import json, pathlib, sys
from delivery import read

corpus, vendor = map(pathlib.Path, sys.argv[1:3])
cases = json.loads((corpus / "cases.json").read_text())
agree = documented = 0
disagree = []
for c in cases:
    folder, _, name = c["file"].partition("/")
    verdict, _, errors = read(((vendor if folder == "vendor" else corpus / folder) / name).read_bytes())
    expected = c.get("jsonschema", {}).get("verdict", c["strict"])
    if verdict != expected:
        disagree.append(f"DISAGREE {c['file']}: python {verdict}, expected {expected}: {'; '.join(errors)}")
    elif "jsonschema" in c:
        documented += 1
    else:
        agree += 1
print(*disagree, sep="\n") if disagree else None
print(f"python jsonschema: {len(cases)} cases, {agree} agree with strict, {documented} differ as documented, {len(disagree)} disagree")
sys.exit(1 if disagree else 0)
