from django import forms
from django.contrib import admin, messages

from .guard import GuardError, check_url
from .models import Integration
from .services import integration_send_test


class IntegrationForm(forms.ModelForm):
    """The stored URL is never rendered; typing a new one replaces it."""

    new_apprise_url = forms.CharField(
        required=False,
        label="Apprise URL",
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted and never shown again. Leave empty to keep the current one.",
    )

    class Meta:
        model = Integration
        fields = ["user", "name", "kind", "tag", "is_active"]

    def clean(self):
        data = super().clean()
        url = data.get("new_apprise_url")
        if not self.instance.pk and not url:
            self.add_error("new_apprise_url", "An Apprise URL is required.")
        elif url:
            try:
                check_url(url)  # staff get the same network guard as everyone else
            except GuardError as exc:
                self.add_error("new_apprise_url", exc.reason)
        return data

    def save(self, commit=True):
        if self.cleaned_data.get("new_apprise_url"):
            self.instance.apprise_url = self.cleaned_data["new_apprise_url"]
        return super().save(commit)


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = ["name", "kind", "tag", "user", "masked_url", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "tag", "user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["masked_url", "created_at", "updated_at"]
    fields = [
        "user",
        "name",
        "kind",
        "tag",
        "is_active",
        "new_apprise_url",
        "masked_url",
        "created_at",
        "updated_at",
    ]

    actions = ["send_test"]

    @admin.action(description="Send a test message")
    def send_test(self, request, queryset):
        # The list's queryset defers the URL; load it here, where it is needed.
        for integration in Integration.objects.filter(pk__in=queryset.values("pk")):
            result = integration_send_test(integration=integration)
            if result.ok:
                self.message_user(request, f"{integration}: test message sent.", messages.SUCCESS)
            else:
                self.message_user(
                    request, f"{integration}: test failed: {result.reason}", messages.ERROR
                )

    def get_queryset(self, request):
        # Lists never need the secret, so they never decrypt it.
        return super().get_queryset(request).select_related("user").defer("apprise_url")
