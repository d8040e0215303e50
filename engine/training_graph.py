"""Optional CUDA-graph training step: one captured forward/loss/backward/optimizer.step replayed per batch.

UNVERIFIED: written for GPUs but never run (the development machine has no GPU). It is used only
when TrainingSession(cuda_graph=True) runs on a CUDA device with an optimizer listed below.
The learning curve is meant to equal the plain loop's: the warm-up steps needed before capture
are undone (weights restored, optimizer state zeroed in place) before the first real batch.
"""

from __future__ import annotations

import torch

from .model import loss_fn

# Optimizers whose step is safe to capture: SGD's has no step count; Adam/AdamW use capturable=True
# (their step count lives on the device). Others fall back to the plain loop.
GRAPH_OPTIMIZERS = ("SGD", "SGD momentum", "Nesterov", "Adam", "AdamW")


def graph_supported(optimizer: str) -> bool:
    return optimizer in GRAPH_OPTIMIZERS


class GraphedStep:
    """step(x, y, out): full batches replay the graph; a smaller last batch runs eagerly on the same state."""

    def __init__(self, model, opt, batch_size: int, image_shape, device, warmup: int = 3):
        self.model, self.opt, self.batch_size = model, opt, batch_size
        self.x = torch.zeros(batch_size, *image_shape, device=device)
        self.y = torch.zeros(batch_size, dtype=torch.long, device=device)
        saved = [p.detach().clone() for p in model.parameters()]
        side = torch.cuda.Stream(device)
        side.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(side):  # warm-up outside capture: allocates optimizer state, autotunes kernels
            for _ in range(warmup):
                opt.zero_grad(set_to_none=True)
                loss_fn(model(self.x), self.y).backward()
                opt.step()
        torch.cuda.current_stream(device).wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        opt.zero_grad(set_to_none=True)  # backward inside the graph then owns the .grad tensors
        with torch.cuda.graph(self.graph):
            logp = model(self.x)
            self.loss = loss_fn(logp, self.y)
            self.loss.backward()
            opt.step()
            self.acc = (logp.argmax(dim=1) == self.y).float().mean()
        with torch.no_grad():  # undo the warm-up, in place so the captured addresses stay valid
            for p, s in zip(model.parameters(), saved):
                p.copy_(s)
            for state in opt.state.values():
                for v in state.values():
                    if isinstance(v, torch.Tensor):
                        v.zero_()

    def __call__(self, x, y, out) -> None:
        if len(y) == self.batch_size:
            self.x.copy_(x)
            self.y.copy_(y)
            self.graph.replay()
            out[0] = self.loss.detach()
            out[1] = self.acc
            return
        # Eager step on the graph's own .grad tensors: zero them in place (set_to_none would detach them).
        self.opt.zero_grad(set_to_none=False)
        logp = self.model(x)
        loss = loss_fn(logp, y)
        loss.backward()
        self.opt.step()
        with torch.no_grad():
            out[0] = loss.detach()
            out[1] = (logp.argmax(dim=1) == y).float().mean()
