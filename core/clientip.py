"""The client's address, for the audit log and per-client limits. Behind a reverse proxy
(PROXY_COUNT = how many proxies append to X-Forwarded-For), the address the nearest trusted proxy
saw; otherwise REMOTE_ADDR. Limits group an IPv6 client by its /64 (one home or phone network
holds a whole /64)."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    count = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            candidate = forwarded[-count]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or None


def limit_key(request) -> str:
    address = client_ip(request) or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
