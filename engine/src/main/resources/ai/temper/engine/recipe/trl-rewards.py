"""Verifiable reward for `trl grpo --reward_funcs rewards.verifiable_reward` (written by
`temper recipe export --target trl`).

Each row's `ground_truth` is a JSON constraint in open-instruct's IFEval layout
(`{"func_name": "verify_keywords", "keyword_list": [...]}`) or a JSON list of them. The reward
is VERIFICATION_REWARD (environment, default 10.0) times the fraction of constraints the
completion meets, as in Temper's GRPO trainer. Only the constraints below are implemented;
the export refuses data that names others.
"""

import json
import os

VERIFICATION_REWARD = float(os.environ.get("VERIFICATION_REWARD", "10.0"))


def _holds(text, c):
    f = c["func_name"]
    low = text.lower()
    if f == "verify_keywords":
        return all(k.lower() in low for k in c["keyword_list"])
    if f == "validate_forbidden_words":
        return not any(k.lower() in low for k in c["forbidden_words"])
    if f == "validate_choice":
        return any(o in text for o in c["options"])
    if f == "validate_end":
        return text.endswith(c["end_phrase"])
    raise ValueError("unknown constraint " + f)


def score(text, ground_truth):
    truth = json.loads(ground_truth)
    constraints = truth if isinstance(truth, list) else [truth]
    text = text.strip()
    if not text:
        return 0.0
    return sum(1.0 for c in constraints if _holds(text, c)) / len(constraints)


def verifiable_reward(completions, ground_truth, **kwargs):
    rewards = []
    for completion, truth in zip(completions, ground_truth):
        text = completion[-1]["content"] if isinstance(completion, list) else completion
        rewards.append(VERIFICATION_REWARD * score(text, truth))
    return rewards
