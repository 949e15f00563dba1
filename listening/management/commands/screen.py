"""The command-line contract of the matcher (keep it stable):

    manage.py screen --input POSTS.jsonl --output RESULTS.jsonl [--save] [--source NAME]

Each input line is {"id": ..., "text": ...} (other keys ignored). Each output line, in input
order, is {"id", "match", "level", "score", "candidates"}; `match` is the best claim's external
id (or "C<pk>" for a claim without one) when its score reaches the suggest threshold. A line that
cannot be read gives {"id": <id or null>, "match": null, "level": null, "score": 0.0,
"candidates": [], "error": "..."} and the run goes on. Without --save the database is not
changed; with --save the posts are stored as every source stores them (`ingest.store`: once per
id, placed in a district, alerts once per post for known claims and watchlists).
"""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from listening import ingest, screening
from listening.models import Source

BATCH = 1000


class Command(BaseCommand):
    help = "Screen posts (JSON lines) against the known claims."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="posts, one JSON object per line ('-' for stdin)")
        parser.add_argument("--output", required=True, help="results, one JSON object per line ('-' for stdout)")
        parser.add_argument("--save", action="store_true", help="store the posts and their alerts")
        parser.add_argument("--source", default="Dòng lệnh", help="source name for --save")

    def _store(self, target, pending: list) -> None:
        """Posts are stored the way every source stores them (placed, watchlists, alerts)."""
        for problem in ingest.store(target, pending).errors:
            self.stderr.write(problem["error"])
        pending.clear()

    def handle(self, *args, input, output, save=False, source="Dòng lệnh", **options):
        try:
            reader = sys.stdin.buffer if input == "-" else open(input, "rb")  # noqa: SIM115
            writer = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as e:
            raise CommandError(f"{e.filename}: {e.strerror}") from None
        matcher, keys = screening.build_matcher()
        target = Source.objects.get_or_create(name=source, defaults={"kind": Source.Kind.CLI})[0] if save else None
        started, count, errors, pending = time.perf_counter(), 0, 0, []
        try:
            for number, raw in enumerate(reader, 1):
                line = raw.decode("utf-8", "replace").strip()
                if not line:
                    continue
                count += 1
                post_id, text, error = screening.parse_line(line, number)
                if error:
                    errors += 1
                    self.stderr.write(error)
                    result = {"id": post_id, "match": None, "level": None, "score": 0.0, "candidates": [],
                              "error": error}  # fmt: skip
                else:
                    result = {"id": post_id, **screening.screen(matcher, keys, text)}
                    if target is not None:
                        pending.append((number, {"id": str(post_id), "text": text}))
                        if len(pending) >= BATCH:
                            self._store(target, pending)
                writer.write(json.dumps(result, ensure_ascii=False) + "\n")
            if pending:
                self._store(target, pending)
        finally:
            if reader is not sys.stdin.buffer:
                reader.close()
            if writer is not sys.stdout:
                writer.close()
        elapsed = time.perf_counter() - started
        self.stderr.write(f"{count} posts screened in {elapsed:.1f} s, {errors} lines with errors")
