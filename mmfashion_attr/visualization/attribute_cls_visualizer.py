"""The classifier's drawing: an upscaled image with each task's predicted
values (and ground truth) in a text panel beside it.

Own subclass: mmpretrain's ``UniversalVisualizer.visualize_cls`` writes
flat class indices in a box on the image, scaled to the image's short
side, so on SynthFashion's 64-px images the box is wider than the image
and its font a few pixels high; it knows no tasks.
"""
from typing import List, Optional, Sequence, Tuple

import mmcv
import numpy as np
from mmengine.dist import master_only
from mmpretrain.registry import VISUALIZERS
from mmpretrain.structures import DataSample
from mmpretrain.visualization import UniversalVisualizer

from ..datasets.schema import task_slices
from .text_layout import text_box, upscale, upscale_factor

Lines = List[Tuple[str, str]]


def _array(x) -> np.ndarray:
    return np.asarray(x.cpu() if hasattr(x, 'cpu') else x)


@VISUALIZERS.register_module()
class AttributeClsVisualizer(UniversalVisualizer):
    """``visualize_cls`` (mmpretrain's ``VisualizationHook``, i.e.
    ``tools/test.py --show-dir``) for attribute classifiers.

    Predictions: per task (``dataset_meta['tasks']``), the values of
    ``pred_label`` best first with their ``pred_score``; without tasks,
    the top class of ``dataset_meta['classes']``, and with
    ``pred_attr_score`` (M2Fashion) the attributes from ``attr_thr``.
    Ground truth (``gt_attr`` / ``gt_attr_mask``, or ``gt_label`` and
    ``attr_states``) below, when present.

    Args:
        name (str): The instance's name. Default: 'visualizer'.
        min_size (int): Images are upscaled (by an integer factor,
            nearest neighbour) until the long side is at least this.
            Default: 512.
        font_size (int): Panel font size in points (the visualizer's dpi
            converts it to pixels). Default: 12.
        max_values (int): Values written per task. Default: 4.
        attr_thr (float): ``pred_attr_score`` from which an attribute is
            written. Default: 0.5.
        channel_order (str): Channel order of the images given to
            ``visualize_cls``: mmpretrain's ``VisualizationHook`` hands it
            the model's inputs, which are BGR in this package's configs
            (their ``data_preprocessor`` has ``to_rgb=True``), hence
            ``'bgr'`` in ``configs/_base_/default_runtime.py``.
            Default: 'rgb'.
        **kwargs: ``UniversalVisualizer``'s.
    """

    def __init__(self, name: str = 'visualizer', min_size: int = 512,
                 font_size: int = 12, max_values: int = 4,
                 attr_thr: float = 0.5, channel_order: str = 'rgb',
                 **kwargs):
        super().__init__(name=name, **kwargs)
        if channel_order not in ('rgb', 'bgr'):
            raise ValueError(f"channel_order {channel_order!r}: 'rgb' or "
                             "'bgr'")
        self.min_size, self.font_size = min_size, font_size
        self.max_values, self.attr_thr = max_values, attr_thr
        self.channel_order = channel_order

    def _tasks(self, classes: Optional[Sequence[str]]):
        """``(name, flat slice, value names)`` per task."""
        meta = self.dataset_meta or {}
        if meta.get('tasks'):
            tasks = meta['tasks']
            return [(t['name'], sl, [str(c) for c in t.get(
                'classes', range(sl.stop - sl.start))])
                    for t, sl in zip(tasks, task_slices(tasks))]
        if classes is not None:
            return [('class', slice(0, len(classes)), list(classes))]
        return None

    def _values(self, idx, score, names, sl, with_score) -> str:
        idx = sorted(idx, key=lambda i: -score[i]) if with_score else idx
        words = [names[i - sl.start] + (f' {score[i]:.2f}' if with_score
                                        else '')
                 for i in idx[:self.max_values]]
        if len(idx) > self.max_values:
            words.append(f'+{len(idx) - self.max_values}')
        return ', '.join(words) or '-'

    def prediction_lines(self, sample: DataSample,
                         classes: Optional[Sequence[str]] = None,
                         draw_score: bool = True) -> Lines:
        """``(task, values)`` of the prediction."""
        lines = []
        tasks = self._tasks(classes)
        if 'pred_label' in sample:
            label = _array(sample.pred_label).tolist()
            score = _array(sample.pred_score) if 'pred_score' in sample \
                else None
            with_score = draw_score and score is not None
            if tasks is None:  # class indices
                n = max(label, default=-1) + 1
                tasks = [('class', slice(0, n), [str(i) for i in range(n)])]
            for name, sl, names in tasks:
                idx = [i for i in label if sl.start <= i < sl.stop]
                lines.append((name, self._values(idx, score, names, sl,
                                                 with_score)))
        attr_names = (self.dataset_meta or {}).get('attributes')
        if 'pred_attr_score' in sample and attr_names:
            score = _array(sample.pred_attr_score)
            idx = [int(i) for i in np.flatnonzero(score >= self.attr_thr)]
            lines.append(('attributes', self._values(
                idx, score, attr_names, slice(0, len(score)), draw_score)))
        return lines

    def ground_truth_lines(self, sample: DataSample,
                           classes: Optional[Sequence[str]] = None) -> Lines:
        """``(task, values)`` of the ground truth ('?': not labelled)."""
        tasks = self._tasks(classes)
        lines = []
        if 'gt_attr' in sample and tasks:
            attr = _array(sample.gt_attr)
            mask = _array(sample.gt_attr_mask) if 'gt_attr_mask' in sample \
                else np.ones(len(tasks), bool)
            for (name, sl, names), labelled in zip(tasks, mask):
                idx = [int(i) + sl.start for i in np.flatnonzero(attr[sl])]
                lines.append((name, self._values(idx, None, names, sl, False)
                              if labelled else '?'))
        elif 'gt_label' in sample:
            idx = _array(sample.gt_label).reshape(-1).tolist()
            names = list(classes) if classes is not None else None
            lines.append(('class', ', '.join(
                names[i] if names else str(i) for i in idx)))
        attr_names = (self.dataset_meta or {}).get('attributes')
        if 'attr_states' in sample and attr_names:
            idx = np.flatnonzero(_array(sample.attr_states) == 1).tolist()
            lines.append(('attributes', self._values(
                idx, None, attr_names, slice(0, len(attr_names)), False)))
        return lines

    def panel_text(self, sample: DataSample,
                   classes: Optional[Sequence[str]] = None,
                   draw_gt: bool = True, draw_pred: bool = True,
                   draw_score: bool = True) -> str:
        """The panel's text: a 'prediction' and a 'ground truth' section,
        one aligned line per task."""
        sections = []
        if draw_pred:
            sections.append(('prediction', self.prediction_lines(
                sample, classes, draw_score)))
        if draw_gt:
            sections.append(('ground truth',
                             self.ground_truth_lines(sample, classes)))
        sections = [(title, lines) for title, lines in sections if lines]
        width = max((len(t) for _, lines in sections for t, _ in lines),
                    default=0)
        return '\n'.join(
            '\n'.join([title] + [f'  {t:<{width}}  {v}' for t, v in lines])
            for title, lines in sections)

    @master_only
    def visualize_cls(self, image: np.ndarray, data_sample: DataSample,
                      classes: Optional[Sequence[str]] = None,
                      draw_gt: bool = True, draw_pred: bool = True,
                      draw_score: bool = True,
                      resize: Optional[int] = None,
                      rescale_factor: Optional[float] = None,
                      text_cfg: dict = dict(), show: bool = False,
                      wait_time: float = 0, out_file: Optional[str] = None,
                      name: str = '', step: int = 0) -> np.ndarray:
        """Draw the image, upscaled, with the panel on its right; the
        canvas grows to hold the whole text. Arguments as mmpretrain's
        ``UniversalVisualizer.visualize_cls`` (``text_cfg``: extra
        ``draw_texts`` arguments)."""
        if self.dataset_meta is not None:
            classes = classes or self.dataset_meta.get('classes', None)
        if self.channel_order == 'bgr':
            image = image[..., ::-1]
        if resize is not None:
            h, w = image.shape[:2]
            image = mmcv.imresize(image, (resize, resize * h // w) if w < h
                                  else (resize * w // h, resize))
        elif rescale_factor is not None:
            image = mmcv.imrescale(image, rescale_factor)
        image = upscale(image, upscale_factor(image.shape, self.min_size))
        text = self.panel_text(data_sample, classes, draw_gt, draw_pred,
                               draw_score)
        drawn_img = image
        if text:
            h, w = image.shape[:2]
            margin = max(4, self.font_size // 2)
            text_cfg = dict(font_sizes=self.font_size, colors='black',
                            font_families='monospace',
                            vertical_alignments='top', **text_cfg)
            # measure the text (mmengine's draw_texts, matplotlib's extent)
            self.set_image(image)
            self.draw_texts(text, np.array([0, 0]), **text_cfg)
            x0, y0, x1, y1 = text_box(self, self.ax_save.texts[-1])
            canvas = np.full((max(h, int(np.ceil(y1 - y0)) + 2 * margin),
                              w + int(np.ceil(x1 - x0)) + 2 * margin, 3),
                             255, np.uint8)
            canvas[:h, :w] = image
            self.set_image(canvas)
            self.draw_texts(text, np.array([w + margin - x0, margin - y0]),
                            **text_cfg)
            drawn_img = self.get_image()
        else:
            self.set_image(image)
        if show:
            self.show(drawn_img, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(drawn_img[..., ::-1], out_file)
        else:
            self.add_image(name, drawn_img, step=step)
        return drawn_img
