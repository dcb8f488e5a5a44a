#!/usr/bin/env python3
"""Network probes of the release binary: memory under large bodies, and slow sockets.

Usage (from the workspace root, after `cargo build --release -p mock-server`):

    python3 crates/mock-server/probes/network_probe.py memory  target/release/highlevel-mock [THREADS]
    python3 crates/mock-server/probes/network_probe.py sockets target/release/highlevel-mock [NOFILE]

`memory` sends 10,000 POSTs of 900 KB (half with the dev token, half without) from 16 threads
(or THREADS) and samples the server's RSS; `sockets` opens 20,000 connections that send half a request head
(from two processes, as one process may hold fewer descriptors than that), then times fresh
requests while they are open and again 35 s later; NOFILE sets the server's soft descriptor
limit (e.g. 1024, a common default) so that the sockets outnumber it. Only 127.0.0.1 is used.
"""

import http.client
import multiprocessing
import os
import resource
import socket
import subprocess
import sys
import threading
import time


def start(binary, *flags, nofile=None):
    """Starts the server on a free port (with a soft descriptor limit of `nofile`, if given);
    returns (process, port, dev token)."""

    def limit():
        if nofile is not None:
            _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))

    process = subprocess.Popen(
        [binary, "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "RUST_LOG": "warn"},
        text=True,
        preexec_fn=limit,
    )
    port = int(process.stdout.readline().rsplit(":", 1)[1])
    token = process.stdout.readline().split()[-1]
    return process, port, token


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS line")


def request(port, method, path, body=b"", headers=None, timeout=10):
    """One request on a fresh connection; returns the status, or the exception's name."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    except Exception as error:  # the probe counts failures instead of stopping on them
        return type(error).__name__
    finally:
        connection.close()


def memory(binary, threads=16, total=10_000):
    process, port, token = start(binary, "--empty")
    try:
        time.sleep(1)
        idle = rss_mib(process.pid)
        body = b'{"agentName":"' + b"x" * (900 * 1024) + b'"}'
        path = "/voice-ai/agents?locationId=mockLocation00000001"
        statuses = {}
        lock = threading.Lock()
        counter = iter(range(total))
        peak = [idle]

        def worker():
            for i in counter:
                headers = {"Version": "2021-04-15", "Content-Type": "application/json"}
                if i % 2 == 0:
                    headers["Authorization"] = f"Bearer {token}"
                status = request(port, "POST", path, body, headers)
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

        def sampler():
            while any(t.is_alive() for t in workers):
                peak[0] = max(peak[0], rss_mib(process.pid))
                time.sleep(0.05)

        started = time.time()
        workers = [threading.Thread(target=worker) for _ in range(threads)]
        for t in workers:
            t.start()
        watcher = threading.Thread(target=sampler)
        watcher.start()
        for t in workers:
            t.join()
        watcher.join()
        after = rss_mib(process.pid)
        request(port, "DELETE", "/__mock/journal")
        time.sleep(0.5)
        cleared = rss_mib(process.pid)
        print(f"{total} POSTs of 900 KB from {threads} threads in {time.time() - started:.0f} s")
        print(f"statuses: {statuses}")
        print(f"RSS idle {idle:.0f} MiB, peak {peak[0]:.0f} MiB (+{peak[0] - idle:.0f}), "
              f"after {after:.0f} MiB (+{after - idle:.0f}), "
              f"after DELETE /__mock/journal {cleared:.0f} MiB")
    finally:
        process.kill()


def open_slow(port, count, ready, done):
    """Opens `count` connections that send half a request head and then nothing."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sockets = []
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        sockets.append(s)
    time.sleep(1)
    for s in sockets:
        try:
            s.send(b"GET /voice-ai/agents HTTP/1.1\r\nHost: x\r\n")
        except OSError:
            pass
    ready.set()
    done.wait()
    closed = 0
    for s in sockets:
        try:
            closed += s.recv(1) == b""
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    print(f"  {closed} of {count} slow sockets closed (or never accepted) by the server")


def sockets(binary, nofile=None, total=20_000, wait=35):
    process, port, _ = start(binary, "--empty", nofile=nofile)
    print(f"server descriptor limit: {nofile or 'inherited'}")
    try:
        halves = []
        for _ in range(2):
            ready, done = multiprocessing.Event(), multiprocessing.Event()
            worker = multiprocessing.Process(target=open_slow, args=(port, total // 2, ready, done))
            worker.start()
            halves.append((worker, ready, done))
        for _, ready, _ in halves:
            ready.wait()
        print(f"{total} slow sockets open")
        for label in ("at once", f"after {wait} s"):
            answered, slowest, failures = 0, 0.0, {}
            for _ in range(20):
                started = time.time()
                status = request(port, "GET", "/__mock/journal", timeout=5)
                slowest = max(slowest, time.time() - started)
                if status == 200:
                    answered += 1
                else:
                    failures[status] = failures.get(status, 0) + 1
            print(f"  {label}: {answered}/20 fresh requests answered, slowest {slowest:.2f} s, "
                  f"failures {failures}")
            if label == "at once":
                time.sleep(wait)
        for worker, _, done in halves:
            done.set()
            worker.join()
        print(f"  server alive: {process.poll() is None}")
    finally:
        process.kill()


if __name__ == "__main__":
    probes = {"memory": memory, "sockets": sockets}
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in probes:
        sys.exit(__doc__)
    if len(sys.argv) == 4:
        probes[sys.argv[1]](sys.argv[2], int(sys.argv[3]))
    else:
        probes[sys.argv[1]](sys.argv[2])
