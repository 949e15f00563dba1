from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from misinfo import mail


class Command(BaseCommand):
    help = "Take the unread messages of the desk's mailbox (MISINFO_IMAP_URL) as tips."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="imaps://user:password@host/INBOX (default: MISINFO_IMAP_URL)")

    def handle(self, *args, url=None, **options):
        url = url or settings.MISINFO_IMAP_URL
        if not url:
            raise CommandError("Set MISINFO_IMAP_URL (or give --url).")
        import imaplib

        try:
            tips, problems = mail.fetch_imap(url)
        except (ValueError, OSError, imaplib.IMAP4.error) as e:
            raise CommandError(f"The mailbox cannot be read: {e}") from None
        self.stdout.write(f"{len(tips)} tips from email")
        for problem in problems:
            self.stderr.write(problem)
