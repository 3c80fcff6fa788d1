"""Where a visualizer's texts land, and keeping them on the canvas.

Our own: mmengine's ``Visualizer.draw_texts`` puts a text where it is
asked and matplotlib clips whatever falls off the canvas; these helpers
measure the drawn boxes (matplotlib's window extents, the ``bbox`` patch
included) in image pixels, move boxes back inside, and give the integer
factor that upscales a small image to a readable canvas.
"""
import math
from typing import List, Sequence, Tuple

import numpy as np
from matplotlib.text import Text
from mmengine.visualization import Visualizer

Box = Tuple[float, float, float, float]


def upscale_factor(shape: Sequence[int], min_size: int) -> int:
    """Integer factor bringing the long side to at least ``min_size``.

    Args:
        shape (Sequence[int]): Image shape, ``(height, width, ...)``.
        min_size (int): Smallest long side wanted (0: no upscaling).

    Returns:
        int: 1 when the image is large enough already.
    """
    long_side = max(shape[:2])
    if not min_size or long_side >= min_size:
        return 1
    return math.ceil(min_size / long_side)


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscaling by an integer factor (pixels stay
    exact).

    Args:
        image (np.ndarray): ``(H, W, ...)`` image.
        factor (int): Integer factor.
    """
    if factor == 1:
        return image
    return image.repeat(factor, axis=0).repeat(factor, axis=1)


def text_box(vis: Visualizer, text: Text) -> Box:
    """``(x0, y0, x1, y1)`` of a drawn text, its ``bbox`` patch included,
    in image pixels (y downwards).

    Args:
        vis (Visualizer): The visualizer that drew it.
        text (Text): One of ``vis.ax_save.texts``.
    """
    renderer = vis.fig_save.canvas.get_renderer()
    extent = text.get_window_extent(renderer)
    patch = text.get_bbox_patch()
    if patch is not None:
        text.update_bbox_position_size(renderer)
        extent = extent.union([extent, patch.get_window_extent(renderer)])
    (x0, y0), (x1, y1) = extent.transformed(
        vis.ax_save.transData.inverted()).get_points()
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def text_boxes(vis: Visualizer) -> List[Tuple[str, Box]]:
    """Every text on the visualizer's current canvas, with its box.

    Args:
        vis (Visualizer): A visualizer, after drawing and before the next
            ``set_image`` (which clears its texts).
    """
    return [(t.get_text(), text_box(vis, t)) for t in vis.ax_save.texts]


def keep_inside(vis: Visualizer, texts: Sequence[Text]) -> None:
    """Move each text so that its box lies inside the canvas (left / top
    edge first when the box is larger than the canvas).

    Args:
        vis (Visualizer): The visualizer that drew them.
        texts (Sequence[Text]): Texts of ``vis.ax_save``.
    """
    for text in texts:
        x0, y0, x1, y1 = text_box(vis, text)
        dx = max(min(vis.width - x1, 0), -x0)
        dy = max(min(vis.height - y1, 0), -y0)
        if dx or dy:
            x, y = text.get_position()
            text.set_position((x + dx, y + dy))
