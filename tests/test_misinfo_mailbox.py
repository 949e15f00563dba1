"""Tips from the desk's mailbox over IMAP, against a real Dovecot on loopback (Debian's
dovecot-imapd, started here with its own configuration in a temporary folder)."""

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from misinfo.models import Tip

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
pytestmark = pytest.mark.skipif(not Path(DOVECOT).exists(), reason="Debian dovecot-imapd is not installed")
NOBODY = 65534  # Dovecot never opens mail as root

CONFIG = """base_dir = {root}/run
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 100
first_valid_gid = 100
mail_location = maildir:~/Maildir
default_internal_user = dovecot
default_login_user = dovenull
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={root}/home/%u
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mailbox():
    # Not pytest's tmp_path: its parents are private to root, and Dovecot's own processes (as the
    # dovecot user) must read the password file.
    base = Path(tempfile.mkdtemp(prefix="tincay-dovecot-"))
    root = base / "dovecot"
    maildir = root / "home" / "desk" / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (root / "run").mkdir()
    port = _free_port()
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port, uid=NOBODY))
    (root / "passwd").write_text("desk:{PLAIN}mat-khau-hop-thu\n")
    for path in [base, root, root / "home", *root.joinpath("home").rglob("*")]:
        path.chmod(0o755)
    shutil.chown(root / "home" / "desk", NOBODY, NOBODY)
    for path in (root / "home" / "desk").rglob("*"):
        shutil.chown(path, NOBODY, NOBODY)
    server = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)

    def deliver(name: str, data: bytes):
        path = maildir / "new" / name
        path.write_bytes(data)
        shutil.chown(path, NOBODY, NOBODY)

    yield f"imap://desk:mat-khau-hop-thu@127.0.0.1:{port}/INBOX", deliver
    server.terminate()
    server.wait(timeout=10)
    shutil.rmtree(base, ignore_errors=True)


def _message(n: int, text: str) -> bytes:
    return (
        f"From: Nguoi dan {n} <dan{n}@example.com>\r\nSubject: Tin don so {n}\r\nMessage-ID: <tin-{n}@example.com>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode()


def test_unread_mail_becomes_tips_once(mailbox, settings):
    url, deliver = mailbox
    deliver("1.eml", _message(1, "Nghe nói que xét nghiệm nhanh tẩm ethylene oxide gây ung thư, mọi người cẩn thận."))
    deliver("2.eml", _message(2, "Có tin cả tỉnh sẽ phong tỏa toàn bộ từ tối mai, không ai được ra đường."))
    deliver("3.eml", b"\x00\x01 not a message")
    before = Tip.objects.count()
    call_command("fetch_tip_mail", url=url, verbosity=0)
    new = Tip.objects.filter(channel="email").order_by("-pk")[:2]
    assert Tip.objects.count() == before + 2
    assert {t.reporter_contact for t in new} == {"dan1@example.com", "dan2@example.com"}
    assert any(t.match == "auto" for t in new)  # the ethylene oxide rumour is a known claim
    # Read messages are not taken again; redelivering the same message is recognised.
    deliver("1-again.eml", _message(1, "Nghe nói que xét nghiệm nhanh tẩm ethylene oxide gây ung thư."))
    call_command("fetch_tip_mail", url=url, verbosity=0)
    assert Tip.objects.count() == before + 2
    settings.MISINFO_IMAP_URL = url
    from core import scheduler

    assert scheduler.run_once()["misinfo.mailbox"] == 0


def test_a_wrong_password_is_a_clear_error(mailbox):
    from django.core.management.base import CommandError

    url, _deliver = mailbox
    with pytest.raises(CommandError) as e:
        call_command("fetch_tip_mail", url=url.replace("mat-khau-hop-thu", "sai"), verbosity=0)
    assert "mailbox" in str(e.value).lower() or "hộp thư" in str(e.value).lower()
