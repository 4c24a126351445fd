"""Writes expected.json: every fixture template rendered by Python's jinja2 with the setup
transformers' apply_chat_template uses (ImmutableSandboxedEnvironment, trim_blocks,
lstrip_blocks, loopcontrols, a generation tag that renders its body, tojson as
json.dumps(ensure_ascii=False), raise_exception, strftime_now). Run once, from this folder:

    python3 generate.py      # jinja2 3.1.6, Python 3.11

and commit expected.json; ChatTemplateConformanceTest compares Temper's renderings with it.
Templates come from open-instruct (CHAT_TEMPLATES in open_instruct/dataset_transformation.py),
TRL (trl/chat_templates/*.jinja, the originals shipped with the models) and model cards.
"""
import json
import os
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment


class GenerationTag(Extension):
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime(2024, 7, 26, 12, 0, 0).strftime(fmt)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                    extensions=[GenerationTag, jinja2.ext.loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

SPECIAL = {"bos_token": "<s>", "eos_token": "</s>", "date_string": "26 Jul 2024"}


def render(source, conv):
    try:
        t = env.from_string(source)
        kwargs = {k: v for k, v in conv.items() if k not in ("messages", "tools", "add_generation_prompt")}
        out = t.render(messages=conv["messages"], tools=conv.get("tools"), documents=None,
                       add_generation_prompt=conv.get("add_generation_prompt", False),
                       **SPECIAL, **kwargs)
        return {"output": out}
    except Exception as e:  # the Java side must fail too, with this message for raise_exception
        return {"error": type(e).__name__ + ": " + str(e)}


here = os.path.dirname(os.path.abspath(__file__))
convs = json.load(open(os.path.join(here, "conversations.json")))
features = json.load(open(os.path.join(here, "features.json")))
expected = {"jinja2": jinja2.__version__, "templates": {}, "features": {}}
tdir = os.path.join(here, "templates")
for name in sorted(os.listdir(tdir)):
    src = open(os.path.join(tdir, name), encoding="utf-8").read()
    # transformers hands the template over as read; jinja2 drops one trailing newline
    expected["templates"][name] = {c: render(src, convs[c]) for c in convs}
for name, src in features.items():
    expected["features"][name] = render(src, convs["basic"])
with open(os.path.join(here, "expected.json"), "w", encoding="utf-8") as f:
    json.dump(expected, f, ensure_ascii=False, indent=1, sort_keys=True)
    f.write("\n")
