"""KBTestCase: one tiny named world shared by the test suites (built once per class in setUpTestData).

root (category T)
├── memory (category T.1)          ← paper "beta" maps here (partial, category level)
│   └── memory-leak (leaf T.1-1)   ← paper "alpha" (explicit); 1 GitHub issue, 1 SO post, 1 interview mention
└── uncovered (leaf T-1)           ← nothing maps here; 1 GitHub commit
"""

from django.contrib.auth.models import Group, Permission, User
from django.test import TestCase

from challenges.tests.factories import make_artifact, make_challenge, make_interview, make_mention
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import Fault, Strength
from taxonomy.tests.factories import make_fault, make_method, make_source


class KBTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.humbatova = make_source("humbatova2020", licence="CC BY 4.0")
        cls.survey = make_source("nguyen2025")
        cls.root = make_fault("T", name="Root", kind=Fault.Kind.CATEGORY, slug="root", position=1)
        cls.memory = make_fault(
            "T.1", name="Memory", kind=Fault.Kind.CATEGORY, parent=cls.root, slug="memory", position=2
        )
        cls.memory_leak = make_fault("T.1-1", name="Memory leak", parent=cls.memory, slug="memory-leak", position=3)
        cls.uncovered = make_fault("T-1", name="Uncovered", parent=cls.root, slug="uncovered", position=4)
        cls.testing = make_method("M-T", name="Testing")
        cls.fuzzing = make_method("M-T-GEN", name="Fuzzing", parent=cls.testing)
        cls.alpha = make_paper("alpha", title="Alpha: finding memory leaks", year=2021, methods=[cls.fuzzing])
        cls.beta = make_paper("beta", title="Beta: memory in general", year=2023, methods=[cls.testing])
        cls.alpha_leak = make_mapping(cls.alpha, cls.memory_leak, methods=[cls.fuzzing])
        cls.beta_memory = make_mapping(cls.beta, cls.memory, strength=Strength.PARTIAL, methods=[cls.testing])
        cls.issue = make_artifact(cls.memory_leak, url="https://github.com/owner/repo/issues/1")
        cls.commit = make_artifact(cls.uncovered, kind="commit", url="https://github.com/owner/repo/commit/abc")
        cls.post = make_artifact(cls.memory_leak, source="stackoverflow", url="https://stackoverflow.com/questions/1")
        cls.interview = make_interview(1)
        cls.mention = make_mention(cls.interview, cls.memory_leak, tag="leaky memory")
        cls.challenge = make_challenge(faults=[cls.memory_leak])
        cls.curator = User.objects.create_user("curator", "curator@example.org", "curator-pass-123")
        curators, _ = Group.objects.get_or_create(name="curators")
        cls.curator.groups.add(curators)
        curators.permissions.add(
            *Permission.objects.filter(content_type__app_label__in=["papers", "taxonomy", "coverage"])
        )
        cls.researcher = User.objects.create_user("researcher", "researcher@example.org", "researcher-pass-123")
