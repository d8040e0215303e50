"""Device choice: auto picks CUDA only when present; an impossible request is a clear error."""

from __future__ import annotations

import pytest
import torch

from engine.device import DeviceError, device_name, select_device


def test_cpu_and_auto():
    assert select_device("cpu").type == "cpu"
    assert select_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert device_name(torch.device("cpu")).startswith("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="only meaningful without a GPU")
def test_cuda_without_gpu_is_refused_with_advice():
    with pytest.raises(DeviceError, match="--device cpu"):
        select_device("cuda")


def test_unknown_device_is_refused():
    with pytest.raises(DeviceError, match="unknown device"):
        select_device("tpu")
