"""A receiver of smshook's contract in Python: schema/delivery.schema.json with Debian's python3-jsonschema."""
import calendar, hmac, http.server, json, os, pathlib, re
import jsonschema

SCHEMA = json.loads((pathlib.Path(__file__).parents[2] / "schema" / "delivery.schema.json").read_text())
DATE_TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-](\d\d):(\d\d))?", re.ASCII)
checker = jsonschema.FormatChecker(formats=())

def real_time(s, offset):  # the day exists, hh ≤ 23, mm and ss ≤ 59, offset ≤ ±23:59; the pattern has the rest
    m = DATE_TIME.fullmatch(s) if isinstance(s, str) else None
    if m is None or (m[8] is None) == offset:
        return not isinstance(s, str)
    y, mo, d, h, mi, se = (int(f) for f in m.groups()[:6])
    days = [31, 29 if calendar.isleap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return 1 <= mo <= 12 and 1 <= d <= days[mo - 1] and h < 24 and mi < 60 and se < 60 and int(m[9] or 0) < 24 and int(m[10] or 0) < 60

for name, offset in [("date-time", True), ("korean-local-date-time", False)]:
    checker.checks(name)(lambda s, offset=offset: real_time(s, offset))
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=checker)

def unique(pairs):  # a duplicate key is malformed: which value counts is not defined (RFC 8259 section 4)
    if len({k for k, _ in pairs}) != len(pairs):
        raise ValueError("duplicate key")
    return dict(pairs)

def not_json(constant):  # Python's json reads NaN, Infinity and -Infinity; JSON has no such numbers
    raise ValueError(constant + " is not JSON")

def read(body: bytes):
    """Returns ("malformed" | "invalid" | "valid", delivery or None, errors); strict UTF-8, no BOM, NaN or duplicate key."""
    try:
        doc = json.loads(body.decode("utf-8"), object_pairs_hook=unique, parse_constant=not_json)
    except ValueError as e:
        return "malformed", None, [str(e)]
    errors = [f"/{'/'.join(map(str, e.absolute_path))}: {e.validator}" for e in VALIDATOR.iter_errors(doc)]
    return ("invalid" if errors else "valid"), doc, errors  # pointers and keywords only: no value is echoed

class Receiver(http.server.BaseHTTPRequestHandler):  # 401 without the secret, 400 invalid or malformed, 200 valid
    secret = os.environ.get("SMSHOOK_SECRET", "").encode()  # the console's webhook secret, sent verbatim

    def do_POST(self):
        got = (self.headers.get("X-Toast-Webhook-Signature") or self.headers.get("X-Nhn-Webhook-Signature") or "").encode()
        n = self.headers.get("Content-Length", "")
        if not n.isdigit() or int(n) > 1 << 20:  # the receiver reads at most 1 MiB, and only a stated length
            return self.send_error(413 if n.isdigit() else 411)
        verdict, doc, _ = read(self.rfile.read(int(n)))
        known = bool(self.secret) and hmac.compare_digest(got, self.secret)
        self.send_response(401 if not known else 200 if verdict == "valid" else 400)  # hand doc over before a 200
        self.end_headers()

if __name__ == "__main__":
    http.server.HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Receiver).serve_forever()
