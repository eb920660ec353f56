from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from soonish.accounts import views as account_views
from soonish.health import HealthView
from subscriptions import views as subscription_views

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

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("accounts/verify", account_views.verify_email, name="verify-email"),
    path("accounts/reset", account_views.password_reset_confirm, name="password-reset-confirm"),
    path("subscriptions/confirm", subscription_views.confirm, name="subscription-confirm-page"),
    path("unsubscribe", subscription_views.unsubscribe, name="unsubscribe-page"),
    path("", account_views.home, name="home"),
]
