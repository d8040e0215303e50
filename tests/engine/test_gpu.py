"""CUDA paths: the GPU check (every section's engine on cuda against the cpu); its checks also run on the CPU."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gpu_check.py"


def load_check():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_check"] = module
    spec.loader.exec_module(module)
    module.FAILURES.clear()
    return module


@pytest.mark.slow
def test_the_gpu_checks_run_and_pass_with_the_cpu_on_both_sides(capsys):
    check = load_check()
    assert check.main(["--self-test"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "FAIL" not in out and "5 real loss landscape grid" in out and "7 RMSprop on cuda" in out


def test_without_cuda_the_check_says_so_and_passes(monkeypatch, capsys):
    import torch

    check = load_check()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert check.main([]) == 0
    assert "no CUDA device" in capsys.readouterr().out


@pytest.mark.gpu
def test_every_cuda_path_agrees_with_the_cpu():
    assert load_check().main([]) == 0
