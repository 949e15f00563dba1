from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = (
        "Replace the database and the uploaded files by a backup's (core.backup). Every checksum is "
        "verified first; nothing is touched if one differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--check", action="store_true", help="Only verify the archive.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, archive, *args, check=False, yes=False, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            manifest = backup.verify(path)
        except (backup.BackupError, OSError, ValueError) as error:
            raise CommandError(f"{path}: {error}") from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"{path}: made {manifest['created_at']}, {manifest['engine']}, {len(manifest['files'])} files, "
            f"{rows:,} rows; every checksum matches."
        )
        if check:
            return
        if not yes and input("Replace this site's database and uploaded files with it? Type yes: ").strip() != "yes":
            raise CommandError("Not restored.")
        try:
            differences = backup.restore(path)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        if differences:
            raise CommandError(f"Restored, but row counts differ from the backup's: {differences}")
        self.stdout.write(f"Restored: {len(manifest['tables'])} tables with the backup's row counts.")
