import json as jsonlib

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from coverage import coverage, summaries
from coverage.charts import FIGURE_LABELS
from coverage.models import Snapshot


def _fmt_pct(value) -> str:
    return "n/a" if value is None else f"{value}%"


class Command(BaseCommand):
    help = (
        "Print the coverage figures computed from the approved mappings beside the survey's reported figures. "
        "--json prints the stable machine-readable form documented in the README."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
        parser.add_argument("--snapshot", help="Compute from a frozen snapshot's mapping set instead of live data.")
        parser.add_argument("--as-of", help="Compute from the mappings approved at this ISO 8601 moment.")

    def handle(self, *args, json: bool = False, snapshot=None, as_of=None, **options):
        kwargs = {}
        if snapshot:
            try:
                kwargs["snapshot"] = Snapshot.objects.get(name=snapshot)
            except Snapshot.DoesNotExist as exc:
                raise CommandError(f"No snapshot named {snapshot!r}") from exc
        if as_of:
            moment = parse_datetime(as_of)
            if moment is None:
                raise CommandError(f"--as-of must be an ISO 8601 date-time, got {as_of!r}")
            kwargs["as_of"] = moment
        summary = summaries.coverage_summary(**kwargs)
        comparisons = summaries.reported_comparison(summary)
        payload = summaries.summary_dict(summary, comparisons)
        if json:
            self.stdout.write(_json_dumps(payload))
            return
        self._print_table(summary, comparisons)

    def _print_table(self, summary, comparisons):
        out = self.stdout.write
        leaves = summary.leaves
        out("Computed from the knowledge base's approved mappings")
        out(f"  Leaf faults: {leaves.total}")
        for status in coverage.Status:
            share = leaves.share(status)
            out(f"    {status.label:<22} {share.numerator:>4} / {share.denominator:<4} {_fmt_pct(share.pct)}")
        for label, shares in (
            ("GitHub artefacts (issues, commits)", summary.github),
            ("Interview mentions", summary.interviews),
            ("StackOverflow posts", summary.stackoverflow),
        ):
            out(
                f"  {label}: unaddressed {shares.unaddressed} / {shares.classified} classified "
                f"= {_fmt_pct(shares.unaddressed_pct)} (unclassified, not counted: {shares.unclassified})"
            )
        out(f"  Papers with approved mappings: {summary.papers} ({summary.mappings} mappings)")
        out("")
        out("Reported by the survey (not computed here)")
        for comparison in comparisons:
            fig = comparison.figure
            unit = "%" if fig.unit == "percent" else ""
            computed = comparison.computed
            computed_text = "no computed counterpart" if computed is None else f"computed here: {computed}{unit}"
            label = FIGURE_LABELS.get(fig.computed_counterpart, fig.of)
            out(f"  {fig.display_value:>6} {label} ({computed_text}); the survey's wording: {fig.of} [{fig.locator}]")
        sources = {c.figure.source.citation for c in comparisons}
        for citation in sorted(sources):
            out(f"  Source: {citation}")
        out("")
        out(
            "The survey's figures come from its own, larger and unpublished set of mappings; the computed ones come "
            "from the mappings curated for this knowledge base, so the two differ."
        )


def _json_dumps(payload) -> str:
    return jsonlib.dumps(payload, indent=2)
