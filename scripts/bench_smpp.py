"""`make bench`, SMS over SMPP: parts per second from `SmppGateway` to the test SMSC
(`outreach.smsc`) over loopback, by window size, and the same with the SMSC dropping the
connection in the middle of the run and being restarted on the same port, the gateway then
reconnecting and resending exactly the refs of `GatewayDown` (the campaign's resend rule).

Each run sends PARTS parts: a Vietnamese hotline message (UCS-2, 2 parts) to PARTS / 2 numbers,
no rate limit on our side (`parts_per_second=None`), each part's ref carried to the SMSC so its
ledger can count, per ref, what it accepted: lost = refs never accepted, duplicated = refs
accepted more than once (both must be 0). The SMSC runs in this process (threads), so it shares
the interpreter with the gateway: the rates are lower bounds for the gateway alone. On loopback
an answer comes back at once, so the window hardly matters; the last rows make the SMSC answer
each submit 5 ms later (`response_delay`, a distant SMSC), where it does: at most
window / delay parts per second.

    .venv/bin/python -m scripts.bench_smpp        (BENCH_SMPP_PARTS, default 20000)
"""

import os
import platform
import time
from importlib.metadata import version

from outreach.gateways import ACCEPTED, GatewayDown, split_message
from outreach.gateways.smpp import SmppGateway
from outreach.smsc import Smsc

PARTS = int(os.environ.get("BENCH_SMPP_PARTS", "20000"))
GOAL = 500  # parts per second (issue 7)
TEXT = "Người dân phát hiện thông tin sai sự thật về dịch Covid-19 xin báo đường dây nóng 0927.681.168 (Sở TTTT)"


def campaign_parts(run: str, count: int):
    parts = []
    recipient = 0
    while len(parts) < count:
        parts += split_message(f"{run}/{recipient}", f"8491{recipient:07d}", "SoTTTT KG", TEXT)
        recipient += 1
    return parts[:count]


def run(window: int, *, count: int = PARTS, drop: bool = False, receipts: bool = False, delay: float = 0.0) -> dict:
    """Send `count` parts through one gateway; with `drop`, the SMSC drops the connection after
    half of them and is restarted; the gateway reconnects and resends `GatewayDown.refs`."""
    smsc = Smsc(receipts=receipts, response_delay=delay).start()
    label = f"w{window}-d{delay * 1000:g}{'-drop' if drop else ''}{'-receipts' if receipts else ''}"
    parts = campaign_parts(label, count)
    by_ref = {part.ref: part for part in parts}
    gateway = SmppGateway(
        "127.0.0.1", smsc.port, smsc.system_id, smsc.password, window=window, parts_per_second=None, send_part_refs=True
    )
    accepted = 0
    resent = 0

    def on_result(result):
        nonlocal accepted
        accepted += result.outcome == ACCEPTED

    drop_at = count // 2 + 7
    if drop:
        smsc.drop_after(drop_at)
    start = time.perf_counter()
    gateway.open()
    pending = parts
    while pending:
        try:
            gateway.send(pending, on_result)
            pending = []
        except GatewayDown as down:
            resent += len(down.refs)
            smsc.stop()
            smsc.start()  # same port, same ledger
            gateway.open()
            pending = [by_ref[ref] for ref in down.refs]
    elapsed = time.perf_counter() - start
    gateway.close()
    smsc.stop()
    ledger = smsc.ledger
    return {
        "label": label,
        "window": window,
        "count": count,
        "delay": f"{delay * 1000:g} ms",
        "drop": f"after {drop_at:,}" if drop else "no",
        "receipts": "yes" if receipts else "no",
        "seconds": elapsed,
        "rate": count / elapsed,
        "accepted": accepted,
        "resent": resent,
        "lost": len(ledger.missing(by_ref)),
        "duplicated": sum(n - 1 for n in ledger.duplicated().values()),
    }


def main():
    small = max(PARTS // 5, 100)
    rows = [
        run(1),
        run(10),
        run(50),
        run(10, receipts=True),
        run(10, drop=True),
        run(50, drop=True),
        # A distant SMSC: each answer 5 ms after its submit. Here the window is what counts.
        run(1, count=small, delay=0.005),
        run(10, count=small, delay=0.005),
        run(50, count=small, delay=0.005),
        run(50, count=small, delay=0.005, drop=True),
    ]
    print(
        f"\nTin Cậy bench, SMS over SMPP — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, smpplib {version('smpplib')}; "
        "a 2-part UCS-2 message per number, over loopback, the test SMSC in the same process\n"
    )
    print(
        "| window | parts | SMSC answers after | dropped, restarted | receipts | time | parts/s | resent | lost | dup |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row['window']} | {row['count']:,} | {row['delay']} | {row['drop']} | {row['receipts']} | "
            f"{row['seconds']:.2f} s | {row['rate']:,.0f} | {row['resent']:,} | {row['lost']} | {row['duplicated']} |"
        )
    fast = [row["rate"] for row in rows if row["delay"] == "0 ms"]
    bad = [row["label"] for row in rows if row["lost"] or row["duplicated"] or row["accepted"] != row["count"]]
    print(f"\ngoal ≥ {GOAL} parts/s on loopback: slowest {min(fast):,.0f} parts/s; lost or duplicated: {bad or 'none'}")
    if bad:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
