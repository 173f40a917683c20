"""Trains PIO's demo model: a small LlamaForCausalLM on the King James Bible, and writes it as a
Hugging Face checkpoint folder (model.safetensors, config.json, generation_config.json,
tokenizer.json, tokenizer_config.json, held-out.txt, training.json).

    /usr/bin/python3 tooling/demo-model/train.py --out packages/demo-model/model

Needs Debian's python3-torch, libopenblas0-pthread, python3-regex and bible-kjv (see README.md).
"""

import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np
import torch
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import byte_bpe  # noqa: E402
import kjv_data  # noqa: E402
from llama_model import LlamaForCausalLM, LlamaShape  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="checkpoint folder to write (rewritten at every evaluation)")
    p.add_argument("--vocab-size", type=int, default=4096)
    p.add_argument("--hidden-size", type=int, default=256)
    p.add_argument("--intermediate-size", type=int, default=768)
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--context", type=int, default=256)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=1600)
    p.add_argument("--max-minutes", type=float, default=42.0, help="the schedule ends at --steps or at this wall time, whichever comes first")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--min-lr", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--eval-every", type=int, default=200)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--state", default=None, help="also save the PyTorch state_dict here at every evaluation (not shipped)")
    return p.parse_args()


def encode_chapters(encoder, chapters):
    """One token stream: each chapter's tokens followed by <|endoftext|> (id 0)."""
    ids = []
    for chapter in chapters:
        ids.extend(encoder.encode(kjv_data.chapter_text(chapter)))
        ids.append(0)
    return np.array(ids, dtype=np.int64)


def held_out_loss(model, ids, context, windows=32):
    """Mean next-token loss over `windows` evenly spaced, non-overlapping windows of the held-out stream."""
    starts = np.linspace(0, len(ids) - context - 1, windows).astype(np.int64)
    batch = torch.from_numpy(np.stack([ids[s : s + context + 1] for s in starts]))
    with torch.no_grad():
        logits = model(batch[:, :-1])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1)).item()


def hf_config(shape):
    return {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 0,
        "eos_token_id": 0,
        "head_dim": shape.head_dim,
        "hidden_act": "silu",
        "hidden_size": shape.hidden_size,
        "initializer_range": 0.02,
        "intermediate_size": shape.intermediate_size,
        "max_position_embeddings": shape.max_position_embeddings,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": shape.num_attention_heads,
        "num_hidden_layers": shape.num_hidden_layers,
        "num_key_value_heads": shape.num_key_value_heads,
        "pretraining_tp": 1,
        "rms_norm_eps": shape.rms_norm_eps,
        "rope_scaling": None,
        "rope_theta": shape.rope_theta,
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "transformers_version": "4.51.3",
        "use_cache": True,
        "vocab_size": shape.vocab_size,
    }


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")


def export(out, model, shape, vocab, merges, held_out_text, report):
    """Writes the checkpoint folder; the tied LM head is stored once, as `model.embed_tokens.weight`."""
    os.makedirs(out, exist_ok=True)
    tmp = os.path.join(out, "model.safetensors.tmp")
    write_safetensors(tmp, dict(model.named_parameters()), metadata={"format": "pt"})
    os.replace(tmp, os.path.join(out, "model.safetensors"))
    write_json(os.path.join(out, "config.json"), hf_config(shape))
    write_json(
        os.path.join(out, "generation_config.json"),
        # Greedy, with a repetition penalty: a model this small otherwise loops on its favourite phrase.
        {"bos_token_id": 0, "eos_token_id": 0, "do_sample": False, "repetition_penalty": 1.3, "transformers_version": "4.51.3"},
    )
    byte_bpe.write_tokenizer(os.path.join(out, "tokenizer.json"), vocab, merges)
    write_json(
        os.path.join(out, "tokenizer_config.json"),
        {
            "add_bos_token": False,
            "add_prefix_space": False,
            "bos_token": byte_bpe.END_OF_TEXT,
            "clean_up_tokenization_spaces": False,
            "eos_token": byte_bpe.END_OF_TEXT,
            "model_max_length": shape.max_position_embeddings,
            "tokenizer_class": "GPT2Tokenizer",
            "unk_token": byte_bpe.END_OF_TEXT,
        },
    )
    with open(os.path.join(out, "held-out.txt"), "w", encoding="utf-8") as f:
        f.write(held_out_text)
    write_json(os.path.join(out, "training.json"), report)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    started = time.time()

    chapters = kjv_data.read_kjv()
    train_chapters, held_out_chapters = kjv_data.split_chapters(chapters)
    vocab, merges = byte_bpe.train_bpe([kjv_data.chapter_text(c) for c in train_chapters], args.vocab_size)
    encoder = byte_bpe.Encoder(vocab, merges)
    train_ids = encode_chapters(encoder, train_chapters)
    held_ids = encode_chapters(encoder, held_out_chapters)
    held_out_text = "".join(kjv_data.chapter_text(c) + "\n" for c in held_out_chapters)
    print(f"data: {len(train_chapters)} train chapters, {len(train_ids)} tokens; {len(held_out_chapters)} held out, {len(held_ids)} tokens; tokenizer {time.time() - started:.1f} s", flush=True)

    shape = LlamaShape(
        vocab_size=args.vocab_size,
        hidden_size=args.hidden_size,
        intermediate_size=args.intermediate_size,
        num_hidden_layers=args.layers,
        num_attention_heads=args.heads,
        num_key_value_heads=args.kv_heads,
        max_position_embeddings=args.context,
    )
    model = LlamaForCausalLM(shape)
    parameters = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
        betas=(0.9, 0.95),
    )
    print(f"model: {parameters} parameters, {shape}", flush=True)

    budget = args.max_minutes * 60
    train_started = time.time()
    history = []
    step = 0
    progress = 0.0
    while progress < 1.0:
        lr = args.lr * min(1.0, (step + 1) / args.warmup)
        if step >= args.warmup:
            lr = args.min_lr + 0.5 * (args.lr - args.min_lr) * (1 + math.cos(math.pi * progress))
        for group in optimizer.param_groups:
            group["lr"] = lr
        starts = rng.integers(0, len(train_ids) - args.context - 1, args.batch)
        batch = torch.from_numpy(np.stack([train_ids[s : s + args.context + 1] for s in starts]))
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, shape.vocab_size), batch[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        elapsed = time.time() - train_started
        progress = max(step / args.steps, elapsed / budget)
        if step % 20 == 0:
            print(f"step {step} loss {loss.item():.3f} lr {lr:.2e} {elapsed / 60:.1f} min", flush=True)
        if step % args.eval_every == 0 or progress >= 1.0:
            model.eval()
            held = held_out_loss(model, held_ids, args.context)
            model.train()
            history.append({"step": step, "minutes": round(elapsed / 60, 2), "train_loss": round(loss.item(), 4), "held_out_loss": round(held, 4)})
            print(f"eval step {step}: held-out loss {held:.3f} (perplexity {math.exp(held):.1f})", flush=True)
            report = {
                "data": "King James Bible (Debian bible-kjv-text), one verse per line, chapters separated by <|endoftext|>",
                "train_tokens": int(len(train_ids)),
                "held_out_tokens": int(len(held_ids)),
                "held_out_chapters": [c.ref for c in held_out_chapters],
                "parameters": parameters,
                "steps": step,
                "batch": args.batch,
                "context": args.context,
                "tokens_seen": step * args.batch * args.context,
                "train_minutes": round(elapsed / 60, 2),
                "threads": args.threads,
                "torch": torch.__version__,
                "machine": platform.processor() or platform.machine(),
                "args": vars(args),
                "history": history,
            }
            export(args.out, model, shape, vocab, merges, held_out_text, report)
            if args.state:
                torch.save(model.state_dict(), args.state)
    print(f"done: {step} steps in {(time.time() - train_started) / 60:.1f} min; wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
