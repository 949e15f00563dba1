"""Log-ins, log-outs, failed attempts and lockouts go to the audit log too."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit.record(user, "auth.login", user, org_unit=user.org_unit)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(user, "auth.logout", user, org_unit=user.org_unit)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.record(None, "auth.failed", actor_label=username or "?", note=f"username={username}")


@receiver(user_locked_out)
def audit_lockout(sender, request, username=None, ip_address=None, **kwargs):
    audit.record(
        None, "auth.lockout", actor_label=str(username or "?")[:150], note=f"username={username} ip={ip_address}"
    )
