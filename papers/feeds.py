"""Atom feeds (django.contrib.syndication) of newly approved mappings (all, or under one fault) and of retractions."""

from __future__ import annotations

import copy

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from papers.blind import blind_paper_ids
from papers.models import FaultMapping
from taxonomy.filtersets import subtree_ids
from taxonomy.models import Fault, ReviewStatus

FEED_LENGTH = 50


def mapping_feed_items(fault: Fault | None = None, hidden_papers=frozenset()) -> list[FaultMapping]:
    """The newest approved mappings (to ``fault`` or anywhere under it), newest approval first, none of
    ``hidden_papers``: 1 query.

    A category's feed carries its whole subtree (the fault itself included); a leaf's feed its own mappings.
    """
    queryset = FaultMapping.objects.filter(status=ReviewStatus.APPROVED, approved_at__isnull=False)
    queryset = queryset.exclude(paper_id__in=hidden_papers)
    if fault is not None:
        queryset = queryset.filter(fault_id__in=subtree_ids(fault))
    return list(queryset.select_related("paper", "fault").order_by("-approved_at", "-pk")[:FEED_LENGTH])


def retraction_feed_items(hidden_papers=frozenset()) -> list[FaultMapping]:
    """The newest retracted mappings, newest retraction first, none of ``hidden_papers``: 1 query."""
    queryset = FaultMapping.objects.filter(status=ReviewStatus.RETRACTED, retracted_at__isnull=False)
    queryset = queryset.exclude(paper_id__in=hidden_papers)
    return list(queryset.select_related("paper", "fault").order_by("-retracted_at", "-pk")[:FEED_LENGTH])


class _MappingFeed(Feed):
    feed_type = Atom1Feed
    author_name = "ML Debugging Knowledge Base"
    hidden_papers: frozenset[int] = frozenset()

    def __call__(self, request, *args, **kwargs):
        # The reader's papers coded blind are left out (papers.blind). The feed object serves every request, so
        # the set rides on a copy made for this one.
        feed = copy.copy(self)
        feed.hidden_papers = blind_paper_ids(request)
        return Feed.__call__(feed, request, *args, **kwargs)

    def item_title(self, item: FaultMapping) -> str:
        return f"{item.paper.title} → {item.fault.code} {item.fault.name} ({item.get_strength_display().lower()})"

    def item_link(self, item: FaultMapping) -> str:
        return reverse("papers:paper-detail", args=[item.paper.key]) + f"#mapping-{item.uid}"

    def item_guid(self, item: FaultMapping) -> str:
        return f"urn:uuid:{item.uid}"

    item_guid_is_permalink = False

    def item_author_name(self, item: FaultMapping) -> str:
        return item.curated_by or "curators"

    def item_categories(self, item: FaultMapping) -> list[str]:
        return [item.fault.code, item.strength]


class ApprovedMappingFeed(_MappingFeed):
    """Newly approved paper-to-fault mappings: all of them, or (``code``) those under one fault."""

    def get_object(self, request, code: str | None = None) -> Fault | None:
        return get_object_or_404(Fault, code=code) if code else None

    def title(self, obj: Fault | None) -> str:
        if obj is None:
            return "ML Debugging KB: newly approved mappings"
        return f"ML Debugging KB: newly approved mappings to {obj.code} {obj.name}"

    def subtitle(self, obj: Fault | None) -> str:
        scope = "" if obj is None else " (this fault and every fault under it)" if obj.kind == "category" else ""
        return f"Paper-to-fault mappings as curators approve them, newest first{scope}."

    def link(self, obj: Fault | None) -> str:
        return obj.get_absolute_url() if obj else reverse("papers:paper-list")

    def feed_url(self, obj: Fault | None) -> str:
        if obj is None:
            return reverse("papers:mapping-feed")
        return reverse("papers:mapping-feed-fault", args=[obj.code])

    def items(self, obj: Fault | None) -> list[FaultMapping]:
        return mapping_feed_items(obj, self.hidden_papers)

    def item_description(self, item: FaultMapping) -> str:
        return item.rationale

    def item_pubdate(self, item: FaultMapping):
        return item.approved_at

    def item_updateddate(self, item: FaultMapping):
        return item.approved_at


class RetractionFeed(_MappingFeed):
    """Mappings curators retracted (they no longer count towards coverage), newest first."""

    title = "ML Debugging KB: retracted mappings"
    subtitle = "Approved mappings that curators retracted; they no longer count towards coverage."

    def link(self) -> str:
        return reverse("papers:paper-list")

    def feed_url(self) -> str:
        return reverse("papers:retraction-feed")

    def items(self) -> list[FaultMapping]:
        return retraction_feed_items(self.hidden_papers)

    def item_title(self, item: FaultMapping) -> str:
        return "Retracted: " + super().item_title(item)

    def item_guid(self, item: FaultMapping) -> str:
        return f"urn:uuid:{item.uid}:retracted"

    def item_description(self, item: FaultMapping) -> str:
        return item.rationale

    def item_pubdate(self, item: FaultMapping):
        return item.retracted_at

    def item_updateddate(self, item: FaultMapping):
        return item.retracted_at


approved_mapping_feed = ApprovedMappingFeed()
retraction_feed = RetractionFeed()
