"""Real data for the write fuzz (.ci/api-fuzz-writes): users, a token and one submission per write operation.

Run with DATABASE_URL pointing at the fuzz database, after the fixtures are loaded. Creates the curator whose
token the fuzzer sends (KB_FUZZ_TOKEN) and a researcher; submits, as the researcher and through the API itself,
one pending submission for each operation on a submission (so each reaches its success path once at least), and
writes their uids, a real fault id, method code and approved mapping uid as shell assignments to the file named
by KB_FUZZ_ENV_FILE, for .ci/fuzz_hooks.py.
"""

import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb_site.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.roles import make_curator  # noqa: E402
from papers.models import FaultMapping  # noqa: E402
from taxonomy.models import Fault, Method  # noqa: E402

OPERATIONS = ("retrieve", "update", "claim", "approve", "reject", "request_changes")

curator = User.objects.create_user("fuzz-curator", "fuzz@example.org", None)
make_curator(curator)
Token.objects.create(user=curator, key=os.environ["KB_FUZZ_TOKEN"])
researcher = User.objects.create_user("fuzz-researcher", "fuzz-researcher@example.org", None)
client = Client()
client.force_login(researcher)

leaves = list(Fault.objects.filter(kind=Fault.Kind.LEAF).order_by("position")[: len(OPERATIONS)])
method = Method.objects.order_by("position").first()
values = {"KB_FUZZ_FAULT": leaves[0].code, "KB_FUZZ_METHOD": method.code}
for n, (operation, leaf) in enumerate(zip(OPERATIONS, leaves, strict=True)):
    body = {
        "paper": {
            "title": f"Fuzz fixture {n}: a technique for {operation.replace('_', ' ')}",
            "authors": ["Fuzz Author"],
            "year": 2024,
            "venue": "",
            "doi": "",
            "arxiv_id": "",
            "url": f"https://example.org/fuzz/{n}",  # a new paper needs a DOI, an arXiv id or a URL
        },
        "mappings": [
            {
                "fault": leaf.code,
                "strength": "explicit",
                "methods": [method.code],
                "phases": ["detection"],
                "targets": ["DL program"],
                "rationale": "Created for the write fuzz.",
                "evidence_kind": "abstract",
            }
        ],
        "comment": "",
    }
    response = client.post("/api/submissions/", body, content_type="application/json")
    if response.status_code != 201:
        sys.exit(f"could not create the fuzz submission for {operation}: {response.status_code} {response.content!r}")
    values[f"KB_FUZZ_UID_{operation.upper()}"] = response.json()["uid"]
mapping = FaultMapping.objects.filter(status="approved").order_by("pk").first()
values["KB_FUZZ_MAPPING"] = str(mapping.uid)
Path(os.environ["KB_FUZZ_ENV_FILE"]).write_text("".join(f"{name}={value}\n" for name, value in values.items()))
print(f"fuzz data: {len(OPERATIONS)} submissions, fault {values['KB_FUZZ_FAULT']}, method {values['KB_FUZZ_METHOD']}")
