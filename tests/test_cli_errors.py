"""How ``liif-explain`` reports failures: input errors as one line and exit 2, bugs with their traceback."""

import sys
import types

import pytest

from explain import cli


@pytest.fixture
def command(monkeypatch):
    """A ``liif-explain boom`` subcommand whose run() raises the exception given to ``raising``."""
    module = types.ModuleType("explain_test_boom")
    module.add_arguments = lambda parser: None
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(cli.COMMANDS, "boom", (module.__name__, "raises on purpose"))

    def raising(exc):
        def run(args):
            raise exc
        module.run = run
    return raising


@pytest.mark.parametrize("exc", [ValueError("scale must be a positive integer, got 0"),
                                 FileNotFoundError(2, "No such file or directory", "missing.png")])
def test_input_errors_are_one_line_and_exit_2(command, exc, capsys):
    command(exc)
    assert cli.main(["boom"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("liif-explain boom: error: ") and str(exc) in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_a_type_error_is_a_bug_and_keeps_its_traceback(command):
    def buggy():
        return len(3)  # a TypeError raised by a mistake in the code, not by input validation

    try:
        buggy()
    except TypeError as exc:
        command(exc)
    with pytest.raises(TypeError, match="has no len"):
        cli.main(["boom"])


def test_other_exceptions_propagate(command):
    command(KeyError("internal"))
    with pytest.raises(KeyError):
        cli.main(["boom"])


def test_a_real_subcommand_reports_bad_input_as_exit_2(capsys):
    assert cli.main(["region-coding", "--scale", "0", "--models"]) == 2
    assert "scale must be a positive integer" in capsys.readouterr().err
