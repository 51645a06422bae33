"""Train and evaluate a 2-layer MLP on bag-of-words features (the tiny-reviews sentiment task).

The script the recorded model writes in `pincer intern demo`: it reads data/train.csv and
data/test.csv (columns text,label), trains on CPU in seconds with fixed seeds, and writes into the
--out folder model.pt (the weights), vocab.json and metrics.json (accuracy on the held-out test
split). Each epoch prints one JSON line, which job runners read as metrics.
"""
import argparse
import csv
import json
import math
import os
import re
import sys

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--data", default="data")
parser.add_argument("--out", default="model")
parser.add_argument("--epochs", type=int, default=8)
parser.add_argument("--hidden", type=int, default=32)
parser.add_argument("--lr", type=float, default=0.01)
parser.add_argument("--limit", type=int, default=0, help="use only the first N training rows (smoke test)")
args = parser.parse_args()

torch.manual_seed(0)
torch.set_num_threads(1)


def read(split):
    with open(os.path.join(args.data, f"{split}.csv"), newline="") as handle:
        rows = list(csv.DictReader(handle))
    missing = {"text", "label"} - set(rows[0] if rows else {})
    if missing:
        sys.exit(f"{split}.csv lacks the column(s) {', '.join(sorted(missing))}; expected text,label")
    return [row["text"] for row in rows], [int(row["label"]) for row in rows]


def tokens(text):
    return re.findall(r"[a-z']+", text.lower())


train_texts, train_labels = read("train")
test_texts, test_labels = read("test")
if args.limit:
    train_texts, train_labels = train_texts[: args.limit], train_labels[: args.limit]

vocab = {word: i for i, word in enumerate(sorted({w for t in train_texts for w in tokens(t)}))}


def features(texts):
    x = torch.zeros(len(texts), len(vocab))
    for row, text in enumerate(texts):
        for word in tokens(text):
            if word in vocab:
                x[row, vocab[word]] += 1.0
    return x


x_train, y_train = features(train_texts), torch.tensor(train_labels)
x_test, y_test = features(test_texts), torch.tensor(test_labels)
model = nn.Sequential(nn.Linear(len(vocab), args.hidden), nn.ReLU(), nn.Linear(args.hidden, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
loss_fn = nn.CrossEntropyLoss()

print(f"train rows={len(train_texts)} test rows={len(test_texts)} vocab={len(vocab)}", flush=True)
for epoch in range(1, args.epochs + 1):
    model.train()
    order = torch.randperm(len(x_train))
    total = 0.0
    for start in range(0, len(order), 64):
        batch = order[start : start + 64]
        optimizer.zero_grad()
        loss = loss_fn(model(x_train[batch]), y_train[batch])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(batch)
    train_loss = total / len(x_train)
    if not math.isfinite(train_loss):
        sys.exit(f"training diverged at epoch {epoch}: loss is {train_loss}; lower --lr and run again")
    print(json.dumps({"epoch": epoch, "loss": round(train_loss, 4)}), flush=True)

model.eval()
with torch.no_grad():
    accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
os.makedirs(args.out, exist_ok=True)
torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
with open(os.path.join(args.out, "vocab.json"), "w") as handle:
    json.dump(vocab, handle)
metrics = {
    "accuracy": round(accuracy, 4),
    "train_loss": round(train_loss, 4),
    "epochs": args.epochs,
    "train_rows": len(train_texts),
    "test_rows": len(test_texts),
}
with open(os.path.join(args.out, "metrics.json"), "w") as handle:
    json.dump(metrics, handle, indent=2)
print(json.dumps(metrics), flush=True)
