"""Atom feed of published releases (django.contrib.syndication)."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from coverage.models import Release
from coverage.releases import download_url
from kb_site.citations import KB_NAME

FEED_LENGTH = 50


class ReleaseFeed(Feed):
    """Newly published releases, newest first, each with its release notes and its download."""

    feed_type = Atom1Feed
    title = f"{KB_NAME}: releases"
    subtitle = "Published, citable releases of the knowledge base, newest first."
    author_name = KB_NAME

    def link(self) -> str:
        return reverse("coverage:release-list")

    def feed_url(self) -> str:
        return reverse("coverage:release-feed")

    def items(self) -> list[Release]:
        return list(Release.objects.defer("archive").order_by("-published_at", "-pk")[:FEED_LENGTH])

    def item_title(self, item: Release) -> str:
        return f"{item.name} {item.version}"

    def item_description(self, item: Release) -> str:
        return item.release_notes or item.description

    def item_guid(self, item: Release) -> str:
        return item.url

    def item_pubdate(self, item: Release):
        return item.published_at

    def item_updateddate(self, item: Release):
        return item.published_at

    def item_enclosure_url(self, item: Release) -> str:
        return download_url(item)

    def item_enclosure_length(self, item: Release) -> int:
        return item.archive_size

    item_enclosure_mime_type = "application/zip"


release_feed = ReleaseFeed()
