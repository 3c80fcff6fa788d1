"""The served model's checkpoint_sha256 names its weights: for an OpenVINO
IR the .bin is hashed with the .xml (other weights under the same .xml
were the same hash before)."""
import hashlib

from mmfashion_attr.serving.predictors import file_sha256


def test_a_checkpoint_is_its_bytes(tmp_path):
    ckpt = tmp_path / 'm.pth'
    ckpt.write_bytes(b'PK\x03\x04 weights')
    assert file_sha256(str(ckpt)) == hashlib.sha256(
        ckpt.read_bytes()).hexdigest()


def test_an_ir_includes_its_weights(tmp_path):
    xml, weights = tmp_path / 'm.xml', tmp_path / 'm.bin'
    xml.write_text('<?xml version="1.0"?>\n<net name="m"></net>\n')
    weights.write_bytes(b'\x00' * 64)
    first = file_sha256(str(xml))
    assert first == hashlib.sha256(
        xml.read_bytes() + weights.read_bytes()).hexdigest()
    weights.write_bytes(b'\x01' + b'\x00' * 63)  # other weights
    assert file_sha256(str(xml)) != first
