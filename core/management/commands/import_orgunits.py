from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.actions import import_orgunits


class Command(BaseCommand):
    help = "Import org units from a CSV file (code,name,level,parent_code). All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and report; change nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}) from None
        result = import_orgunits(None, data, dry_run=dry_run)
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"{file}: {problem}")
            raise CommandError(
                _("%(n)d problem(s) in %(file)s; nothing was imported.") % {"n": len(result.problems), "file": file}
            )
        summary = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged") % {
            "created": len(result.create),
            "updated": len(result.update),
            "unchanged": result.unchanged,
        }
        if dry_run:
            self.stdout.write(_("Dry run, nothing changed: %(summary)s.") % {"summary": summary})
        else:
            self.stdout.write(self.style.SUCCESS(_("Imported: %(summary)s.") % {"summary": summary}))
