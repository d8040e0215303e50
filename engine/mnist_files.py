"""Where the four MNIST IDX files are: --data-dir, $OPTCOURSE_DATA or the bundled copy (no torch, for the CLI)."""

from __future__ import annotations

import os
from pathlib import Path

from . import paths
from .typed_paths import PathError, expand, shown

# md5 of the *uncompressed* IDX files, the digests every MNIST loader checks, and their shapes.
FILES = {
    "train-images-idx3-ubyte": ("6bbc9ace898e44ae57da46a324031adb", (60000, 28, 28)),
    "train-labels-idx1-ubyte": ("a25bea736e30d166cdddb491f175f624", (60000,)),
    "t10k-images-idx3-ubyte": ("2646ac647ad5339dbf082846283269ea", (10000, 28, 28)),
    "t10k-labels-idx1-ubyte": ("27ae3e4e09519cfbb04c329615203637", (10000,)),
}
LAYOUTS = (".", "raw", "MNIST/raw")  # torchvision's is ROOT/MNIST/raw


class DataError(RuntimeError):
    """MNIST is missing or damaged; the message names the file and what to do."""


def file_in(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def mnist_folder(root: Path) -> Path | None:
    """The folder holding all four files: root itself, root/raw or torchvision's root/MNIST/raw."""
    for layout in LAYOUTS:
        folder = root / layout if layout != "." else root
        if all(file_in(folder, name) for name in FILES):
            return folder
    return None


def bundled_dir() -> Path:
    return paths.assets_dir() / "mnist"


def is_bundled(folder: Path) -> bool:
    try:
        return folder.resolve() == bundled_dir().resolve()
    except (OSError, FileNotFoundError):
        return False


def _not_there(root: Path, origin: str) -> str:
    """Why `root` holds no MNIST: what was expected where, what is missing in a partial copy, and the fix."""
    names = ", ".join(FILES)
    partial = []
    for layout in LAYOUTS:
        folder = root / layout if layout != "." else root
        found = [n for n in FILES if file_in(folder, n)]
        if found:
            missing = [n for n in FILES if n not in found]
            partial.append(f"in {folder}: {', '.join(missing)} missing")
    where = f"{root}, {root}/raw or {root}/MNIST/raw (torchvision's layout)"
    return (
        f"{origin} {root} holds no MNIST"
        + (f" ({'; '.join(partial)})" if partial else "")
        + f". Expected the four files {names} (each may end in .gz) in {where}. "
        "Put them there, or leave out --data-dir and unset OPTCOURSE_DATA to use the bundled copy."
    )


def resolve_source(data_dir: str | os.PathLike | None = None) -> tuple[Path, str]:
    """The folder to read and a note for the screen: --data-dir, then OPTCOURSE_DATA, then the bundled copy.

    A folder that was asked for but holds no MNIST is refused (DataError): quietly using the bundled
    copy instead would hide that the learner's own data is not what is being read.
    """
    env = os.environ.get("OPTCOURSE_DATA")
    wanted, origin = (data_dir, "--data-dir") if data_dir is not None else (env, "OPTCOURSE_DATA")
    if wanted:
        try:
            root = expand(wanted)
            is_dir = root.is_dir()
        except (PathError, OSError) as exc:
            raise DataError(f"{origin} {shown(wanted)}: {getattr(exc, 'strerror', None) or exc}") from None
        if not is_dir:
            what = "is not a folder" if root.exists() else "is not a folder (it does not exist)"
            raise DataError(
                f"{origin} {root} {what}: give a folder holding MNIST (DIR/MNIST/raw, as torchvision "
                "downloads it), or leave it out to use the bundled copy."
            )
        folder = mnist_folder(root)
        if folder is None:
            raise DataError(_not_there(root, origin))
        return folder, f"MNIST from {folder}"
    folder = bundled_dir()
    if mnist_folder(folder) is None:
        missing = [n for n in FILES if file_in(folder, n) is None]
        raise DataError(
            f"the bundled MNIST is incomplete: {', '.join(missing)} missing in {folder}. "
            "Reinstall optcourse-tui, or pass --data-dir DIR with a torchvision MNIST folder (DIR/MNIST/raw)."
        )
    return folder, "bundled MNIST"
