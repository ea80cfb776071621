"""Grow KBTestCase's tiny world, so query-count tests can show a page costs the same with more rows."""

import itertools

from challenges.models import ChallengeFault, ChallengePassage
from challenges.tests.factories import make_artifact, make_interview, make_mention
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import Strength
from taxonomy.tests.factories import make_fault

_seq = itertools.count(1)


def grow(case, n: int, tag: str = "g") -> None:
    """Add ``n`` leaves under ``case.memory``, each with a paper, evidence of every kind and a challenge link;
    plus ``n`` unclassified artefacts, an interview with ``n`` mentions and ``n`` coded passages."""
    interview = make_interview(100 + next(_seq))
    for i in range(n):
        line = 100 + next(_seq)
        leaf = make_fault(f"T.1-{tag}{i}", parent=case.memory, name=f"Grown leak {tag}{i}", slug=f"grown-{tag}-{i}")
        paper = make_paper(f"{tag}-paper-{i}", title=f"Grown paper {tag} {i}", methods=[case.fuzzing])
        make_mapping(paper, leaf, strength=Strength.EXPLICIT if i % 2 else Strength.PARTIAL, methods=[case.fuzzing])
        make_mapping(paper, case.uncovered, strength=Strength.PARTIAL, methods=[case.testing])
        make_artifact(leaf, url=f"https://github.com/o/r/issues/{tag}{i}")
        make_artifact(leaf, source="stackoverflow", url=f"https://stackoverflow.com/questions/{tag}{i}")
        make_artifact(None, url=f"https://github.com/o/r/commit/{tag}{i}", kind="commit")
        make_mention(interview, leaf, tag=f"grown mention {tag}{i}")
        make_mention(case.interview, leaf, tag=f"grown mention in 1 {tag}{i}")
        ChallengeFault.objects.create(challenge=case.challenge, fault=leaf, rationale="grown")
        ChallengePassage.objects.create(
            challenge=case.challenge, interview=case.interview, lines=[line], first_line=line, excerpt="hello"
        )
