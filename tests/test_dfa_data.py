"""dfa.data: shipped datasets, IDX parsing, checksum verification, Fashion-MNIST lookup."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest

import dfa
from dfa import data


def _check_arrays(arrays, n_train, n_test, n_features):
    x, y, xt, yt = arrays
    assert x.shape == (n_train, n_features) and xt.shape == (n_test, n_features)
    assert y.shape == (n_train,) and yt.shape == (n_test,)
    assert x.dtype == xt.dtype == np.float32 and y.dtype == yt.dtype == np.int64
    for images in (x, xt):
        assert images.min() == 0.0 and images.max() == 1.0
    for labels in (y, yt):
        assert labels.min() == 0 and labels.max() == 9


def test_optdigits():
    arrays = data.load("optdigits")
    _check_arrays(arrays, 3823, 1797, 64)
    x, y = arrays[:2]
    # pixel counts 0..16 divided by 16: every value is a multiple of 1/16
    np.testing.assert_array_equal(x * 16, np.round(x * 16))
    # class counts of optdigits.tra published with the dataset (see data/README.md)
    assert np.bincount(y).tolist() == [376, 389, 380, 389, 387, 376, 377, 387, 380, 382]


def test_mnist():
    arrays = data.load("mnist")
    _check_arrays(arrays, 60000, 10000, 784)
    x, y = arrays[:2]
    assert y[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    # 8-bit pixels divided by 255
    np.testing.assert_allclose(x[:100] * 255, np.round(x[:100] * 255), atol=1e-4)


def test_load_from_another_root_verifies_the_bytes(tmp_path):
    (tmp_path / "optdigits").mkdir()
    copy = tmp_path / "optdigits" / "optdigits.npz"
    shutil.copy(data.DATA / "optdigits" / "optdigits.npz", copy)
    for a, b in zip(data.load("optdigits", root=tmp_path), data.load("optdigits")):
        np.testing.assert_array_equal(a, b)
    corrupt = tmp_path / "corrupt"
    (corrupt / "optdigits").mkdir(parents=True)
    raw = bytearray(copy.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (corrupt / "optdigits" / "optdigits.npz").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="SHA-256 mismatch"):
        data.load("optdigits", root=corrupt)


def test_checksum_is_computed_once_per_file(monkeypatch):
    data.load("optdigits")

    def refuse(*args):
        raise AssertionError("hashed again")

    monkeypatch.setattr(data.hashlib, "sha256", refuse)
    data.load("optdigits")


def test_missing_files_and_unknown_names(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="mnist"):
        data.load("mnist", root=tmp_path)
    monkeypatch.setattr(data, "SYSTEM_FASHION_MNIST", tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        data.load("fashion-mnist", root=tmp_path)
    with pytest.raises(ValueError, match="name"):
        data.load("cifar10")


def _idx(array):
    header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


def test_parse_idx_round_trip_and_malformed_headers():
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(data.parse_idx(_idx(array)), array)
    with pytest.raises(ValueError, match="header"):
        data.parse_idx(b"\x00\x00\x0d\x01" + _idx(array)[4:])
    with pytest.raises(ValueError, match="announces shape"):
        data.parse_idx(_idx(array)[:-1])


def test_fashion_mnist_content_is_verified(tmp_path, monkeypatch):
    # well-formed IDX files that are not Fashion-MNIST: the content checksum must refuse them
    monkeypatch.setattr(data, "SYSTEM_FASHION_MNIST", tmp_path / "nowhere")
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    images, labels = np.zeros((3, 28, 28)), np.arange(3)
    for name in data.IDX_FILES:
        content = _idx(images if "images" in name else labels)
        (folder / name).write_bytes(gzip.compress(content))
    with pytest.raises(ValueError, match="decompressed content"):
        data.load("fashion-mnist", root=tmp_path)
    (folder / data.IDX_FILES[0]).write_bytes(b"not gzip")
    with pytest.raises(ValueError, match="not a valid gzip"):
        data.load("fashion-mnist", root=tmp_path)


def test_fashion_mnist():
    arrays = dfa.data.load("fashion-mnist")  # shipped in data/fashion-mnist
    _check_arrays(arrays, 60000, 10000, 784)
    # Fashion-MNIST is balanced: 6000 training and 1000 test images per class
    assert np.bincount(arrays[1]).tolist() == [6000] * 10
    assert np.bincount(arrays[3]).tolist() == [1000] * 10


def test_load_text_shakespeare_split_alphabet_and_round_trip():
    train, val, alphabet = data.load_text("shakespeare")
    raw = (data.DATA / "shakespeare" / "tragedies.txt").read_bytes()
    assert len(train) + len(val) == len(raw) == 1158234
    assert len(train) == int(0.9 * len(raw))  # first 90 % for training
    assert len(alphabet) == 73 and list(alphabet) == sorted(alphabet)
    assert train.dtype == val.dtype == np.int64
    decoded = "".join(alphabet[i] for i in np.concatenate([train[:500], val[-500:]]))
    assert decoded == (raw[:500] + raw[-500:]).decode("ascii")
    # the unigram entropy of the file, the reference point its README gives: 4.80 bits/char
    counts = np.bincount(np.concatenate([train, val]))
    p = counts / counts.sum()
    assert -(p * np.log2(p)).sum() == pytest.approx(4.80, abs=0.005)


def test_load_text_verifies_the_bytes(tmp_path):
    (tmp_path / "shakespeare").mkdir()
    text = (data.DATA / "shakespeare" / "tragedies.txt").read_bytes()
    (tmp_path / "shakespeare" / "tragedies.txt").write_bytes(text[:-1] + b"?")
    with pytest.raises(ValueError, match="SHA-256 mismatch"):
        data.load_text("shakespeare", root=tmp_path)
    with pytest.raises(ValueError, match="name"):
        data.load_text("hamlet")
