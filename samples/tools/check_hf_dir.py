#!/usr/bin/env python3
"""Check a model directory written by Temper with Hugging Face transformers.

Not run by CI (it needs torch and transformers). Usage:

    python samples/tools/check_hf_dir.py DIR [--prompt TEXT] [--max-new-tokens N]
        [--top K] [--device cpu|cuda] [--dump-logits FILE] [--compare FILE]

It loads DIR with AutoTokenizer and AutoModelForCausalLM (float32, no remote code), reports
missing/unexpected weights, prints the prompt's token ids, the top-K logits at the last
prompt position, and the greedy continuation (ids and text).

--dump-logits FILE writes {"ids": [...], "logits": [[...] per prompt position]} as JSON.
--compare FILE reads the same format written by Temper (`temper logits ... --out FILE`) and
prints the largest absolute logit difference and whether the greedy ids agree; exit code 1
when the ids differ or the difference exceeds --tolerance.
"""
import argparse
import json
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--prompt", default="Once upon a time")
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--dump-logits")
    ap.add_argument("--compare")
    ap.add_argument("--tolerance", type=float, default=1e-3)
    a = ap.parse_args()

    tok = AutoTokenizer.from_pretrained(a.dir)
    model, info = AutoModelForCausalLM.from_pretrained(
        a.dir, dtype=torch.float32, output_loading_info=True)
    model = model.to(a.device).eval()
    print(f"tokenizer: {type(tok).__name__}  bos={tok.bos_token!r} eos={tok.eos_token!r} "
          f"pad={tok.pad_token!r} vocab={len(tok)}")
    print(f"model: {type(model).__name__}  parameters={sum(p.numel() for p in model.parameters())}")
    problems = {k: v for k, v in info.items() if v}
    print("loading info:", problems if problems else "all weights matched")

    ids = tok(a.prompt)["input_ids"]
    print("prompt ids:", ids)
    x = torch.tensor([ids], device=a.device)
    with torch.no_grad():
        logits = model(x).logits[0].float().cpu()
    last = logits[-1]
    top = torch.topk(last, min(a.top, last.numel()))
    print("top logits at the last prompt position:")
    for v, i in zip(top.values.tolist(), top.indices.tolist()):
        print(f"  {i:>7} {tok.convert_ids_to_tokens(i)!r:>20} {v: .6f}")

    with torch.no_grad():
        out = model.generate(x, max_new_tokens=a.max_new_tokens, do_sample=False,
                             attention_mask=torch.ones_like(x))
    gen = out[0].tolist()
    print("greedy ids:", gen)
    print("greedy text:", tok.decode(gen, skip_special_tokens=True))

    if a.dump_logits:
        with open(a.dump_logits, "w") as f:
            json.dump({"ids": ids, "logits": logits.tolist(), "greedy": gen}, f)
        print("wrote", a.dump_logits)

    if a.compare:
        with open(a.compare) as f:
            other = json.load(f)
        status = 0
        if other["ids"] != ids:
            print("prompt ids DIFFER: Temper's tokenizer gave", other["ids"])
            status = 1
        # compare the model on Temper's ids, so a tokenizer difference does not hide the rest
        x = torch.tensor([other["ids"]], device=a.device)
        with torch.no_grad():
            hf = model(x).logits[0].float().cpu()
            out = model.generate(x, max_new_tokens=max(0, len(other.get("greedy", [])) - x.shape[1]),
                                 do_sample=False, attention_mask=torch.ones_like(x))
        theirs = torch.tensor(other["logits"], dtype=torch.float32)
        diff = (theirs - hf).abs().max().item()
        print(f"max |logit difference| over {hf.shape[0]} positions: {diff:.3e}")
        if diff > a.tolerance:
            status = 1
        if "greedy" in other:
            same = other["greedy"] == out[0].tolist()
            print("greedy ids", "agree" if same else "DIFFER", f"({len(other['greedy'])} positions)")
            status |= 0 if same else 1
        print("OK" if status == 0 else "MISMATCH")
        sys.exit(status)


if __name__ == "__main__":
    main()
