"""The home and Sources pages say which seed release the data is at; empty source fields read "unknown"."""

import datetime

from django.urls import reverse

from datasets.models import SeedRelease
from kb_site.test import KBTestCase
from taxonomy.tests.factories import make_source


class SeedReleasePagesTests(KBTestCase):
    def test_pages_without_a_recorded_release_say_so(self):
        self.assertContains(self.client.get(reverse("home")), "No seed release is recorded in this database.")
        self.assertContains(
            self.client.get(reverse("coverage:sources")), "No seed release is recorded in this database."
        )

    def test_home_and_sources_name_the_current_release(self):
        SeedRelease.objects.create(number=1, released_on=datetime.date(2026, 11, 25), adopted=True)
        SeedRelease.objects.create(
            number=2,
            released_on=datetime.date(2026, 11, 29),
            added=172,
            updated=1,
            conflicts=[
                {"model": "taxonomy.fault", "key": '["T-1"]', "field": "definition", "upstream": "a", "local": "b"}
            ],
        )
        home = self.client.get(reverse("home"))
        self.assertContains(home, "seed release 2</a> (published 29 Nov 2026)")
        sources = self.client.get(reverse("coverage:sources"))
        self.assertContains(sources, "The data is at <strong>seed release 2</strong>.")
        self.assertContains(
            sources, "Release 1: published 25 Nov 2026, already loaded when releases began to be recorded."
        )
        self.assertContains(sources, "172 records added, 1 updated, 1 conflicts left for a curator.")
        self.assertContains(sources, "a moment before the first release has no mappings at all")

    def test_empty_source_fields_read_unknown(self):
        make_source("bare", title="A bare source", licence="", url="")
        response = self.client.get(reverse("coverage:sources"))
        # The test world's two sources have no URL, one no licence; "bare" has neither.
        self.assertContains(response, "address unknown", count=3)
        self.assertContains(response, "Licence: unknown", count=2)
        self.assertContains(response, "Licence: CC BY 4.0", count=1)
