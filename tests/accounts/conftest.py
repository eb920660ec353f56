import pytest


@pytest.fixture
def mailing(django_capture_on_commit_callbacks):
    """Call `call(*args)` so that the mails it sends in `transaction.on_commit` go out."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run
