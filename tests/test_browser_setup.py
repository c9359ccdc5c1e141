"""Without Chromium the browser suite fails, saying how to install it: skipped, it would pass untested."""

import pytest

from tests.browser import conftest


def test_a_missing_chromium_fails_the_browser_tests_with_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(conftest, "CHROMIUM", tmp_path / "no-chromium")
    start_browser = conftest.browser._get_wrapped_function()()
    with pytest.raises(pytest.fail.Exception, match=r"no-chromium is missing: run `make browser`"):
        next(start_browser)
