"""The other half of tests/test_browser.py's notebooks (Run All in JupyterLab in Chromium, the same checks), in a
file of its own so that `make test` (--dist loadfile) can run the two halves on two workers side by side."""

import pytest
from test_browser import (
    BROWSER_NOTEBOOKS,
    HERE,
    check_notebook_in_jupyterlab,
    lab_browser,  # noqa: F401 (the module fixture: a JupyterLab and a Chromium for this file)
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MORE = ("02", "05", "08")


def test_the_two_files_run_every_browser_notebook_once():
    assert sorted(HERE + MORE) == sorted(BROWSER_NOTEBOOKS)


@pytest.mark.parametrize("number", MORE)
def test_notebook_in_jupyterlab(number, lab_browser):  # noqa: F811 (the fixture imported above)
    check_notebook_in_jupyterlab(number, lab_browser)
