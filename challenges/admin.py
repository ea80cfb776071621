from django.contrib import admin

from challenges.models import Artifact, Challenge, ChallengeFault, ChallengePassage, Interview, InterviewMention


@admin.register(Artifact)
class ArtifactAdmin(admin.ModelAdmin):
    list_display = ["url", "source", "kind", "framework", "fault", "labelling_round"]
    list_filter = ["source", "kind", "framework", "labelling_round"]
    list_select_related = ["fault"]
    search_fields = ["url", "final_tag", "repository", "fault__code", "fault__name"]
    autocomplete_fields = ["fault"]


class InterviewMentionInline(admin.TabularInline):
    model = InterviewMention
    extra = 0
    autocomplete_fields = ["fault"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("fault")


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ["number"]
    inlines = [InterviewMentionInline]


@admin.register(InterviewMention)
class InterviewMentionAdmin(admin.ModelAdmin):
    list_display = ["interview", "position", "tag", "fault"]
    list_filter = ["interview"]
    list_select_related = ["interview", "fault"]
    search_fields = ["tag", "fault__code", "fault__name"]
    autocomplete_fields = ["fault"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("interview__transcript")


class ChallengeFaultInline(admin.TabularInline):
    model = ChallengeFault
    extra = 0
    autocomplete_fields = ["fault"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("fault")


class ChallengePassageInline(admin.StackedInline):
    model = ChallengePassage
    extra = 0
    raw_id_fields = ["interview"]


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "status", "encounter_frequency_our_coding"]
    list_filter = ["group", "status"]
    search_fields = ["name", "description", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ChallengeFaultInline, ChallengePassageInline]
