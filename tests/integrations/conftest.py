"""Fixtures: a second user for ownership tests."""

import pytest

from tests.factories import UserFactory
from tests.helpers import client_for


@pytest.fixture
def stranger(db):
    return UserFactory()


@pytest.fixture
def stranger_api(stranger):
    """Another signed-in user, who must not see `user`'s integrations."""
    return client_for(stranger)
