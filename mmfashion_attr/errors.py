"""The marker of errors in what a user gave (a file, a config, a
checkpoint, a schema, an option value), whose message alone says what to
fix.

Command-line tools (:func:`mmfashion_attr.utils.cli.run_main`) print such
an error's message without a traceback and exit with status 2. The
package's own error types mix it in and keep their standard base
(``AnnotationError(UserInputError, ValueError)``), so ``except ValueError``
still catches them. No imports: any module of the package can use it.
"""


class UserInputError(Exception):
    """An error in the user's input, not in the code."""


class UserValueError(UserInputError, ValueError):
    """A ``ValueError`` caused by the user's input: a config that does not
    fit the data or the model, an option value out of range."""
