"""The production settings with the tests' quick password hasher, for real servers the tests start.

The real hasher takes ~0.3 s per password on purpose; a test firing 60 sign-ins at once measures the
throttles, not the hasher (tests/conftest.py's fast_password_hashing does the same in-process).
"""

from interview.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
