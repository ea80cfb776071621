"""Coverage pages: home, the dashboard and the sources page (snapshot pages: test_snapshot_views.py)."""

import csv
import io
import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from challenges.tests.factories import make_artifact
from coverage import charts, coverage, gap_analysis, summaries
from kb_site.test import KBTestCase
from kb_site.tests.world import grow
from taxonomy.tests.factories import make_reported_figure
from taxonomy.tests.test_views import json_scripts

TEMPLATES = Path(settings.BASE_DIR) / "templates"
CODE = [
    Path(settings.BASE_DIR) / p
    for p in (
        "coverage/views.py",
        "coverage/coverage.py",
        "coverage/summaries.py",
        "coverage/charts.py",
        "kb_site/ui.py",
    )
]


class HomeTests(KBTestCase):
    url = reverse("home")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_reported_figure("addressed", value="12.5", computed_counterpart="leaves.addressed_pct", position=1)
        make_reported_figure("github", value="33.3", computed_counterpart="github.unaddressed_pct", position=2)
        make_reported_figure(
            "primary-challenges", value="13", unit="count", computed_counterpart="challenges.confirmed", position=3
        )

    def figure(self, html, key):
        return re.search(rf'<div class="figure" id="figure-{key}">(.*?)\n    </div>', html, re.S).group(1)

    def test_headline_figures_are_computed_beside_the_reported_ones(self):
        html = self.client.get(self.url).content.decode()
        summary = summaries.coverage_summary()
        addressed = self.figure(html, "addressed")
        self.assertIn(f'data-computed="{summary.leaves.addressed_pct}"', addressed)
        self.assertIn("50.0%", addressed)  # 1 of the 2 leaves, by hand
        self.assertIn("computed here: 1 of 2", addressed)
        self.assertIn('data-reported="12.50">12.5%</strong>', addressed)
        github = self.figure(html, "github")
        self.assertIn("computed here: 1 of 2", github)  # the commit's leaf is unaddressed, the is not
        self.assertIn("33.3%", github)

    def test_partial_share_is_shown_and_reported_figures_say_what_they_measure(self):
        grow(self, 2)  # g0 partial, g1 explicit; with T.1-1 addressed and T-1 now partial: 2 + 2 of 4
        html = self.client.get(self.url).content.decode()
        partial = self.figure(html, "partial")
        self.assertIn("Leaf faults partially addressed", partial)
        self.assertIn("computed here: 2 of 4", partial)
        self.assertIn("50.0%", partial)
        addressed = self.figure(html, "addressed")
        self.assertIn('<div class="label">Leaf faults addressed</div>', addressed)
        self.assertIn("for the same measure", addressed)

    def test_counts_follow_the_data(self):
        html = self.client.get(self.url).content.decode()
        self.assertIn("1 of 2", self.figure(html, "addressed"))
        grow(self, 2)  # two more leaves: one explicit, one partial
        html = self.client.get(self.url).content.decode()
        self.assertIn("computed here: 2 of 4", self.figure(html, "addressed"))
        self.assertIn("1 of the survey’s 13 challenges catalogued", html)

    def test_citation_why_they_differ_entry_points_and_search_box(self):
        response = self.client.get(self.url)
        self.assertContains(response, "Why they differ:")
        self.assertContains(response, "Reported figures: A. Author (2020) “Source nguyen2025”")
        for name in (
            "coverage:fault-list",
            "papers:paper-list",
            "challenges:evidence-list",
            "challenges:challenge-list",
            "coverage:dashboard",
            "coverage:sources",
            "challenges:interview-list",
        ):
            self.assertContains(response, f'href="{reverse(name)}"')
        self.assertContains(response, f'<form class="home-search" action="{reverse("search")}"')

    def test_no_reported_figure_is_typed_into_code_or_templates(self):
        reported = ("48.0", "46.9", "52.6", "70.3")
        for path in [*TEMPLATES.rglob("*.html"), *CODE]:
            text = path.read_text()
            for value in reported:
                self.assertNotIn(value, text, f"{value} in {path}")

    def test_query_count_does_not_grow_with_the_data(self):
        # 12 for the figures, the catalogue and the seed release; 1 for the latest published release (none here:
        # the page's Dataset JSON-LD describes the live data).
        with self.assertNumQueries(13):
            self.client.get(self.url)
        grow(self, 4)
        with self.assertNumQueries(13):
            self.client.get(self.url)


#
# Coverage dashboard
#


class CoverageDashboardTests(KBTestCase):
    url = reverse("coverage:dashboard")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_reported_figure("addressed", value="12.5", computed_counterpart="leaves.addressed_pct")
        make_reported_figure("github", value="33.3", computed_counterpart="github.unaddressed_pct", position=2)

    def specs(self):
        html = self.client.get(self.url).content.decode()
        return {key: value["figure"] for key, value in json_scripts(html).items()}

    def test_every_chart_has_a_caption_a_table_and_a_csv_link(self):
        response = self.client.get(self.url)
        entries = response.context["dashboard"]().charts
        keys = [entry["chart"].key for entry in entries]
        self.assertEqual(keys, ["taxonomy", "gap-map", "research-vs-practice", "papers-per-year", "status-shares"])
        for entry in entries:
            key = entry["chart"].key
            self.assertContains(response, f"<figcaption>{escape(entry['chart'].caption)}")
            self.assertContains(response, f'href="#{key}-table"')
            self.assertContains(response, f'<details class="chart-table" id="{key}-table">')
            self.assertEqual(entry["csv_url"], f"/coverage/{key}.csv")
            self.assertContains(response, f'href="{escape(entry["csv_url"])}" download>CSV</a>')

    def test_each_chart_has_a_text_summary_that_describes_it(self):
        # By hand from the world (kb_site/test.py): leaves memory-leak (addressed: paper alpha; 1 issue, 1 SO post,
        # 1 mention) and uncovered (1 commit); papers alpha (2021) and beta (2023), both Testing, both under Root.
        expected = {
            "taxonomy": "2 leaf faults: 1 addressed, 0 partially addressed, 1 unaddressed. The top-level category "
            "with the most practitioner evidence is Root (4 records; 1 of its 2 leaves unaddressed).",
            "gap-map": "The most papers are on Root with Testing (2 papers). No category holds a demand gap.",
            "research-vs-practice": "1 of 2 leaf faults has practitioner evidence but no paper; the one with the "
            "most is Uncovered (T-1, 1 record).",
            "papers-per-year": "From 2021 to 2023; the busiest year is 2021 (1, counting a paper once per method "
            "family). Over all years, by method family: Testing 2.",
            "status-shares": "Computed here: 50.0% of leaf faults addressed, 0.0% partially addressed, 50.0% "
            "unaddressed. The survey reports 12.5% addressed, from its own mappings.",
        }
        response = self.client.get(self.url)
        entries = response.context["dashboard"]().charts
        self.assertEqual({entry["chart"].key: entry["summary"] for entry in entries}, expected)
        for key, text in expected.items():
            self.assertContains(response, f'<p class="chart-summary" id="{key}-summary">{escape(text)}</p>')
            self.assertContains(response, f'aria-describedby="{key}-summary"')

    def test_the_gap_map_summary_names_the_demand_gaps(self):
        for n in range(4):  # uncovered: 1 commit + 4 issues = 5 records and no paper, a demand gap
            make_artifact(self.uncovered, url=f"https://github.com/owner/repo/issues/{n + 10}")
        entries = self.client.get(self.url).context["dashboard"]().charts
        summary = {entry["chart"].key: entry["summary"] for entry in entries}
        self.assertEqual(
            summary["gap-map"],
            "The most papers are on Root with Testing (2 papers). 1 category holds demand gaps (1 leaf).",
        )
        self.assertEqual(
            summary["research-vs-practice"],
            "1 of 2 leaf faults has practitioner evidence but no paper; the one with the most is Uncovered (T-1, "
            "5 records).",
        )

    def test_each_chart_csv_is_its_table_under_its_own_name(self):
        for entry in self.client.get(self.url).context["dashboard"]().charts:
            chart = entry["chart"]
            response = self.client.get(entry["csv_url"])
            self.assertEqual(response.status_code, 200, entry["csv_url"])
            self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
            self.assertEqual(response["Content-Disposition"], f'attachment; filename="coverage-{chart.key}.csv"')
            rows = list(csv.reader(io.StringIO(response.content.decode())))
            self.assertEqual(rows[0], list(chart.table.columns))
            self.assertEqual(len(rows), 1 + len(chart.table.rows))

    def test_research_vs_practice_csv_holds_only_what_the_scatter_shows(self):
        # By hand from the world (kb_site/test.py): memory-leak has paper alpha, 1 issue, 1 SO post, 1 mention;
        # uncovered has 1 commit and nothing mapped.
        response = self.client.get("/coverage/research-vs-practice.csv")
        self.assertEqual(
            list(csv.reader(io.StringIO(response.content.decode()))),
            [
                [
                    "Fault id",
                    "Name",
                    "Status",
                    "Papers",
                    "GitHub",
                    "StackOverflow",
                    "Interview mentions",
                    "Practitioner evidence",
                ],
                ["T.1-1", "Memory leak", "Addressed", "1", "1", "1", "1", "3"],
                ["T-1", "Uncovered", "Unaddressed", "0", "1", "0", "0", "1"],
            ],
        )

    def test_csv_query_count_does_not_grow_with_the_data(self):
        # The engine's 6, the summary's challenge count, then the charts' 6: reported figures, methods, the
        # mapping facts (2), paper years, method families.
        with self.assertNumQueries(QUERIES := 13):
            self.client.get("/coverage/research-vs-practice.csv")
        grow(self, 4)
        with self.assertNumQueries(QUERIES):
            self.client.get("/coverage/research-vs-practice.csv")

    def test_an_unknown_chart_has_no_csv(self):
        self.assertEqual(self.client.get("/coverage/nothing.csv").status_code, 404)

    def test_csv_cells_a_spreadsheet_would_run_are_quoted(self):
        self.memory_leak.name = "=HYPERLINK(1)"
        self.memory_leak.save()
        rows = list(csv.reader(io.StringIO(self.client.get("/coverage/research-vs-practice.csv").content.decode())))
        self.assertEqual(rows[1][:2], ["T.1-1", "'=HYPERLINK(1)"])

    def test_plotly_is_loaded_once_from_our_static_files(self):
        html = self.client.get(self.url).content.decode()
        self.assertEqual(html.count("plotly-kb.min.js"), 1)
        self.assertIn('src="/static/vendor/plotly/plotly-kb.min.js"', html)
        self.assertNotRegex(html, r'src="(https?:)?//')

    def test_treemap_is_painted_by_status_and_sized_by_practitioner_evidence(self):
        trace = self.specs()["chart-taxonomy-spec"]["data"][0]
        data = coverage.compute()
        self.assertEqual(trace["type"], "treemap")
        self.assertEqual(trace["ids"], [row.code for row in data.rows])
        self.assertEqual(trace["values"], [row.evidence_subtree.total for row in data.rows])
        self.assertEqual(trace["values"], [4, 3, 3, 1])  # T, T.1, T.1-1, T-1 counted by hand
        colours = dict(zip(trace["ids"], trace["marker"]["colors"], strict=True))
        self.assertEqual(colours["T.1-1"], charts.STATUS_COLOURS[coverage.Status.ADDRESSED])
        self.assertEqual(colours["T-1"], charts.STATUS_COLOURS[coverage.Status.UNADDRESSED])

    def test_gap_map_bubbles_are_papers_per_category_and_method(self):
        papers, gaps = self.specs()["chart-gap-map-spec"]["data"]
        self.assertEqual(
            list(zip(papers["y"], papers["x"], papers["marker"]["size"], strict=True)), [("Root", "Testing", 2)]
        )
        expected = [(c.category.name, c.method.name, c.papers) for c in gap_analysis.gap_map(coverage.compute())]
        self.assertEqual(list(zip(papers["y"], papers["x"], papers["marker"]["size"], strict=True)), expected)
        self.assertEqual(gaps["y"], [])  # nothing has 5 practitioner records yet

    def test_demand_gaps_are_marked(self):
        for i in range(5):
            make_artifact(self.uncovered, url=f"https://github.com/o/r/issues/gap{i}")
        gaps = self.specs()["chart-gap-map-spec"]["data"][1]
        self.assertEqual((gaps["x"], gaps["y"], gaps["text"]), (["Demand gaps"], ["Root"], ["1 leaf"]))
        response = self.client.get(self.url)
        self.assertEqual([g.row.code for g in response.context["dashboard"]().demand_gaps], ["T-1"])
        self.assertContains(response, '<td class="num">6</td>')  # 1 commit + 5 issues on T-1

    def test_research_vs_practice_plots_each_leaf(self):
        traces = {t["name"]: t for t in self.specs()["chart-research-vs-practice-spec"]["data"]}
        self.assertEqual(
            (traces["Addressed"]["x"], traces["Addressed"]["y"]), ([3], [1])
        )  # issue + post + mention; alpha
        self.assertEqual((traces["Unaddressed"]["x"], traces["Unaddressed"]["y"]), ([1], [0]))  # the commit
        self.assertEqual(traces["Partially addressed"]["x"], [])

    def test_papers_per_year_by_method(self):
        [testing] = self.specs()["chart-papers-per-year-spec"]["data"]
        self.assertEqual((testing["name"], testing["x"], testing["y"]), ("Testing", ["2021", "2023"], [1, 1]))

    def test_status_shares_put_computed_beside_reported(self):
        computed, reported = self.specs()["chart-status-shares-spec"]["data"]
        summary = summaries.coverage_summary()
        self.assertEqual(computed["y"][0], float(summary.leaves.addressed_pct))
        self.assertEqual(computed["y"][:4], [50.0, 0.0, 50.0, 50.0])
        self.assertEqual(reported["y"][:4], [12.5, None, None, 33.3])

    def test_tables_hold_the_same_numbers(self):
        response = self.client.get(self.url)
        table = response.context["dashboard"]().charts[4]["chart"].table
        self.assertEqual(table.rows[0], ("Leaf faults addressed", "50.0%", "1 / 2", "12.5%", "abstract"))
        self.assertContains(response, "<td>1 / 2</td>")

    def test_charts_are_built_without_queries(self):
        data = coverage.compute()
        summary = summaries.coverage_summary(data)
        comparisons = summaries.reported_comparison(summary)
        cells = gap_analysis.gap_map(data)
        per_year = gap_analysis.papers_per_year_by_method(data)
        with self.assertNumQueries(0):
            charts.taxonomy_sunburst(data)
            charts.gap_map_chart(cells, gap_analysis.demand_gaps_by_category(data), min_evidence=5)
            charts.research_vs_practice(data)
            charts.papers_per_year(per_year, {"M-T": "Testing"})
            charts.status_shares(summary, comparisons)

    def test_query_count_does_not_grow_with_the_data(self):
        with self.assertNumQueries(13):
            self.client.get(self.url)
        grow(self, 4)
        with self.assertNumQueries(13):
            self.client.get(self.url)


#
# Sources
#


class SourcesPageTests(KBTestCase):
    url = reverse("coverage:sources")

    def test_attribution_rule_and_ownership_of_the_mappings(self):
        make_reported_figure("addressed", value="12.5", computed_counterpart="leaves.addressed_pct")
        make_reported_figure(
            "github", value="33.3", of="issues on GitHub", computed_counterpart="github.unaddressed_pct"
        )
        response = self.client.get(self.url)
        # Named by what they measure, the survey's wording beside: "faults" alone did not say addressed or not.
        self.assertContains(
            response,
            '<tr id="figure-addressed"><td>Leaf faults addressed <span class="muted small">(the survey’s wording: '
            "“faults”)</span></td>",
        )
        self.assertContains(response, "<td>GitHub artefacts on unaddressed leaves <span")
        self.assertContains(response, 'href="https://creativecommons.org/licenses/by/4.0/" rel="license"')
        self.assertContains(response, "Taxonomy of Real Faults in Deep Learning Systems")
        self.assertContains(response, 'id="coverage-rule"')
        self.assertContains(response, "<strong>not the survey’s</strong>")
        self.assertContains(response, "Why the computed figures differ from the reported ones")
        self.assertContains(response, f'href="{reverse("papers:related-list")}"')
        self.assertContains(response, '<td class="num">12.5%</td>')
        self.assertContains(response, '<td class="num">50.0%</td>')  # computed: 1 of 2 leaves
        self.assertContains(response, 'id="source-humbatova2020"')

    def test_query_count_does_not_grow_with_the_data(self):
        with self.assertNumQueries(10):
            self.client.get(self.url)
        grow(self, 3)
        with self.assertNumQueries(10):
            self.client.get(self.url)
