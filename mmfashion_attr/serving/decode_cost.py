"""What decoding an image costs, estimated from its header before any
decoding (issue 30, item 2): the peak memory of this package's loader
(``LoadFashionImage``) and the test pipeline after it, by the image's
mode, size and (JPEG) draft scale and progressive coding. Own code: the
costs are those of this loader, measured by benchmarks/decode_memory.py."""
from typing import Optional, Tuple

from PIL import Image
from PIL.JpegImagePlugin import JpegImageFile

MIB = 1 << 20

# Peak bytes per decoded pixel of ``LoadFashionImage`` and the test
# pipeline (Pillow's image, the RGB conversion, the array and its BGR
# copy), as benchmarks/decode_memory.py measures them, rounded up:
# 16-bit and 32-bit integer images are rescaled in float64 (26 and 28
# measured), images with alpha are composited on white (16), the rest 10.
HIGH_DEPTH_MODES = ('I;16', 'I;16B', 'I;16L', 'I;16N', 'I')
ALPHA_MODES = ('RGBA', 'LA', 'PA', 'RGBa', 'La')
BYTES_PER_PIXEL_HIGH_DEPTH = 30
BYTES_PER_PIXEL_ALPHA = 17
BYTES_PER_PIXEL = 11
# A progressive JPEG keeps every DCT coefficient of the full-size image
# (2 bytes per band and pixel) while it decodes, at a reduced scale too.
JPEG_COEFFICIENT_BYTES = 2
# per image, whatever its size (libjpeg's buffers: up to 4 MB measured)
DECODE_OVERHEAD_BYTES = 8 * MIB


def bytes_per_pixel(img: Image.Image) -> int:
    """Peak decoding bytes per pixel of an image opened (not decoded) by
    Pillow, by its mode (a palette with transparency is decoded as RGBA)."""
    mode = img.mode
    if mode in HIGH_DEPTH_MODES:
        return BYTES_PER_PIXEL_HIGH_DEPTH
    if mode in ALPHA_MODES or (mode == 'P' and 'transparency' in img.info):
        return BYTES_PER_PIXEL_ALPHA
    if mode in ('1', 'L', 'P', 'RGB', 'RGBX', 'CMYK', 'YCbCr', 'LAB', 'HSV',
                'F'):
        return BYTES_PER_PIXEL
    return BYTES_PER_PIXEL_HIGH_DEPTH  # any other mode: the most


def decode_cost(img: Image.Image,
                draft_size: Optional[int] = None) -> Tuple[int, str]:
    """The peak memory of decoding ``img`` (opened by Pillow, header only)
    as the service's loader does, and how it was counted (for messages).

    Args:
        img: Opened, not loaded; a JPEG's draft mode is set on it, as the
            loader sets it (so it must not be decoded afterwards).
        draft_size (int, optional): The loader's ``draft_size``: a JPEG is
            decoded at the smallest 1/2^k scale still reaching it.
    """
    width, height = img.size
    per_pixel = bytes_per_pixel(img)
    extra, how = 0, ''
    if isinstance(img, JpegImageFile):
        scale = draft_size / max(width, height, 1) if draft_size else 1
        if scale < 1:  # as LoadFashionImage's decode_image
            img.draft(img.mode, (max(1, round(width * scale)),
                                 max(1, round(height * scale))))
        if img.info.get('progressive'):
            coefficients = JPEG_COEFFICIENT_BYTES * len(img.getbands())
            if img.size == (width, height):  # beside Pillow's 4-byte image
                per_pixel = max(per_pixel, coefficients + 4)
            else:  # full-size coefficients, whatever the scale
                extra = coefficients * width * height
                how = f' + {extra} for a progressive JPEG\'s coefficients'
    dw, dh = img.size
    scaled = f' (decoded at {dw}x{dh})' if (dw, dh) != (width, height) \
        else ''
    cost = dw * dh * per_pixel + extra + DECODE_OVERHEAD_BYTES
    return cost, (f'{width}x{height} {img.mode}{scaled} decodes into about '
                  f'{cost} bytes ({per_pixel} bytes per pixel{how})')
