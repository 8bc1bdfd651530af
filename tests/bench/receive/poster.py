# SPDX-License-Identifier: ISC
# The portal's side of the receive benchmark: signs each booking as Standard
# Webhooks does (HMAC-SHA256 of "id.timestamp.body", whsec_ secret) and posts it
# to hmac-receive, at a steady rate and then in one burst; meanwhile tails the
# follower's results file to see when each booking's record was made.
# Prints one line per booking: phase id ack_time result_time (seconds).
import base64, hashlib, hmac, http.client, json, os, sys, threading, time

url_port, results, secret, rate, seconds, burst, booking = sys.argv[1:8]
port, rate, seconds, burst = int(url_port), float(rate), float(seconds), int(burst)
key = base64.b64decode(secret.split("_", 1)[1])
template = json.load(open(booking))
acked, seen, lock = {}, {}, threading.Lock()
stop = threading.Event()

def post(bid, phase):
    b = dict(template, id=bid)
    b["invitee"] = dict(template["invitee"], last_name="P" + bid)
    body = json.dumps(b, separators=(",", ":"))
    mid, ts = "msg_" + bid, str(int(time.time()))
    mac = hmac.new(key, f"{mid}.{ts}.{body}".encode(), hashlib.sha256).digest()
    hdr = {"webhook-id": mid, "webhook-timestamp": ts, "content-type": "application/json",
           "webhook-signature": "v1," + base64.b64encode(mac).decode()}
    for _ in range(50):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("POST", "/hooks/acme", body, hdr)
            r = c.getresponse(); r.read(); c.close()
            if r.status == 200:
                with lock:
                    acked[bid] = (phase, time.time())
                return
        except OSError:
            pass
        time.sleep(0.05)
    print(f"poster: {bid} never acknowledged", file=sys.stderr)

def tail():
    pos = 0
    while not stop.is_set():
        with open(results, "rb") as f:
            f.seek(pos)
            data = f.read()
        end = data.rfind(b"\n") + 1
        now = time.time()
        for line in data[:end].splitlines():
            r = json.loads(line)
            if r.get("ok") and r.get("id") not in seen:
                seen[r["id"]] = now
        pos += end
        time.sleep(0.01)

t = threading.Thread(target=tail, daemon=True); t.start()
threads, start, n = [], time.time(), int(rate * seconds)
for i in range(n):   # steady: booking i leaves at start + i / rate
    delay = start + i / rate - time.time()
    if delay > 0:
        time.sleep(delay)
    th = threading.Thread(target=post, args=(f"st-{i}", "steady")); th.start(); threads.append(th)
for th in threads:
    th.join()
steady_end = time.time()
time.sleep(3)
print(f"mark steady {start:.3f} {steady_end:.3f}", flush=True)
bstart, threads = time.time(), []
sem = threading.Semaphore(16)   # 16 connections at once
def burst_post(bid):
    with sem:
        post(bid, "burst")
for i in range(burst):
    th = threading.Thread(target=burst_post, args=(f"bu-{i}",)); th.start(); threads.append(th)
for th in threads:
    th.join()
deadline = time.time() + 60
while time.time() < deadline and len([b for b in acked if b in seen]) < len(acked):
    time.sleep(0.05)
stop.set()
print(f"mark burst {bstart:.3f} {time.time():.3f}", flush=True)
for bid, (phase, at) in sorted(acked.items()):
    print(phase, bid, f"{at:.3f}", f"{seen[bid]:.3f}" if bid in seen else "-")
