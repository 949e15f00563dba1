"""`make bench`, SMS over HTTP: parts per second from `HttpGateway` to the test HTTP SMS gateway
(`outreach.httpsms`) over loopback, by batch size (parts per POST), and the same with the server
dropping the connection in the middle of the run (the request stored, its answer never sent) and
being restarted on the same port, the gateway then reconnecting and resending exactly the refs of
`GatewayDown` (the campaign's resend rule), with the Idempotency-Key that lets the server answer the
resent batch from what it stored.

Each run sends PARTS parts: a Vietnamese hotline message (UCS-2, 2 parts) to PARTS / 2 numbers in
one `send`, no rate limit on our side (`parts_per_second=None`), one request in flight at a time
(the gateway's design). The server's ledger counts, per ref, what it stored, dropped requests
included: lost = refs never stored, duplicated = refs stored more than once (both must be 0 with
the key; the row without the key shows what the key prevents: one batch stored twice). The server
runs in this process (threads), so it shares the interpreter with the gateway: the rates are lower
bounds for the gateway alone.

The test server answers each request in two writes (headers, then body); it sets TCP_NODELAY
(`_Handler.disable_nagle_algorithm`), as a production HTTP server does. The first rows turn it off
to show what it is for: the body then waits for the client's delayed ACK (~40 ms on loopback), one
request per ~45 ms whatever its size, and small batches fall under the goal. The last rows make the server answer each
request 50 ms later (a distant API), where the batch size sets the speed: at most batch / 50 ms.

    .venv/bin/python -m scripts.bench_http_sms        (BENCH_HTTP_SMS_PARTS, default 20000)
"""

import os
import platform
import threading
import time

from outreach import httpsms
from outreach.gateways import ACCEPTED, GatewayDown, split_message
from outreach.gateways.http import HttpGateway
from outreach.httpsms import HttpSmsServer

PARTS = int(os.environ.get("BENCH_HTTP_SMS_PARTS", "20000"))
GOAL = 500  # parts per second (issue 7)
TEXT = "Người dân phát hiện thông tin sai sự thật về dịch Covid-19 xin báo đường dây nóng 0927.681.168 (Sở TTTT)"


class BenchServer(HttpSmsServer):
    """The test gateway, answering each POST /messages `answer_delay` seconds late (a distant API:
    the network's round trip and the provider's commit)."""

    def __init__(self, *args, answer_delay: float = 0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.answer_delay = answer_delay

    def _messages(self, body: bytes, key: str | None):
        if self.answer_delay:
            time.sleep(self.answer_delay)
        return super()._messages(body, key)


def campaign_parts(run: str, count: int):
    parts = []
    recipient = 0
    while len(parts) < count:
        parts += split_message(f"{run}/{recipient}", f"8491{recipient:07d}", "SoTTTT KG", TEXT)
        recipient += 1
    return parts[:count]


def run(
    batch: int,
    *,
    count: int = PARTS,
    nodelay: bool = True,
    drop: str | None = None,
    keys: bool = True,
    receipts: bool = False,
    delay: float = 0.0,
) -> dict:
    """Send `count` parts through one gateway, `batch` parts a request. With `drop` ("silent": no
    answer, "cut": half of it), the server stores the request holding the part after half of them,
    drops the connection and is restarted; the gateway reconnects and resends `GatewayDown.refs`.
    With `receipts`, a second thread polls the receipts while the parts go (all must arrive)."""
    httpsms._Handler.disable_nagle_algorithm = nodelay  # read when a connection is set up
    server = BenchServer(receipts=receipts, max_batch=max(batch, 100), answer_delay=delay).start()
    label = (
        f"b{batch}-d{delay * 1000:g}{'' if nodelay else '-nagle'}{f'-drop-{drop}' if drop else ''}"
        f"{'' if keys else '-nokey'}{'-receipts' if receipts else ''}"
    )
    parts = campaign_parts(label, count)
    by_ref = {part.ref: part for part in parts}
    gateway = HttpGateway(server.url, server.token, batch=batch, parts_per_second=None, idempotency_keys=keys)
    accepted = 0
    resent = 0
    fetched = []
    polling = threading.Event()
    until = [0.0]  # once the parts are sent: how long the receipts may still take

    def on_result(result):
        nonlocal accepted
        accepted += result.outcome == ACCEPTED

    def poll():
        while polling.is_set() or (len(fetched) < count and time.monotonic() < until[0]):
            gateway.receipts(fetched.append, 0.1)

    drop_at = count // 2 + 7
    if drop:
        server.drop_after(drop_at, cut=drop == "cut")
    start = time.perf_counter()
    gateway.open()
    if receipts:
        polling.set()
        poller = threading.Thread(target=poll, name="receipts", daemon=True)
        poller.start()
    pending = parts
    while pending:
        try:
            gateway.send(pending, on_result)
            pending = []
        except GatewayDown as down:
            resent += len(down.refs)
            server.stop()
            server.start()  # same port, same ledger, same results by key
            gateway.open()
            pending = [by_ref[ref] for ref in down.refs]
    elapsed = time.perf_counter() - start
    if receipts:
        until[0] = time.monotonic() + 30
        polling.clear()
        poller.join(60)
    gateway.close()
    server.stop()
    ledger = server.ledger
    return {
        "label": label,
        "batch": batch,
        "count": count,
        "server": "TCP_NODELAY" if nodelay else "Nagle (no TCP_NODELAY)",
        "delay": f"{delay * 1000:g} ms",
        "drop": (f"after {drop_at:,}{', cut' if drop == 'cut' else ''}" if drop else "no")
        + ("" if keys else ", no key"),
        "keys": keys,
        "receipts": f"{len(fetched):,}" if receipts else "no",
        "receipts_ok": not receipts or len(fetched) == count,
        "seconds": elapsed,
        "rate": count / elapsed,
        "accepted": accepted,
        "resent": resent,
        "replays": server.replays,
        "lost": len(ledger.missing(by_ref)),
        "duplicated": sum(n - 1 for n in ledger.duplicated().values()),
    }


def main():
    small = max(PARTS // 5, 100)
    rows = [
        # Without TCP_NODELAY on the server: ~40 ms of delayed ACK per request (see above).
        run(10, count=small, nodelay=False),
        run(50, count=small, nodelay=False),
        run(100, count=small, nodelay=False),
        run(500, count=small, nodelay=False),
        run(100, count=small, nodelay=False, drop="silent"),
        # The gateway against the test server as it is (TCP_NODELAY).
        run(10),
        run(50),
        run(100),
        run(500),
        run(100, receipts=True),
        run(100, drop="silent"),
        run(500, drop="cut"),
        run(100, drop="silent", keys=False),  # what the key prevents: the dropped batch stored twice
        # A distant API: each answer 50 ms after its request. Here the batch is what counts.
        run(10, count=small, delay=0.05),
        run(100, count=small, delay=0.05),
        run(500, count=small, delay=0.05),
        run(100, count=small, delay=0.05, drop="silent"),
    ]
    print(
        f"\nTin Cậy bench, SMS over HTTP — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()} (http.client, http.server); "
        "a 2-part UCS-2 message per number, over loopback, the test gateway in the same process, "
        "Idempotency-Key on unless said\n"
    )
    print(
        "| batch | parts | test server | answers after | dropped, restarted | receipts fetched | time | parts/s "
        "| resent | replayed requests | lost | dup |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row['batch']} | {row['count']:,} | {row['server']} | {row['delay']} | {row['drop']} | "
            f"{row['receipts']} | {row['seconds']:.2f} s | {row['rate']:,.0f} | {row['resent']:,} | "
            f"{row['replays']} | {row['lost']} | {row['duplicated']} |"
        )
    fast = [row["rate"] for row in rows if row["delay"] == "0 ms" and row["server"] == "TCP_NODELAY"]
    nagle = [row["rate"] for row in rows if not row["server"].startswith("TCP")]
    bad = [
        row["label"]
        for row in rows
        if row["lost"]
        or (row["keys"] and row["duplicated"])
        or row["accepted"] != row["count"]
        or not row["receipts_ok"]
    ]
    print(
        f"\ngoal ≥ {GOAL} parts/s on loopback: slowest {min(fast):,.0f} parts/s "
        f"(server without TCP_NODELAY: {min(nagle):,.0f}); lost, or duplicated with the key: {bad or 'none'}"
    )
    if bad:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
