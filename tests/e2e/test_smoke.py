import pytest

from tests.e2e.conftest import shoot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.temporal]


def test_home_page_renders_with_the_stylesheet(page, app):
    page.goto(app.url + "/")
    assert page.locator(".brand").inner_text() == "Soonish"
    color = page.evaluate("getComputedStyle(document.querySelector('.brand')).color")
    assert color == "rgb(59, 91, 219)"  # app.css was served and applied
    shoot(page, "home")
