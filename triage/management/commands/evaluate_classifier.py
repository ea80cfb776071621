from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from triage import evaluate


class Command(BaseCommand):
    help = (
        "Stratified k-fold cross-validation (fixed seed) of the bug-report classifier beside baselines on the same "
        "folds (majority class, TF-IDF + linear SVM): top-1/top-2 accuracy, macro-F1, per class, confusion matrix. "
        "Writes triage/evaluation/REPORT.md and report.json and prints the published figures, labelled as theirs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--candidates", action="store_true", help="Also evaluate the models we did not ship.")
        parser.add_argument(
            "--output",
            type=Path,
            default=evaluate.REPORT_DIR,
            help="Folder for REPORT.md and report.json (default: triage/evaluation, the committed report).",
        )

    def handle(self, *args, candidates=False, output=None, **options):
        try:
            report = evaluate.evaluate(candidates=candidates)
        except FileNotFoundError as error:
            raise CommandError(f"No training data: {error}. Set KB_SURVEY_DATA_DIR.") from None
        self.stdout.write(evaluate.render_markdown(report))
        for path in evaluate.write(report, output):
            self.stdout.write(f"Wrote {path}")
