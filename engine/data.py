"""MNIST as tensors: found, verified once, cached, normalised, and subset as the course does."""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import paths

# md5 of the *uncompressed* IDX files, the digests every MNIST loader checks.
FILES = {
    "train-images-idx3-ubyte": ("6bbc9ace898e44ae57da46a324031adb", (60000, 28, 28)),
    "train-labels-idx1-ubyte": ("a25bea736e30d166cdddb491f175f624", (60000,)),
    "t10k-images-idx3-ubyte": ("2646ac647ad5339dbf082846283269ea", (10000, 28, 28)),
    "t10k-labels-idx1-ubyte": ("27ae3e4e09519cfbb04c329615203637", (10000,)),
}
SUBSET_SIZE = 500
CACHE_VERSION = 1


class DataError(RuntimeError):
    """MNIST is missing or damaged; the message names the file and what to do."""


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


def _file_in(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _mnist_folder(root: Path) -> Path | None:
    """The folder holding all four files: root itself, root/raw or torchvision's root/MNIST/raw."""
    for folder in (root, root / "raw", root / "MNIST" / "raw"):
        if all(_file_in(folder, name) for name in FILES):
            return folder
    return None


def bundled_dir() -> Path:
    return paths.assets_dir() / "mnist"


def resolve_source(data_dir: str | os.PathLike | None = None) -> tuple[Path, str]:
    """The folder to read and a note for the screen; --data-dir, then OPTCOURSE_DATA, then the bundled copy."""
    note = ""
    wanted = data_dir if data_dir is not None else os.environ.get("OPTCOURSE_DATA")
    if wanted:
        root = Path(wanted).expanduser()
        folder = _mnist_folder(root)
        if folder is not None:
            return folder, f"MNIST from {folder}"
        note = f"no MNIST files in {root} (looked in ., raw/, MNIST/raw/); "
    folder = bundled_dir()
    if _mnist_folder(folder) is None:
        missing = [n for n in FILES if _file_in(folder, n) is None]
        raise DataError(
            f"{note}the bundled MNIST is incomplete: {', '.join(missing)} missing in {folder}. "
            "Reinstall optcourse-tui, or pass --data-dir DIR with a torchvision MNIST folder (DIR/MNIST/raw)."
        )
    return folder, f"{note}bundled MNIST"


def _read_idx(path: Path, name: str) -> np.ndarray:
    expected_md5, shape = FILES[name]
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(f"cannot read {path}: {exc}. Replace the file with a good copy.") from exc
    digest = hashlib.md5(raw).hexdigest()
    if digest != expected_md5:
        raise DataError(
            f"{path} is corrupt (md5 {digest}, expected {expected_md5}). "
            "Replace it with a good copy of MNIST, or remove --data-dir to use the bundled data."
        )
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if dims != shape:
        raise DataError(f"{path} has shape {dims}, expected {shape}.")
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _cache_key(folder: Path) -> str:
    """Identifies the source files by path, size and mtime, so a changed file is verified again."""
    h = hashlib.sha1(str(CACHE_VERSION).encode())
    for name in sorted(FILES):
        p = _file_in(folder, name)
        st = p.stat()
        h.update(f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}|{FILES[name][0]}".encode())
    return h.hexdigest()[:16]


def load_raw(data_dir: str | os.PathLike | None = None) -> RawMnist:
    """Read and md5-verify the IDX files once; later calls load the verified tensors from the cache."""
    folder, source = resolve_source(data_dir)
    cache_file = paths.cache_dir() / f"mnist-{_cache_key(folder)}.pt"
    if cache_file.is_file():
        try:
            t = torch.load(cache_file, weights_only=True)
            return RawMnist(t["train_images"], t["train_labels"], t["test_images"], t["test_labels"], source)
        except Exception:  # a damaged cache is rebuilt from the verified source
            cache_file.unlink(missing_ok=True)
    arrays = {name: torch.from_numpy(_read_idx(_file_in(folder, name), name).copy()) for name in FILES}
    tensors = {
        "train_images": arrays["train-images-idx3-ubyte"],
        "train_labels": arrays["train-labels-idx1-ubyte"].long(),
        "test_images": arrays["t10k-images-idx3-ubyte"],
        "test_labels": arrays["t10k-labels-idx1-ubyte"].long(),
    }
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".tmp{os.getpid()}")
        torch.save(tensors, tmp)
        os.replace(tmp, cache_file)  # atomic: a reader never sees half a cache
    except OSError:
        pass  # an unwritable cache only costs time on the next start
    return RawMnist(**tensors, source=source)


_lock = threading.Lock()
_loaded: dict[tuple[str, str], Mnist] = {}


def load_mnist(data_dir: str | os.PathLike | None = None, device: torch.device | str = "cpu") -> Mnist:
    """Standardised MNIST on `device`, kept in memory for the life of the process."""
    device = torch.device(device)
    key = (str(data_dir or os.environ.get("OPTCOURSE_DATA") or ""), str(device))
    with _lock:
        if key not in _loaded:
            raw = load_raw(data_dir)
            train = raw.train_images.float()
            mean, std = train.mean(), train.std()  # as the course: float32, unbiased std
            _loaded[key] = Mnist(
                train_x=((train - mean) / std).to(device),
                train_y=raw.train_labels.to(device),
                test_x=((raw.test_images.float() - mean) / std).to(device),
                test_y=raw.test_labels.to(device),
                mean=float(mean),
                std=float(std),
                source=raw.source,
            )
        return _loaded[key]


def subset_indices(seed: int = 2021, n_train: int = 60000, size: int = SUBSET_SIZE) -> np.ndarray:
    """The course's subset: the first np.random.choice after seeding, uniform and with replacement."""
    return np.random.RandomState(seed).choice(n_train, size)


def course_subset(mnist: Mnist, seed: int = 2021) -> tuple[torch.Tensor, torch.Tensor]:
    """X (500, 28, 28) and y (500,) exactly as the course draws them."""
    idx = torch.from_numpy(subset_indices(seed, len(mnist.train_y))).to(mnist.train_x.device)
    return mnist.train_x[idx], mnist.train_y[idx]
