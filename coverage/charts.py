"""Plotly figures for the coverage dashboard, built from coverage/coverage.py's dataclasses only.

No ORM access and no request here: a view computes the coverage data once and hands it in. Every chart
carries the table of the very numbers it plots, so the page can show them as HTML (and nothing is plotted
that the table does not list).

A page embeds each figure as JSON (``Chart.spec()`` through ``json_script``) and ``static/js/charts.js`` draws it
after plotly.js has loaded at the end of the page. ``fig.to_html()`` would emit an inline script that runs before
plotly.js is loaded (and that the Content-Security-Policy, scripts from our own files only, would refuse).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import plotly.graph_objects as go

from coverage.coverage import CoverageData, Status, as_float, practitioner_evidence
from coverage.gap_analysis import DemandGap, GapCell
from coverage.summaries import CoverageSummary, ReportedComparison, computed_share

STATUS_COLOURS: dict[Status | None, str] = {
    Status.ADDRESSED: "#2e9e52",
    Status.PARTIAL: "#e0a800",
    Status.UNADDRESSED: "#d64535",
    None: "#aab4c3",  # categories
}
COMPUTED_COLOUR = "#1a56b0"
# Method families: none of them in the status colours (red means "unaddressed" on this page).
METHOD_COLOURS = {"M-T": "#1a56b0", "M-D": "#7b3fa0", "M-R": "#0f7d7d"}
OTHER_METHOD_COLOUR = "#5b6475"
REPORTED_COLOUR = "#8a94a6"
DEMAND_GAP_COLOUR = "#b42318"
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "size": 13}
CONFIG = {"displaylogo": False, "responsive": True}

# The survey-comparable percentages, in display order.
SHARE_KEYS: tuple[tuple[str, str], ...] = (
    ("leaves.addressed_pct", "Leaf faults addressed"),
    ("leaves.partial_pct", "Leaf faults partially addressed"),
    ("leaves.unaddressed_pct", "Leaf faults unaddressed"),
    ("github.unaddressed_pct", "GitHub artefacts on unaddressed leaves"),
    ("interviews.unaddressed_pct", "Interview mentions on unaddressed leaves"),
    ("stackoverflow.unaddressed_pct", "StackOverflow posts on unaddressed leaves"),
)
# Our names for every computed figure a reported one can sit beside (the survey's own wording is ReportedFigure.of).
FIGURE_LABELS: dict[str, str] = dict(SHARE_KEYS) | {
    "papers.total": "Papers with approved mappings",
    "challenges.confirmed": "Challenges catalogued",
}


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple]

    @property
    def numeric(self) -> list[bool]:
        """Per column: every value is a number (such columns are right-aligned)."""
        return [
            bool(self.rows) and all(isinstance(row[i], int | float | Decimal) for row in self.rows)
            for i in range(len(self.columns))
        ]

    @property
    def header(self) -> list[tuple[str, bool]]:
        return list(zip(self.columns, self.numeric, strict=True))

    @property
    def cells(self) -> list[list[tuple[object, bool]]]:
        """The rows as (value, is a number column) pairs, for the template."""
        numeric = self.numeric
        return [list(zip(row, numeric, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Chart:
    key: str  # HTML id stem and the name of its CSV export (coverage-<key>.csv: the table below)
    title: str
    caption: str
    figure: go.Figure
    table: Table
    narrow: str = ""  # how static/js/charts.js re-lays it on a narrow screen: "transpose", "horizontal" or ""

    @property
    def spec_id(self) -> str:
        return f"chart-{self.key}-spec"

    def spec(self) -> dict:
        """The figure as plain JSON data (for ``json_script``) plus the plotly config."""
        figure = json.loads(self.figure.to_json())
        # The template's per-trace defaults (about 10 kB) are unused here: every trace sets its own look.
        figure.get("layout", {}).get("template", {}).pop("data", None)
        return {"figure": figure, "config": CONFIG, "narrow": self.narrow}


def _layout(figure: go.Figure, *, height: int, **kwargs) -> go.Figure:
    layout = {
        "template": "plotly_white",
        "font": FONT,
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
    }
    figure.update_layout(**(layout | kwargs))
    return figure


def fmt_pct(value: Decimal | float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


#
# The taxonomy painted by status, sized by practitioner evidence
#


# Area given to a leaf with no practitioner evidence, so it stays visible (the caption says so).
SLIVER = 0.25


def taxonomy_sunburst(data: CoverageData) -> Chart:
    ids, labels, parents, values, colours, custom = [], [], [], [], [], []
    rows = []
    # Leaves without practitioner evidence in each subtree (rows come in tree order: children after parents).
    empty: dict[str, int] = {}
    for row in reversed(data.rows):
        empty[row.code] = empty.get(row.code, 0) + (row.is_leaf and practitioner_evidence(row.evidence) == 0)
        if row.parent_code:
            empty[row.parent_code] = empty.get(row.parent_code, 0) + empty[row.code]
    for row in data.rows:
        ev = row.evidence_subtree
        ids.append(row.code)
        labels.append(row.fault.name)
        parents.append(row.parent_code or "")
        values.append(practitioner_evidence(ev) + SLIVER * empty[row.code])
        colours.append(STATUS_COLOURS[row.status])
        status = (
            row.status_label
            if row.is_leaf
            else f"Category: {row.leaves_unaddressed} of {row.leaves} leaves unaddressed"
        )
        custom.append([status, row.papers_subtree, ev.github, ev.stackoverflow, ev.interviews])
        rows.append(
            (row.code, row.fault.name, row.status_label, row.papers_subtree, ev.github, ev.stackoverflow, ev.interviews)
        )
    figure = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="total",
            marker={"colors": colours, "line": {"color": "#ffffff", "width": 1}},
            customdata=custom,
            texttemplate="%{label}",
            textfont={"size": 14},
            insidetextfont={"size": 14},
            hovertemplate=(
                "<b>%{label}</b> (%{id})<br>%{customdata[0]}<br>Practitioner evidence: %{value} "
                "(GitHub %{customdata[2]}, StackOverflow %{customdata[3]}, interviews %{customdata[4]})"
                "<br>Papers: %{customdata[1]}<extra></extra>"
            ),
            pathbar={"visible": True},
            tiling={"pad": 2},
            sort=False,
        )
    )
    return Chart(
        key="taxonomy",
        title="The taxonomy painted by status",
        caption=(
            "Each box is a fault category or leaf fault; its area is the practitioner evidence classified to it or "
            "below it (GitHub artefacts + StackOverflow posts + interview mentions). Leaves are coloured by status: "
            "green = addressed, amber = partially addressed, red = unaddressed; category frames are grey. Nodes "
            "with no practitioner evidence get a thin sliver so that they stay visible (the extension categories, "
            "for instance); every node is in the table. Click a category to zoom in."
        ),
        figure=_layout(figure, height=640),
        table=Table(("Fault id", "Name", "Status", "Papers (subtree)", "GitHub", "StackOverflow", "Interviews"), rows),
    )


#
# Gap map: categories x methods, demand gaps marked
#


def gap_map_chart(cells: list[GapCell], gaps: Mapping[str, list[DemandGap]], *, min_evidence: int) -> Chart:
    categories: list = []
    methods: list = []
    for cell in cells:
        if cell.category not in categories:
            categories.append(cell.category)
        if cell.method not in methods:
            methods.append(cell.method)
    gap_column = "Demand gaps"
    biggest = max((cell.papers for cell in cells), default=0) or 1
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            name="Papers",
            x=[cell.method.name for cell in cells],
            y=[cell.category.name for cell in cells],
            mode="markers+text",
            text=[str(cell.papers) for cell in cells],
            textposition="middle center",
            marker={
                "size": [cell.papers for cell in cells],
                "sizemode": "area",
                "sizeref": 2.0 * biggest / (46**2),
                "sizemin": 3,
                "color": COMPUTED_COLOUR,
                "opacity": 0.35,
                "line": {"color": COMPUTED_COLOUR, "width": 1},
            },
            customdata=[[cell.category.code, cell.method.code] for cell in cells],
            hovertemplate="%{y} (%{customdata[0]}) × %{x}: %{text} papers<extra></extra>",
            cliponaxis=False,
        )
    )
    gap_rows = [(category, gaps.get(category.code, [])) for category in categories]
    figure.add_trace(
        go.Scatter(
            name="Demand gaps",
            x=[gap_column for _category, found in gap_rows if found],
            y=[category.name for category, found in gap_rows if found],
            mode="markers+text",
            text=[f"{len(found)} leaves" if len(found) != 1 else "1 leaf" for _category, found in gap_rows if found],
            textposition="middle right",
            marker={"symbol": "x", "size": 14, "color": DEMAND_GAP_COLOUR},
            customdata=[
                ["<br>".join(f"{g.row.code} {g.row.fault.name}: {g.evidence} records" for g in found)]
                for _category, found in gap_rows
                if found
            ],
            hovertemplate="<b>%{y}</b>: demand gaps<br>%{customdata[0]}<extra></extra>",
            cliponaxis=False,  # the "3 leaves" labels run into the right margin instead of being cut
        )
    )
    figure.update_xaxes(
        categoryorder="array", categoryarray=[m.name for m in methods] + [gap_column], side="top", title=None
    )
    figure.update_yaxes(categoryorder="array", categoryarray=[c.name for c in reversed(categories)], title=None)
    by_cell = {(cell.category.code, cell.method.code): cell.papers for cell in cells}
    rows = [
        (
            category.code,
            category.name,
            *(by_cell[(category.code, method.code)] for method in methods),
            len(found),
            "; ".join(f"{g.row.code} ({g.evidence})" for g in found),
        )
        for category, found in gap_rows
    ]
    return Chart(
        key="gap-map",
        title="Gap map: fault categories × debugging methods",
        caption=(
            "Bubble area and number = distinct papers that use a debugging method family on any fault in the "
            "category (a paper using several families counts once in each). Red crosses mark the categories that "
            f"hold demand gaps: leaf faults with at least {min_evidence} practitioner records and no paper."
        ),
        figure=_layout(
            figure, height=120 + 44 * len(categories), showlegend=False, margin={"l": 10, "r": 90, "t": 30, "b": 10}
        ),
        narrow="transpose",
        table=Table(
            ("Category id", "Category", *(m.name for m in methods), "Demand gaps", "Demand-gap leaves (records)"),
            rows,
        ),
    )


#
# Research vs practice per leaf fault
#


def research_vs_practice(data: CoverageData) -> Chart:
    figure = go.Figure()
    leaves = [row for row in data.rows if row.is_leaf]
    for status in Status:
        # Leaves at the same point are one dot, larger, listing them all: no dot hides another.
        points: dict[tuple[int, int], list] = {}
        for row in leaves:
            if row.status == status:
                points.setdefault((practitioner_evidence(row.evidence), row.papers), []).append(row)
        figure.add_trace(
            go.Scatter(
                name=status.label,
                x=[x for x, _y in points],
                y=[y for _x, y in points],
                mode="markers+text",
                text=[str(len(group)) if len(group) > 1 else "" for group in points.values()],
                textposition="top center",
                cliponaxis=False,
                marker={
                    "color": STATUS_COLOURS[status],
                    "size": [8 + 4 * len(group) ** 0.5 for group in points.values()],
                    "opacity": 0.75,
                    "line": {"width": 1},
                },
                customdata=[
                    [
                        "<br>".join(f"{row.code} {row.fault.name}" for row in group[:12])
                        + ("<br>…" if len(group) > 12 else "")
                    ]
                    for group in points.values()
                ],
                hovertemplate=(
                    "%{customdata[0]}<br>Papers: %{y} · practitioner evidence (GitHub + StackOverflow + "
                    f"interviews): %{{x}}<extra>{status.label}</extra>"
                ),
            )
        )
    most_evidence = max((practitioner_evidence(row.evidence) for row in leaves), default=0)
    most_papers = max((row.papers for row in leaves), default=0)
    # Pad below zero so the many dots on an axis are not cut in half.
    figure.update_xaxes(title="Practitioner evidence (records)", range=[-1, most_evidence * 1.05 + 1])
    figure.update_yaxes(
        title="Papers mapped to the leaf", range=[-0.6, most_papers + 0.6], dtick=1 if most_papers <= 15 else None
    )
    rows = [
        (
            row.code,
            row.fault.name,
            row.status_label,
            row.papers,
            row.evidence.github,
            row.evidence.stackoverflow,
            row.evidence.interviews,
            practitioner_evidence(row.evidence),
        )
        for row in leaves
    ]
    return Chart(
        key="research-vs-practice",
        title="Research vs practice per leaf fault",
        caption=(
            "Each dot is a leaf fault: across, how often practitioners hit it (GitHub artefacts, StackOverflow "
            "posts and interview mentions classified to it); up, how many papers address it. Dots low on the right "
            "are faults practitioners meet often that research has not addressed. Colour and legend give the status; "
            "leaves that share a point are one larger dot with their number above it."
        ),
        figure=_layout(figure, height=460, legend={"orientation": "h", "y": -0.2}),
        table=Table(
            (
                "Fault id",
                "Name",
                "Status",
                "Papers",
                "GitHub",
                "StackOverflow",
                "Interview mentions",
                "Practitioner evidence",
            ),
            rows,
        ),
    )


#
# Papers per year by method
#


def papers_per_year(counts: Mapping[tuple[int | None, str], int], method_names: Mapping[str, str]) -> Chart:
    years = sorted({year for year, _code in counts}, key=lambda y: (y is None, y or 0))
    codes = [code for code in method_names if any(c == code for _y, c in counts)]
    codes += sorted({c for _y, c in counts} - set(codes))
    labels = [str(year) if year is not None else "unknown" for year in years]
    figure = go.Figure()
    for code in codes:
        figure.add_trace(
            go.Bar(
                name=method_names.get(code, code),
                x=labels,
                y=[counts.get((year, code), 0) for year in years],
                marker_color=METHOD_COLOURS.get(code, OTHER_METHOD_COLOUR),
                hovertemplate="%{x}: %{y} papers<extra>" + method_names.get(code, code) + "</extra>",
            )
        )
    figure.update_xaxes(type="category", title="Publication year")
    figure.update_yaxes(title="Papers", dtick=1 if max(counts.values(), default=0) < 10 else None)
    rows = [
        (label, *(counts.get((year, code), 0) for code in codes)) for year, label in zip(years, labels, strict=True)
    ]
    return Chart(
        key="papers-per-year",
        title="Papers per year by debugging method",
        caption=(
            "Papers with at least one approved mapping, by publication year and top-level debugging method family. "
            "A paper whose mappings use several families is counted once in each, so the stacks can exceed the "
            "number of papers."
        ),
        figure=_layout(figure, height=400, barmode="stack", legend={"orientation": "h", "y": -0.25}),
        table=Table(("Year", *(method_names.get(code, code) for code in codes)), rows),
        narrow="horizontal",
    )


#
# Status shares: computed vs reported
#


def status_shares(summary: CoverageSummary, comparisons: Iterable[ReportedComparison]) -> Chart:
    reported = {c.figure.computed_counterpart: c.figure for c in comparisons if c.figure.computed_counterpart}
    labels, computed, reported_values, rows = [], [], [], []
    for key, label in SHARE_KEYS:
        share = computed_share(summary, key)
        value = summary.computed_value(key)
        figure_ = reported.get(key)
        labels.append(label)
        computed.append(as_float(value))
        reported_values.append(float(figure_.value) if figure_ is not None else None)
        rows.append(
            (
                label,
                fmt_pct(value),
                f"{share.numerator} / {share.denominator}" if share else "—",
                figure_.display_value if figure_ is not None else "not reported",
                figure_.locator if figure_ is not None else "",
            )
        )
    figure = go.Figure(
        [
            go.Bar(
                name="Computed here",
                x=labels,
                y=computed,
                marker_color=COMPUTED_COLOUR,
                text=[fmt_pct(v) for v in computed],
                textposition="outside",
                hovertemplate="%{x}<br>Computed here: %{y:.1f}%<extra></extra>",
            ),
            go.Bar(
                name="Reported by the survey",
                x=labels,
                y=reported_values,
                marker_color=REPORTED_COLOUR,
                text=[fmt_pct(v) if v is not None else "" for v in reported_values],
                textposition="outside",
                hovertemplate="%{x}<br>Reported by the survey: %{y:.1f}%<extra></extra>",
            ),
        ]
    )
    figure.update_yaxes(title="Percent", range=[0, 105], ticksuffix="%")
    return Chart(
        key="status-shares",
        title="Status shares: computed here vs reported by the survey",
        caption=(
            "Blue: computed from this knowledge base's approved mappings. Grey: the survey's published figures "
            "(Nguyen et al. 2025), computed from its own, larger and unpublished mappings, so the two differ. "
            "Bars without a grey partner have no reported counterpart."
        ),
        figure=_layout(figure, height=440, barmode="group", legend={"orientation": "h", "y": -0.35}),
        table=Table(("Figure", "Computed", "Numerator / denominator", "Reported", "Locator"), rows),
        narrow="horizontal",
    )
