"""Typed paths are checked without raising: each refusal is a PathError whose message says why."""

from __future__ import annotations

import os

import pytest

from engine.typed_paths import PathError, expand, folder_to_use, readable_file, shown, writable_file

LONG = "m" * 300 + ".pt"


@pytest.mark.parametrize("check", [readable_file, writable_file, folder_to_use])
@pytest.mark.parametrize(
    ("typed", "words"),
    [
        (f"/tmp/{LONG}", "is 303 characters long; at most 255"),  # os.stat: OSError Errno 36
        ("~nosuchuser/m.pt", "no user 'nosuchuser'"),  # expanduser: RuntimeError
        ("/tmp/" + "d/" * 2100 + "m.pt", "characters long; at most 4096"),
        ("/tmp/a\x00b.pt", "NUL"),  # os.stat: ValueError
        ("   ", "type a file path"),
    ],
)
def test_what_no_file_can_be_is_said_for_every_use(check, typed, words):
    with pytest.raises(PathError, match=words):
        check(typed)


@pytest.mark.parametrize("typed", ["/dev/null", "/dev/zero", "/proc/cpuinfo", "/proc/self/status"])
def test_system_files_are_never_models_csvs_or_folders(typed):
    """/proc/cpuinfo is a regular file to stat; /dev/null was taken as a folder to save into (root may write there)."""
    with pytest.raises(PathError, match=r"system's (files|folders)|device or a pipe"):
        readable_file(typed)
    with pytest.raises(PathError, match=r"system's folders|device or a pipe"):
        writable_file(typed)
    with pytest.raises(PathError):
        writable_file(typed + "/m.pt")


def test_folders_pipes_links_and_missing_files(tmp_path):
    (tmp_path / "file").write_text("x")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(PathError, match="is a folder; choose a file"):
        readable_file(tmp_path)
    with pytest.raises(PathError, match="is a folder; add a file name"):
        writable_file(tmp_path)
    with pytest.raises(PathError, match="no such file"):
        readable_file(tmp_path / "missing.pt")
    with pytest.raises(PathError, match=r"folder .* does not exist"):
        writable_file(tmp_path / "missing" / "m.pt")
    with pytest.raises(PathError, match="file is not a folder"):
        writable_file(tmp_path / "file" / "m.pt")
    with pytest.raises(PathError, match="device or a pipe"):
        readable_file(tmp_path / "pipe")  # opening it would wait for a writer forever
    with pytest.raises(PathError, match="leads back to itself"):
        readable_file(tmp_path / "loop")
    assert readable_file(tmp_path / "file") == tmp_path / "file"
    assert writable_file(tmp_path / "new.pt") == tmp_path / "new.pt"
    assert writable_file(tmp_path / "a" / "b" / "c.csv", make_folder=True).parent.is_dir()
    assert folder_to_use(tmp_path / "x" / "y") == tmp_path / "x" / "y"


def test_no_permission_is_said(tmp_path, monkeypatch):
    """Where the file system says no (as root it never does, so os.access is asked to)."""
    (tmp_path / "m.pt").write_text("x")
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(PathError, match=r"you may not read .*m\.pt \(no permission\)"):
        readable_file(tmp_path / "m.pt")
    with pytest.raises(PathError, match="you may not write in the folder"):
        writable_file(tmp_path / "new.pt")


def test_home_is_expanded_and_long_paths_are_shown_short(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert expand("~/m.pt") == tmp_path / "m.pt"
    assert shown("/tmp/" + LONG) == "/tmp/" + "m" * 30 + "…" + "m" * 32 + ".pt"
    assert len(shown("/tmp/" + LONG)) == 71 and shown("/tmp/m.pt") == "/tmp/m.pt"


@pytest.mark.parametrize("refused", [f"/tmp/{LONG}", "~nosuchuser/m.pt", "/dev/null", "/proc/self/m.pt"])
def test_a_refused_save_keeps_the_model_for_the_next_try(tmp_path, monkeypatch, refused):
    """The engine's own check (the dialog checks first): a save it refuses says why and writes nothing, and
    the model it holds is saved by the next try. Before, /dev/null became /dev/null.pt and .json, made in /dev
    (root may write there)."""
    from types import SimpleNamespace

    import torch

    from engine import atomic
    from engine.contracts.bonus import SavedModel, SaveJob
    from engine.events import Failed
    from engine.jobs import RunEnv, run_job
    from engine.model import MLP
    from engine.model_io import load_model, save_model
    from engine.sections.bonus import STORE_KEY, Held

    written: list[str] = []
    for name in ("write_with", "write_text"):
        real = getattr(atomic, name)
        monkeypatch.setattr(atomic, name, lambda path, *a, real=real: (written.append(str(path)), real(path, *a))[1])
    model = MLP(hidden_dims=[3])
    session = SimpleNamespace(save=lambda path, overwrite=False: save_model(model, path, {}, overwrite=overwrite))
    held = Held("token", session)  # type: ignore[arg-type]
    held.released.set()
    env = RunEnv(SimpleNamespace(device="cpu", device_label="cpu", mnist=None, store={STORE_KEY: held}))
    [failed] = list(run_job(SaveJob(refused, True, "token"), env))
    assert isinstance(failed, Failed) and failed.message and written == []
    saved = list(run_job(SaveJob(str(tmp_path / "kept.pt"), False, "token"), env))
    assert saved[0] == SavedModel(str(tmp_path / "kept.pt"))
    loaded, _ = load_model(tmp_path / "kept.pt")
    assert torch.equal(loaded.main[0].weight, model.main[0].weight)
