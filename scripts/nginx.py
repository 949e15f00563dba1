"""nginx for tests and benchmarks: in the foreground on free loopback ports, as a static file
server (the benchmark's yardstick) or in front of gunicorn with the project's own
deploy/nginx/tincay-proxy.conf (the micro-cache of the public portal), the same file production
includes. Debian's nginx-light (`scripts/system-deps test`)."""

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from scripts.demo_server import ROOT, free_port

SBIN = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
PROXY_SNIPPET = ROOT / "deploy" / "nginx" / "tincay-proxy.conf"
LIMITS = ROOT / "deploy" / "nginx" / "tincay-limits.conf"

CONF = """\
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
daemon off;
{user}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
{servers}
}}
"""

STATIC = """\
    server {{
        listen 127.0.0.1:{port};
        root {root};
        types {{ }}
        default_type "{content_type}";
        location / {{ try_files $uri =404; }}
    }}
"""

# As deploy/nginx/tincay.conf, with the cache in the temporary folder and no TLS.
PROXY = """\
    include {limits};
    proxy_cache_path {tmp}/cache levels=1:2 keys_zone=tincay_portal:10m max_size=200m inactive=10m
                     use_temp_path=off;
    upstream tincay_web {{
        server {upstream};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 21m;
        include {snippet};
    }}
"""


def executable() -> str | None:
    return shutil.which("nginx", path=SBIN)


class Nginx:
    """`Nginx.static(tmp, root, content_type)` or `Nginx.proxy(tmp, "127.0.0.1:8000")`; `.url`, `.stop()`."""

    def __init__(self, tmp: Path, server: str, workers: str = "auto", **values):
        if executable() is None:
            raise RuntimeError("nginx is not installed: run `scripts/system-deps test` as root (nginx-light)")
        self.tmp, self.port = Path(tmp), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        conf = self.tmp / "nginx.conf"
        # As root the workers would run as nobody: keep root's, the files are in a private folder.
        user = "user root;" if os.geteuid() == 0 else ""
        servers = server.format(tmp=self.tmp, port=self.port, **values)
        conf.write_text(CONF.format(tmp=self.tmp, user=user, workers=workers, servers=servers))
        self.proc = subprocess.Popen(
            [executable(), "-p", str(self.tmp), "-e", str(self.tmp / "nginx-error.log"), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"nginx did not start: {self.log()[-2000:]}") from None
                time.sleep(0.1)

    @classmethod
    def static(cls, tmp: Path, root: Path, content_type: str) -> "Nginx":
        return cls(tmp, STATIC, root=root, content_type=content_type)

    @classmethod
    def proxy(cls, tmp: Path, upstream: str, workers: str = "auto", limits: bool = True) -> "Nginx":
        """In front of gunicorn as production is. `limits=False` for a benchmark: its whole crowd
        comes from 127.0.0.1, one address, so the per-address limits count nothing."""
        zones = LIMITS
        if not limits:
            zones = Path(tmp) / "tincay-limits.conf"
            # Every request keyed "" (not counted): a raised rate is not enough, since more than a
            # burst's worth of requests arriving in the same millisecond would still be refused.
            zones.write_text(LIMITS.read_text().replace("default $binary_remote_addr;", 'default "";'))
        return cls(tmp, PROXY, workers=workers, upstream=upstream, snippet=PROXY_SNIPPET, limits=zones)

    def log(self) -> str:
        path = self.tmp / "nginx-error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
