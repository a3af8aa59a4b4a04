"""Datasets for the training examples: MNIST, Fashion-MNIST, optdigits; Shakespeare text.

:func:`load` returns ``(x_train, y_train, x_test, y_test)`` with images flattened to
``(n_samples, n_features)`` float32 in ``[0, 1]`` and labels int64 in ``[0, 10)``. Nothing is
downloaded: the files come from the repository's ``data/`` folder (or ``root``) and, for
Fashion-MNIST, from Debian's ``dataset-fashion-mnist`` package.

Integrity: every file is checked once per process (per path, size and modification time)
before it is parsed, and a mismatch raises ``ValueError``:

:func:`load_text` returns a character-level corpus as token ids ``(train_ids, val_ids,
alphabet)``.

* MNIST, optdigits and the Shakespeare text: SHA-256 of the file against the repository's
  ``data/SHA256SUMS`` (also when the files are read from another ``root``: the bytes must be
  the same).
* Fashion-MNIST: SHA-256 of the *decompressed* IDX content against :data:`FASHION_MNIST_SHA256`,
  so that both the original ``.gz`` files (Xiao, Rasul & Vollgraf 2017) and Debian's
  recompressed copies pass (their ``.gz`` bytes differ, the images do not).

References
----------
Y. LeCun, C. Cortes, C. J. C. Burges, "The MNIST database of handwritten digits" (IDX format).
H. Xiao, K. Rasul, R. Vollgraf, "Fashion-MNIST: a novel image dataset for benchmarking machine
learning algorithms", arXiv:1708.07747 (2017). E. Alpaydin, C. Kaynak, "Optical Recognition of
Handwritten Digits", UCI Machine Learning Repository (1998). Open Knowledge Foundation,
"shakespeare" 0.6 (2008), Project Gutenberg texts of eight tragedies.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path

import numpy as np

from lightsim import checks

DATA = Path(__file__).resolve().parent.parent / "data"
SYSTEM_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
NAMES = ("mnist", "fashion-mnist", "optdigits")
TEXTS = {"shakespeare": "shakespeare/tragedies.txt"}
#: Fraction of a text's characters (from its start) in the training split of :func:`load_text`.
TEXT_TRAIN_FRACTION = 0.9

IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

#: SHA-256 of the decompressed Fashion-MNIST IDX files (computed from Debian's
#: dataset-fashion-mnist 0.0~git20200523.55506a9-1; labels 6000 per class in train, 1000 in
#: test, first train labels 9 0 0 3 0 2 7 2 5 5).
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz":
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz":
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz":
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz":
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

_verified: set = set()


def _listed_sha256(relative: str) -> str:
    """The digest of ``relative`` (e.g. ``"mnist/..."``) in the repository's SHA256SUMS."""
    sums = DATA / "SHA256SUMS"
    for line in sums.read_text().splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1] == relative:
            return fields[0]
    raise ValueError(f"{relative} is not listed in {sums}")


def _read(path: Path, expected: str, *, decompressed: bool) -> bytes:
    """The bytes of ``path`` (gunzipped for ``.gz``), checked once against ``expected``.

    ``decompressed`` selects what the digest covers: the file as stored, or its content.
    """
    if not path.is_file():
        raise FileNotFoundError(f"dataset file {path} not found")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    raw = path.read_bytes()
    if key not in _verified and not decompressed:
        _verify(path, raw, expected, "file")
    try:
        content = gzip.decompress(raw) if path.suffix == ".gz" else raw
    except (OSError, EOFError) as error:
        raise ValueError(f"{path} is not a valid gzip file: {error}") from None
    if key not in _verified and decompressed:
        _verify(path, content, expected, "decompressed content")
    _verified.add(key)
    return content


def _verify(path, blob, expected, what):
    digest = hashlib.sha256(blob).hexdigest()
    if digest != expected:
        raise ValueError(f"SHA-256 mismatch for {path} ({what}): got {digest}, expected "
                         f"{expected}; the file is corrupt or not the published dataset")


def parse_idx(content: bytes, name: str = "IDX data") -> np.ndarray:
    """An unsigned-byte IDX array (LeCun's MNIST format) from its uncompressed bytes.

    Header: two zero bytes, the type code ``0x08`` (uint8), the number of dimensions, then
    each dimension as a big-endian uint32.
    """
    if len(content) < 4 or content[:2] != b"\x00\x00" or content[2] != 0x08:
        raise ValueError(f"{name} is not an unsigned-byte IDX file (header "
                         f"{content[:4].hex()})")
    ndim = content[3]
    offset = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(content, dtype=">u4", count=ndim, offset=4))
    if len(content) - offset != int(np.prod(shape)):
        raise ValueError(f"{name} has {len(content) - offset} data bytes, its header "
                         f"announces shape {shape}")
    return np.frombuffer(content, dtype=np.uint8, offset=offset).reshape(shape)


def _images_labels(images, labels, scale, name):
    if len(images) != len(labels):
        raise ValueError(f"{name}: {len(images)} images but {len(labels)} labels")
    x = images.reshape(len(images), -1).astype(np.float32) / np.float32(scale)
    return x, labels.astype(np.int64)


def _load_idx(folder: Path, digest_of, decompressed: bool, name: str):
    arrays = [parse_idx(_read(folder / f, digest_of(f), decompressed=decompressed),
                        name=str(folder / f)) for f in IDX_FILES]
    return (*_images_labels(arrays[0], arrays[1], 255, name),
            *_images_labels(arrays[2], arrays[3], 255, name))


def _fashion_folder(root: Path) -> Path:
    for folder in (root / "fashion-mnist", SYSTEM_FASHION_MNIST):
        if all((folder / f).is_file() for f in IDX_FILES):
            return folder
    raise FileNotFoundError(
        f"Fashion-MNIST not found in {root / 'fashion-mnist'} nor in {SYSTEM_FASHION_MNIST}. "
        f"Install Debian's package (apt-get install dataset-fashion-mnist) or copy the four "
        f"IDX .gz files ({', '.join(IDX_FILES)}) into {root / 'fashion-mnist'}")


def load(name, *, root=None):
    """Load a dataset as ``(x_train, y_train, x_test, y_test)``.

    Parameters
    ----------
    name : {"mnist", "fashion-mnist", "optdigits"}
        MNIST and Fashion-MNIST: 60000 + 10000 images of 28 x 28 pixels (784 features),
        pixel values divided by 255. optdigits (UCI): 3823 + 1797 images of 8 x 8 pixels (64
        features) with values 0..16, divided by 16.
    root : path-like, optional
        Folder holding ``mnist/``, ``optdigits/`` and optionally ``fashion-mnist/``; default
        the repository's ``data/``.

    Returns
    -------
    x_train, y_train, x_test, y_test
        Images float32 ``(n, features)`` in ``[0, 1]``, labels int64 ``(n,)``.

    Raises
    ------
    FileNotFoundError
        Missing files (with how to get Fashion-MNIST).
    ValueError
        Checksum mismatch or malformed file.
    """
    checks.choice("name", name, NAMES)
    root = DATA if root is None else Path(root)
    if name == "mnist":
        return _load_idx(root / "mnist", lambda f: _listed_sha256(f"mnist/{f}"),
                         decompressed=False, name=name)
    if name == "fashion-mnist":
        return _load_idx(_fashion_folder(root), FASHION_MNIST_SHA256.__getitem__,
                         decompressed=True, name=name)
    relative = "optdigits/optdigits.npz"
    content = _read(root / relative, _listed_sha256(relative), decompressed=False)
    with np.load(io.BytesIO(content), allow_pickle=False) as archive:
        arrays = [archive[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    return (*_images_labels(arrays[0], arrays[1], 16, name),
            *_images_labels(arrays[2], arrays[3], 16, name))


def load_text(name, *, root=None):
    """Load a character-level corpus as token ids.

    Parameters
    ----------
    name : {"shakespeare"}
        ``"shakespeare"``: eight tragedies (1 158 234 ASCII characters, 73 distinct), see
        ``data/README.md``.
    root : path-like, optional
        Folder holding ``shakespeare/tragedies.txt``; default the repository's ``data/``.
        The file's SHA-256 must be the one in the repository's ``data/SHA256SUMS``.

    Returns
    -------
    train_ids, val_ids : ndarray of int64
        The first :data:`TEXT_TRAIN_FRACTION` (90 %) of the characters and the rest, each
        character replaced by its index in ``alphabet``.
    alphabet : str
        The distinct characters of the whole file in code-point order: id ``i`` is
        ``alphabet[i]`` (a model's ``vocab_size`` is ``len(alphabet)``).

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; checksum mismatch or a file that is not ASCII text.
    """
    relative = TEXTS[checks.choice("name", name, tuple(TEXTS))]
    root = DATA if root is None else Path(root)
    content = _read(root / relative, _listed_sha256(relative), decompressed=False)
    codes = np.frombuffer(content, dtype=np.uint8)
    if codes.size == 0 or codes.max() > 127:
        raise ValueError(f"{root / relative} is not ASCII text")
    present = np.unique(codes)
    ids = np.searchsorted(present, codes).astype(np.int64)
    split = int(TEXT_TRAIN_FRACTION * len(ids))
    return ids[:split], ids[split:], present.tobytes().decode("ascii")
