"""Plain factory functions with overridable defaults."""

import itertools

from challenges.models import Artifact, Challenge, ChallengeFault, Interview, InterviewMention
from taxonomy.tests.factories import make_source

_seq = itertools.count(1)


def make_artifact(fault=None, *, source=Artifact.Source.GITHUB, kind=None, **kw) -> Artifact:
    n = next(_seq)
    kind = kind or (Artifact.Kind.ISSUE if source == Artifact.Source.GITHUB else Artifact.Kind.POST)
    if source == Artifact.Source.GITHUB:
        url = kw.pop("url", f"https://github.com/owner/repo/issues/{n}")
    else:
        url = kw.pop("url", f"https://stackoverflow.com/questions/{n}")
    defaults = {
        "framework": Artifact.Framework.KERAS,
        "final_tag": f"tag {n}",
        "repository": Artifact.repository_from_url(url),
        "dataset": kw.pop("dataset", None) or make_source(),
    }
    defaults.update(kw)
    return Artifact.objects.create(url=url, source=source, kind=kind, fault=fault, **defaults)


def make_interview(number=None, *, transcript="Interviewer: hello\nInterviewee: hi\n", **kw) -> Interview:
    number = number or next(_seq)
    return Interview.objects.create(number=number, transcript=transcript, dataset=make_source(), **kw)


def make_mention(interview, fault=None, *, tag=None, position=None, **kw) -> InterviewMention:
    position = position or interview.mentions.count() + 1
    return InterviewMention.objects.create(
        interview=interview, fault=fault, tag=tag or f"mention {position}", position=position, **kw
    )


def make_challenge(slug="hard-to-use-framework", *, faults=(), **kw) -> Challenge:
    defaults = {
        "name": slug.replace("-", " ").title(),
        "group": Challenge.Group.FRAMEWORK,
        "description": "Something hurts.",
        "source": make_source("nguyen2025"),
    }
    defaults.update(kw)
    challenge = Challenge.objects.create(slug=slug, **defaults)
    for fault in faults:
        ChallengeFault.objects.create(challenge=challenge, fault=fault, rationale="related")
    return challenge
