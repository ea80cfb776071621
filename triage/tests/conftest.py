import shutil

import pytest

from triage import classifier


@pytest.fixture(scope="session")
def posts():
    if not classifier.posts_path().exists():
        pytest.skip(f"needs the survey data at {classifier.posts_path()} (set KB_SURVEY_DATA_DIR)")
    return classifier.load_posts()


@pytest.fixture(scope="session")
def trained(posts, tmp_path_factory):
    """The shipped model trained once per test session on every post, saved as the commands save it."""
    path = tmp_path_factory.mktemp("classifier") / "classifier.joblib"
    classifier.save(classifier.train(posts), path)
    return path


@pytest.fixture
def artefact(trained, tmp_path, settings):
    """KB_CLASSIFIER_PATH points at a copy of the trained artefact (a test may replace or delete it)."""
    path = tmp_path / "classifier.joblib"
    shutil.copy(trained, path)
    settings.KB_CLASSIFIER_PATH = path
    return path


@pytest.fixture
def no_artefact(tmp_path, settings):
    settings.KB_CLASSIFIER_PATH = tmp_path / "missing.joblib"
    return settings.KB_CLASSIFIER_PATH
