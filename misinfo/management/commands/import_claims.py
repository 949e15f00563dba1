from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from misinfo.claims_import import import_claims


class Command(BaseCommand):
    help = "Import known claims from a CSV file: id,text[,verdict]. Re-importing updates them."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise CommandError(f"{file}: {e.strerror}") from None
        result = import_claims(data, path.name)
        for problem in result.problems:
            self.stderr.write(problem)
        self.stdout.write(f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
                          f"{len(result.problems)} problems")  # fmt: skip
        if result.problems and not (result.created or result.updated or result.unchanged):
            raise CommandError("Nothing imported.")
