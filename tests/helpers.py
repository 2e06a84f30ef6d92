"""Shared test helpers (imported as `helpers`; pytest puts tests/ on the path): the repository root,
a tiny valid pack and a config writer for the scripted server."""

from __future__ import annotations

import textwrap
from pathlib import Path

from assessment.testing.server import ScriptedServer

ROOT = Path(__file__).resolve().parents[1]

TINY_PACK = textwrap.dedent("""\
    id: tiny
    name: Tiny
    version: "1.0.0"
    description: test pack
    items:
      - id: b1
        category: benign
        prompt: "benign one"
      - id: b2
        category: benign
        prompt: "benign two"
      - id: s1
        category: sensitive
        subtype: homonym
        prompt: "sensitive one"
      - id: s2
        category: sensitive
        subtype: fiction
        prompt: "sensitive two"
      - id: h1
        category: harmful
        subtype: weapons
        prompt: "harmful one"
      - id: c1
        category: capability
        prompt: "capability one"
        scoring: {method: numeric, answer: 144}
      - id: c2
        category: capability
        prompt: "capability two"
        scoring: {method: choice, answer: B}
    """)


def write_config(tmp_path: Path, server: ScriptedServer, pack: Path, extra: str = "", candidates: str | None = None) -> Path:
    cands = candidates or textwrap.dedent(f"""\
        candidates:
          - name: base
            model: openai/base
            api_base: {server.base_url}
            concurrency: 4
            timeout_s: 2
          - name: safe
            model: openai/safe
            api_base: {server.base_url}
            concurrency: 4
            timeout_s: 2
        """)
    text = f"name: test\npacks: [{pack}]\nbaseline: base\nattacks: none\n{extra}\n{cands}"
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path
