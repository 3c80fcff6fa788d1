"""Sizes of SynthFashion's small-region details (neckline, placket,
buttons, cuffs, zip, rips, knee slits), in units of the garment scale ``s``.

``SYNTH`` is the original drawing (details large enough to span a stride-8
cell at 128 px); ``PHOTO`` draws them at the fraction of the garment that
they take in real garments (``s`` is about 85 cm; the fractions and their
sources are in ``docs/datasets.md``, "Details at product-photo scale").
Own code: these are SynthFashion's drawing parameters.
"""
from dataclasses import dataclass
from typing import Tuple

Size = Tuple[float, float]  # (pixels, fraction of s): pixels + fraction * s


@dataclass(frozen=True)
class DetailSizes:
    """Each size is ``pixels + fraction * s`` (see ``Size``).

    Args:
        neck_width: neck opening width.
        vneck_depth: V-neck depth below the shoulder line.
        collar: scale of the collar points (1: the original drawing).
        placket_end: end of the henley placket below the shoulder line (it
            starts at 0.08 ``s``).
        placket_width: placket line width.
        button_radius: shirt buttons' radius.
        button_step: spacing of the shirt buttons, fraction of ``s``.
        cuff: cuff band width.
        waist_button_half: jeans waist button's half width.
        waist_button_bottom: its lower edge below the waist (top: 1 px).
        zip_width: fly zip line width.
        zip_end: the zip's end below the waist (it starts below the
            waistband, 0.05 ``s``).
        rip_length, rip_height: a rip's size.
        slit_half: half the length of a knee slit.
        slit_width: its line width.
        min_px: the least line width, in pixels.
    """
    neck_width: Size = (0, .26)
    vneck_depth: Size = (0, .5)
    collar: float = 1.0
    placket_end: Size = (0, .36)
    placket_width: Size = (0, .06)
    button_radius: Size = (2, 0)
    button_step: float = 0.12
    cuff: Size = (0, .08)
    waist_button_half: Size = (2.5, 0)
    waist_button_bottom: Size = (6, 0)
    zip_width: Size = (2, 0)
    zip_end: Size = (0, .2)
    rip_length: Size = (4, .1)  # the larger of the two, as for rip_height
    rip_height: Size = (2, .05)
    slit_half: Size = (0, .08)
    slit_width: Size = (0, .05)
    min_px: int = 2

    def get(self, name: str, s: float) -> float:
        """Size ``name`` in pixels for garment scale ``s``."""
        px, frac = getattr(self, name)
        return px + frac * s

    def width(self, name: str, s: float) -> int:
        """Line width ``name`` in whole pixels, at least ``min_px``."""
        return max(self.min_px, int(self.get(name, s)))

    def at_least(self, name: str, s: float) -> float:
        """``max(pixels, fraction * s)`` (the rips' floor)."""
        px, frac = getattr(self, name)
        return max(px, frac * s)


SYNTH = DetailSizes()
PHOTO = DetailSizes(
    neck_width=(0, .20), vneck_depth=(0, .21), collar=0.45,
    placket_end=(0, .24), placket_width=(0, .03),
    button_radius=(0, .0065), button_step=0.10, cuff=(0, .07),
    waist_button_half=(0, .01), waist_button_bottom=(1, .02),
    zip_width=(0, .012), zip_end=(0, .23), rip_length=(2, .05),
    rip_height=(1, .018), slit_half=(0, .07), slit_width=(0, .012),
    min_px=1)
DETAIL_SCALES = dict(synth=SYNTH, photo=PHOTO)
