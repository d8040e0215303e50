"""Bonus training at the course's defaults: our device-tensor loop versus the course's DataLoader loop.

The course's way: torchvision.datasets.MNIST (built offline from the bundled files) with
ToTensor + Normalize per image, random_split 50k/10k after set_seed(2021), DataLoader(batch 64,
shuffle, num_workers=2), Adam lr 1e-5, loss.item() every step, validation over the whole
validation split (DataLoader, batch 256) every 200 batches. Ours: TrainingSession with the same
settings. Both are timed from the first batch to the last (the final table is not timed). By
default each does its first 600 batches with the 3 validations among them (the course's loop
needs minutes for its 2 epochs on 2 cores); --batches 0 runs whole epochs.

Usage: python benchmarks/bench_training.py [--batches 600] [--epochs 2] [--threads N]
       [--device auto|cpu|cuda] [--cuda-graph]
"""

from __future__ import annotations

import argparse
import gzip
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch

from engine.contracts.bonus import TrainConfig
from engine.data import FILES, _file_in, load_mnist, resolve_source
from engine.device import device_name, select_device, synchronize
from engine.events import Status
from engine.model import MLP, loss_fn
from engine.seeding import set_seed
from engine.training import TrainingSession


def seed_worker(worker_id):  # the course's, at module level so worker processes can use it
    worker_seed = torch.initial_seed() % 2**32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


def torchvision_root(tmp: Path) -> Path:
    """A torchvision MNIST folder (root/MNIST/raw, uncompressed IDX files) from the bundled copy."""
    folder, _ = resolve_source()
    raw = tmp / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in FILES:
        src = _file_in(folder, name)
        opener = gzip.open if src.suffix == ".gz" else open
        with opener(src, "rb") as fin, open(raw / name, "wb") as fout:
            shutil.copyfileobj(fin, fout)
    return tmp


def eval_model(model, data_loader, num_batches=np.inf, device="cpu"):
    """The course's eval_model: unweighted mean of batch means."""
    loss_log, acc_log = [], []
    model.to(device)
    with torch.no_grad():
        for batch_id, batch in enumerate(data_loader):
            if batch_id > num_batches:
                break
            images, labels = batch[0].to(device), batch[1].to(device)
            preds = model(images)
            loss_log.append(loss_fn(preds, labels).item())
            acc_log.append(torch.mean(1.0 * (preds.argmax(dim=1) == labels)).item())
    return np.mean(loss_log), np.mean(acc_log)


def course_way(root: Path, epochs: int, device, max_batches: int = 0) -> float:
    """The course's training cell, timed over its epoch loop."""
    from torch.utils.data import DataLoader, random_split
    from torchvision import datasets, transforms

    set_seed(2021)
    train_set = datasets.MNIST(root=str(root), train=True, download=False, transform=transforms.ToTensor())
    mean, std = train_set.data.float().mean(), train_set.data.float().std()
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean=[mean / 255.0], std=[std / 255.0])])
    train_set = datasets.MNIST(root=str(root), train=True, download=False, transform=tf)
    train, val = random_split(train_set, [50000, 10000])
    g = torch.Generator()
    g.manual_seed(2021)
    kw = dict(num_workers=2, worker_init_fn=seed_worker, generator=g)
    train_loader = DataLoader(train, batch_size=64, shuffle=True, **kw)
    val_loader = DataLoader(val, batch_size=256, shuffle=True, **kw)
    model = MLP(784, 10, [200, 100, 50]).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-5)
    metrics = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "val_idx": []}
    step_idx = 0
    synchronize(device)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        running_loss = running_acc = 0.0
        for batch_id, batch in enumerate(train_loader):
            step_idx += 1
            images, labels = batch[0].to(device), batch[1].to(device)
            optimizer.zero_grad()
            preds = model(images)
            loss = loss_fn(preds, labels)
            acc = torch.mean(1.0 * (preds.argmax(dim=1) == labels))
            loss.backward()
            optimizer.step()
            metrics["train_loss"].append(loss.cpu().item())
            metrics["train_acc"].append(acc.cpu().item())
            if batch_id % 200 == 199:
                vl, va = eval_model(model, val_loader, num_batches=100, device=device)
                metrics["val_idx"].append(step_idx), metrics["val_loss"].append(vl), metrics["val_acc"].append(va)
                print(f"    [VALID] Epoch {epoch + 1} - Batch {batch_id + 1} - Loss: {vl:.3f} - Acc: {100 * va:.3f}%")
            running_loss += loss.cpu().item()
            running_acc += acc.cpu().item()
            if batch_id % 200 == 199:
                running_loss = running_acc = 0.0
            if step_idx == max_batches:
                break
        if step_idx == max_batches:
            break
    synchronize(device)
    return time.perf_counter() - t0


def our_way(mnist, epochs: int, device, cuda_graph: bool = False, max_batches: int = 0) -> float:
    """TrainingSession at the course's defaults, timed from the first batch until evaluation begins."""
    session = TrainingSession(
        TrainConfig(epochs=epochs), device, mnist, evaluate_benchmark=False, cuda_graph=cuda_graph
    )
    t0 = None
    for ev in session.run():
        if t0 is None and type(ev).__name__ == "TrainStarted":
            synchronize(device)
            t0 = time.perf_counter()
        if isinstance(ev, Status) and ev.text.startswith("evaluating"):
            break
        if max_batches and type(ev).__name__ == "TrainSteps" and ev.first_step + len(ev.losses) > max_batches:
            session.stop()  # takes effect before the next batch: the forced flush at a validation step lands here
        if type(ev).__name__ == "LogLine" and ev.text.startswith("[VALID]"):
            print("    " + ev.text)
    synchronize(device)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batches", type=int, default=600, help="stop each loop after this many batches (0: whole epochs)")
    # One thread by default, for both loops: batches of 64 gain little from a second one, and on a
    # busy 2-core machine spinning OpenMP threads made both loops 10-30x slower and the timings noise.
    p.add_argument("--threads", type=int, default=1, help="torch threads for both loops (0: torch's default)")
    p.add_argument("--device", default="auto")
    p.add_argument("--cuda-graph", action="store_true", help="also time the CUDA-graph path (GPU only)")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = select_device(args.device)
    mnist = load_mnist(device=device)
    what = f"the first {args.batches} batches" if args.batches else f"{args.epochs} epoch(s)"
    print(f"device: {device_name(device)}; {what} of the 50k split, Adam lr 1e-5, batch 64, validation every 200")
    list(
        TrainingSession(TrainConfig(epochs=1, train_limit=640), device, mnist, evaluate_benchmark=False).run()
    )  # warm-up
    ours = our_way(mnist, args.epochs, device, max_batches=args.batches)
    print(f"ours   (device tensors, index batches):      {ours:8.2f} s")
    if args.cuda_graph and device.type == "cuda":
        graphed = our_way(mnist, args.epochs, device, cuda_graph=True, max_batches=args.batches)
        print(f"ours   (CUDA graph):                         {graphed:8.2f} s")
    with tempfile.TemporaryDirectory(prefix="bench-mnist-") as tmp:
        root = torchvision_root(Path(tmp))
        course = course_way(root, args.epochs, device, args.batches)
    print(f"course (torchvision + DataLoader, 2 workers): {course:8.2f} s")
    print(f"ratio course / ours: {course / ours:.1f}x")
    if args.cuda_graph and device.type == "cuda":
        print(f"ratio course / CUDA graph: {course / graphed:.1f}x")


if __name__ == "__main__":
    main()
