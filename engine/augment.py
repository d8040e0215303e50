"""Random affine augmentation of whole image batches on their device (the benchmark's recipe)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .contracts.bonus import AFFINE


def augment(
    x: torch.Tensor,
    g: torch.Generator,
    rot_deg: float = AFFINE[0],
    scale: float = AFFINE[1],
    shift_px: float = AFFINE[2],
) -> torch.Tensor:
    """Random rotation, scale and shift of every image in a (B, 28, 28) batch at once.

    theta_b = [[s cos a, -s sin a, tx], [s sin a, s cos a, ty]] maps output to input coordinates
    in [-1, 1] units, where one pixel is 2/28; a, s-1, tx, ty are uniform in their ranges, drawn
    from `g` (four numbers per image, one draw for the batch). Bilinear sampling; border padding
    repeats the edge pixels, which in MNIST are the background.
    """
    b = x.shape[0]
    u = torch.rand(b, 4, generator=g, device=x.device) * 2 - 1  # uniform in [-1, 1]
    a = u[:, 0] * math.radians(rot_deg)
    s = 1 + u[:, 1] * scale
    t = u[:, 2:] * shift_px * 2 / 28
    theta = torch.stack(
        [
            torch.stack([s * torch.cos(a), -s * torch.sin(a), t[:, 0]], 1),
            torch.stack([s * torch.sin(a), s * torch.cos(a), t[:, 1]], 1),
        ],
        1,
    )
    grid = F.affine_grid(theta, [b, 1, 28, 28], align_corners=False)
    return F.grid_sample(x.unsqueeze(1), grid, mode="bilinear", padding_mode="border", align_corners=False).squeeze(1)
