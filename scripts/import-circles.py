#!/usr/bin/env python3
"""Import circles between lsm's top-level modules.

Prints the top-level modules of a source directory (default `src`), the
`crate::x` edges between them, the strongly connected components with more
than one module (the circles) and the 2-cycles (a <-> b).

Counted: every `crate::x` path outside `#[cfg(test)]` code, including the
grouped form `use crate::{x, y::z}`, and in comments (an intra-doc link
names a module as surely as a `use`; --code-only leaves comments out).
Test code is left out: an inline `#[cfg(test)] mod tests { .. }` and files
included by `#[cfg(test)] mod x;`.

  scripts/import-circles.py [--code-only] [-v] [--check] [SRC]

-v lists, for every edge, the files and the paths that make it.
--check exits 1 if any circle remains.
"""
import os
import re
import signal
import sys

# `| head` ends the output quietly.
signal.signal(signal.SIGPIPE, signal.SIG_DFL)

args = [a for a in sys.argv[1:] if not a.startswith("-")]
flags = {a for a in sys.argv[1:] if a.startswith("-")}
root = args[0] if args else "src"
with_comments = "--code-only" not in flags
verbose = "-v" in flags


CHAR = re.compile(r"'(\\(u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^\\'\n])'")


def literal_spans(text):
    """(start, end, kind) of every comment ("comment") and string or char
    literal ("literal"), so neither a brace nor an attribute inside one is
    taken for code."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            yield i, j, "comment"
            i = j
        elif text.startswith("/*", i):
            j, depth = i + 2, 1
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            yield i, j, "comment"
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:]) and not re.match(r"\w", text[i - 1 : i]):
            hashes = len(re.match(r"r(#*)", text[i:]).group(1))
            end = '"' + "#" * hashes
            j = text.find(end, i + 2 + hashes)
            j = n if j < 0 else j + len(end)
            yield i, j, "literal"
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            yield i, j + 1, "literal"
            i = j + 1
        elif c == "'" and CHAR.match(text, i):
            j = CHAR.match(text, i).end()
            yield i, j, "literal"
            i = j
        else:
            i += 1


def blank(text, kinds):
    """`text` with the spans of `kinds` turned to spaces (newlines kept),
    so every position still means the same place."""
    chars = list(text)
    for start, end, kind in literal_spans(text):
        if kind in kinds:
            for k in range(start, min(end, len(chars))):
                if chars[k] != "\n":
                    chars[k] = " "
    return "".join(chars)


def strip_test_items(text):
    """Drop `#[cfg(test)]` items: an inline block up to its closing brace,
    or an item up to its `;`. Returns the text and the names of
    `#[cfg(test)] mod x;` files to leave out."""
    code = blank(text, {"comment", "literal"})
    test_files = set()
    out, pos = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*", code):
        if m.start() < pos:
            continue
        out.append(text[pos : m.start()])
        i = m.end()
        decl = re.match(r"(pub(\([^)]*\))?\s+)?mod\s+(\w+)\s*;", code[i:])
        if decl:
            test_files.add(decl.group(3))
            pos = i + decl.end()
            continue
        # to the item's end: its closing brace, or a `;` outside braces
        j, depth = i, 0
        while j < len(code):
            ch = code[j]
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    j += 1
                    break
            elif ch == ";" and depth == 0:
                j += 1
                break
            j += 1
        pos = j
    out.append(text[pos:])
    return "".join(out), test_files


def crate_paths(text):
    """Every `crate::...` path, grouped uses expanded to their first segment."""
    for m in re.finditer(r"\bcrate::(\{)?", text):
        if m.group(1):
            j, depth = m.end(), 1
            while j < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            inner = text[m.end() : j - 1]
            # top-level items of the group: split on commas at depth 0
            depth, start = 0, 0
            for k, ch in enumerate(inner + ","):
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                elif ch == "," and depth == 0:
                    item = inner[start:k].strip()
                    start = k + 1
                    if item:
                        yield "crate::" + re.sub(r"\s+", "", item)
        else:
            p = re.match(r"[A-Za-z_][\w]*(::[A-Za-z_][\w]*)*", text[m.end() :])
            if p:
                yield "crate::" + p.group(0)


def rust_files(top):
    """The non-test files of one top-level module."""
    if os.path.isfile(top):
        return [top]
    files, skip = [], set()
    for d, _, names in sorted(os.walk(top)):
        for f in sorted(names):
            if f.endswith(".rs"):
                files.append(os.path.join(d, f))
    # leave out files declared `#[cfg(test)] mod x;` (x.rs or x/...)
    for f in files:
        _, tests = strip_test_items(open(f).read())
        base = os.path.dirname(f)
        stem = os.path.basename(f)[:-3]
        owner = base if stem in ("mod", "lib") else os.path.join(base, stem)
        for t in tests:
            skip.add(os.path.join(owner, t + ".rs"))
            skip.add(os.path.join(owner, t))
    return [
        f
        for f in files
        if f not in skip and not any(f.startswith(s + os.sep) for s in skip)
    ]


tops = {}
for name in sorted(os.listdir(root)):
    p = os.path.join(root, name)
    if name.endswith(".rs") and name not in ("lib.rs", "main.rs"):
        tops[name[:-3]] = rust_files(p)
    elif os.path.isdir(p):
        tops[name] = rust_files(p)

edges = {t: {} for t in tops}
for t, files in tops.items():
    for f in files:
        text, _ = strip_test_items(open(f).read())
        if not with_comments:
            text = blank(text, {"comment"})
        for path in crate_paths(text):
            other = path.split("::")[1]
            if other in tops and other != t:
                edges[t].setdefault(other, set()).add(
                    (os.path.relpath(f, root), path)
                )

# strongly connected components (Tarjan)
index, low, stack, on, sccs = {}, {}, [], set(), []
counter = [0]


def connect(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in sorted(edges[v]):
        if w not in index:
            connect(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        sccs.append(sorted(comp))


sys.setrecursionlimit(10000)
for v in sorted(edges):
    if v not in index:
        connect(v)

circles = sorted(c for c in sccs if len(c) > 1)
pairs = sorted((a, b) for a in edges for b in edges[a] if a in edges[b] and a < b)
n_edges = sum(len(e) for e in edges.values())
print(f"top-level modules: {len(tops)}, edges: {n_edges}")
print(
    f"SCCs with cycles: {len(circles)} "
    f"(sizes {[len(c) for c in circles]}): {circles}"
)
print(f"2-cycles: {len(pairs)}: {pairs}")
for a in sorted(edges):
    print(a, "->", sorted(edges[a]))
    if verbose:
        for b in sorted(edges[a]):
            for f, path in sorted(edges[a][b]):
                print(f"    {b}: {f}: {path}")
if "--check" in flags and circles:
    sys.exit(1)
