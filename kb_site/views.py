from django.shortcuts import render
from django.views.decorators.http import require_safe

from taxonomy import coverage
from taxonomy.charts import FIGURE_LABELS


@require_safe
def home(request):
    data = coverage.compute()
    summary = coverage.coverage_summary(data)
    headline = [
        {
            "comparison": c,
            "share": coverage.computed_share(summary, c.figure.computed_counterpart),
            "label": FIGURE_LABELS.get(c.figure.computed_counterpart, c.figure.of),
        }
        for c in coverage.reported_comparison(summary)
    ]
    return render(
        request,
        "home.html",
        {
            "summary": summary,
            "headline": headline,
            "catalogue": coverage.challenge_catalogue(),
            "survey": next((h["comparison"].figure.source for h in headline), None),
        },
    )
