from django.core.management.base import BaseCommand

from core import demo


class Command(BaseCommand):
    help = "Load the Kiên Giang 2021 demo data (idempotent) and print the demo log-ins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the log-ins.")

    def handle(self, *args, quiet_logins=False, **options):
        result = demo.load_all()
        self.stdout.write(
            f"Demo data: {result['orgunits']} org units, {result['organisations']} organisations, "
            f"{len(result['people'])} people, {result['contacts']} directory entries."
        )
        for label, extra in result.items():
            if isinstance(extra, dict):  # a module's own demo data (reporting: report cycles, ...)
                self.stdout.write(f"  {label}: " + ", ".join(f"{v} {k}" for k, v in extra.items()))
        if quiet_logins:
            return
        self.stdout.write("")
        self.stdout.write(f"Demo log-ins (password for all: {demo.DEMO_PASSWORD})")
        width = max(len(p.username) for p in result["people"])
        for person in result["people"]:
            self.stdout.write(
                f"  {person.username:<{width}}  {person.get_role_display()} — {person.full_name}, "
                f"{person.organisation.short_name or person.organisation.name}"
            )
        from django.conf import settings

        if not settings.OTP_REQUIRED and settings.OTP_REQUIRED_ROLES:
            roles = ", ".join(settings.OTP_REQUIRED_ROLES)
            self.stdout.write(f"Two-factor is required for: {roles} (an authenticator app at their first log-in).")
        elif not settings.OTP_REQUIRED:
            self.stdout.write("Two-factor: optional for everyone (OTP_REQUIRED_ROLES is empty, as `make demo` sets).")
