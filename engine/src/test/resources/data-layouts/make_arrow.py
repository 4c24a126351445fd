"""Writes the Arrow fixtures of DatasetLayoutsTest with the real writers: a Hugging Face
`datasets` save_to_disk folder (one Dataset, and a DatasetDict) and an Arrow IPC file
(Feather v2, uncompressed) written by pyarrow. Run once from this folder:

    python3 make_arrow.py      # datasets 5.0.1, pyarrow 25.0.1, Python 3.11

Each fixture has a .jsonl twin holding the same rows as given to the writer; the test imports
the Arrow data and expects to export exactly those rows.
"""
import json
import shutil

import pyarrow as pa
import pyarrow.feather as feather
from datasets import Dataset, DatasetDict

messages = [
    {"messages": [
        {"role": "system", "content": "You can call tools."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function",
            "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "name": "get_weather",
         "content": "{\"temperature\": 18}"},
        {"role": "assistant", "content": "It is 18 degrees.",
         "reasoning_content": "The tool said 18."}], "id": "tools-0", "score": 0.5},
    {"messages": [
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "4", "reasoning_content": "Two and two make four."}],
     "id": "reasoning-1", "score": 1.25},
]
prompt_completion = {
    "train": [{"prompt": "The sky is", "completion": " blue."},
              {"prompt": "The sun is", "completion": " yellow."}],
    "test": [{"prompt": "Grass is", "completion": " green."}],
}
preference = [
    {"prompt": [{"role": "user", "content": "Say hi."}],
     "chosen": [{"role": "assistant", "content": "Hi!"}],
     "rejected": [{"role": "assistant", "content": "No."}]},
    {"prompt": [{"role": "user", "content": "Count to two."}],
     "chosen": [{"role": "assistant", "content": "1, 2"}],
     "rejected": [{"role": "assistant", "content": "3"}]},
]


def jsonl(name, rows):
    with open(name, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


shutil.rmtree("hf-messages", ignore_errors=True)
Dataset.from_list(messages).save_to_disk("hf-messages")
jsonl("hf-messages.jsonl", messages)

shutil.rmtree("hf-dict", ignore_errors=True)
DatasetDict({k: Dataset.from_list(v) for k, v in prompt_completion.items()}).save_to_disk(
    "hf-dict")
jsonl("hf-dict-train.jsonl", prompt_completion["train"])

feather.write_feather(pa.Table.from_pylist(preference), "preference.arrow",
                      compression="uncompressed")
jsonl("preference-arrow.jsonl", preference)
