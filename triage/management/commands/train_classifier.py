from django.core.management.base import BaseCommand, CommandError

from triage import classifier


class Command(BaseCommand):
    help = (
        "Train the bug-report classifier on dlbugs2024/posts.csv (survey data) and write the joblib artefact to "
        "KB_CLASSIFIER_PATH, recording the data's SHA-256 and the scikit-learn version."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing when a usable artefact (same data, same scikit-learn) is already there.",
        )

    def handle(self, *args, if_missing=False, **options):
        path = classifier.artefact_path()
        if if_missing:
            try:
                classifier.load(path)
            except classifier.ClassifierUnavailable as reason:
                self.stdout.write(f"Training the classifier ({reason}).")
            else:
                self.stdout.write(f"Classifier up to date: {path}")
                return
        try:
            posts = classifier.load_posts()
        except FileNotFoundError as error:
            raise CommandError(f"No training data: {error}. Set KB_SURVEY_DATA_DIR.") from None
        artefact = classifier.train(posts)
        classifier.save(artefact, path)
        self.stdout.write(
            f"Trained on {artefact['posts']} posts (sha256 {artefact['data_sha256'][:12]}…, "
            f"scikit-learn {artefact['sklearn_version']}): {path}"
        )
