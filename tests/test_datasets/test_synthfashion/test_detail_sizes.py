"""SynthFashion's --detail-scale photo: small details at real garments'
proportions (docs/datasets.md), everything else unchanged."""
import numpy as np
import pytest
from PIL import Image, ImageDraw

from mmfashion_attr.datasets.synthfashion.detail_sizes import PHOTO, SYNTH
from mmfashion_attr.datasets.synthfashion.generator import (_draw_bottom,
                                                            _draw_top,
                                                            make_sample)

SIZE, S = 224, 94.0  # s: the garment scale at 224 px (0.42 of the side)


def detail_pixels(draw_fn, truth, sizes):
    """Pixels that the details of ``truth`` cover, drawn at ``sizes``."""
    layer = Image.new('RGBA', (SIZE, SIZE), (0, 0, 0, 0))
    shape = Image.new('L', (SIZE, SIZE), 0)
    draw_fn(np.random.default_rng(0), ImageDraw.Draw(shape),
            ImageDraw.Draw(layer), truth, SIZE / 2, 30, S, d=sizes)
    return int((np.asarray(layer)[..., 3] > 0).sum()), np.asarray(shape)


SHIRT = dict(category='shirt', color=['white'], sleeve_length='long',
             neck_type='collar', sleeve_style='cuffed', closure=['button'])
JEANS = dict(category='jeans', color=['blue'], length='ankle',
             closure=['button', 'zip'], distressed='rips')


@pytest.mark.parametrize('draw_fn, truth, detail, cm', [
    (_draw_top, {**SHIRT, 'neck_type': 'henley'}, 'placket_end', 14 + 7),
    (_draw_bottom, JEANS, 'zip_end', 4 + 15),  # below a 4 cm waistband
])
def test_photo_lengths_follow_the_stated_fractions(draw_fn, truth, detail,
                                                   cm):
    # s stands for 85 cm: a length of L cm is L / 85 of s
    assert PHOTO.get(detail, S) == pytest.approx(cm / 85 * S, rel=0.05)


PLAIN = dict(closure=[], distressed=None, sleeve_style=None,
             neck_type='round')  # what is left without the small details


@pytest.mark.parametrize('truth, draw_fn', [(SHIRT, _draw_top),
                                            (JEANS, _draw_bottom)])
def test_photo_details_are_smaller_and_the_garment_is_the_same(truth,
                                                               draw_fn):
    def small_details(sizes):
        full, shape = detail_pixels(draw_fn, truth, sizes)
        plain, _ = detail_pixels(draw_fn, {**truth, **PLAIN}, sizes)
        return full - plain, shape

    synth, synth_shape = small_details(SYNTH)
    photo, photo_shape = small_details(PHOTO)
    assert 0 < photo < 0.5 * synth
    np.testing.assert_array_equal(synth_shape, photo_shape)


def test_a_photo_button_is_about_a_real_buttons_size():
    shirt = {**SHIRT, 'neck_type': 'round', 'sleeve_style': None}
    with_buttons, _ = detail_pixels(_draw_top, shirt, PHOTO)
    without, _ = detail_pixels(_draw_top, {**shirt, 'closure': []}, PHOTO)
    buttons = int(0.8 * S / (PHOTO.button_step * S))
    per_button = (with_buttons - without) / buttons
    # 1.1 cm at 1.1 px / cm: a 1.2 px disc covers a few grid pixels (at
    # most 3 x 2); the synth buttons cover 25
    assert 1 <= per_button <= 6


def test_labels_and_silhouette_do_not_depend_on_the_detail_scale():
    for i in range(5):
        _, truth_s, lab_s, box_s, garments_s = make_sample(
            0, 'train', i, SIZE, with_box=True, with_garments=True)
        data, truth_p, lab_p, box_p, garments_p = make_sample(
            0, 'train', i, SIZE, with_box=True, with_garments=True,
            detail_scale='photo')
        assert (truth_s, lab_s, box_s) == (truth_p, lab_p, box_p)
        for (_, mask_s), (_, mask_p) in zip(garments_s, garments_p):
            np.testing.assert_array_equal(mask_s, mask_p)
