"""Backup and restore: export_dataset -> empty database -> import_dataset gives back exactly what there was.

The "world" is the real data plus everything the review workflow adds: submissions in every state, an
approved new paper, a rejected one, a retracted mapping, an API token, a curator, and two snapshots. The state
is compared model by model, row by row (ids included), history included, and every coverage figure (live and
per snapshot) is compared too.
"""

import io
import json

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core import serializers
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils.text import slugify

from accounts.roles import make_curator
from coverage import snapshots
from coverage.models import Snapshot
from papers.forms import TARGET_CHOICES
from papers.models import FaultMapping
from taxonomy.models import Fault, Method

# Every model whose rows a restore must give back: the project's apps (history models included) and the
# accounts that own submissions and tokens.
BACKED_UP_APPS = ("taxonomy", "papers", "challenges", "accounts", "kb_site")
ACCOUNT_MODELS = ("auth.user", "auth.group", "authtoken.token")


def backed_up_models():
    models = [m for m in apps.get_models() if m._meta.app_label in BACKED_UP_APPS and m._meta.managed]
    return models + [apps.get_model(label) for label in ACCOUNT_MODELS]


def database_state() -> dict[str, list[dict]]:
    """Every row of every backed-up model (pk, fields, many-to-many), foreign keys to auth tables by natural key."""
    return {
        model._meta.label: serializers.serialize(
            "python", model._base_manager.order_by("pk"), use_natural_foreign_keys=True
        )
        for model in backed_up_models()
    }


def coverage_state() -> dict:
    return {
        "live": snapshots.figures_for(),
        **{f"snapshot:{s.name}": (s.figures, snapshots.figures_for(s)) for s in Snapshot.objects.order_by("name")},
    }


def mapping(fault: str, method: str, strength: str = "explicit") -> dict:
    return {
        "fault": fault,
        "strength": strength,
        "methods": [method],
        "phases": ["detection"],
        "targets": [TARGET_CHOICES[0][0]],
        "rationale": "The abstract says so.",
        "evidence_kind": "abstract",
        "quote": "We detect <b>exploding</b> gradients & more.",
        "quote_locator": "abstract",
    }


def submit(client: Client, title: str, mappings: list[dict]) -> str:
    body = {
        "paper": {
            "title": title,
            "authors": ["A. Author"],
            "year": 2024,
            "url": f"https://example.org/{slugify(title)}",
        },
        "comment": "Please review.",
        "mappings": mappings,
    }
    response = client.post(reverse("api:submission-list"), body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["uid"]


def review(client: Client, uid: str, action: str, reason: str = "") -> None:
    url = reverse(f"api:submission-{action}", args=[uid])
    response = client.post(url, {"reason": reason}, content_type="application/json")
    assert response.status_code == 200, response.content


@pytest.fixture
def world(transactional_db):
    call_command("loaddata", "taxonomy", "papers", "challenges", verbosity=0)
    snapshots.freeze("seed", description="The curated data as first loaded")
    leaves = list(Fault.objects.filter(kind=Fault.Kind.LEAF).order_by("position").values_list("code", flat=True))
    method = Method.objects.order_by("position").values_list("code", flat=True).first()

    researcher = User.objects.create_user("researcher", "r@example.org", "a-long-password-1")
    curator = User.objects.create_user("curator", "c@example.org", "a-long-password-2")
    make_curator(curator)
    as_researcher, as_curator = Client(), Client()
    as_researcher.force_login(researcher)
    as_curator.force_login(curator)

    approved = submit(
        as_researcher, "Approved paper on leaks", [mapping(leaves[0], method), mapping(leaves[1], method)]
    )
    rejected = submit(as_researcher, "Rejected paper", [mapping(leaves[2], method, "partial")])
    changes = submit(as_researcher, "Paper needing changes", [mapping(leaves[3], method)])
    submit(as_researcher, "Pending paper", [mapping(leaves[4], method)])
    review(as_curator, approved, "claim")
    review(as_curator, approved, "approve", "Fine.")
    review(as_curator, rejected, "reject", "Not a debugging technique.")
    review(as_curator, changes, "request-changes", "Quote the abstract, please.")
    retracted = FaultMapping.objects.filter(status="approved", submission__isnull=True).order_by("pk").first()
    response = as_curator.post(
        reverse("api:retraction-list"),
        {"mapping": str(retracted.uid), "reason": "The abstract does not support it."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    as_researcher.post(reverse("accounts:token-create"))
    snapshots.freeze("after-review", description="After one review round")
    return {"retracted": retracted.uid}


def export(tmp_path) -> str:
    path = tmp_path / "backup.json"
    call_command("export_dataset", output=str(path), stderr=io.StringIO())
    return str(path)


def restore(path: str) -> str:
    out = io.StringIO()
    call_command("import_dataset", path, stdout=out)
    return out.getvalue()


def test_export_empty_database_import_gives_back_everything(world, tmp_path):
    before, figures_before = database_state(), coverage_state()
    # The review round left history (fixture loading writes none).
    assert len(before["papers.HistoricalSubmission"]) >= 8
    assert len(before["papers.HistoricalFaultMapping"]) >= 8
    assert {row["fields"]["status"] for row in before["papers.Submission"]} == {
        "approved",
        "rejected",
        "changes_requested",
        "pending",
    }
    path = export(tmp_path)
    # Importing a backup into the database it came from changes nothing.
    assert restore(path).strip().endswith("Nothing to change: the database already holds the file.")
    assert database_state() == before

    call_command("flush", interactive=False, verbosity=0)
    emptied = database_state()
    assert all(rows == [] for label, rows in emptied.items() if label != "auth.Group"), "flush left rows"

    output = restore(path)
    assert output.strip().endswith("Imported.")
    after = database_state()
    for label in before:
        assert after[label] == before[label], f"{label} differs after restore"
    assert coverage_state() == figures_before
    # The retraction, with its reason, is still in the history.
    reasons = FaultMapping.history.filter(uid=world["retracted"], status="retracted").values_list(
        "history_change_reason", flat=True
    )
    assert list(reasons) == ["The abstract does not support it."]
    # Snapshots still verify against their frozen mapping sets.
    out = io.StringIO()
    call_command("snapshot", "verify", "after-review", stdout=out)
    assert "after-review" in out.getvalue()

    # Importing the same file again changes nothing.
    second = restore(path)
    assert second.strip().endswith("Nothing to change: the database already holds the file.")
    assert database_state() == before


def test_unknown_schema_version_is_refused_with_a_clear_message(db, tmp_path):
    call_command("loaddata", "taxonomy", verbosity=0)
    path = tmp_path / "future.json"
    with open(export(tmp_path), encoding="utf-8") as handle:
        document = json.load(handle)
    document["schema_version"] = 99
    path.write_text(json.dumps(document), encoding="utf-8")
    before = database_state()
    with pytest.raises(CommandError) as refused:
        restore(str(path))
    assert str(refused.value) == (
        "Unsupported dataset schema version 99: this version of the app reads schema versions 1, 2 (it writes 2). "
        "Import the file with the app version that exported it."
    )
    assert database_state() == before


def test_a_file_that_is_not_a_dataset_is_refused(db, tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps([{"model": "taxonomy.fault", "pk": 1}]), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        restore(str(path))
    assert str(refused.value) == 'Not a knowledge-base dataset file (expected "format": "kb-dataset").'
