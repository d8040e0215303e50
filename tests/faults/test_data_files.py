"""Damaged MNIST: a bad cache is rebuilt without a word; bad IDX files name the file and the fix; nothing is lost."""

from __future__ import annotations

import gzip
import shutil

import pytest
import torch

from engine import data
from tui.args import parse_args

from ..tui.snap import make_app, settle
from .damage import KINDS, damage


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """The four IDX files uncompressed, in torchvision's layout (decoding them is quick)."""
    root = tmp_path_factory.mktemp("mnist")
    folder = root / "MNIST" / "raw"
    folder.mkdir(parents=True)
    for name in data.FILES:
        (folder / name).write_bytes(gzip.decompress((data.bundled_dir() / f"{name}.gz").read_bytes()))
    return root


@pytest.fixture(scope="module")
def good_cache(plain, tmp_path_factory):
    """A verified cache of `plain`: its file name and bytes, and the tensors it holds."""
    cache = tmp_path_factory.mktemp("cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("OPTCOURSE_CACHE", str(cache))
    raw = data.load_raw(plain)
    mp.undo()
    [path] = cache.glob("mnist-*.pt")
    return path.name, path.read_bytes(), raw


def wrong_tensors(good: bytes, tmp_path) -> bytes:
    """A well-formed cache (the right key even) holding tensors of the wrong shape: the issue's case."""
    src = tmp_path / "src.pt"
    src.write_bytes(good)
    t = torch.load(src, weights_only=True)
    t["test_images"] = torch.zeros(5, 5, dtype=torch.uint8)
    torch.save(t, src)
    return src.read_bytes()


@pytest.mark.parametrize("kind", [*KINDS, "wrong shape"])
def test_a_damaged_cache_is_rebuilt_from_the_idx_files(plain, good_cache, tmp_path, monkeypatch, kind):
    name, good, raw = good_cache
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("OPTCOURSE_CACHE", str(cache))
    path = cache / name
    path.write_bytes(good)
    if kind == "wrong shape":
        path.write_bytes(wrong_tensors(good, tmp_path))
    else:
        damage(path, kind)
    got = data.load_raw(plain)  # no exception, no message: the cache is derived data
    assert torch.equal(got.test_images, raw.test_images) and torch.equal(got.train_labels, raw.train_labels)
    again = torch.load(path, weights_only=True)  # rebuilt whole
    assert data.cache_problem(again, data._cache_key(data.mnist_folder(plain))) == ""


def linked_copy(plain, dest, real: str | None = None, gz: bool = False):
    """torchvision's layout under `dest`: links to `plain`'s files, except `real`, a copy of its own (.gz if asked)."""
    folder = dest / "MNIST" / "raw"
    folder.mkdir(parents=True)
    for name in data.FILES:
        if name != real:
            (folder / name).symlink_to(plain / "MNIST" / "raw" / name)
        elif gz:
            shutil.copy(data.bundled_dir() / f"{name}.gz", folder / f"{name}.gz")
        else:
            shutil.copy(plain / "MNIST" / "raw" / name, folder / name)
    return folder


def wrong_shape_idx() -> bytes:
    """A well-formed IDX file of another shape (10 x 28 x 28 images)."""
    return bytes([0, 0, 8, 3]) + b"".join(d.to_bytes(4, "big") for d in (10, 28, 28)) + bytes(10 * 28 * 28)


@pytest.mark.parametrize("gz", [False, True], ids=["IDX", "IDX.gz"])
@pytest.mark.parametrize("kind", [*KINDS, "wrong shape"])
def test_a_damaged_mnist_file_names_the_file_and_the_fix(plain, tmp_path, monkeypatch, kind, gz):
    monkeypatch.setenv("OPTCOURSE_CACHE", str(tmp_path / "cache"))
    name = "train-images-idx3-ubyte"  # read first: the error comes at once
    folder = linked_copy(plain, tmp_path / "data", real=name, gz=gz)
    target = folder / (f"{name}.gz" if gz else name)
    if kind == "wrong shape":
        target.write_bytes(gzip.compress(wrong_shape_idx()) if gz else wrong_shape_idx())
        bad = target.read_bytes()
    else:
        bad = damage(target, kind)
    with pytest.raises(data.DataError) as err:  # the engine's one error kind, shown as a message
        data.load_raw(tmp_path / "data")
    message = str(err.value)
    assert str(target) in message and "good copy" in message and "--data-dir" in message
    assert target.read_bytes() == bad  # left as it was
    assert all((folder / n).resolve().is_file() for n in data.FILES if n != name)  # the others too
    assert not list((tmp_path / "cache").glob("*.pt"))  # nothing half-verified was cached


def test_missing_files_are_refused_before_the_app_starts(plain, tmp_path, capsys):
    folder = linked_copy(plain, tmp_path / "data")
    (folder / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(SystemExit):
        parse_args(["--data-dir", str(tmp_path / "data")])
    err = capsys.readouterr().err
    assert "t10k-labels-idx1-ubyte missing" in err and str(folder) in err and "bundled copy" in err


async def test_the_app_says_which_mnist_file_is_damaged(plain, tmp_path, monkeypatch):
    monkeypatch.setenv("OPTCOURSE_CACHE", str(tmp_path / "cache"))
    folder = linked_copy(plain, tmp_path / "data", real="train-images-idx3-ubyte")
    damage(folder / "train-images-idx3-ubyte", "truncated")
    app = make_app(data_dir=tmp_path / "data", warm_up=True)
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(str(message))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.is_running
    [note] = [n for n in notes if "train-images-idx3-ubyte" in n]
    assert "corrupt" in note and "good copy" in note and "Traceback" not in note
