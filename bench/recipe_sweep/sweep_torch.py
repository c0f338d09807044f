"""One run of the indicative recipe sweep (README.md here): the reference VAE in PyTorch, on a GPU.

    python sweep_torch.py '{"name": "ref", "opt": "adamax", "lr": 0.001, "batch": 128, "sched": "plateau",
                            "epochs": 100, "seed": 42}'

Writes $OUT/<name>.json after every epoch (the validation loss of each epoch so far). Not part of the product,
which is TensorFlow on the CPU; this only compares recipes by epochs.
"""

import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def glorot(module):
    """Keras's defaults: Glorot-uniform kernels, zero biases."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)


class VAE(nn.Module):
    """vae_core.model's layers: conv 32/64 stride 2, dense 16, latent 2; dense 3136, deconv 64/32 stride 2, 1."""

    def __init__(self, latent=2):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 32, 3, 2, 1), nn.Conv2d(32, 64, 3, 2, 1)
        self.d = nn.Linear(3136, 16)
        self.mu, self.lv = nn.Linear(16, latent), nn.Linear(16, latent)
        self.d2 = nn.Linear(latent, 3136)
        self.t1 = nn.ConvTranspose2d(64, 64, 3, 2, 1, 1)
        self.t2 = nn.ConvTranspose2d(64, 32, 3, 2, 1, 1)
        self.t3 = nn.ConvTranspose2d(32, 1, 3, 1, 1)
        self.apply(glorot)

    def forward(self, x):
        """Per-image (reconstruction BCE summed over pixels, KL), as vae_core.model computes them."""
        h = F.relu(self.c2(F.relu(self.c1(x))))
        h = F.relu(self.d(h.permute(0, 2, 3, 1).flatten(1)))
        mu, lv = self.mu(h), self.lv(h)
        z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
        h = F.relu(self.d2(z)).view(-1, 7, 7, 64).permute(0, 3, 1, 2)
        p = torch.sigmoid(self.t3(F.relu(self.t2(F.relu(self.t1(h)))))).clamp(1e-7, 1 - 1e-7)
        rec = -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).flatten(1).sum(1)
        kl = -0.5 * (1 + lv - mu**2 - lv.exp()).sum(1)
        return rec, kl


def set_lr(optimizer, lr):
    for group in optimizer.param_groups:
        group["lr"] = lr


def run(name, opt="adamax", lr=1e-3, batch=128, sched="plateau", epochs=100, seed=42, out="."):
    torch.manual_seed(seed)
    dev = "cuda"
    data = np.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist.npz"))
    xtr = torch.tensor(data["xtr"], device=dev).float().div(255).unsqueeze(1)
    xte = torch.tensor(data["xte"], device=dev).float().div(255).unsqueeze(1)
    model = VAE().to(dev)
    optimizer = (torch.optim.Adamax if opt == "adamax" else torch.optim.Adam)(model.parameters(), lr=lr, eps=1e-7)
    steps = math.ceil(len(xtr) / batch)
    total = steps * epochs
    best_lr = best_es = float("inf")
    wait_lr = wait_es = step = 0
    rows = []
    start = time.time()
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr), device=dev)
        for i in range(steps):
            if sched == "cosine":
                set_lr(optimizer, lr * 0.5 * (1 + math.cos(math.pi * step / total)))
            elif sched == "onecycle":  # 10 % linear warm-up, then cosine to 0
                warm = 0.1 * total
                f = step / warm if step < warm else 0.5 * (1 + math.cos(math.pi * (step - warm) / (total - warm)))
                set_lr(optimizer, lr * f)
            rec, kl = model(xtr[perm[i * batch:(i + 1) * batch]])
            loss = rec.mean() + kl.mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
        model.eval()
        with torch.no_grad():  # Keras's way: the mean of per-batch means (batches of 128)
            val = float(np.mean([sum(t.mean().item() for t in model(xte[j:j + 128])) for j in range(0, len(xte), 128)]))
        rows.append(round(val, 3))
        if sched == "plateau":  # ReduceLROnPlateau(factor 0.5, patience 3, min_delta 1e-4, min_lr 1e-6)
            if val < best_lr - 1e-4:
                best_lr, wait_lr = val, 0
            else:
                wait_lr += 1
                if wait_lr >= 3:
                    set_lr(optimizer, max(optimizer.param_groups[0]["lr"] * 0.5, 1e-6))
                    wait_lr = 0
        if val < best_es - 1e-4:  # EarlyStopping(patience 6, min_delta 1e-4), for the plateau recipes
            best_es, wait_es = val, 0
        else:
            wait_es += 1
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump({"name": name, "opt": opt, "lr": lr, "batch": batch, "sched": sched, "epochs": epochs,
                       "val": rows, "seconds": round(time.time() - start, 1)}, f)
        if sched == "plateau" and wait_es >= 6:
            break


if __name__ == "__main__":
    run(**json.loads(sys.argv[1]), out=os.environ.get("OUT", "."))
