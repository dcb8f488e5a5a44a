#!/usr/bin/env python3
"""Outside probes of the admin API and webhooks (issue 12 items 3, 4, 5, 8).

Usage: python3 probes/admin_webhooks.py BINARY [cross|storm|storm-many|targets|journal ...]. Talks only to 127.0.0.1. Never fires an event while a
subscription to a refused (link-local / metadata) target exists: those probes only subscribe.
"""
import http.client
import json
import os
import socket
import subprocess
import sys
import time

BIN = sys.argv[1]


def start(*args):
    p = subprocess.Popen([BIN, "--port", "0", "--token", "pit-probe", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         env={**os.environ, "RUST_LOG": "warn"})
    line = p.stdout.readline().decode()
    if "http://" not in line:
        p.wait()
        return p, None, None
    addr = line.rsplit("http://", 1)[1].strip()
    host, port = addr.rsplit(":", 1)
    return p, host, int(port)


def req(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = dict(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        if not isinstance(body, (bytes, str)):
            h.setdefault("Content-Type", "application/json")
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    raw = r.read()
    c.close()
    try:
        return r.status, json.loads(raw) if raw else None
    except ValueError:
        return r.status, raw.decode(errors="replace")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    return s, s.getsockname()[1]


def attempts(port):
    _, body = req(port, "GET", "/__mock/webhooks/deliveries")
    return sum(len(d["attempts"]) for d in body["deliveries"]), body["deliveries"]


def agent_id(port):
    _, body = req(port, "GET", "/voice-ai/agents?locationId=mockLocation00000001",
                  headers={"Version": "2021-04-15", "Authorization": "Bearer pit-probe"})
    return body["agents"][0]["id"]


def probe_cross_site():
    print("## cross-site admin calls")
    p, _, port = start()
    try:
        evil = {"Origin": "https://evil.example"}
        cases = [
            ("POST /__mock/tokens text/plain + evil Origin", "POST", "/__mock/tokens",
             '{"token":"pit-evil1"}', {**evil, "Content-Type": "text/plain"}),
            ("POST /__mock/tokens form + evil Origin", "POST", "/__mock/tokens",
             "token=pit-evil2", {**evil, "Content-Type": "application/x-www-form-urlencoded"}),
            ("POST /__mock/webhooks/subscriptions text/plain, no Origin", "POST",
             "/__mock/webhooks/subscriptions", '{"url":"http://127.0.0.1:9/x"}',
             {"Content-Type": "text/plain"}),
            ("POST /__mock/tokens JSON + evil Origin", "POST", "/__mock/tokens",
             '{"token":"pit-evil3"}', {**evil, "Content-Type": "application/json"}),
            ("POST /__mock/tokens JSON + rebinding Origin/Host", "POST", "/__mock/tokens",
             '{"token":"pit-evil4"}', {"Origin": f"http://evil.example:{port}",
                                        "Host": f"evil.example:{port}",
                                        "Content-Type": "application/json"}),
            ("POST /__mock/tokens JSON, no Origin (curl)", "POST", "/__mock/tokens",
             '{"token":"pit-ok"}', {"Content-Type": "application/json"}),
        ]
        for name, m, path, body, headers in cases:
            status, reply = req(port, m, path, body, headers)
            print(f"{name}: {status} {json.dumps(reply)[:140]}")
        _, tokens = req(port, "GET", "/__mock/tokens")
        got = [t["token"] for t in tokens["tokens"] if t["token"].startswith("pit-evil")]
        print(f"tokens planted by the cross-site calls: {got}")
        status, reply = req(port, "POST", "/__mock/reset", "{}", {**evil, "Content-Type": "text/plain"})
        print(f"POST /__mock/reset text/plain + evil Origin: {status} {json.dumps(reply)[:140]}")
    finally:
        p.kill(); p.wait()
    p, _, port = start("--admin-token", "adm-probe")
    if port is None:
        print("--admin-token: the binary refused the flag")
    else:
        try:
            print("with --admin-token: GET /__mock/state no auth:", req(port, "GET", "/__mock/state")[0],
                  "| dev token:", req(port, "GET", "/__mock/state", headers={"Authorization": "Bearer pit-probe"})[0],
                  "| admin token:", req(port, "GET", "/__mock/state", headers={"Authorization": "Bearer adm-probe"})[0])
        finally:
            p.kill(); p.wait()


def probe_storm():
    print("## retry storm against a closed port")
    sock, dead = closed_port()
    p, _, port = start()
    try:
        status, reply = req(port, "PUT", "/__mock/webhooks/retry-policy",
                            {"maxAttempts": 1000000000, "initialDelayMs": 0})
        print(f"PUT retry-policy maxAttempts=1e9 delay 0: {status} {json.dumps(reply)[:160]}")
        if status != 200:
            req(port, "PUT", "/__mock/webhooks/retry-policy", {"maxAttempts": 20, "initialDelayMs": 0})
            print("  (then the largest accepted policy: maxAttempts 20, delay 0)")
        req(port, "POST", "/__mock/webhooks/subscriptions", {"url": f"http://127.0.0.1:{dead}/gone"})
        rss0 = rss_kb(p.pid)
        req(port, "POST", "/__mock/calls", {"agentId": agent_id(port)})
        time.sleep(1)
        a1, _ = attempts(port)
        time.sleep(4)
        a5, d5 = attempts(port)
        rss5 = rss_kb(p.pid)
        print(f"attempts after 1 s: {a1}; after 5 s: {a5}; rate over 1-5 s: {(a5 - a1) / 4:.0f}/s; "
              f"finished: {d5[0]['finished']}; RSS {rss0} -> {rss5} kB")
    finally:
        p.kill(); p.wait()
    # Cancellation: a slower storm, then unsubscribe / clear the journal / reset.
    for how in ("unsubscribe", "journal", "reset"):
        p, _, port = start()
        try:
            req(port, "PUT", "/__mock/webhooks/retry-policy",
                {"maxAttempts": 20, "initialDelayMs": 100, "maxDelayMs": 100})
            req(port, "POST", "/__mock/webhooks/subscriptions", {"url": f"http://127.0.0.1:{dead}/gone"})
            req(port, "POST", "/__mock/calls", {"agentId": agent_id(port)})
            time.sleep(0.35)
            before, _ = attempts(port)
            if how == "unsubscribe":
                req(port, "DELETE", "/__mock/webhooks/subscriptions/sub-1")
            elif how == "journal":
                req(port, "DELETE", "/__mock/journal")
            else:
                req(port, "POST", "/__mock/reset")
            time.sleep(0.1)
            at_cancel, _ = attempts(port)
            time.sleep(1.0)
            after, d = attempts(port)
            state = [(x["finished"], x.get("cancelled")) for x in d]
            print(f"{how}: attempts before {before}, listed just after {at_cancel}, 1 s later {after} "
                  f"(new attempts after the call: {after - at_cancel}); records {state}")
        finally:
            p.kill(); p.wait()
    sock.close()


def probe_storm_many():
    print("## retry storm, 100 simulated calls, one subscriber on a closed port")
    sock, dead = closed_port()
    p, _, port = start()
    try:
        status, _ = req(port, "PUT", "/__mock/webhooks/retry-policy",
                        {"maxAttempts": 1000000000, "initialDelayMs": 0})
        if status != 200:
            req(port, "PUT", "/__mock/webhooks/retry-policy", {"maxAttempts": 20, "initialDelayMs": 0})
        req(port, "POST", "/__mock/webhooks/subscriptions", {"url": f"http://127.0.0.1:{dead}/gone"})
        agent = agent_id(port)
        rss0 = rss_kb(p.pid)
        started = time.time()
        for _ in range(100):
            req(port, "POST", "/__mock/calls", {"agentId": agent})
        time.sleep(max(0.0, 5 - (time.time() - started)))
        a5, d5 = attempts(port)
        t = time.time()
        req(port, "GET", "/__mock/state")
        state_ms = (time.time() - t) * 1000
        time.sleep(5)
        a10, d10 = attempts(port)
        longest = max(len(d["attempts"]) for d in d10)
        unfinished = sum(1 for d in d10 if not d["finished"])
        print(f"policy maxAttempts=1e9 answered {status}; attempts listed after 5 s: {a5}, after 10 s: "
              f"{a10}; longest attempt list: {longest}; unfinished deliveries: {unfinished}; "
              f"GET /__mock/state during the storm: {state_ms:.0f} ms; RSS {rss0} -> {rss_kb(p.pid)} kB")
    finally:
        p.kill(); p.wait()
    sock.close()


def probe_targets():
    print("## webhook targets (subscribe only; no event is fired)")
    for extra in ([], ["--webhook-allow-any"]):
        p, _, port = start(*extra)
        if p.poll() is not None:
            print(f"{extra}: the binary refused the flag")
            continue
        try:
            for url in ["http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/",
                        "http://metadata.google.internal/computeMetadata/v1/", "http://2852039166/",
                        "http://user:pass@127.0.0.1:9/hook", "gopher://127.0.0.1:70/_x",
                        "ftp://127.0.0.1/x", "http://10.0.0.5/hook", "http://127.0.0.1:9/hook"]:
                status, reply = req(port, "POST", "/__mock/webhooks/subscriptions", {"url": url})
                msg = reply.get("message") if isinstance(reply, dict) else reply
                print(f"{' '.join(extra) or 'default'}: {url} -> {status} {json.dumps(msg)[:150] if status != 201 else ''}")
        finally:
            p.kill(); p.wait()


def probe_journal():
    print("## journal redaction (--journal-full-headers)")
    p, _, port = start("--journal-full-headers")
    try:
        secrets = {"Cookie": "sid=cookie-secret", "Proxy-Authorization": "Basic cHJveHk=",
                   "X-Api-Key": "apikey-secret", "X-Auth-Token": "authtoken-secret"}
        req(port, "GET", "/conversation-ai/agents/search",
            headers={"Version": "2021-04-15", "Authorization": "Bearer pit-probe", **secrets})
        _, j = req(port, "GET", "/__mock/journal")
        text = json.dumps(j)
        leaked = [k for k, v in secrets.items() if v in text] + (["Authorization"] if "pit-probe" in text else [])
        print(f"credential headers shown in clear by GET /__mock/journal: {len(leaked)} of 5 {leaked}")
    finally:
        p.kill(); p.wait()


if __name__ == "__main__":
    which = sys.argv[2:] or ["cross", "storm", "storm-many", "targets", "journal"]
    if "cross" in which: probe_cross_site()
    if "storm" in which: probe_storm()
    if "storm-many" in which: probe_storm_many()
    if "targets" in which: probe_targets()
    if "journal" in which: probe_journal()
