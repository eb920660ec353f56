from django.apps import AppConfig


class SoonishConfig(AppConfig):
    """The project package as an app: its static files (the stylesheet) and template tags."""

    name = "soonish"
    verbose_name = "Soonish"
