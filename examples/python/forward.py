"""An application behind `smshook serve --inbox FILE --forward-to URL`, in Python's standard library: it verifies each
forward's Standard Webhooks signature with hmac and reads the body as a Delivery of schema/delivery.schema.json."""
import base64, hashlib, hmac, http.server, os, time
from delivery import read

TOLERANCE = 5 * 60  # seconds between webhook-timestamp and now, as Standard Webhooks advises

def verified(secret: str, headers, body: bytes) -> bool:
    """Whether one of webhook-signature's "v1,BASE64" entries signs "ID.TIMESTAMP.BODY" with the whsec_ secret."""
    msg_id, ts = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not msg_id or not ts.isdigit() or abs(time.time() - int(ts)) > TOLERANCE:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest())
    return any(hmac.compare_digest(expected, s.partition(",")[2].encode())
               for s in headers.get("webhook-signature", "").split() if s.startswith("v1,"))

class Forwarded(http.server.BaseHTTPRequestHandler):  # 401 unverified, 400 not a Delivery, 200 once handled
    secret = os.environ.get("SMSHOOK_FORWARD_SECRET", "")
    on_delivery = staticmethod(lambda delivery: None)  # the application's work; an exception answers 500, and smshook retries

    def do_POST(self):
        n = self.headers.get("Content-Length", "")
        if not n.isdigit() or int(n) > 1 << 20:
            return self.send_error(413 if n.isdigit() else 411)
        body = self.rfile.read(int(n))
        if not self.secret or not verified(self.secret, self.headers, body):
            return self.send_error(401)
        verdict, delivery, _ = read(body)
        if verdict != "valid":
            return self.send_error(400)
        self.on_delivery(delivery)
        self.send_response(200)
        self.end_headers()

if __name__ == "__main__":
    http.server.HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "3000"))), Forwarded).serve_forever()
