import torch

from mmfashion_attr.models import CBAM


def test_cbam_keeps_shape_and_gates():
    torch.manual_seed(0)
    cbam = CBAM(32, reduce_ratio=8)
    x = torch.randn(2, 32, 9, 7)
    y = cbam(x)
    assert y.shape == x.shape
    # both gates are sigmoids in (0, 1): |y| <= |x| elementwise, and not equal
    assert torch.all(y.abs() <= x.abs() + 1e-6)
    assert not torch.allclose(y, x)


def test_cbam_channel_gate_depends_on_input():
    cbam = CBAM(16, reduce_ratio=4)
    a = cbam.channel_attention(torch.randn(1, 16, 5, 5))
    b = cbam.channel_attention(torch.randn(1, 16, 5, 5) * 3)
    assert a.shape == (1, 16, 1, 1)
    assert not torch.allclose(a, b)
