"""What the search index holds: one ``SearchDocument`` per fault, paper, artefact, mention, challenge, interview.

Weights (A highest): a fault's name is A, its definition B, its category and the practitioners' own words for it
(artefact tags, interview mention tags) C; a paper's title is A, its abstract note and the names of the faults it
is mapped to B, its mappings' rationale and evidence C, authors and venue D. Evidence tags are A, the fault they
are classified to B. A transcript is all D: it matches, but a record that names the thing ranks above it.
Cost: 7 queries whatever the size of the data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Prefetch

from challenges.models import Artifact, Challenge, ChallengeFault, Interview, InterviewMention
from challenges.transcripts import transcript_lines
from papers.models import FaultMapping, Paper
from search.models import SearchDocument
from search.spelling import normalise
from taxonomy.models import Fault

Kind = SearchDocument.Kind


def _doc(kind: str, key, title: str, url: str, *, a="", b="", c="", d="", text="", subtitle="", fault_code=""):
    return SearchDocument(
        kind=kind,
        key=str(key)[:200],
        title=title[:600],
        subtitle=subtitle[:600],
        url=url,
        fault_code=fault_code,
        text=text,
        a=normalise(a),
        b=normalise(b),
        c=normalise(c),
        d=normalise(d),
    )


def _join(*parts) -> str:
    return "\n".join(part for part in parts if part)


def faults() -> Iterator[SearchDocument]:
    tags: dict[int, list[str]] = defaultdict(list)
    for fault_id, tag in Artifact.objects.filter(fault__isnull=False).values_list("fault_id", "final_tag"):
        tags[fault_id].append(tag)
    for fault_id, tag in InterviewMention.objects.filter(fault__isnull=False).values_list("fault_id", "tag"):
        tags[fault_id].append(tag)
    for fault in Fault.objects.select_related("parent"):
        parent = fault.parent.name if fault.parent else ""
        said = sorted(set(tags[fault.pk]))
        yield _doc(
            Kind.FAULT,
            fault.code,
            fault.name,
            fault.get_absolute_url(),
            a=fault.name,
            b=fault.definition,
            c=_join(parent, *said),
            text=_join(fault.definition, "Practitioners' words: " + "; ".join(said) if said else ""),
            subtitle=f"{fault.code}" + (f" · in {parent}" if parent else ""),
            fault_code=fault.code if fault.kind == Fault.Kind.LEAF else "",
        )


def papers() -> Iterator[SearchDocument]:
    mappings = Prefetch("mappings", FaultMapping.objects.approved().select_related("fault"), to_attr="live")
    for paper in Paper.objects.public().prefetch_related(mappings):
        fault_names = [m.fault.name for m in paper.live]
        yield _doc(
            Kind.PAPER,
            paper.key,
            paper.title,
            paper.get_absolute_url(),
            a=paper.title,
            b=_join(paper.evidence_note, *fault_names),
            c=_join(*(_join(m.rationale, m.evidence_note, m.quote) for m in paper.live)),
            d=_join(paper.authors_display, paper.venue, paper.quote),
            text=_join(
                paper.evidence_note,
                "Mapped to: " + "; ".join(fault_names) if fault_names else "",
                *(_join(m.rationale, m.evidence_note) for m in paper.live),
            ),
            subtitle=paper.authors_display + (f" ({paper.year})" if paper.year else ""),
        )


def artifacts() -> Iterator[SearchDocument]:
    for artifact in Artifact.objects.for_list():
        fault = artifact.fault.name if artifact.fault else ""
        label = f"{artifact.get_source_display()} {artifact.get_kind_display().lower()}"
        yield _doc(
            Kind.ARTIFACT,
            artifact.pk,
            f"{label}: {artifact.final_tag or artifact.url}",
            artifact.get_absolute_url(),
            a=artifact.final_tag,
            b=fault,
            c=artifact.repository,
            text=_join(artifact.final_tag, f"Classified as: {fault}" if fault else "Unclassified"),
            subtitle=f"→ {fault}" if fault else "unclassified",
        )


def mentions() -> Iterator[SearchDocument]:
    for mention in InterviewMention.objects.for_list():
        fault = mention.fault.name if mention.fault else ""
        yield _doc(
            Kind.MENTION,
            mention.pk,
            f"{mention.interview}: {mention.tag}",
            mention.get_absolute_url(),
            a=mention.tag,
            b=fault,
            text=_join(mention.tag, f"Classified as: {fault}" if fault else "Unclassified"),
            subtitle=f"→ {fault}" if fault else "unclassified",
        )


def challenges() -> Iterator[SearchDocument]:
    links = Prefetch("fault_links", ChallengeFault.objects.select_related("fault"))
    for challenge in Challenge.objects.prefetch_related(links):
        related = [link.fault.name for link in challenge.fault_links.all()]
        yield _doc(
            Kind.CHALLENGE,
            challenge.slug,
            challenge.name,
            challenge.get_absolute_url(),
            a=challenge.name,
            b=challenge.description,
            c=_join(challenge.note, *related),
            text=_join(
                challenge.description, challenge.note, "Related faults: " + "; ".join(related) if related else ""
            ),
            subtitle=challenge.get_status_display(),
        )


def interviews() -> Iterator[SearchDocument]:
    for interview in Interview.objects.all():
        text = "\n".join(line.text for line in transcript_lines(interview.transcript) if line.text.strip())
        yield _doc(Kind.INTERVIEW, interview.number, str(interview), interview.get_absolute_url(), d=text, text=text)


def build_all() -> Iterator[SearchDocument]:
    for source in (faults, papers, artifacts, mentions, challenges, interviews):
        yield from source()
