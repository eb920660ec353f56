from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self):
        from . import apprise_log

        # Before anything parses a URL: Apprise would log unparseable ones in full.
        apprise_log.install()
