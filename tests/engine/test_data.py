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


@pytest.mark.parametrize("env", [False, True], ids=["--data-dir", "OPTCOURSE_DATA"])
def test_a_data_dir_without_mnist_is_refused_naming_the_folder_and_the_layouts(
    tmp_path, private_cache, env, monkeypatch
):
    empty = tmp_path / "empty"
    empty.mkdir()
    if env:
        monkeypatch.setenv("OPTCOURSE_DATA", str(empty))
    with pytest.raises(data.DataError) as err:
        data.resolve_source(None if env else empty)
    message = str(err.value)
    assert f"{empty}, {empty}/raw or {empty}/MNIST/raw" in message
    assert all(name in message for name in data.FILES) and "bundled" in message
    with pytest.raises(data.DataError):  # and nothing is loaded from the bundled copy meanwhile
        data.load_raw(None if env else empty)


def test_a_data_dir_with_some_of_the_files_lists_those_missing(tmp_path, private_cache):
    folder = copy_bundled(tmp_path / "MNIST" / "raw")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(data.DataError) as err:
        data.resolve_source(tmp_path)
    message = str(err.value)
    assert "t10k-labels-idx1-ubyte missing" in message and str(folder) in message


def test_a_data_dir_that_is_not_a_folder_is_refused(tmp_path, private_cache):
    (tmp_path / "file").write_text("")
    for wanted in (tmp_path / "file", tmp_path / "nowhere"):
        with pytest.raises(data.DataError, match=str(wanted)):
            data.resolve_source(wanted)


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


@pytest.fixture(scope="module")
def plain_copy(tmp_path_factory):
    """The four IDX files uncompressed (decoding them is then quick: each rebuild costs ~0.2 s)."""
    return copy_bundled(tmp_path_factory.mktemp("plain") / "raw", gunzip=True)


def _wrong(t: dict, damage: str) -> dict:
    t = dict(t)
    if damage == "shape":
        t["test_images"] = torch.zeros(5, 5, dtype=torch.uint8)
    elif damage == "length":
        t["train_labels"] = t["train_labels"][:-1]
    elif damage == "dtype":
        t["train_images"] = t["train_images"].float()
    elif damage == "label range":
        t["test_labels"] = t["test_labels"].clone()
        t["test_labels"][0] = 11
    elif damage == "key":
        t["key"] = "0123456789abcdef"
    elif damage == "missing entry":
        del t["train_images"]
    elif damage == "a pixel":
        t["train_images"] = t["train_images"].clone()
        t["train_images"][0, 0, 0] += 1
    elif damage == "not a dict":
        return [t["train_images"]]
    return t


@pytest.mark.parametrize(
    "damage", ["shape", "length", "dtype", "label range", "key", "missing entry", "a pixel", "not a dict"]
)
def test_a_well_formed_cache_with_wrong_contents_is_detected_and_rebuilt(plain_copy, private_cache, damage):
    good = data.load_raw(plain_copy.parent)
    cache_file = next(private_cache.glob("mnist-*.pt"))
    torch.save(_wrong(torch.load(cache_file, weights_only=True), damage), cache_file)
    raw = data.load_raw(plain_copy.parent)  # no exception
    assert raw.test_images.shape == (10000, 28, 28) and raw.train_labels.shape == (60000,)
    assert raw.train_images.dtype == torch.uint8 and raw.test_labels.dtype == torch.int64
    assert torch.equal(raw.train_images, good.train_images) and torch.equal(raw.test_labels, good.test_labels)
    t = torch.load(cache_file, weights_only=True)  # and the cache was written again, whole
    assert isinstance(t, dict) and torch.equal(t["train_images"], good.train_images)


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00garbage", "truncated"], ids=["empty", "garbage", "truncated"])
def test_a_damaged_cache_file_is_rebuilt(plain_copy, private_cache, content):
    data.load_raw(plain_copy.parent)
    cache_file = next(private_cache.glob("mnist-*.pt"))
    cache_file.write_bytes(cache_file.read_bytes()[:5000] if content == "truncated" else content)
    assert data.load_raw(plain_copy.parent).train_labels.shape == (60000,)
    assert data.cache_problem(torch.load(cache_file, weights_only=True), data._cache_key(plain_copy)) == ""


def test_an_unwritable_cache_folder_only_costs_time(plain_copy, tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("OPTCOURSE_CACHE", str(tmp_path / "file" / "cache"))
    assert data.load_raw(plain_copy.parent).test_labels.shape == (10000,)


@pytest.mark.parametrize("damage", ["zero length", "garbage", "truncated gzip", "bad deflate data", "truncated IDX"])
def test_damaged_mnist_files_name_the_file_and_the_fix(tmp_path, private_cache, damage):
    folder = copy_bundled(tmp_path / "raw")
    target = folder / "train-images-idx3-ubyte.gz"
    good = target.read_bytes()
    if damage == "zero length":
        target.write_bytes(b"")
    elif damage == "garbage":
        target.write_bytes(b"\xff\xfe\x00garbage")
    elif damage == "truncated gzip":
        target.write_bytes(good[: len(good) // 2])
    elif damage == "bad deflate data":
        target.write_bytes(good[:20] + bytes(200) + good[220:])
    else:
        target.write_bytes(gzip.compress(gzip.decompress(good)[:1000]))
    with pytest.raises(data.DataError) as err:
        data.load_raw(tmp_path)
    message = str(err.value)
    assert str(target) in message and "good copy" in message and "--data-dir" in message


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
