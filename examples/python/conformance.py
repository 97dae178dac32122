"""Runs the conformance corpus through delivery.read and compares each verdict with cases.json's strict one, or
with the case's documented "jsonschema" verdict; exits 1 on any other disagreement.

usage: /usr/bin/python3 examples/python/conformance.py conformance_test/testdata internal/fixtures/vendor
"""
import http.client, http.server, json, pathlib, sys, threading
from delivery import Receiver, read

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

# The receiver on a real socket: a valid delivery 200, an invalid one 400, a wrong secret 401.
failed = []
class Quiet(Receiver):
    def log_message(self, *args):  # no request lines in make test's output
        pass

Quiet.secret = b"conformance-s3cret"
server = http.server.HTTPServer(("127.0.0.1", 0), Quiet)
threading.Thread(target=server.serve_forever, daemon=True).start()
for file, secret, want in [("valid/email-unsubscribe-full.json", "conformance-s3cret", 200),
                        ("invalid/unsubscribe-hooks-empty.json", "conformance-s3cret", 400),
                        ("valid/email-unsubscribe-full.json", "other", 401), ("valid/email-unsubscribe-full.json", "", 401),
                        ("invalid/unsubscribe-truncated.json", "conformance-s3cret", 400), ("2 MiB", "conformance-s3cret", 413)]:
    headers = {"Content-Type": "application/json", "X-Toast-Webhook-Signature": secret} | ({"Content-Length": str(2 << 20)} if file == "2 MiB" else {})
    conn = http.client.HTTPConnection(*server.server_address, timeout=10)
    conn.request("POST", "/", b"{}" if file == "2 MiB" else (corpus / file).read_bytes(), headers)
    if (got := conn.getresponse().status) != want:
        failed.append(f"FAIL receiver: {file} with a secret {bool(secret)}: status {got}, want {want}")
server.shutdown()
print(*disagree, *failed, sep="\n") if disagree or failed else None
print(f"python jsonschema: {len(cases)} cases, {agree} agree with strict, {documented} differ as documented, {len(disagree)} disagree")
print(f"python receiver: 6 requests, {6 - len(failed)} answered as expected")
sys.exit(1 if disagree or failed else 0)
