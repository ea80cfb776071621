import json
from io import StringIO

import joblib
from django.core.management import call_command

from triage import evaluate
from triage.classifier import Posts


def test_train_if_missing_keeps_an_up_to_date_artefact(artefact):
    before = artefact.stat().st_mtime_ns
    out = StringIO()
    call_command("train_classifier", "--if-missing", stdout=out)
    assert out.getvalue() == f"Classifier up to date: {artefact}\n"
    assert artefact.stat().st_mtime_ns == before


def test_train_if_missing_retrains_a_stale_artefact(artefact, posts):
    stored = joblib.load(artefact)
    stored["data_sha256"] = "0" * 64
    joblib.dump(stored, artefact)
    out = StringIO()
    call_command("train_classifier", "--if-missing", stdout=out)
    assert out.getvalue().startswith("Training the classifier (classifier was trained on other data")
    assert joblib.load(artefact)["data_sha256"] == posts.sha256


def test_majority_baseline_figures_on_a_skewed_toy_set():
    """35 posts: 10 training, 5 of each other label. Every training fold has 8 training posts and 4 of each other,
    so the majority baseline always says training: top-1 10/35; its second guess is the first label in order
    (Others), so top-2 (10+5)/35; F1 of training 2*(10/35)/(10/35+1) = 4/9, the others 0, macro 4/54."""
    labels = ["training"] * 10 + [label for label in ("model", "api", "tensor", "gpu", "Others") for _ in range(5)]
    posts = Posts(ids=[str(i) for i in range(35)], texts=[f"post {i}" for i in range(35)], labels=labels, sha256="")
    name, description, build = evaluate.MODELS[-1]
    result = evaluate.cross_validate(name, description, build, posts)
    assert result.top1 == 10 / 35
    assert result.top2 == 15 / 35
    assert abs(result.macro_f1 - 4 / 54) < 1e-12
    assert result.confusion[-1] == [0, 0, 0, 0, 0, 10]  # training row: all predicted training (last label)
    assert result.per_class["Others"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 5}


def test_published_figures_are_read_from_the_readme_as_stated(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        "Their\npublished results on a 90-post test split of the same data (accuracy, six classes): Model A 0.5,\n"
        "Model B about 0.25.\n\nMore text.",
        encoding="utf-8",
    )
    assert evaluate.published_figures(readme) == {
        "split": "a 90-post test split of the same data",
        "measure": "accuracy, six classes",
        "results": [
            {"model": "Model A", "accuracy": 0.5, "approximate": False},
            {"model": "Model B", "accuracy": 0.25, "approximate": True},
        ],
    }
    assert evaluate.published_figures(tmp_path / "absent.md") == {}


def test_report_is_written_as_markdown_and_json(tmp_path):
    labels = ["training"] * 10 + [label for label in ("model", "api", "tensor", "gpu", "Others") for _ in range(5)]
    posts = Posts(ids=[str(i) for i in range(35)], texts=[f"post {i}" for i in range(35)], labels=labels, sha256="ab")
    result = evaluate.cross_validate(*evaluate.MODELS[-1], posts)
    report = {
        "data": {"posts": 35, "sha256": "ab", "labels": sorted(set(labels))},
        "protocol": "toy",
        "sklearn_version": "x",
        "models": [vars(result)],
        "published": {},
    }
    md, js = evaluate.write(report, tmp_path)
    assert json.loads(js.read_text()) == json.loads(json.dumps(report))
    text = md.read_text()
    assert "| Majority class (baseline) | 28.6% | 42.9% | 0.074 | 14.802 |" in text
    assert "| **training** | 0 | 0 | 0 | 0 | 0 | 10 |" in text
    assert "The survey data's README was not found: no published figures to show." in text
