"""Channel forms: built from a kind's typed fields; the service does the validating.

The forms only carry what was typed (and keep it on error); every rule — required fields,
formats, the network guard, unique name and tag — is checked once, in `integrations.services`,
and its `IntegrationInvalid` errors are placed beside the field they are about.
"""

from django import forms

from .kinds import KINDS, Kind
from .services import IntegrationInvalid

CONFIG_PREFIX = "config_"


def _config_field(spec) -> forms.Field:
    attrs = {"autocomplete": "off"}
    if spec.required:
        attrs["required"] = True  # a hint for the browser; the service decides
    if spec.type == "choice":
        empty = f"Default ({spec.default})" if spec.default else "—"
        return forms.ChoiceField(
            label=spec.label,
            required=False,
            help_text=spec.help,
            choices=[("", empty), *[(c, c) for c in spec.choices]],
        )
    if spec.type == "secret":
        # Re-shown only to its owner, and only on this form's own error page, so a typo in
        # the name does not mean pasting the token again.
        widget = forms.PasswordInput(render_value=True, attrs=attrs)
    elif spec.type == "url":
        widget = forms.URLInput(attrs={**attrs, "placeholder": spec.default or "https://"})
    elif spec.type == "email":
        widget = forms.EmailInput(attrs=attrs)
    else:
        widget = forms.TextInput(attrs=attrs)
    return forms.CharField(
        label=spec.label, required=False, help_text=spec.help, widget=widget, strip=False
    )


class ServiceErrorsMixin:
    """Place a service's IntegrationInvalid errors beside the matching form fields."""

    def add_service_errors(self, exc: IntegrationInvalid) -> None:
        for key, value in exc.errors.items():
            if key == "config" and isinstance(value, dict):
                for name, messages in value.items():
                    field = CONFIG_PREFIX + name
                    self.add_error(field if field in self.fields else None, messages)
            elif key in self.fields:
                self.add_error(key, value)
            else:
                self.add_error(None, value)


class ChannelCreateForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"required": True, "autocomplete": "off"}),
        help_text="Yours to recognise it, e.g. “Phone”.",
    )
    tag = forms.CharField(
        required=False,
        help_text="Optional. Subscriptions can send to every channel with a tag, e.g. “work”.",
    )

    def __init__(self, *args, kind: Kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        for spec in kind.fields:
            self.fields[CONFIG_PREFIX + spec.name] = _config_field(spec)

    def config(self) -> dict[str, str]:
        """The typed config, without empty values (the kind fills its defaults)."""
        data = self.cleaned_data
        return {
            spec.name: data[CONFIG_PREFIX + spec.name]
            for spec in self.kind.fields
            if data.get(CONFIG_PREFIX + spec.name)
        }

    def config_fields(self):
        return [self[CONFIG_PREFIX + spec.name] for spec in self.kind.fields]


class ChannelEditForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(required=False, widget=forms.TextInput(attrs={"required": True}))
    tag = forms.CharField(required=False)


def kind_or_none(name: str | None) -> Kind | None:
    return KINDS.get(name or "")
