"""K copies of one MLP as stacked tensors: their log-probabilities, and their gradients as autograd computes them."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def batched_logp(
    params: Sequence[torch.Tensor], x: torch.Tensor, scratch: list[torch.Tensor] | None = None, logits: bool = False
) -> torch.Tensor:
    """(K, B, 10) log-probabilities of K stacked MLPs on the same inputs x (B, 28, 28) or (B, 784), or with
    `logits` the last layer's outputs before log_softmax.

    Stacked as `stack` lays them out: weights (K, out, in), some later ones (K, in, out), biases
    (K, out). The first layer sees the same inputs for every copy: one (B, 784) @ (784, K*out)
    matmul; the later ones are batched matmuls. With `scratch`
    (no autograd: scoring in chunks), each layer writes into the list's tensor for it, made at
    the first chunk and reused while the chunk's size stays, and the ReLU acts in place: 8 copies'
    chunk of 1,024 made 14 MB of fresh tensors, 3,000 pages for the kernel to hand over and zero.
    """
    k, n = params[0].shape[0], len(x)
    x = x.reshape(n, -1)
    w, b = params[0], params[1]
    out = _reused(scratch, 0, (n, k * w.shape[1]), x)
    h = torch.addmm(b.reshape(-1), x, w.reshape(-1, w.shape[-1]).T, out=out).view(n, k, -1).transpose(0, 1)
    for layer, (w, b) in enumerate(zip(params[2::2], params[3::2]), 1):
        a = torch.relu(h) if scratch is None else h.relu_()
        w = _in_out(w)
        h = torch.baddbmm(b[:, None, :], a, w, out=_reused(scratch, layer, (k, n, w.shape[2]), x))
    return h if logits else torch.log_softmax(h, -1, out=_reused(scratch, len(params) // 2, h.shape, x))


def transposed(weight: torch.Tensor) -> bool:
    """Whether a later layer's stacked weight is kept transposed, (K, in, out): when each copy's has a multiple
    of 16 elements. A (B, in) @ (in, out) product with the weight's rows in memory order ran ~1.8x faster than
    against its transpose (the 200-100 layer, forward, this CPU), to the same bits. The optimizers act element
    by element, but torch's fused Adam steps the last numel % 16 elements of a tensor one at a time, rounded
    otherwise: transposed, other elements would be there than in a run alone."""
    return weight[0].numel() % 16 == 0


def stack(copies: Sequence[Sequence[torch.Tensor]]) -> list[torch.Tensor]:
    """Each copy's parameters (nn.Linear's layout: weight (out, in), bias (out,)) stacked (K, ...), with the
    later weights that `transposed` picks laid out (K, in, out)."""
    out = []
    for i, tensors in enumerate(zip(*copies)):
        p = torch.stack([t.detach() for t in tensors])
        out.append(p.transpose(1, 2).contiguous() if i > 1 and i % 2 == 0 and transposed(p) else p)
    return out


def copy_params(params: Sequence[torch.Tensor], i: int) -> list[torch.Tensor]:
    """Copy i's parameters in nn.Linear's layout (views of the stacked tensors)."""
    return [p[i].T if j > 1 and j % 2 == 0 and transposed(p) else p[i] for j, p in enumerate(params)]


def _in_out(weight: torch.Tensor) -> torch.Tensor:
    """A later layer's stacked weight as a (K, in, out) tensor or view."""
    return weight if transposed(weight) else weight.transpose(1, 2)


def _reused(scratch: list[torch.Tensor] | None, i: int, shape, like: torch.Tensor) -> torch.Tensor | None:
    """scratch[i] if it has this shape, else a new tensor put there; None without scratch (a fresh output)."""
    if scratch is None:
        return None
    while len(scratch) <= i:
        scratch.append(torch.empty(0, dtype=like.dtype, device=like.device))
    if scratch[i].shape != torch.Size(shape):
        scratch[i] = torch.empty(shape, dtype=like.dtype, device=like.device)
    return scratch[i]


def fill_grads(
    params: Sequence[torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    grads: Sequence[torch.Tensor],
    alive: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each copy's mean NLL on (x, y), (K,), and its log-probabilities, (K, B, 10), as batched_logp; the
    gradient of each copy's loss is written into `grads` (laid out as `params`), without autograd, and
    copies whose loss is not finite are cleared from the boolean (K,) `alive`, in place.

    The backward is autograd's for batched_logp, op for op: the NLL's gradient (-1/B at each label),
    log_softmax's backward, then per layer dWᵀ = aᵀ·dz, db = Σ_b dz and dz·W through the ReLU
    (threshold_backward), the first layer's dW one (K·out, B) @ (B, 784) matmul. So each copy's
    gradient is what a run of it alone computes, to the last bit on this CPU (a written-out softmax gradient differed
    in the last bits, and Adam turns such differences in near-zero gradients into different runs at
    high learning rates). A copy whose loss is not finite, or that is not `alive`, sends nothing back
    from its loss, as autograd of torch.where(alive & finite, losses, 0).sum(): a live copy's gradient
    is exact, one not alive gets zeros, and a NaN copy's NaNs reach no other copy. No graph is kept, and
    `grads` stay allocated from step to step (not a fresh 5 MB first-layer gradient per step for 8 copies
    of the course's MLP).
    """
    return Backprop(params, grads)(x, y, alive)


_LOG_SOFTMAX_BACKWARD = torch.ops.aten._log_softmax_backward_data.default  # the overloads themselves: no lookup
_THRESHOLD_BACKWARD = torch.ops.aten.threshold_backward.default


class Backprop:
    """fill_grads for stacked parameters and gradients that stay: the views of them that every step
    multiplies by, made once. A sweep calls it at every batch; each op it saves (~10-30 µs between
    kernels that flushed the caches) is worth saving."""

    def __init__(self, params: Sequence[torch.Tensor], grads: Sequence[torch.Tensor]) -> None:
        w, self.k = params[0], params[0].shape[0]
        self.w1 = w.reshape(-1, w.shape[-1]).T  # (784, K*out)
        self.b1 = params[1].reshape(-1)
        self.g1, self.gb1 = grads[0].view(-1, w.shape[-1]), grads[1]
        self.layers = []  # each later layer: (K, in, out) weight, its (K, out, in) view, bias, gradients
        for j in range(2, len(params), 2):
            w, b = params[j], params[j + 1]
            t = transposed(w)
            w_io = _in_out(w)
            self.layers.append((w_io, w_io.transpose(1, 2), b[:, None, :], grads[j], t, grads[j + 1]))
        self._scales: dict[int, torch.Tensor] = {}

    def __call__(
        self, x: torch.Tensor, y: torch.Tensor, alive: torch.Tensor, first: bool = True
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """fill_grads; without `first`, the first layer's weight gradient is left for first_grad to write."""
        k, batch = self.k, len(x)
        x = x.reshape(batch, -1)
        h = torch.addmm(self.b1, x, self.w1)  # (B, K*out)
        h = h.view(batch, k, -1).transpose(0, 1)  # (K, B, out)
        inputs = []  # what each later layer multiplies: relu of the layer before, in place (h is not kept)
        for w_io, _, b, _, _, _ in self.layers:
            a = h.relu_()
            inputs.append(a)
            h = torch.baddbmm(b, a, w_io)
        logp = h.log_softmax(-1)
        index = y.view(1, -1, 1).expand(k, -1, 1)
        losses = -logp.gather(2, index).squeeze(2).mean(1)
        alive &= losses * 0 == 0  # finite: inf * 0 and NaN * 0 are NaN (torch.isfinite: 5 ops)
        live = alive.view(k, 1, 1)
        scale = torch.where(live, self._scale(batch, logp), 0.0)  # d(-mean)/d(logp at the label), as autograd's
        dlogp = torch.zeros_like(logp).scatter_(2, index, scale.expand(k, batch, 1))
        # NaN log-probabilities give NaN here even from a zero dlogp: a copy not alive gets zeros
        dz = torch.where(live, _LOG_SOFTMAX_BACKWARD(dlogp, logp, -1, logp.dtype), 0.0)
        for (_, w_oi, _, g_w, t, g_b), a in zip(reversed(self.layers), reversed(inputs)):
            if t:  # (K, in, out): aᵀ·dz, to autograd's bits
                torch.bmm(a.transpose(1, 2), dz, out=g_w)
            else:  # (K, out, in): dzᵀ·a, autograd's (aᵀ·dz)ᵀ, the same bits
                torch.bmm(dz.transpose(1, 2), a, out=g_w)
            torch.sum(dz, 1, out=g_b)
            dz = _THRESHOLD_BACKWARD(torch.bmm(dz, w_oi), a, 0)  # (K, B, in)
        flat = dz.transpose(0, 1).reshape(batch, -1)  # (B, K*out)
        if first:
            torch.mm(flat.T, x, out=self.g1)
        else:
            self._flat, self._x = flat, x
        torch.sum(dz.contiguous(), 1, out=self.gb1)  # summed as a run alone sums its (B, out) gradient
        return losses, logp

    def first_grad(self, i: int, out: torch.Tensor) -> None:
        """Copy i's first-layer weight gradient of the last call without `first`, into `out` (out, in): the
        (out, B) @ (B, 784) product a run alone computes, and the wide one's rows for copy i, to the bit."""
        n = out.shape[0]
        torch.mm(self._flat[:, i * n : (i + 1) * n].T, self._x, out=out)

    def _scale(self, batch: int, like: torch.Tensor) -> torch.Tensor:
        """-1/batch as autograd rounds it (a float32 division), kept per batch size."""
        if batch not in self._scales:
            self._scales[batch] = torch.tensor(-1.0, dtype=like.dtype, device=like.device).div_(batch)
        return self._scales[batch]
