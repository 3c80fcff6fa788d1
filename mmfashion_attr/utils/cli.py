"""The command-line tools' shared entry: a user error is one message on
stderr and exit status 2 (argparse's for a bad command line), a bug keeps
its traceback.

Every tool ends with ``run_main(main)``. User errors are the
:class:`~mmfashion_attr.errors.UserInputError` family (bad annotations,
schemas, checkpoints, images, options), files that cannot be opened and a
tool's own ``sys.exit('message')``. ``--debug`` anywhere on the command line
(removed before the tool parses it) or ``MMFA_DEBUG=1`` prints their
traceback too; any other exception propagates unchanged (traceback, exit
status 1).
"""
import os
import os.path as osp
import sys
import traceback
from typing import Callable, List, Optional

from ..errors import UserInputError, UserValueError

__all__ = ['DEBUG_ENV', 'UserInputError', 'UserValueError', 'is_user_error',
           'run_main', 'user_message']

DEBUG_FLAG = '--debug'
DEBUG_ENV = 'MMFA_DEBUG'
USER_ERROR_STATUS = 2
# OSErrors about a path the user gave; other OSErrors stay bugs
FILE_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError,
               NotADirectoryError)
TRACEBACK_HEADER = 'Traceback (most recent call last):'


def is_user_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a user error (reported without traceback)."""
    return isinstance(exc, (UserInputError, ) + FILE_ERRORS)


def user_message(exc: BaseException) -> str:
    """The message of a user error, without a DataLoader worker's
    traceback (PyTorch re-raises a worker's error with its traceback as
    the message)."""
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        return f'{exc.filename}: {exc.strerror}'
    message = str(exc)
    if TRACEBACK_HEADER in message:
        name = f'{type(exc).__name__}: '
        at = message.rfind(name)
        if at >= 0:
            message = message[at + len(name):]
    return message.strip()


def take_debug_flag(argv: List[str]) -> bool:
    """Remove ``--debug`` from ``argv`` (before any ``--``) in place; True
    when it was there."""
    end = argv.index('--') if '--' in argv else len(argv)
    found = DEBUG_FLAG in argv[1:end]
    argv[:end] = [a for i, a in enumerate(argv[:end])
                  if i == 0 or a != DEBUG_FLAG]
    return found


def _report(message: str, hint: bool) -> None:
    prog = osp.basename(sys.argv[0]) if sys.argv and sys.argv[0] else 'tool'
    rank = os.environ.get('RANK')
    if rank is not None and int(os.environ.get('WORLD_SIZE', '1')) > 1:
        prog = f'{prog} (rank {rank})'
    print(f'{prog}: error: {message}', file=sys.stderr)
    if hint:
        print(f'{prog}: {DEBUG_FLAG} or {DEBUG_ENV}=1 shows the traceback',
              file=sys.stderr)


def run_main(main: Callable[[], object],
             argv: Optional[List[str]] = None) -> None:
    """Run a tool's ``main()``; a user error exits with status 2 after one
    message on stderr.

    Args:
        main (Callable): The tool's entry, reading its options from
            ``sys.argv``.
        argv (list[str], optional): The command line to take ``--debug``
            from, in place. Defaults to ``sys.argv``.
    """
    debug = take_debug_flag(sys.argv if argv is None else argv)
    if debug:
        os.environ[DEBUG_ENV] = '1'  # for the tools it starts
    debug = os.environ.get(DEBUG_ENV, '') not in ('', '0')
    try:
        main()
    except SystemExit as e:
        if not isinstance(e.code, str):  # argparse's, or a status
            raise
        if debug:
            traceback.print_exc()
        _report(e.code, hint=False)
        sys.exit(USER_ERROR_STATUS)
    except Exception as e:
        if not is_user_error(e):
            raise
        if debug:
            traceback.print_exc()
        _report(user_message(e), hint=not debug)
        sys.exit(USER_ERROR_STATUS)


def add_garment_arguments(parser) -> None:
    """``--garment-detector`` and ``--garment-score``, as infer_catalog.py
    and serve.py take them (``AttributeInferencer``'s ``garment_detector``
    and ``garment_score``)."""
    parser.add_argument('--garment-detector', default=None, metavar='NPZ',
                        help='a garment_ood_report.py --save-detector file '
                        'for this model: each image then gets garment '
                        '(true / "review" / false) and garment_score')
    parser.add_argument('--garment-score', default='combined',
                        help="the detector's score to decide by")


def add_malloc_argument(parser) -> None:
    """``--malloc tuned|default``, as infer_catalog.py and serve.py take
    it (:mod:`mmfashion_attr.utils.malloc_tuning`)."""
    parser.add_argument('--malloc', choices=('tuned', 'default'),
                        default='tuned',
                        help='tuned (default): glibc keeps freed memory '
                        'for the next batch (fewer page faults, faster on '
                        'CPU; memory freed after a peak stays with the '
                        "process); default: glibc's own settings")


def apply_malloc_argument(args) -> str:
    """What ``--malloc`` asks for: :func:`keep_freed_memory`'s answer, or
    ``'default'``."""
    from .malloc_tuning import keep_freed_memory
    return keep_freed_memory() if args.malloc == 'tuned' else 'default'
