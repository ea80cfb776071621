"""The bug-report classifier: training data, the model, the artefact on disk and its checks.

The model predicts one of the dataset's six labels (five top-level faults of the taxonomy and ``Others``) with
calibrated probabilities, from the pasted text alone. It is trained by ``manage.py train_classifier`` into a
joblib file kept out of git (``settings.KB_CLASSIFIER_PATH``); nothing is downloaded at run time.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import threading
from dataclasses import dataclass
from pathlib import Path

import joblib
import sklearn
from django.conf import settings
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from triage.features import code_tokens

# The dataset's labels, in a fixed order, and the taxonomy's top-level fault each one names (looked up by name).
LABELS = ("training", "model", "api", "tensor", "gpu", "Others")
CATEGORY_NAMES = {
    "training": "Training",
    "model": "Model",
    "api": "API",
    "tensor": "Tensors & Inputs",
    "gpu": "GPU Usage",
}
NOT_A_DL_FAULT = "Not a deep-learning fault"
ARTEFACT_FORMAT = 1
SEED = 20261129


class ClassifierUnavailable(Exception):
    """No usable trained artefact: missing, from another scikit-learn, or trained on other data."""


@dataclass(frozen=True)
class Posts:
    """The labelled StackOverflow posts (Id, Text, Label) and the SHA-256 of the file they came from."""

    ids: list[str]
    texts: list[str]
    labels: list[str]
    sha256: str


def posts_path() -> Path:
    return Path(settings.SURVEY_DATA_DIR) / "dlbugs2024" / "posts.csv"


def load_posts(path: Path | None = None) -> Posts:
    """Read posts.csv (the Tags column is ignored: a user pastes text, not tags)."""
    path = path or posts_path()
    raw = path.read_bytes()
    csv.field_size_limit(10**8)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    unknown = {row["Label"] for row in rows} - set(LABELS)
    if unknown:
        raise ValueError(f"{path}: unknown labels {sorted(unknown)}")
    return Posts(
        ids=[row["Id"] for row in rows],
        texts=[row["Text"] for row in rows],
        labels=[row["Label"] for row in rows],
        sha256=hashlib.sha256(raw).hexdigest(),
    )


#
# Models
#


def _words() -> TfidfVectorizer:
    """Word uni- and bigrams. The default tokenizer already splits API names into their parts (``tf.keras.layers``
    gives tf, keras, layers and their bigrams) and keeps error types whole (``valueerror``)."""
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.5)


def _calibrated_svm() -> CalibratedClassifierCV:
    return CalibratedClassifierCV(LinearSVC(C=0.5), method="sigmoid", cv=5)


def build_model() -> Pipeline:
    """The classifier we ship: the best of the candidates under stratified CV (see triage/evaluation/REPORT.md)."""
    return Pipeline([("features", _words()), ("classifier", _calibrated_svm())])


def build_baseline_svm() -> Pipeline:
    """The published baseline: TF-IDF of words and a linear SVM, default settings."""
    return Pipeline([("features", TfidfVectorizer()), ("classifier", LinearSVC())])


def build_with_code_tokens() -> Pipeline:
    """Candidate: words plus code tokens (API names with prefixes, error types, shapes, error patterns)."""
    features = FeatureUnion(
        [("words", _words()), ("code", TfidfVectorizer(analyzer=code_tokens, sublinear_tf=True, lowercase=False))],
        transformer_weights={"words": 1.0, "code": 0.3},
    )
    return Pipeline([("features", features), ("classifier", _calibrated_svm())])


def build_logistic() -> Pipeline:
    """Candidate: words with a logistic regression (probabilities without a calibration step)."""
    return Pipeline([("features", _words()), ("classifier", LogisticRegression(C=30, max_iter=2000))])


def build_complement_nb() -> Pipeline:
    """Candidate: words with complement naive Bayes."""
    return Pipeline([("features", _words()), ("classifier", ComplementNB(alpha=0.3))])


def model_spec() -> str:
    """A fingerprint of ``build_model()``'s definition (every parameter), so a changed model retrains the artefact."""

    def show(value) -> str:
        if hasattr(value, "get_params"):
            return type(value).__name__
        if callable(value):
            return f"{value.__module__}.{value.__qualname__}"
        return repr(value)

    params = build_model().get_params(deep=True)
    text = ";".join(f"{key}={show(value)}" for key, value in sorted(params.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


#
# The artefact
#


def artefact_path() -> Path:
    return Path(settings.KB_CLASSIFIER_PATH)


def train(posts: Posts | None = None) -> dict:
    """Fit the shipped model on every post; the artefact records what it was trained on and with what."""
    posts = posts or load_posts()
    model = build_model().fit(posts.texts, posts.labels)
    return {
        "format": ARTEFACT_FORMAT,
        "model": model,
        "labels": list(model.classes_),
        "data_sha256": posts.sha256,
        "posts": len(posts.texts),
        "sklearn_version": sklearn.__version__,
        "model_spec": model_spec(),
        "trained_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def save(artefact: dict, path: Path | None = None) -> Path:
    path = path or artefact_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    joblib.dump(artefact, tmp)
    tmp.replace(path)  # atomic: a reader never sees half a file
    return path


def check(artefact: dict, data_sha256: str | None) -> None:
    """Refuse an artefact from another format, scikit-learn version or model definition, or trained on other data."""
    if not isinstance(artefact, dict) or artefact.get("format") != ARTEFACT_FORMAT:
        raise ClassifierUnavailable("classifier artefact has an unknown format: run make data")
    if artefact["sklearn_version"] != sklearn.__version__:
        raise ClassifierUnavailable(
            f"classifier was trained with scikit-learn {artefact['sklearn_version']}, "
            f"this is {sklearn.__version__}: run make data"
        )
    if artefact.get("model_spec") != model_spec():
        raise ClassifierUnavailable("classifier was trained with another model definition: run make data")
    if data_sha256 is not None and artefact["data_sha256"] != data_sha256:
        raise ClassifierUnavailable("classifier was trained on other data than posts.csv: run make data")


_cache: dict[tuple, dict] = {}
_lock = threading.Lock()


def load(path: Path | None = None) -> dict:
    """The checked artefact, loaded once per file version (path, mtime) and process."""
    path = path or artefact_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ClassifierUnavailable("classifier not trained: run make data") from None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _lock:
        if key not in _cache:
            artefact = joblib.load(path)
            data = posts_path()
            # Where the training data is not shipped beside the app, the recorded hash cannot be re-checked.
            check(artefact, hashlib.sha256(data.read_bytes()).hexdigest() if data.exists() else None)
            _cache.clear()
            _cache[key] = artefact
        return _cache[key]


def predict(text: str, artefact: dict | None = None) -> list[tuple[str, float]]:
    """(label, probability) for every label, most probable first."""
    artefact = artefact or load()
    probabilities = artefact["model"].predict_proba([text])[0]
    ranked = sorted(zip(artefact["labels"], probabilities, strict=True), key=lambda pair: (-pair[1], pair[0]))
    return [(label, float(p)) for label, p in ranked]
