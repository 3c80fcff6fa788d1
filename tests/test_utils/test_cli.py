"""mmfashion_attr/utils/cli.py: a user error is one message and exit status
2, ``--debug`` / ``MMFA_DEBUG=1`` add its traceback, any other exception
keeps its own (and status 1, checked in a real interpreter)."""
import subprocess
import sys

import pytest

from mmfashion_attr.datasets import AnnotationError
from mmfashion_attr.errors import UserInputError
from mmfashion_attr.utils.cli import DEBUG_ENV, run_main, user_message
from tests.helpers.run_tool import ROOT


def raises(exc):
    def main():
        raise exc
    return main


def run(main, monkeypatch, argv=('tool.py', )):
    monkeypatch.setattr(sys, 'argv', list(argv))
    with pytest.raises(SystemExit) as e:
        run_main(main)
    return e.value.code


@pytest.fixture(autouse=True)
def no_debug_env(monkeypatch):
    # set, not deleted: monkeypatch then undoes what ``--debug`` sets
    monkeypatch.setenv(DEBUG_ENV, '0')


def test_user_error_is_one_message(monkeypatch, capsys):
    error = AnnotationError('ann.csv:3: 4 cells, but the header has 3')
    assert run(raises(error), monkeypatch) == 2
    err = capsys.readouterr().err
    assert err.startswith('tool.py: error: ann.csv:3: 4 cells, but the '
                          'header has 3\n')
    assert '--debug or MMFA_DEBUG=1' in err and 'Traceback' not in err
    assert run(raises(FileNotFoundError(2, 'No such file or directory',
                                        'x.pth')), monkeypatch) == 2
    assert 'tool.py: error: x.pth: No such file or directory' in \
        capsys.readouterr().err


def test_tool_exit_message_is_status_2(monkeypatch, capsys):
    assert run(raises(SystemExit('--known x: expected NAME=1')),
               monkeypatch) == 2
    assert capsys.readouterr().err == \
        'tool.py: error: --known x: expected NAME=1\n'
    assert run(raises(SystemExit(1)), monkeypatch) == 1  # a result: kept


@pytest.mark.parametrize('how', ['flag', 'env'])
def test_debug_shows_the_traceback(how, monkeypatch, capsys):
    seen = []

    def main():
        seen.append(list(sys.argv))
        raise UserInputError('bad input')

    if how == 'env':
        monkeypatch.setenv(DEBUG_ENV, '1')
    argv = ['tool.py', '--debug', 'a', '--', '--debug'] if how == 'flag' \
        else ['tool.py', 'a']
    assert run(main, monkeypatch, argv) == 2
    err = capsys.readouterr().err
    assert 'Traceback (most recent call last)' in err
    assert err.endswith('tool.py: error: bad input\n')
    if how == 'flag':  # the tool never sees it (but after '--' it stays)
        assert seen == [['tool.py', 'a', '--', '--debug']]


def test_unexpected_exception_propagates(monkeypatch, capsys):
    bug = KeyError('bug')
    monkeypatch.setattr(sys, 'argv', ['tool.py'])
    with pytest.raises(KeyError) as e:
        run_main(raises(bug))
    assert e.value is bug and capsys.readouterr().err == ''


def test_worker_traceback_left_out():
    # PyTorch re-raises a DataLoader worker's error with its traceback
    error = AnnotationError(
        'Caught AnnotationError in DataLoader worker process 0.\n'
        'Original Traceback (most recent call last):\n  File "x.py", line '
        '1\nmmfashion_attr.datasets.catalog.reader.AnnotationError: a.csv:2:'
        ' ragged\n')
    assert user_message(error) == 'a.csv:2: ragged'


def test_bug_keeps_traceback_in_a_real_process():
    code = ('from mmfashion_attr.utils.cli import run_main\n'
            'def main():\n    raise RuntimeError("a bug")\n'
            'run_main(main)\n')
    proc = subprocess.run([sys.executable, '-c', code], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert 'Traceback (most recent call last)' in proc.stderr
    assert proc.stderr.rstrip().endswith('RuntimeError: a bug')
