"""The inference backends by name: the pip extra and the file kind each needs,
so that a missing package or a wrong file is one clear error before any
runtime opens it (no imports of the runtimes: every module here uses it)."""
import importlib
import os.path as osp

from ..errors import UserInputError, UserValueError

RUNTIME_BACKENDS = ('onnxruntime', 'onnxruntime-int8', 'openvino',
                    'openvino-int8')
BACKENDS = ('pytorch', ) + RUNTIME_BACKENDS
# backend -> the setup.py extra that installs its packages
EXTRAS = {'onnxruntime': 'deploy', 'onnxruntime-int8': 'deploy',
          'openvino': 'openvino', 'openvino-int8': 'openvino'}
# backend -> the model file kinds it opens (file_kind's names)
FILE_KINDS = {'pytorch': ('pytorch',),
              'onnxruntime': ('onnx',), 'onnxruntime-int8': ('onnx',),
              'openvino': ('openvino-ir', 'onnx'),
              'openvino-int8': ('openvino-ir', 'onnx')}
KIND_NAMES = {'pytorch': 'a PyTorch checkpoint', 'onnx': 'an ONNX file',
              'openvino-ir': 'an OpenVINO IR (.xml)',
              'openvino-weights': "an OpenVINO IR's weights (.bin; pass its "
              '.xml)', 'unknown': 'of no known model format'}
EXPORT_HINT = 'tools/deployment/export_backend.py --backend {}'


class MissingExtraError(UserInputError, ImportError):
    """A backend's package is not installed; the message names the extra."""


class WrongModelFileError(UserValueError):
    """A model file of another kind (or precision) than the backend runs;
    the message names the file."""


def check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise UserValueError(f'backend {backend!r}: one of '
                             f'{", ".join(BACKENDS)}')
    return backend


def require(module: str, backend: str):
    """``import module`` for ``backend``, or :class:`MissingExtraError`
    naming the pip extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        extra = EXTRAS.get(backend, 'deploy')
        raise MissingExtraError(
            f'the {backend} backend needs {module.split(".")[0]!r}, which '
            f'is not installed ({e}): pip install -e .[{extra}] '
            f'(pins: requirements/{extra}.txt)') from e


def file_kind(path: str) -> str:
    """``'pytorch'``, ``'onnx'``, ``'openvino-ir'``, ``'openvino-weights'``
    or ``'unknown'``, by the file's first bytes (its extension when they
    say nothing)."""
    with open(path, 'rb') as f:
        head = f.read(64)
    ext = osp.splitext(path)[1].lower()
    if head.startswith(b'PK\x03\x04') or head[:1] == b'\x80':
        return 'pytorch'  # torch.save's zip, or a pickle
    if head.lstrip().startswith((b'<?xml', b'<net')):
        return 'openvino-ir'
    if ext == '.bin':
        return 'openvino-weights'
    # an ONNX ModelProto starts with field 1 (ir_version, a varint: 0x08)
    if head[:1] == b'\x08' or ext == '.onnx':
        return 'onnx'
    return 'unknown'


def check_model_file(path: str, backend: str) -> str:
    """The file's kind; :class:`WrongModelFileError` naming ``path`` when
    ``backend`` does not open that kind. For ``'pytorch'`` only the other
    backends' files are refused (checkpoint formats and URLs are its
    loader's to check)."""
    if backend == 'pytorch' and not osp.isfile(path):
        return 'pytorch'  # a URL or an mmengine prefix: its loader says
    kind = file_kind(path)
    wanted = FILE_KINDS[check_backend(backend)]
    if backend == 'pytorch' and (kind == 'unknown' or kind == 'onnx' and
                                 not path.lower().endswith('.onnx')):
        return 'pytorch'  # its loader reports a bad file itself
    if kind not in wanted:
        made_by = 'a training checkpoint (.pth)' if backend == 'pytorch' \
            else 'a file from ' + EXPORT_HINT.format(backend)
        other = [b for b, kinds in FILE_KINDS.items() if kind in kinds]
        hint = f'; that is for --backend {" / ".join(other)}' if other \
            else ''
        raise WrongModelFileError(
            f'{path} is {KIND_NAMES[kind]}: the {backend} backend takes '
            f'{made_by}{hint}')
    return kind


def check_precision(path: str, backend: str, precision: str) -> None:
    """An ``*-int8`` backend opens int8 files, the others fp32 ones (so
    that what is reported as run is what ran)."""
    wanted = 'int8' if backend.endswith('-int8') else 'fp32'
    if precision != wanted:
        right = backend.replace('-int8', '') + \
            ('-int8' if precision == 'int8' else '')
        raise WrongModelFileError(
            f'{path} is an {precision} model: the {backend} backend takes '
            f'an {wanted} one ({EXPORT_HINT.format(backend)}); run this '
            f'file with --backend {right}')
