"""Triage of a pasted bug report: likely top-level faults, leaves under them, research and practice for each.

``triage(text)`` is the one function behind the page and the API. The text is only read: nothing is stored or
logged. Queries: the coverage engine's (tree, mappings, evidence; none when its cache answers), classified
artefacts, classified interview mentions, mappings of the suggested leaves, related challenges.
"""

from __future__ import annotations

from dataclasses import dataclass

from challenges.models import Artifact, Challenge, InterviewMention
from coverage import coverage
from papers.models import FaultMapping
from taxonomy.models import Fault, ReviewStatus, Strength
from taxonomy.tree import Tree
from triage import classifier
from triage.similarity import Index

MIN_CATEGORY_PROBABILITY = 0.15  # a top-level fault this likely gets its leaves ranked
MAX_CATEGORIES = 2
LEAVES_PER_CATEGORY = 5
SIMILAR_EVIDENCE = 6


@dataclass(frozen=True)
class CategoryGuess:
    label: str  # the dataset's label (training, model, api, tensor, gpu, Others)
    fault: Fault | None  # None for Others, or when the taxonomy has no top-level fault of that name
    name: str
    probability: float


@dataclass(frozen=True)
class LeafSuggestion:
    fault: Fault
    category: Fault
    score: float  # TF-IDF cosine similarity of the text to the leaf's document
    status: str  # the coverage engine's status value: addressed, partial, unaddressed
    status_label: str
    why: tuple[str, ...]


@dataclass(frozen=True)
class EvidenceSuggestion:
    kind: str  # github / stackoverflow / interview
    label: str
    text: str  # the labellers' final tag or the interview mention's tag
    url: str  # the original record (GitHub, StackOverflow) or the transcript page
    page_url: str  # its page in the knowledge base
    fault: Fault
    score: float
    why: tuple[str, ...]


@dataclass(frozen=True)
class Triage:
    categories: list[CategoryGuess]
    leaves: list[LeafSuggestion]
    mappings: list[FaultMapping]  # approved mappings on the suggested leaves, explicit first
    similar_evidence: list[EvidenceSuggestion]
    challenges: list[Challenge]


def coverage_statuses() -> tuple[Tree, dict[str, tuple[str, str]]]:
    """The fault tree and each leaf's (status, label), from the coverage engine (the one place triage uses it)."""
    data = coverage.compute()
    return data.tree, {row.code: (row.status.value, row.status.label) for row in data.rows if row.is_leaf}


def category_guesses(predictions: list[tuple[str, float]], tree: Tree) -> list[CategoryGuess]:
    """The classifier's labels as top-level faults of the taxonomy, found by name (not by id)."""
    roots = {node.fault.name: node.fault for node in tree.roots}
    guesses = []
    for label, probability in predictions:
        if label in classifier.CATEGORY_NAMES:
            name = classifier.CATEGORY_NAMES[label]
            guesses.append(CategoryGuess(label, roots.get(name), name, probability))
        else:
            guesses.append(CategoryGuess(label, None, classifier.NOT_A_DL_FAULT, probability))
    return guesses


def _leaf_documents(tree: Tree, artifacts: list[Artifact], mentions: list[InterviewMention]) -> dict[int, str]:
    """Per leaf: its name (twice, it is the strongest signal), definition, artefact tags and mention tags."""
    docs = {node.fault.pk: [node.fault.name, node.fault.name, node.fault.definition] for node in tree.leaves()}
    for record in [*artifacts, *mentions]:
        tag = record.final_tag if isinstance(record, Artifact) else record.tag
        if record.fault_id in docs:
            docs[record.fault_id].append(tag)
    return {pk: "\n".join(parts) for pk, parts in docs.items()}


def _evidence(record, match, fault: Fault) -> EvidenceSuggestion:
    if isinstance(record, Artifact):
        return EvidenceSuggestion(
            kind=record.source,
            label=f"{record.get_source_display()} {record.get_kind_display().lower()}",
            text=record.final_tag,
            url=record.url,
            page_url=record.get_absolute_url(),
            fault=fault,
            score=match.score,
            why=match.why,
        )
    return EvidenceSuggestion(
        kind="interview",
        label=f"Interview {record.interview.number:02d}",
        text=record.tag,
        url=record.get_absolute_url(),
        page_url=record.get_absolute_url(),
        fault=fault,
        score=match.score,
        why=match.why,
    )


def triage(text: str, artefact: dict | None = None) -> Triage:
    """Classify ``text`` and gather what the knowledge base knows about its likely faults.

    Raises ``classifier.ClassifierUnavailable`` when no usable trained artefact exists.
    """
    predictions = classifier.predict(text, artefact)
    tree, statuses = coverage_statuses()
    categories = category_guesses(predictions, tree)

    artifacts = list(Artifact.objects.filter(fault__isnull=False).order_by("pk"))
    mentions = list(
        InterviewMention.objects.filter(fault__isnull=False)
        .select_related("interview")
        .defer("interview__transcript")
        .order_by("interview__number", "position")
    )
    documents = _leaf_documents(tree, artifacts, mentions)
    leaf_ids = list(documents)
    leaf_index = Index([documents[pk] for pk in leaf_ids])

    likely = [g for g in categories if g.fault is not None and g.probability >= MIN_CATEGORY_PROBABILITY]
    leaves: list[LeafSuggestion] = []
    matches = leaf_index.rank(text)
    for guess in likely[:MAX_CATEGORIES]:
        under = set(tree.subtree_ids(guess.fault.code))
        picked = [m for m in matches if leaf_ids[m.index] in under][:LEAVES_PER_CATEGORY]
        for match in picked:
            fault = tree.by_id[leaf_ids[match.index]].fault
            status, status_label = statuses[fault.code]
            leaves.append(LeafSuggestion(fault, guess.fault, match.score, status, status_label, match.why))

    records = [*artifacts, *mentions]
    evidence_index = Index([r.final_tag if isinstance(r, Artifact) else r.tag for r in records], like=leaf_index)
    similar = [
        _evidence(records[m.index], m, tree.by_id[records[m.index].fault_id].fault)
        for m in evidence_index.rank(text, limit=SIMILAR_EVIDENCE)
    ]

    shown = [leaf.fault.pk for leaf in leaves]
    order = {pk: i for i, pk in enumerate(shown)}
    mappings = sorted(
        FaultMapping.objects.approved()
        .filter(fault__in=shown, paper__status=ReviewStatus.APPROVED)
        .select_related("paper", "fault"),
        key=lambda m: (m.strength != Strength.EXPLICIT, order[m.fault_id], m.paper.title),
    )
    related = shown + [g.fault.pk for g in likely[:MAX_CATEGORIES]]
    challenges = list(Challenge.objects.filter(fault_links__fault__in=related).distinct().order_by("position", "name"))
    return Triage(categories, leaves, mappings, similar, challenges)
