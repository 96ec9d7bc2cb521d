#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Doxygen INPUT_FILTER: the headers' kernel-doc comments as Doxygen reads them.

In a /** ... */ block: "name() - text", "struct name - text" and
"NAME - text" open a @brief; "@arg: text" (with its indented continuation
lines) becomes "@param arg text" for a function, a list item for a struct
or enum; "Return: text" becomes "@return text"; any other "@word" is
"@p word". A trailing /* text */ after a declaration inside a struct or
enum becomes /**< text */, the member's documentation.
"""
import re
import sys

HEAD = re.compile(r"^(\s*(?:/\*\*|\*)\s*)((?:struct |enum |union )?[A-Za-z_][A-Za-z0-9_]*(?:\(\))?) - (.*)$")
FIELD = re.compile(r"^(\s*\*\s*)@([A-Za-z_][A-Za-z0-9_]*):\s*(.*)$")
RET = re.compile(r"^(\s*\*\s*)Return:\s*(.*)$")
REF = re.compile(r"(?<![\w@\\])@([A-Za-z_][A-Za-z0-9_]*)")
TRAIL = re.compile(r"^(.*[;,])(\s*)/\*(?!\*)(.*)\*/\s*$")


def rewrite(block):
    lines = block.split("\n")
    is_func = False
    out = []
    for i, line in enumerate(lines):
        if i == 0 or (i == 1 and lines[0].strip() == "/**"):
            m = HEAD.match(line)
            if m:
                is_func = m.group(2).endswith("()")
                line = m.group(1) + "@brief " + REF.sub(r"@p \1", m.group(3))
                out.append(line)
                continue
        m = FIELD.match(line)
        if m:
            text = REF.sub(r"@p \1", m.group(3))
            if is_func:
                out.append(f"{m.group(1)}@param {m.group(2)} {text}")
            else:
                out.append(f"{m.group(1)}- @c {m.group(2)}: {text}")
            continue
        m = RET.match(line)
        if m:
            out.append(m.group(1) + "@return " + REF.sub(r"@p \1", m.group(2)))
            continue
        out.append(REF.sub(r"@p \1", line))
    return "\n".join(out)


def main():
    src = open(sys.argv[1], encoding="utf-8").read()
    src = re.sub(r"/\*\*(?!<).*?\*/", lambda m: rewrite(m.group(0)), src, flags=re.S)
    depth = 0
    out = []
    for line in src.split("\n"):
        if depth > 0:
            m = TRAIL.match(line)
            if m:
                line = f"{m.group(1)}{m.group(2)}/**<{m.group(3)}*/"
        depth += line.count("{") - line.count("}")
        out.append(line)
    sys.stdout.write("\n".join(out))


main()
