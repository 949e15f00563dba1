import time

from django.core.management.base import BaseCommand

from core import scheduler


class Command(BaseCommand):
    help = "Run the clock jobs (report cycles, reminders) every --interval seconds, or once."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")
        parser.add_argument("--interval", type=int, default=60)

    def handle(self, *args, once=False, interval=60, **options):
        while True:
            results = scheduler.run_once()
            if options["verbosity"] > 1 or once:
                for name, result in results.items():
                    self.stdout.write(f"{name}: {result}")
            if once:
                return
            time.sleep(max(interval, 1))
