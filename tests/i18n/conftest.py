"""The review world of tests/review (agencies, supervisors, tokens), for the alert and report tests."""

from tests.review.conftest import as_, rw  # noqa: F401  (fixtures)
