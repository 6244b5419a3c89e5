"""The same LoRA training step as cgfed's TrainingThroughput, in PyTorch eager: the peer for speed.

Run: python3 bench/torch_peer.py [threads]   (Debian: apt-get install python3-torch libopenblas0-pthread)
Same shapes as `./cgfed bench-train`: batch 16 x seq 64, LoRA r=8 alpha 16 on q,k,v,o, AdamW,
3 warm-up then 20 timed steps, models tiny-llama (2 x 64) and 2 x 512 (GQA 8/4, ffn 1376).

A checkpoint's architecture (the step `./cgfed bench-train -Dmodel=DIR` times):
  python3 bench/torch_peer.py THREADS --config DIR/config.json --batch 1 --seq 256 --steps 2 --targets q,v
builds that config.json's Llama with random float32 weights (0.02) and LoRA r 8 on the targets, and times
the plain eager step (float32 base, every activation kept: what a user would write first).
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F


class Lora(torch.nn.Module):
    def __init__(self, n_in, n_out, r=8, alpha=16):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(n_out, n_in) * 0.02, requires_grad=False)
        self.a = torch.nn.Parameter(torch.empty(r, n_in).uniform_(-1 / math.sqrt(n_in), 1 / math.sqrt(n_in)))
        self.b = torch.nn.Parameter(torch.zeros(n_out, r))
        self.scale = alpha / r

    def forward(self, x):
        return F.linear(x, self.weight) + F.linear(F.linear(x, self.a), self.b) * self.scale


def frozen(n_in, n_out):
    return torch.nn.Parameter(torch.randn(n_out, n_in) * 0.02, requires_grad=False)


def rms(x, w, eps=1e-6):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Frozen(torch.nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = frozen(n_in, n_out)

    def forward(self, x):
        return F.linear(x, self.weight)


def projection(name, targets, n_in, n_out):
    return Lora(n_in, n_out) if name in targets else Frozen(n_in, n_out)


class Layer(torch.nn.Module):
    def __init__(self, d, heads, kv, ffn, targets=("q", "k", "v", "o")):
        super().__init__()
        self.h, self.kv, self.hd = heads, kv, d // heads
        self.q, self.k = projection("q", targets, d, heads * self.hd), projection("k", targets, d, kv * self.hd)
        self.v, self.o = projection("v", targets, d, kv * self.hd), projection("o", targets, heads * self.hd, d)
        self.gate, self.up, self.down = frozen(d, ffn), frozen(d, ffn), frozen(ffn, d)
        self.n1 = torch.nn.Parameter(torch.ones(d), requires_grad=False)
        self.n2 = torch.nn.Parameter(torch.ones(d), requires_grad=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        n = rms(x, self.n1)
        q = self.q(n).view(b, t, self.h, self.hd).transpose(1, 2)
        k = self.k(n).view(b, t, self.kv, self.hd).transpose(1, 2)
        v = self.v(n).view(b, t, self.kv, self.hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        g = self.h // self.kv
        k, v = k.repeat_interleave(g, dim=1), v.repeat_interleave(g, dim=1)
        att = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(self.hd) + mask, dim=-1)
        x = x + self.o((att @ v).transpose(1, 2).reshape(b, t, -1))
        n = rms(x, self.n2)
        return x + F.linear(F.silu(F.linear(n, self.gate)) * F.linear(n, self.up), self.down)


class Llama(torch.nn.Module):
    def __init__(self, vocab, d, ffn, layers, heads, kv, targets=("q", "k", "v", "o"), theta=10000.0, positions=512,
                 tied=False):
        super().__init__()
        self.embed = frozen(d, vocab)
        self.layers = torch.nn.ModuleList([Layer(d, heads, kv, ffn, targets) for _ in range(layers)])
        self.norm = torch.nn.Parameter(torch.ones(d), requires_grad=False)
        self.head = self.embed if tied else frozen(d, vocab)
        hd = d // heads
        inv = 1.0 / (theta ** (torch.arange(0, hd, 2).float() / hd))
        ang = torch.outer(torch.arange(positions).float(), inv)
        emb = torch.cat((ang, ang), dim=-1)
        self.cos, self.sin = emb.cos(), emb.sin()

    def forward(self, tokens):
        t = tokens.shape[1]
        x = F.embedding(tokens, self.embed)
        mask = torch.full((t, t), -1e9).triu(1)
        for layer in self.layers:
            x = layer(x, self.cos[:t], self.sin[:t], mask)
        return F.linear(rms(x, self.norm), self.head)


def bench(name, cfg, batch=16, seq=64, steps=20, warmup=3, **kw):
    torch.manual_seed(1)
    model = Llama(*cfg, **kw)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.0)
    x = torch.randint(0, 256, (batch, seq))
    y = torch.randint(0, 256, (batch, seq))
    for s in range(steps + warmup):
        if s == warmup:
            t0 = time.perf_counter()
        loss = F.cross_entropy(model(x).reshape(-1, cfg[0]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    seconds = time.perf_counter() - t0
    print(f"| {name} | {batch * seq * steps / seconds:,.1f} | {1000 * seconds / steps:.1f} |")


def checkpoint(args):
    opts = dict(zip(args[0::2], args[1::2]))
    with open(opts["--config"]) as f:
        c = json.load(f)
    cfg = (c["vocab_size"], c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"],
           c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"]))
    seq = int(opts.get("--seq", 256))
    bench(opts["--config"], cfg, batch=int(opts.get("--batch", 1)), seq=seq, steps=int(opts.get("--steps", 2)),
          warmup=int(opts.get("--warmup", 1)), targets=tuple(opts.get("--targets", "q,v").split(",")),
          theta=float(c.get("rope_theta", 10000.0)), positions=max(seq, 512), tied=c.get("tie_word_embeddings", False))


if __name__ == "__main__":
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads()
    torch.set_num_threads(threads)
    print(f"PyTorch {torch.__version__}, {threads} intra-op threads")
    print("| model | tokens/s | ms/step |")
    print("|---|---:|---:|")
    if "--config" in sys.argv:
        checkpoint(sys.argv[2:])
        sys.exit(0)
    bench("tiny-llama", (259, 64, 128, 2, 4, 2))
    bench("2x512", (259, 512, 1376, 2, 8, 4))
