from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from soonish.health import HealthView
from soonish.throttling import throttled

# The admin's log-in form checks passwords like any other: the same budget as the API's.
admin.site.login = throttled("auth")(admin.site.login)

api_patterns = [
    path("", include("soonish.accounts.urls")),
    path("", include("integrations.urls")),
    path("", include("events.urls")),
    path("", include("subscriptions.urls")),
    path("", include("notifications.urls")),
    path("health", HealthView.as_view(), name="health"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

# Under /api/ even a path no route matches (`/api/events/abc`) answers JSON, as the schema says.
handler404 = "soonish.api.not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    # Pages, one module per app (each app's web_urls.py).
    path("", include("events.web_urls")),
    path("accounts/", include("soonish.accounts.web_urls")),
    path("channels/", include("integrations.web_urls")),
    path("", include("subscriptions.web_urls")),
    path("notifications/", include("notifications.web_urls")),
]
