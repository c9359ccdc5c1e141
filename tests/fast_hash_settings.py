"""The production settings with the tests' quick password hasher, for real servers the tests start.

The real hasher takes ~0.3 s per password on purpose; a test firing 60 sign-ins at once measures the
throttles, not the hasher (tests/conftest.py's fast_password_hashing does the same in-process).
"""

import os

from interview.settings import *  # noqa: F403

# Static files collected into the test's own folder, never into the checkout another test may be serving.
STATIC_ROOT = os.environ["TEST_STATIC_ROOT"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
