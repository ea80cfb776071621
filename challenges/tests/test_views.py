import re
from unittest import mock

from django.test import SimpleTestCase
from django.urls import reverse

from challenges.models import Challenge, ChallengePassage, Interview
from challenges.tests.factories import make_artifact, make_challenge, make_interview, make_mention
from challenges.transcripts import clean_line, transcript_lines
from coverage import summaries
from kb_site.test import KBTestCase
from kb_site.tests.world import grow
from kb_site.ui import CappedPaginator
from taxonomy.tests.factories import make_reported_figure


def listed(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-pk="(\d+)">', response.content.decode())]


#
# GitHub and StackOverflow evidence
#


class ArtifactListTests(KBTestCase):
    url = reverse("challenges:evidence-list")

    def pks(self, **params):
        response = self.client.get(self.url, params)
        self.assertEqual(response.status_code, 200)
        return sorted(listed(response))

    def test_lists_every_artefact_with_outbound_link_and_fault_status(self):
        response = self.client.get(self.url)
        self.assertEqual(sorted(listed(response)), sorted([self.issue.pk, self.commit.pk, self.post.pk]))
        self.assertContains(response, 'href="https://github.com/owner/repo/commit/abc"')
        html = response.content.decode()
        row = re.search(rf'<tr data-pk="{self.commit.pk}">.*?</tr>', html, re.S).group(0)
        self.assertIn("Unaddressed", row)  # the commit's leaf T-1
        row = re.search(rf'<tr data-pk="{self.issue.pk}">.*?</tr>', html, re.S).group(0)
        self.assertIn("Addressed", row)

    def test_filters_by_source_kind_framework_and_fault(self):
        self.assertEqual(self.pks(source="stackoverflow"), [self.post.pk])
        self.assertEqual(self.pks(kind="commit"), [self.commit.pk])
        self.assertEqual(self.pks(framework="torch"), [])
        self.assertEqual(self.pks(fault="T.1-1"), sorted([self.issue.pk, self.post.pk]))
        self.assertEqual(self.pks(ancestor="T.1"), sorted([self.issue.pk, self.post.pk]))

    def test_filters_by_status_of_the_fault(self):
        self.assertEqual(self.pks(status="unaddressed"), [self.commit.pk])
        self.assertEqual(self.pks(status="addressed"), sorted([self.issue.pk, self.post.pk]))
        self.assertEqual(self.pks(status="partial"), [])

    def test_unclassified_records_are_visible_and_counted(self):
        loose = make_artifact(None, url="https://github.com/o/r/issues/404", final_tag="generic problem")
        response = self.client.get(self.url)
        self.assertIn(loose.pk, listed(response))
        self.assertContains(response, "Unclassified</span>")
        self.assertEqual(self.pks(unclassified="true"), [loose.pk])
        self.assertNotIn(loose.pk, self.pks(unclassified="false"))
        summary = summaries.coverage_summary()
        self.assertEqual(response.context["summary"].github.unclassified, summary.github.unclassified)
        self.assertEqual(summary.github.unclassified, 1)

    def test_invalid_filter_values_are_form_errors_not_500(self):
        for params in ({"status": "sideways"}, {"fault": "NOPE"}, {"labelling_round": "x"}, {"source": "x"}):
            with self.subTest(params=params):
                response = self.client.get(self.url, params)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, 'class="errorlist')
                self.assertEqual(listed(response), [])

    def test_query_count_does_not_grow_with_the_data(self):
        with self.assertNumQueries(9):
            self.client.get(self.url)
        grow(self, 5)
        with self.assertNumQueries(9):
            response = self.client.get(self.url)
        self.assertEqual(len(listed(response)), 3 + 15)

    def test_count_stops_at_the_cap_and_says_more_than(self):
        # The world holds 3 artefacts (an issue, a commit, a post).
        with mock.patch.object(CappedPaginator, "cap", 3):
            response = self.client.get(self.url)
        self.assertContains(response, "3 records.")
        self.assertNotContains(response, "More than")
        self.assertEqual(len(listed(response)), 3)
        with mock.patch.object(CappedPaginator, "cap", 2):
            response = self.client.get(self.url)
        self.assertContains(response, "More than 2 records.")
        self.assertEqual(len(listed(response)), 2)  # pages reach as far as the cap


class ArtifactDetailTests(KBTestCase):
    def test_shows_the_record_its_fault_and_status(self):
        response = self.client.get(self.issue.get_absolute_url())
        self.assertContains(response, 'href="https://github.com/owner/repo/issues/1"')
        self.assertContains(response, 'href="/faults/T.1-1/"')
        self.assertContains(response, '<span class="badge badge-addressed" title="Coverage status">Addressed</span>')
        self.assertEqual([row.code for row in response.context["ancestors"]], ["T", "T.1"])

    def test_unclassified_record_says_so(self):
        loose = make_artifact(None, url="https://stackoverflow.com/questions/9", source="stackoverflow")
        response = self.client.get(loose.get_absolute_url())
        self.assertContains(response, "never part of a denominator")

    def test_query_count_does_not_grow_with_the_data(self):
        with self.assertNumQueries(7):
            self.client.get(self.issue.get_absolute_url())
        grow(self, 4)
        with self.assertNumQueries(7):
            self.client.get(self.issue.get_absolute_url())

    def test_unknown_artefact_is_404(self):
        self.assertEqual(self.client.get(reverse("challenges:artifact-detail", args=[999999])).status_code, 404)


#
# Interview mentions and interviews
#


class MentionListTests(KBTestCase):
    url = reverse("challenges:mention-list")

    def test_lists_mentions_with_their_interview_and_status(self):
        loose = make_mention(self.interview, None, tag="wrong gradients")
        response = self.client.get(self.url)
        self.assertEqual(listed(response), [self.mention.pk, loose.pk])
        self.assertContains(response, 'href="/interviews/1/#mention-1"')
        self.assertEqual(listed(self.client.get(self.url, {"unclassified": "true"})), [loose.pk])
        self.assertEqual(listed(self.client.get(self.url, {"status": "addressed"})), [self.mention.pk])
        self.assertEqual(listed(self.client.get(self.url, {"q": "gradients"})), [loose.pk])

    def test_invalid_interview_number_is_a_form_error(self):
        response = self.client.get(self.url, {"interview": "one"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("interview", response.context["filter"].form.errors)
        self.assertContains(response, 'class="errorlist')
        self.assertEqual(listed(response), [])

    def test_query_count_does_not_grow_with_the_data(self):
        with self.assertNumQueries(9):
            self.client.get(self.url)
        grow(self, 5)
        with self.assertNumQueries(9):
            response = self.client.get(self.url)
        self.assertEqual(len(listed(response)), 11)


class InterviewTests(KBTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        transcript = (
            "Blue - Interviewer\n"
            '<w:tab w:val="left"/></w:tabs><w:r><w:t>-So, how did you debug it?</w:t></w:r>\n'
            "\n"
            "It crashed &amp; we had to check a < b by hand.\n"
        )
        cls.two = make_interview(2, transcript=transcript)
        make_mention(cls.two, cls.memory_leak, tag="out of memory")
        ChallengePassage.objects.create(
            challenge=cls.challenge, interview=cls.two, lines=[4], first_line=4, excerpt="It crashed"
        )

    def test_list_counts_mentions_and_passages(self):
        make_mention(self.two, None, tag="unplaced")
        response = self.client.get(reverse("challenges:interview-list"))
        rows = {
            i.number: (i.mention_count, i.unclassified_count, i.passage_count) for i in response.context["interviews"]
        }
        self.assertEqual(rows, {1: (1, 0, 0), 2: (2, 1, 1)})
        self.assertContains(response, 'href="https://creativecommons.org/licenses/by/4.0/"')

    def test_transcript_keeps_physical_line_numbers_and_strips_markup(self):
        response = self.client.get(reverse("challenges:interview-detail", args=[2]))
        html = response.content.decode()
        lines = re.findall(
            r'<div class="transcript-line[^"]*" id="L(\d+)">.*?<span class="text">(.*?)(?:</span>| <a)', html
        )
        self.assertEqual(
            lines,
            [
                ("1", "Blue - Interviewer"),
                ("2", "-So, how did you debug it?"),
                ("3", ""),
                ("4", "It crashed &amp;amp; we had to check a &lt; b by hand."),
            ],
        )
        self.assertNotIn("w:tab", html)

    def test_cited_lines_link_to_their_challenge_and_the_passage_links_to_the_line(self):
        response = self.client.get(reverse("challenges:interview-detail", args=[2]))
        self.assertContains(response, '<div class="transcript-line cited" id="L4">')
        self.assertContains(response, 'href="#L4"')
        self.assertContains(response, f'href="{self.challenge.get_absolute_url()}"')

    def test_mentions_attribution_and_neighbours(self):
        response = self.client.get(reverse("challenges:interview-detail", args=[2]))
        self.assertContains(response, '<li id="mention-1">“out of memory”')
        self.assertContains(response, "CC BY 4.0")
        self.assertContains(response, 'href="/interviews/1/" rel="prev"')
        self.assertNotContains(response, 'rel="next"')

    def test_unknown_interview_is_404(self):
        self.assertEqual(self.client.get(reverse("challenges:interview-detail", args=[99])).status_code, 404)

    def test_each_turn_is_labelled_and_empty_lines_fold_away(self):
        make_interview(3, transcript="Interviewer 1: Why?\n\nInterviewee: Because.\n")
        response = self.client.get(reverse("challenges:interview-detail", args=[3]))
        self.assertContains(response, '<span class="text"><span class="speaker">Interviewer 1:</span> Why?</span>')
        self.assertContains(response, '<span class="text"><span class="speaker">Interviewee:</span> Because.</span>')
        self.assertContains(response, '<div class="transcript-line blank" id="L2">')

    def test_query_counts_do_not_grow_with_the_data(self):
        detail = reverse("challenges:interview-detail", args=[1])
        listing = reverse("challenges:interview-list")
        with self.assertNumQueries(5):
            self.client.get(detail)
        with self.assertNumQueries(1):
            self.client.get(listing)
        grow(self, 5)
        with self.assertNumQueries(5):
            response = self.client.get(detail)
        with self.assertNumQueries(1):
            self.client.get(listing)
        self.assertEqual(len(response.context["mentions"]), 6)


class TranscriptTests(SimpleTestCase):
    def test_lines_are_split_on_newlines_only_and_numbered_from_one(self):
        lines = transcript_lines("a\n\nb\n")
        self.assertEqual([(line.number, line.text) for line in lines], [(1, "a"), (2, ""), (3, "b")])
        self.assertEqual(transcript_lines(""), [])
        self.assertEqual(len(transcript_lines("a\x0cb\u2028c")), 1)  # form feeds etc. are not line breaks

    def test_markup_is_removed_but_prose_with_angle_brackets_is_kept(self):
        self.assertEqual(clean_line('<w:t xml:space="preserve">-Yes &amp; no</w:t>'), "-Yes & no")
        self.assertEqual(clean_line("if a < b and c > d"), "if a < b and c > d")
        self.assertEqual(clean_line("plain &amp; simple"), "plain &amp; simple")

    def test_interview01_markup_is_stripped_with_its_numbering(self):
        from django.conf import settings

        path = settings.SURVEY_DATA_DIR / "humbatova2020" / "transcripts" / "interview01.txt"
        if not path.exists():
            self.skipTest(f"{path} not available")
        text = path.read_text()
        lines = transcript_lines(text)
        self.assertEqual(len(lines), text.count("\n"))
        self.assertFalse([line.number for line in lines if "<w:" in line.text or "w:val" in line.text])
        self.assertEqual(lines[104].text, "-Okay, how did you collect it automatically?")  # physical line 105


#
# Challenges
#


class ChallengeTests(KBTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_reported_figure(
            "primary-challenges", value="13", unit="count", computed_counterpart="challenges.confirmed"
        )
        cls.data_cost = make_challenge(
            "data-collection-cost", group=Challenge.Group.DATA, encounter_frequency_our_coding=3, faults=[cls.uncovered]
        )
        cls.theme = make_challenge(
            "memory-limits", status=Challenge.Status.CANDIDATE, group=Challenge.Group.OTHER, candidate_interviews=[1, 2]
        )
        ChallengePassage.objects.create(
            challenge=cls.challenge, interview=cls.interview, lines=[1, 2], first_line=1, excerpt="hello"
        )

    def test_list_states_how_many_of_the_surveys_challenges_are_catalogued(self):
        response = self.client.get(reverse("challenges:challenge-list"))
        self.assertContains(response, "2 of the survey’s 13 challenges are catalogued.")
        make_challenge("third")
        response = self.client.get(reverse("challenges:challenge-list"))
        self.assertContains(response, "3 of the survey’s 13 challenges are catalogued.")

    def test_without_the_reported_figure_no_total_is_invented(self):
        from taxonomy.models import ReportedFigure

        ReportedFigure.objects.all().delete()
        response = self.client.get(reverse("challenges:challenge-list"))
        self.assertContains(response, "2 challenges named by the survey are catalogued.")

    def test_candidates_are_shown_apart_as_candidates(self):
        response = self.client.get(reverse("challenges:challenge-list"))
        self.assertEqual(
            [c.slug for c in response.context["confirmed"]], ["data-collection-cost", "hard-to-use-framework"]
        )
        self.assertEqual([c.slug for c in response.context["candidates"]], ["memory-limits"])
        self.assertContains(response, "Candidate themes")
        self.assertContains(response, "our coding, not the survey’s")

    def test_encounter_frequency_is_labelled_as_our_coding(self):
        interviews = Interview.objects.count()
        response = self.client.get(reverse("challenges:challenge-list"))
        self.assertContains(response, f"3 of {interviews} interviews")
        self.assertContains(response, f"our coding of the {interviews}")

    def test_linked_faults_carry_their_status(self):
        response = self.client.get(reverse("challenges:challenge-list"))
        html = response.content.decode()
        row = re.search(r'<tr data-slug="data-collection-cost">.*?</tr>', html, re.S).group(0)
        self.assertIn("Unaddressed", row)

    def test_filters_and_invalid_values(self):
        response = self.client.get(reverse("challenges:challenge-list"), {"group": "data"})
        self.assertEqual([c.slug for c in response.context["confirmed"]], ["data-collection-cost"])
        response = self.client.get(reverse("challenges:challenge-list"), {"fault": "NOPE"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Select a valid choice")

    def test_detail_shows_faults_and_supporting_passages(self):
        response = self.client.get(self.challenge.get_absolute_url())
        self.assertContains(response, "<h1>Hard To Use Framework</h1>")
        self.assertContains(response, 'href="/faults/T.1-1/"')
        self.assertContains(response, 'href="/interviews/1/#L1"')
        self.assertContains(response, "“hello”")
        self.assertContains(response, "one of the 2 of the survey’s 13 challenges catalogued here")

    def test_candidate_detail_says_it_is_ours(self):
        response = self.client.get(self.theme.get_absolute_url())
        self.assertContains(response, "our coding, not one of the survey’s challenges")
        self.assertContains(response, 'href="/interviews/2/"')

    def test_query_counts_do_not_grow_with_the_data(self):
        listing = reverse("challenges:challenge-list")
        with self.assertNumQueries(11):
            self.client.get(listing)
        with self.assertNumQueries(12):
            self.client.get(self.challenge.get_absolute_url())
        grow(self, 5)
        for i in range(3):
            make_challenge(f"more-{i}", faults=[self.memory_leak, self.uncovered])
        with self.assertNumQueries(11):
            self.client.get(listing)
        with self.assertNumQueries(12):
            response = self.client.get(self.challenge.get_absolute_url())
        self.assertEqual(len(response.context["passages"]), 6)


class TranscriptSpeakerTests(SimpleTestCase):
    def test_speaker_prefix_becomes_the_label(self):
        lines = transcript_lines("Interviewer 1: [00:00:05] Hello?\nInterviewee: Hi.\nno speaker here\n")
        self.assertEqual(
            [(line.speaker, line.text) for line in lines],
            [("Interviewer 1", "[00:00:05] Hello?"), ("Interviewee", "Hi."), ("", "no speaker here")],
        )

    def test_speaker_marked_only_by_colour_gets_the_legends_label(self):
        text = (
            '<w:rPr><w:color w:val="0000FF"/></w:rPr><w:t>-How did you collect it?</w:t>\n'
            "\n"
            '<w:rPr><w:color w:val="38761D"/></w:rPr><w:t>-By hand.</w:t>\n'
            '<w:rPr><w:color w:val="123456"/></w:rPr><w:t>-Unknown colour.</w:t>\n'
        )
        self.assertEqual(
            [(line.number, line.speaker, line.text) for line in transcript_lines(text)],
            [
                (1, "Interviewer 1", "-How did you collect it?"),
                (2, "", ""),
                (3, "Interviewee", "-By hand."),
                (4, "", "-Unknown colour."),
            ],
        )
