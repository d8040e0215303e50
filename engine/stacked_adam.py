"""Adam and AdamW for a sweep's copies: torch's fused kernel once per copy, without torch.optim's bookkeeping."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from .contracts.bonus import TrainConfig

FUSED = {"Adam": torch._fused_adam_, "AdamW": torch._fused_adamw_}  # what torch.optim's fused=True calls
EPS = 1e-8  # torch.optim.Adam's and AdamW's default, which the app never changes


def stacked_adam(configs: Sequence[TrainConfig], views: Sequence[Sequence[torch.Tensor]]) -> StackedAdam | None:
    """A StackedAdam for the copies when their optimizer is Adam or AdamW on a device with torch's fused
    kernel (CPU, CUDA); None otherwise (the caller takes torch.optim's)."""
    name = configs[0].optimizer
    device = views[0][0].device.type
    if name not in FUSED or device not in ("cpu", "cuda") or any(c.optimizer != name for c in configs):
        return None
    return StackedAdam(configs, views, decoupled=name == "AdamW")


class StackedAdam(torch.optim.Optimizer):
    """torch.optim.Adam(fused=True), or AdamW, over copies: param group k is copy k's parameters with its
    lr, betas and weight decay, so torch.optim.lr_scheduler drives it as it drives Adam.

    step() makes the call torch.optim.Adam's step makes for a group, torch._fused_adam_ (or _adamw_) with
    the group's hyper-parameters, one per copy; the moments are stacked (K, ...) tensors and each copy
    keeps one step count. torch.optim's step also regrouped every tensor by device and dtype, counted
    each tensor's steps and looked its state up, every step: a fifth of 8 copies' batched step on this
    CPU. A copy whose parameters have no gradient (a diverged copy) is skipped, as torch.optim skips it.
    """

    def __init__(self, configs: Sequence[TrainConfig], views: Sequence[Sequence[torch.Tensor]], decoupled: bool):
        groups = [
            {"params": list(v), "lr": c.lr, "betas": (c.beta1, c.beta2), "weight_decay": c.weight_decay}
            for c, v in zip(configs, views, strict=True)
        ]
        super().__init__(groups, {"lr": 1e-3, "betas": (0.9, 0.999), "eps": EPS, "weight_decay": 0.0})
        self.kernel = FUSED["AdamW" if decoupled else "Adam"]
        first = views[0]
        self.exp_avg = [torch.zeros((len(views), *p.shape), dtype=p.dtype, device=p.device) for p in first]
        self.exp_avg_sq = [torch.zeros_like(m) for m in self.exp_avg]
        # torch.optim's fused Adam keeps each step count as a float32 tensor on the parameters' device;
        # here copy k's is steps[k], one count for all its tensors (the kernel only reads it).
        self.steps = torch.zeros(len(views), dtype=torch.float32, device=first[0].device)
        self._copies = [
            ([m[i] for m in self.exp_avg], [v[i] for v in self.exp_avg_sq], [self.steps[i]] * len(first))
            for i in range(len(views))
        ]

    @torch.no_grad()
    def step(self, closure=None, before: Callable[[int], None] | None = None):
        """One step of every live copy; `before(i)`, if given, is called just before copy i's kernel (to
        write a gradient that the copies share a buffer for)."""
        assert closure is None, "the sweep computes its gradients before stepping"
        grads = [[p.grad for p in group["params"]] for group in self.param_groups]
        live = [all(g is not None for g in copy) for copy in grads]
        if all(live):
            self.steps.add_(1)
        else:
            for i in (i for i, ok in enumerate(live) if ok):
                self.steps[i].add_(1)
        for i, (group, (exp_avg, exp_avg_sq, steps), copy, ok) in enumerate(
            zip(self.param_groups, self._copies, grads, live)
        ):
            if not ok:
                continue
            if before is not None:
                before(i)
            params = group["params"]
            beta1, beta2 = group["betas"]
            self.kernel(
                params,
                copy,
                exp_avg,
                exp_avg_sq,
                [],
                steps,
                lr=group["lr"],
                beta1=beta1,
                beta2=beta2,
                weight_decay=group["weight_decay"],
                eps=group["eps"],
                amsgrad=False,
                maximize=False,
            )
        return None
