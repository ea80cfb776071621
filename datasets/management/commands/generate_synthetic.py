import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from datasets import synthetic, synthetic_plan


class Command(BaseCommand):
    help = (
        "Add synthetic benchmark data beside the real data: a ~1,000-fault taxonomy (codes S-…) and, per unit of "
        "--scale, 100 papers, 500 mappings, 4,000 GitHub artefacts, 2,000 StackOverflow posts and 4,000 interview "
        "mentions, Zipf-skewed over the faults. Deterministic for a --seed; everything is marked synthetic and "
        "--clear removes exactly it (never a real row)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, help="Multiple of the real data's size (100 = 10,000 papers).")
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0): same seed, same rows.")
        parser.add_argument(
            "--faults", type=int, default=synthetic_plan.DEFAULT_FAULTS, help="Taxonomy size (default 1000)."
        )
        parser.add_argument(
            "--clear", action="store_true", help="Remove existing synthetic rows first (alone: remove them and stop)."
        )

    def handle(self, *args, scale, seed, faults, clear, verbosity, **options):
        if scale is None and not clear:
            raise CommandError("give --scale N (and optionally --seed), or --clear to remove synthetic data")
        if scale is not None and scale <= 0:
            raise CommandError("--scale must be positive")
        if clear:
            try:
                deleted = synthetic.clear()
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            if verbosity:
                self.stdout.write("Removed synthetic rows: " + ", ".join(f"{k} {v}" for k, v in deleted.items()))
        if scale is None:
            return
        if synthetic.is_present():
            raise CommandError("synthetic data is already loaded; add --clear to replace it")
        started = time.monotonic()
        planned = synthetic_plan.planned_counts(scale, faults)
        with tqdm(
            total=planned.total,
            unit="rows",
            unit_scale=True,
            desc=f"synthetic x{scale:g}",
            disable=verbosity == 0,
            file=self.stderr._out,
        ) as bar:
            try:
                counts = synthetic.generate(scale, seed, faults, progress=bar.update)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        synthetic.vacuum()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Synthetic data (scale {scale:g}, seed {seed}) in {time.monotonic() - started:.1f}s: "
                    f"{counts.faults} faults ({counts.leaves} leaves), {counts.papers} papers, "
                    f"{counts.mappings} mappings, {counts.github} GitHub artefacts, "
                    f"{counts.stackoverflow} StackOverflow posts, {counts.interviews} interviews, "
                    f"{counts.mentions} interview mentions."
                )
            )
