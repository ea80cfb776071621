"""``manage.py search_index [--if-stale]``: rebuild the site search's index (``search.index``).

A search rebuilds a small stale index itself; a large one (over ``KB_SEARCH_INLINE_REBUILD_MAX`` documents) is
rebuilt here: ``make data`` runs it, and a deployment that large runs it on a schedule (e.g. every few minutes).
"""

import time

from django.core.management.base import BaseCommand

from search import index


class Command(BaseCommand):
    help = "Rebuild the search index (with --if-stale: only when the data changed since the last rebuild)."

    def add_arguments(self, parser):
        parser.add_argument("--if-stale", action="store_true", help="do nothing when the index is up to date")

    def handle(self, *args, if_stale: bool = False, **options):
        if if_stale and not index.is_stale():
            self.stdout.write("Search index up to date.")
            return
        start = time.perf_counter()
        documents = index.rebuild()
        self.stdout.write(f"Search index rebuilt: {documents} documents in {time.perf_counter() - start:.1f} s.")
