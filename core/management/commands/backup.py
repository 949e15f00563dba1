from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files to one archive with checksums (core.backup)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=None, help="A file, or a folder for a dated name (default: var/backups/)."
        )

    def handle(self, *args, output=None, **options):
        target = Path(output) if output else Path(settings.VAR_DIR) / "backups"
        if output is None:
            target.mkdir(parents=True, exist_ok=True)
        try:
            report = backup.backup(target)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(report.tables.values())
        self.stdout.write(
            f"{report.path}: {report.members} files, {report.bytes:,} bytes; {len(report.tables)} tables, {rows:,} rows"
        )
