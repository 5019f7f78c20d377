"""Conventions of infra/terraform that a reviewer relies on, checked without Terraform.

- every variable has a description and a type, every output a description;
- every checkov skip carries a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

INFRA = Path(__file__).resolve().parent.parent
REPO = INFRA.parent
TF_FILES = sorted((INFRA / "terraform").rglob("*.tf"))


def mask(text: str) -> str:
    """The text with comments, string contents and heredocs blanked out (same length and lines),
    so braces and `=` inside them cannot confuse the block scanner."""
    out = list(text)
    i, n = 0, len(text)

    def blank(start: int, end: int) -> None:
        for j in range(start, end):
            if out[j] != "\n":
                out[j] = " "

    while i < n:
        c = text[i]
        if c == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end == -1 else end
            blank(i, end)
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end == -1 else end + 2
            blank(i, end)
            i = end
        elif text.startswith("<<", i):
            heredoc = re.match(r"<<-?([A-Za-z_]\w*)\n", text[i:])
            if heredoc is None:
                i += 2
                continue
            closing = re.compile(rf"^\s*{heredoc.group(1)}\s*$", re.MULTILINE)
            found = closing.search(text, i + heredoc.end())
            end = n if found is None else found.end()
            blank(i, end)
            i = end
        elif c == '"':
            end = _string_end(text, i)
            blank(i + 1, end - 1)
            i = end
        else:
            i += 1
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    """Index just past the closing quote of the string opening at `start`, across ${...}."""
    i, depth = start + 1, 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if text.startswith("${", i) or text.startswith("%{", i):
            depth += 1
            i += 2
            continue
        if c == "}" and depth:
            depth -= 1
        elif c == '"' and depth:
            i = _string_end(text, i)
            continue
        elif c == '"':
            return i + 1
        i += 1
    raise ValueError(f"unterminated string at offset {start}")


@dataclass(frozen=True)
class Block:
    path: Path
    kind: str
    name: str
    attributes: frozenset[str]

    def __str__(self) -> str:
        return f'{self.path.relative_to(INFRA)}: {self.kind} "{self.name}"'


def top_level_blocks(path: Path, kind: str) -> list[Block]:
    text = path.read_text()
    masked = mask(text)
    blocks = []
    for header in re.finditer(rf'^{kind}\s+"\s*[^"]*"\s*\{{', masked, re.MULTILINE):
        name = re.match(rf'{kind}\s+"([^"]*)"', text[header.start():]).group(1)
        body_start = header.end()
        depth, i = 1, body_start
        while depth:
            if i >= len(masked):
                raise ValueError(f"{path}: unbalanced braces in {kind} {name}")
            depth += {"{": 1, "}": -1}.get(masked[i], 0)
            i += 1
        body = masked[body_start : i - 1]
        blocks.append(Block(path, kind, name, frozenset(_direct_attributes(body))))
    return blocks


def _direct_attributes(body: str) -> set[str]:
    """Attribute names assigned at the block's own level, not inside nested blocks."""
    names, depth = set(), 0
    for line in body.splitlines():
        if depth == 0:
            assigned = re.match(r"\s*([A-Za-z_][\w-]*)\s*=(?!=)", line)
            if assigned:
                names.add(assigned.group(1))
        depth += line.count("{") + line.count("[") + line.count("(")
        depth -= line.count("}") + line.count("]") + line.count(")")
    return names


VARIABLES = [b for path in TF_FILES for b in top_level_blocks(path, "variable")]
OUTPUTS = [b for path in TF_FILES for b in top_level_blocks(path, "output")]


def test_the_scanner_found_the_blocks():
    # An empty list would make the tests below pass without checking anything.
    assert len(VARIABLES) > 100
    assert len(OUTPUTS) > 30
    assert any(b.name == "key_admin_arns" for b in VARIABLES)


@pytest.mark.parametrize("block", VARIABLES, ids=str)
def test_variable_has_description_and_type(block):
    missing = {"description", "type"} - block.attributes
    assert not missing, f"{block} lacks {sorted(missing)}"


@pytest.mark.parametrize("block", OUTPUTS, ids=str)
def test_output_has_description(block):
    assert "description" in block.attributes, f"{block} lacks a description"


def test_scanner_ignores_braces_in_strings_and_comments(tmp_path):
    sample = tmp_path / "sample.tf"
    sample.write_text(
        'variable "x" {\n'
        '  # type = string  (a comment, not an attribute)\n'
        '  description = "braces } { and ${var.y} \\" stay inside"\n'
        "  validation {\n"
        '    condition     = var.x != "}"\n'
        '    error_message = "nested"\n'
        "  }\n"
        "}\n"
        'variable "z" {\n'
        "  type = string\n"
        "}\n"
    )
    blocks = top_level_blocks(sample, "variable")
    assert [(b.name, sorted(b.attributes)) for b in blocks] == [
        ("x", ["description"]),
        ("z", ["type"]),
    ]


SKIP = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?")


def test_every_checkov_skip_has_a_reason():
    files = TF_FILES + [REPO / "Dockerfile"]
    skips = [
        (path.name, m.group(1), (m.group(2) or "").strip())
        for path in files
        for m in SKIP.finditer(path.read_text())
    ]
    assert skips, "no checkov skips found: the pattern is probably wrong"
    for name, check, reason in skips:
        assert len(reason) >= 40, f"{name}: skip of {check} needs a reason, got {reason!r}"


META_ARGUMENTS = {"source", "count", "for_each", "providers", "depends_on", "version"}


def _module_calls() -> list[tuple[Block, Path]]:
    calls = []
    for path in TF_FILES:
        text = path.read_text()
        for block in top_level_blocks(path, "module"):
            # Only the local modules this repository holds can be checked.
            pattern = rf'module\s+"{block.name}"\s*\{{.*?^\s*source\s*=\s*"([^"]*)"'
            source = re.search(pattern, text, re.DOTALL | re.MULTILINE)
            if source and source.group(1).startswith("."):
                calls.append((block, (path.parent / source.group(1)).resolve()))
    return calls


MODULE_CALLS = _module_calls()


def test_module_calls_were_found():
    assert len(MODULE_CALLS) >= 8


@pytest.mark.parametrize(("call", "module_dir"), MODULE_CALLS, ids=lambda x: str(x))
def test_module_call_matches_module_variables(call, module_dir):
    # terraform validate cannot run without the provider; this catches what it would say about
    # arguments: unknown ones, and required ones left out.
    declared = {}
    for path in sorted(module_dir.glob("*.tf")):
        for variable in top_level_blocks(path, "variable"):
            declared[variable.name] = "default" in variable.attributes
    passed = call.attributes - META_ARGUMENTS
    unknown = passed - declared.keys()
    required = {name for name, has_default in declared.items() if not has_default}
    assert not unknown, f"{call} passes undeclared {sorted(unknown)}"
    assert not required - passed, f"{call} leaves out required {sorted(required - passed)}"
