"""Startup checks of the service (issue 30, item 5), before it listens:
the checkpoint fits the config (strict loading, in
:func:`.predictors.build_predictor`), and the model answers a test image
through the config's test pipeline (e.g. an ONNX file exported for another
input size fails here, not on every request). Also what one decoded image
holds (for the memory cap of :func:`.resources.memory_cap`)."""
import io
from typing import Optional

from PIL import Image

from ..errors import UserInputError
from .request_parsing import Upload

TEST_IMAGE = 'startup-check.png'


class ServiceStartupError(UserInputError, RuntimeError):
    """The model and config given cannot serve (tools/serve.py: one line on
    stderr, exit status 2)."""


def blank_upload(width: int = 48, height: int = 64) -> Upload:
    """A white PNG, as a client would send it."""
    buf = io.BytesIO()
    Image.new('RGB', (width, height), 'white').save(buf, 'PNG')
    return Upload(TEST_IMAGE, buf.getvalue())


def packed_image_bytes(predictor) -> Optional[int]:
    """Bytes of one image as the test pipeline packs it (the model's input
    size); None if the predictor cannot prepare the test image."""
    try:
        packed, _ = predictor.prepare(blank_upload(), None)
        return int(packed['inputs'].nbytes)
    except Exception:  # noqa: BLE001 (reported by startup_check instead)
        return None


def startup_check(predictor, config: str = 'the config') -> None:
    """One test image through ``predictor.prepare`` and ``predict``: any
    failure is a :class:`ServiceStartupError` naming ``config``."""
    upload = blank_upload()
    try:
        results = predictor.predict([predictor.prepare(upload, None)])
    except Exception as e:  # noqa: BLE001 (whatever fails: not servable)
        raise ServiceStartupError(
            f'{config}: the model cannot answer a test image '
            f'({TEST_IMAGE}, white, 48x64) through the test pipeline: '
            f'{type(e).__name__}: {e}') from e
    if len(results) != 1:
        raise ServiceStartupError(f'{config}: the model gave {len(results)} '
                                  'results for one test image')
