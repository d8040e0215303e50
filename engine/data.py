"""MNIST as tensors: found, verified once, cached, normalised, and subset as the course does."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import atomic, mnist_mapped, paths
from .contracts.base import COURSE_SEED
from .mnist_files import FILES, DataError, bundled_dir, file_in, is_bundled, mnist_folder, resolve_source

__all__ = ["FILES", "DataError", "Mnist", "RawMnist", "bundled_dir", "load_mnist", "load_raw", "resolve_source"]

SUBSET_SIZE = 500
CACHE_VERSION = 2  # 2: the cache holds its key and is checked against the IDX files' md5
_file_in, _mnist_folder = file_in, mnist_folder  # the older private names (benchmarks use them)
# The cache's entries: (IDX file, dtype). Labels are kept as int64, as the course's tensors are.
CACHED = {
    "train_images": ("train-images-idx3-ubyte", torch.uint8),
    "train_labels": ("train-labels-idx1-ubyte", torch.int64),
    "test_images": ("t10k-images-idx3-ubyte", torch.uint8),
    "test_labels": ("t10k-labels-idx1-ubyte", torch.int64),
}


@dataclass(frozen=True)
class RawMnist:
    """The four IDX files as uint8 image and int64 label tensors, and where they came from."""

    train_images: torch.Tensor  # (60000, 28, 28) uint8
    train_labels: torch.Tensor  # (60000,) int64
    test_images: torch.Tensor  # (10000, 28, 28) uint8
    test_labels: torch.Tensor  # (10000,) int64
    source: str


@dataclass(frozen=True)
class Mnist:
    """Standardised MNIST on one device, as the course's load_mnist_data(change_tensors=True)."""

    train_x: torch.Tensor  # (60000, 28, 28) float32, (pixel - mean) / std
    train_y: torch.Tensor  # (60000,) int64
    test_x: torch.Tensor  # (10000, 28, 28) float32
    test_y: torch.Tensor  # (10000,) int64
    mean: float  # of the raw 0-255 training pixels
    std: float  # unbiased, likewise
    source: str


def _fix(path: Path) -> str:
    if is_bundled(path.parent):
        return "Reinstall optcourse-tui to get a good copy of the bundled MNIST, or pass --data-dir DIR with your own."
    return "Replace it with a good copy of MNIST, or leave out --data-dir to use the bundled data."


def _idx_header(shape: tuple[int, ...]) -> bytes:
    """The IDX header of unsigned bytes of this shape: magic 0x0008, the number of dimensions, then each."""
    return bytes([0, 0, 8, len(shape)]) + b"".join(d.to_bytes(4, "big") for d in shape)


def _read_idx(path: Path, name: str) -> np.ndarray:
    expected_md5, shape = FILES[name]
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError; bad deflate data a zlib.error
        raise DataError(
            f"cannot read {path}: {exc}. It is damaged or not a gzip file: a good copy is needed. {_fix(path)}"
        ) from exc
    digest = hashlib.md5(raw).hexdigest()
    if digest != expected_md5:
        raise DataError(
            f"{path} is corrupt ({len(raw):,} bytes, md5 {digest}, expected {expected_md5}): a good copy is needed. "
            f"{_fix(path)}"
        )
    # The md5 matched, so the header is the known one; this is what the bytes after it hold.
    return np.frombuffer(raw, dtype=np.uint8, offset=len(_idx_header(shape))).reshape(shape)


def _present(folder: Path, name: str) -> Path:
    """The file `name` in a folder from resolve_source, which returns only folders holding all four."""
    path = file_in(folder, name)
    assert path is not None, f"{name} is missing from {folder}, which resolve_source said holds it"
    return path


def _cache_key(folder: Path) -> str:
    """Identifies the source files by path, size and mtime, so a changed file is verified again."""
    h = hashlib.sha1(str(CACHE_VERSION).encode())
    for name in sorted(FILES):
        p = _present(folder, name)
        st = p.stat()
        h.update(f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}|{FILES[name][0]}".encode())
    return h.hexdigest()[:16]


def cache_problem(t, key: str) -> str:
    """Why a loaded cache cannot be used ("" when it can): its key, each tensor's type, dtype, shape, range,
    and the md5 of the IDX bytes it stands for (so a flipped pixel is caught too, in ~0.1 s)."""
    if not isinstance(t, dict):
        return f"it holds a {type(t).__name__}, not a dict"
    if t.get("key") != key:
        return "its key does not match the source files"
    for entry, (name, dtype) in CACHED.items():
        expected_md5, shape = FILES[name]
        value = t.get(entry)
        if not isinstance(value, torch.Tensor):
            return f"{entry} is missing"
        if value.dtype != dtype or tuple(value.shape) != shape:
            return f"{entry} is {value.dtype} {tuple(value.shape)}, expected {dtype} {shape}"
        if dtype == torch.int64 and (int(value.min()) < 0 or int(value.max()) > 9):
            return f"{entry} holds values outside the digits 0-9"
        raw = value.to(torch.uint8).contiguous().numpy()
        if hashlib.md5(_idx_header(shape) + raw.tobytes()).hexdigest() != expected_md5:
            return f"{entry} differs from {name}"
    return ""


def _load_cache(cache_file: Path, key: str) -> dict | None:
    """The verified tensors from the cache, or None (a damaged or stale cache is removed and rebuilt)."""
    if not cache_file.is_file():
        return None
    try:
        t = torch.load(cache_file, weights_only=True)
        problem = cache_problem(t, key)
    except Exception as exc:  # noqa: BLE001  truncated, empty, not a torch file...: rebuilt from the verified source
        problem = f"unreadable ({type(exc).__name__})"
    if not problem:
        return {entry: t[entry] for entry in CACHED}
    with contextlib.suppress(OSError):  # replaced below if the folder is writable; else ignored every time
        cache_file.unlink()
    return None


def load_raw(data_dir: str | os.PathLike | None = None) -> RawMnist:
    """Read and md5-verify the IDX files once; later calls load the verified tensors from the cache."""
    folder, source = resolve_source(data_dir)
    key = _cache_key(folder)
    cache_file = paths.cache_dir() / f"mnist-{key}.pt"
    cached = _load_cache(cache_file, key)
    if cached is not None:
        return RawMnist(**cached, source=source)
    arrays = {name: torch.from_numpy(_read_idx(_present(folder, name), name).copy()) for name in FILES}
    tensors = {entry: arrays[name].to(dtype) for entry, (name, dtype) in CACHED.items()}
    # an unwritable or full cache folder (OSError; torch.save says RuntimeError) only costs time on the next start
    with contextlib.suppress(OSError, RuntimeError):
        atomic.write_with(cache_file, lambda f: torch.save({"key": key, **tensors}, f))
    return RawMnist(**tensors, source=source)


_lock = threading.Lock()
_loaded: dict[tuple[str, str], Mnist] = {}


def _standardised(raw: RawMnist) -> tuple[np.ndarray, np.ndarray, float, float]:
    train = raw.train_images.float()
    mean, std = train.mean(), train.std()  # as the course: float32, unbiased std
    test = (raw.test_images.float() - mean) / std
    return ((train - mean) / std).numpy(), test.numpy(), float(mean), float(std)


def load_mnist(data_dir: str | os.PathLike | None = None, device: torch.device | str = "cpu") -> Mnist:
    """Standardised MNIST on `device`, kept in memory for the life of the process.

    The images come memory-mapped from the cache (engine.mnist_mapped), shared with every other
    process of this user; on a GPU they are copied there from the mapping."""
    device = torch.device(device)
    key = (str(data_dir or os.environ.get("OPTCOURSE_DATA") or ""), str(device))
    with _lock:
        if key not in _loaded:
            raw = load_raw(data_dir)
            folder, _source = resolve_source(data_dir)
            cache_key = _cache_key(folder)
            path = paths.cache_dir() / f"mnist-{cache_key}-standardised.f32"
            train, test, mean, std = mnist_mapped.load(path, cache_key, lambda: _standardised(raw))
            _loaded[key] = Mnist(
                train_x=torch.from_numpy(train).to(device),
                train_y=raw.train_labels.to(device),
                test_x=torch.from_numpy(test).to(device),
                test_y=raw.test_labels.to(device),
                mean=mean,
                std=std,
                source=raw.source,
            )
        return _loaded[key]


def subset_indices(seed: int = COURSE_SEED, n_train: int = 60000, size: int = SUBSET_SIZE) -> np.ndarray:
    """The course's subset: the first np.random.choice after seeding, uniform and with replacement."""
    return np.random.RandomState(seed).choice(n_train, size)


def course_subset(mnist: Mnist, seed: int = COURSE_SEED) -> tuple[torch.Tensor, torch.Tensor]:
    """X (500, 28, 28) and y (500,) exactly as the course draws them."""
    idx = torch.from_numpy(subset_indices(seed, len(mnist.train_y))).to(mnist.train_x.device)
    return mnist.train_x[idx], mnist.train_y[idx]
