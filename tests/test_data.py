"""The shipped datasets are the real files: checksums and known class counts."""

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


def _checksums():
    lines = (DATA / "SHA256SUMS").read_text().split("\n")
    return [tuple(line.split()) for line in lines if line.strip()]


def test_checksum_file_lists_every_shipped_file():
    listed = {name for _, name in _checksums()}
    shipped = {str(p.relative_to(DATA)) for p in DATA.rglob("*")
               if p.is_file() and p.name not in ("SHA256SUMS", "README.md")}
    assert listed == shipped


@pytest.mark.parametrize("digest,name", _checksums())
def test_sha256(digest, name):
    assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest


def _idx_labels(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    assert raw[:3] == b"\x00\x00\x08" and raw[3] == 1
    return np.frombuffer(raw, dtype=np.uint8, offset=8)


def test_mnist_known_label_statistics():
    y = _idx_labels(DATA / "mnist" / "train-labels-idx1-ubyte.gz")
    assert y.tolist()[:10] == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    expected = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y, minlength=10).tolist() == expected


def test_optdigits_known_class_counts():
    d = np.load(DATA / "optdigits" / "optdigits.npz")
    assert d["x_train"].shape == (3823, 8, 8) and d["x_test"].shape == (1797, 8, 8)
    expected = [376, 389, 380, 389, 387, 376, 377, 387, 380, 382]
    assert np.bincount(d["y_train"], minlength=10).tolist() == expected
    assert d["x_train"].max() == 16
