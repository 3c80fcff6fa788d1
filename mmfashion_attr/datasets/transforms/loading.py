"""Robust, fast image loading for catalogue photos.

mmcv's ``LoadImageFromFile`` (OpenCV) decodes a truncated JPEG into a
half-grey image without an error and drops alpha onto black; catalogue data
has truncated uploads, CMYK JPEGs, RGBA/palette PNGs, 16-bit PNGs and EXIF
rotations. This loader decodes with Pillow, uses JPEG draft mode to decode
at reduced size when the pipeline downsizes anyway, and fails naming the
file, or (opt-in, training only) returns None so that the dataset draws
another sample, counting and logging each skip.
"""
import io

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.fileio import get
from mmengine.logging import MMLogger
from mmpretrain.registry import TRANSFORMS
from PIL import Image, ImageOps

from ...errors import UserInputError


class ImageDecodeError(UserInputError, OSError):
    """An image file that cannot be read or decoded."""


def decode_image(content: bytes, draft_size=None,
                 crop_box=None) -> Image.Image:
    """Bytes -> upright 8-bit RGB PIL image; raises on corrupt/truncated data.

    Args:
        draft_size (int, optional): The longer side the pipeline resizes to
            (after cropping); a JPEG is decoded at the smallest 1/2^k scale
            still reaching it.
        crop_box (array, optional): ``x1, y1, x2, y2`` in full-size upright
            pixel coordinates, clipped to the image.
    """
    img = Image.open(io.BytesIO(content))
    full_w = img.size[0]
    if draft_size and img.format == 'JPEG':
        w, h = img.size
        if crop_box is not None:
            w, h = crop_box[2] - crop_box[0], crop_box[3] - crop_box[1]
        scale = draft_size / max(w, h, 1)
        if scale < 1:
            img.draft(img.mode, (max(1, round(img.size[0] * scale)),
                                 max(1, round(img.size[1] * scale))))
    img.load()  # decode now: truncated or corrupt data raises here
    scale = img.size[0] / full_w  # draft mode's reduction
    img = ImageOps.exif_transpose(img)
    if crop_box is not None:  # clipped: a box with a margin may overhang
        x1, y1, x2, y2 = (int(round(v * scale)) for v in crop_box)
        img = img.crop((max(x1, 0), max(y1, 0), min(x2, img.size[0]),
                        min(y2, img.size[1])))
    if img.mode in ('I;16', 'I;16B', 'I;16L', 'I'):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode != 'I' or arr.max() > 255 else 255.0
        img = Image.fromarray((arr * (255.0 / top)).round().astype(np.uint8))
    if img.mode == 'P' and 'transparency' in img.info:
        img = img.convert('RGBA')
    if img.mode in ('RGBA', 'LA', 'PA'):
        background = Image.new('RGBA', img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img.convert('RGBA'))
    return img.convert('RGB')


@TRANSFORMS.register_module()
class LoadFashionImage(BaseTransform):
    """Load ``results['img_path']`` as a BGR uint8 array (like mmcv's loader).

    Crops to ``results['crop_box']`` (``x1, y1, x2, y2``) when present, as for
    the garment instances of :class:`FashionpediaAttrDataset`. The file's
    content may be given as ``results['img_bytes']`` (``img_path`` then only
    names it in errors), as the HTTP service does with uploads.

    Args:
        draft_size (int, optional): Longer side the pipeline resizes to; JPEGs
            are decoded at a reduced scale no smaller than this.
        skip_bad (bool): On an unreadable image return None (the dataset then
            draws another sample in training; test mode still fails) and log
            it with a running count. Default False: raise naming the file.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self, draft_size=None, skip_bad=False, to_rgb=False,
                 backend_args=None):
        self.draft_size = draft_size
        self.skip_bad = skip_bad
        self.to_rgb = to_rgb
        self.backend_args = backend_args
        self.num_skipped = 0

    def transform(self, results: dict):
        path = results['img_path']
        content = results.pop('img_bytes', None)  # an upload (tools/serve.py)
        try:
            if content is None:
                content = get(path, backend_args=self.backend_args)
        except FileNotFoundError as e:  # never skipped: the data list is wrong
            raise FileNotFoundError(f'image file not found: {path}') from e
        try:
            img = decode_image(content, self.draft_size,
                               results.get('crop_box'))
        except (OSError, ValueError, Image.DecompressionBombError) as e:
            if not self.skip_bad:
                raise ImageDecodeError(f'cannot load image {path}: {e}') from e
            self.num_skipped += 1
            MMLogger.get_current_instance().warning(
                f'skipped unreadable image {path} ({e}); '
                f'{self.num_skipped} skipped so far in this worker')
            return None
        arr = np.asarray(img)
        results['img'] = arr if self.to_rgb else arr[..., ::-1].copy()
        results['img_shape'] = arr.shape[:2]
        results['ori_shape'] = arr.shape[:2]
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(draft_size={self.draft_size}, '
                f'skip_bad={self.skip_bad}, to_rgb={self.to_rgb})')
