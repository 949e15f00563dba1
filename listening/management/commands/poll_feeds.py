"""Fetch the news feeds (RSS/Atom sources) now, as the scheduler does every tick:

    manage.py poll_feeds                  the feeds that are due (poll_minutes passed)
    manage.py poll_feeds --all            every active feed, due or not
    manage.py poll_feeds --source NAME    that one feed, due or not

One line per feed: what was stored, or why the feed could not be read (also saved on the source).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from listening import feeds
from listening.models import Source


class Command(BaseCommand):
    help = "Fetch the news feeds (RSS/Atom) of the listening module: the due ones, or --all, or --source NAME."

    def add_arguments(self, parser):
        parser.add_argument("--source", help="the name of one feed source, fetched even if not due")
        parser.add_argument("--all", action="store_true", help="every active feed source, due or not")

    def handle(self, *args, source=None, all=False, **options):
        now = timezone.now()
        if source:
            found = Source.objects.filter(name=source).first()
            if found is None:
                raise CommandError(f"No source named “{source}”.")
            if found.kind != Source.Kind.RSS or not found.url:
                raise CommandError(f"“{source}” is not a news feed (RSS/Atom) with an address.")
            sources = [found]
        else:
            sources = list(feeds.feed_sources()) if all else feeds.due(now)
        if not sources:
            self.stdout.write("No feed to fetch.")
            return
        failed = 0
        for feed in sources:
            result = feeds.poll(feed, now)
            if result.busy:
                self.stdout.write(f"{feed.name}: skipped, another poller is fetching it")
            elif result.error:
                failed += 1
                self.stdout.write(f"{feed.name}: error: {result.error}")
            elif result.not_modified:
                self.stdout.write(f"{feed.name}: unchanged since the last fetch")
            else:
                self.stdout.write(f"{feed.name}: {result.stored} stored, {result.duplicates} duplicates, "
                                  f"{result.alerts} alerts")  # fmt: skip
            for problem in result.rejected:
                self.stderr.write(f"{feed.name}: {problem['error']}")
        if failed and failed == len(sources):
            raise CommandError("No feed could be read.")
