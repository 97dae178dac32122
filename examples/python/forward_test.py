"""forward.py against a real `smshook serve --inbox FILE --forward-to URL`: smshook is built from this checkout,
`smshook send` posts the documented sample of every kind, and each must reach the application verified, valid and
with its webhookConfigId; a forward signed with another secret is refused. Ends with "N passed, N failed"."""
import base64, http.server, json, os, pathlib, secrets, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request
from forward import Forwarded

ROOT = pathlib.Path(__file__).resolve().parents[2]
KINDS = [("SMS", e) for e in ("UNSUBSCRIBE", "MESSAGE_RESULT_UPDATE", "CONVERSION_BLOCK", "INTERNATIONAL_DELIVERY_RECEIPT")] + \
        [("Email", "UNSUBSCRIBE"), ("Email", "MESSAGE_RESULT_UPDATE"),
         ("KakaoTalk Bizmessage", "MESSAGE_RESULT_UPDATE"), ("KakaoTalk Bizmessage", "TEMPLATE_STATUS_UPDATE")]
results = {"passed": 0, "failed": 0}

def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else ": " + str(detail)), flush=True)

class Quiet(Forwarded):
    def log_message(self, *args):  # no request lines in make test's output
        pass

def main():
    work = pathlib.Path(tempfile.mkdtemp(prefix="smshook-example-python-"))
    binary = work / "smshook"
    subprocess.run([os.environ.get("GO", "go"), "build", "-o", str(binary), "./cmd/smshook"], cwd=ROOT, check=True)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    got, lock = [], threading.Lock()
    def handle(delivery):
        with lock:
            got.append(delivery)
    Quiet.secret, Quiet.on_delivery = secret, staticmethod(handle)
    app = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    app_url = f"http://127.0.0.1:{app.server_address[1]}/nhn"
    env = dict(os.environ, SMSHOOK_SECRET="s3cret", SMSHOOK_FORWARD_SECRET=secret)
    serve = subprocess.Popen([str(binary), "serve", "--addr", "127.0.0.1:0", "--inbox", str(work / "inbox.db"),
                              "--forward-to", app_url], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = []
    url = None
    for line in serve.stderr:  # serve logs one JSON line per event; "listening on URL" says where it listens
        log.append(line)
        msg = json.loads(line).get("msg", "")
        if msg.startswith("listening on "):
            url = msg.removeprefix("listening on ")
            break
    threading.Thread(target=lambda: log.extend(serve.stderr), daemon=True).start()
    check("serve listens", url is not None, "".join(log))
    for product, event in KINDS:
        sent = subprocess.run([str(binary), "send", "--url", url, "--product", product, "--event", event],
                              env=env, capture_output=True, text=True)
        check(f"send {product} {event}", sent.returncode == 0, sent.stderr)
    deadline = time.time() + 30
    while len(got) < len(KINDS) and time.time() < deadline:
        time.sleep(0.05)
    for product, event in KINDS:
        mine = [d for d in got if (d["productName"], d["event"]) == (product, event)]
        check(f"{product} {event} arrived once, verified and valid", len(mine) == 1, f"{len(mine)} arrived")
        if mine:
            check(f"{product} {event} carries webhookConfigId", bool(mine[0].get("webhookConfigId")))
    body = json.dumps({"hooksId": "h", "webhookConfigId": "w", "productName": "SMS", "appKey": "k",
                       "event": "CONVERSION_BLOCK", "hooks": [{"hookId": "1", "countryCode": "1"}]}).encode()
    forged = urllib.request.Request(app_url, data=body, headers={"webhook-id": "msg_forged", "webhook-timestamp": str(int(time.time())),
                                    "webhook-signature": "v1," + base64.b64encode(secrets.token_bytes(32)).decode()})
    try:
        status = urllib.request.urlopen(forged).status
    except urllib.error.HTTPError as e:
        status = e.code
    check("a forward signed with another secret is refused (401)", status == 401, status)
    serve.terminate()
    check("serve stops on SIGTERM with exit 0", serve.wait(timeout=30) == 0, "".join(log))
    check("serve never logs the forward secret", secret.removeprefix("whsec_") not in "".join(log))
    app.shutdown()
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 0 if results["failed"] == 0 else 1

if __name__ == "__main__":
    sys.exit(main())
