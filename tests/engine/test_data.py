"""MNIST loading: checksums, torchvision layout, clear errors, the verified cache, the course's subset."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest
import torch

from engine import data


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTCOURSE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def copy_bundled(dest, *, gunzip: bool = False):
    dest.mkdir(parents=True, exist_ok=True)
    for name in data.FILES:
        src = data.bundled_dir() / f"{name}.gz"
        if gunzip:
            (dest / name).write_bytes(gzip.decompress(src.read_bytes()))
        else:
            shutil.copy(src, dest / f"{name}.gz")
    return dest


def test_bundled_files_match_their_published_md5(mnist):
    assert mnist.train_x.shape == (60000, 28, 28) and mnist.test_x.shape == (10000, 28, 28)
    assert mnist.train_y.dtype == torch.int64 and set(mnist.train_y.unique().tolist()) == set(range(10))
    assert mnist.source == "bundled MNIST"


def test_normalisation_uses_training_mean_and_unbiased_std(mnist):
    # Known MNIST statistics on the 0-255 scale.
    assert mnist.mean == pytest.approx(33.3184, abs=1e-3)
    assert mnist.std == pytest.approx(78.5675, abs=1e-3)
    assert float(mnist.train_x.min()) == pytest.approx(-33.3184 / 78.5675, abs=1e-4)
    assert float(mnist.train_x.mean()) == pytest.approx(0.0, abs=1e-4)


def test_torchvision_layout_is_read_from_data_dir(tmp_path, private_cache):
    copy_bundled(tmp_path / "MNIST" / "raw", gunzip=True)
    raw = data.load_raw(tmp_path)
    assert "MNIST/raw" in raw.source
    assert raw.train_images.shape == (60000, 28, 28)


def test_data_dir_without_mnist_falls_back_to_bundled_copy_and_says_so(tmp_path, private_cache):
    folder, note = data.resolve_source(tmp_path)
    assert folder == data.bundled_dir()
    assert "no MNIST files in" in note and "bundled" in note


def test_corrupt_file_names_the_file_and_what_to_do(tmp_path, private_cache):
    folder = copy_bundled(tmp_path / "raw")
    labels = folder / "train-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(labels.read_bytes()))
    raw[100] ^= 0xFF
    labels.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(data.DataError) as err:
        data.load_raw(tmp_path)
    message = str(err.value)
    assert "train-labels-idx1-ubyte.gz" in message and "corrupt" in message and "Replace" in message


def test_truncated_gzip_is_a_clear_error(tmp_path, private_cache):
    folder = copy_bundled(tmp_path / "raw")
    images = folder / "t10k-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:1000])
    with pytest.raises(data.DataError, match=r"t10k-images-idx3-ubyte\.gz"):
        data.load_raw(tmp_path)


def test_verified_tensors_are_cached_and_not_decoded_again(tmp_path, private_cache, monkeypatch):
    folder = copy_bundled(tmp_path / "raw")
    first = data.load_raw(tmp_path)
    assert len(list(private_cache.glob("mnist-*.pt"))) == 1

    def no_decoding(*args):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(data, "_read_idx", no_decoding)
    second = data.load_raw(tmp_path)
    assert torch.equal(first.test_images, second.test_images)
    # A changed source file is verified again rather than served from a stale cache.
    (folder / "t10k-labels-idx1-ubyte.gz").touch()
    with pytest.raises(AssertionError, match="cache should have been used"):
        data.load_raw(tmp_path)


def test_damaged_cache_is_rebuilt(tmp_path, private_cache):
    copy_bundled(tmp_path / "raw")
    data.load_raw(tmp_path)
    cache_file = next(private_cache.glob("mnist-*.pt"))
    cache_file.write_bytes(b"not a torch file")
    raw = data.load_raw(tmp_path)
    assert raw.train_labels.shape == (60000,)


def test_subset_is_the_first_numpy_draw_after_seeding_with_replacement():
    np.random.seed(2021)
    expected = np.random.choice(60000, 500)
    got = data.subset_indices(2021)
    assert np.array_equal(got, expected)
    assert len(got) == 500 and got.min() >= 0 and got.max() < 60000
    assert np.array_equal(data.subset_indices(2021), got)  # reproducible


def test_course_subset_takes_those_rows(mnist, subset):
    X, y = subset
    idx = torch.from_numpy(data.subset_indices(2021))
    assert X.shape == (500, 28, 28) and y.shape == (500,)
    assert torch.equal(X, mnist.train_x[idx]) and torch.equal(y, mnist.train_y[idx])
