from rest_framework.routers import SimpleRouter

from .api import DeliveryViewSet

router = SimpleRouter(trailing_slash=False)
router.register("deliveries", DeliveryViewSet, basename="delivery")

urlpatterns = router.urls
