"""A curator publishes a release in real Chromium; its archive downloads, unpacks and loads back.

The archive's dataset.json goes into an emptied database with ``import_dataset``, which must then compute the
release's figures; every CSV parses and holds the rows of its table. Screenshots go to test-artifacts/.
"""

import csv
import io
import json
import zipfile

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from accounts.roles import make_curator
from coverage import snapshots
from coverage.models import Release
from kb_site.tests.jsonld import SCHEMA, expand, ld_blocks, value
from kb_site.tests.test_citation_file import cff_errors
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import Fault
from taxonomy.tests.factories import make_fault, make_source

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    make_source("humbatova2020", licence="CC BY 4.0")
    root = make_fault("T", name="Root", kind=Fault.Kind.CATEGORY, slug="root", position=1)
    leak = make_fault("T-1", name="Memory leak", parent=root, slug="memory-leak", position=2)
    make_fault("T-2", name="Uncovered", parent=root, slug="uncovered", position=3)
    make_mapping(make_paper("alpha", title="Alpha"), leak)
    snapshots.freeze("autumn")
    curator = User.objects.create_user("carla", "carla@example.org", "carla-long-phrase-42")
    make_curator(curator)


def test_a_curator_publishes_a_release_and_its_archive_loads_back(browser_page, world, tmp_path):
    page = browser_page.page
    browser_page.goto("/accounts/login/")
    page.fill("#id_username", "carla")
    page.fill("#id_password", "carla-long-phrase-42")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    browser_page.goto("/releases/")
    page.get_by_role("link", name="Publish a release").click()
    page.wait_for_url("**/releases/new/")
    assert "First release." in page.input_value("#id_release_notes")
    page.fill("#id_version", "1.0")
    page.fill("#id_description", "The first citable release.")
    page.fill("#id_release_notes", "First release, checked by Carla.")
    browser_page.screenshot("release-form")
    page.get_by_role("button", name="Publish", exact=True).click()
    page.wait_for_url("**/releases/1.0/")
    assert page.locator("h1").inner_text() == "ML Debugging Knowledge Base 1.0"
    assert "First release, checked by Carla." in page.locator(".release-notes").inner_text()
    browser_page.screenshot("release-page")

    [document] = ld_blocks(page.content())
    [node] = expand(document)
    assert node["@type"] == [SCHEMA + "Dataset"]
    [download] = node[SCHEMA + "distribution"]
    assert value(download, "contentUrl") == browser_page.base_url + "/releases/1.0/download/"

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the archive").click()
    path = tmp_path / "release.zip"
    info.value.save_as(path)
    release = Release.objects.get(version="1.0")
    assert release.published_by == "carla"
    assert path.read_bytes() == bytes(release.archive)
    assert browser_page.console_errors == []  # the JSON-LD block raised no CSP report
    assert browser_page.foreign_requests == []

    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "unpacked")
    root = tmp_path / "unpacked" / "kb-release-1.0"
    data = json.loads((root / "dataset.json").read_text())
    for label, records in data["records"].items():
        rows = list(csv.DictReader(io.StringIO((root / "csv" / f"{label}.csv").read_text())))
        assert [row["pk"] for row in rows] == [str(record["pk"]) for record in records], label
    assert cff_errors((root / "CITATION.cff").read_text()) == []
    # By hand: 2 leaves, T-1 addressed (alpha, explicit), T-2 unaddressed.
    figures = json.loads((root / "figures.json").read_text())
    assert (figures["leaves"]["addressed"], figures["leaves"]["unaddressed"], figures["leaves"]["total"]) == (1, 1, 2)

    call_command("flush", interactive=False, verbosity=0)
    call_command("import_dataset", str(root / "dataset.json"), stdout=io.StringIO())
    assert snapshots.figures_for(None) == figures
