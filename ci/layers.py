#!/usr/bin/env python3
"""Checks that src/ has no import cycle, file by file and folder by folder.

Usage: ci/layers.py [SRC_DIR]     (default: src next to this script's parent)
An arrow A -> B means that A names `crate::b...` (a `use` or a path); files are
src/x.rs, src/x/mod.rs and src/x/y.rs. Prints the layers (each file above all it
uses) and exits 1, naming the files, if some of them use each other in a loop.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'src')
ROOT = os.path.normpath(ROOT)
PATH = re.compile(r'\bcrate::([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)(?!::[a-z_{]|[a-z0-9_])')
GROUP = re.compile(r'\bcrate::(?:([a-z_][a-z0-9_]*)::)?\{([^}]*)\}')
SUPER = re.compile(r'\bsuper::([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)(?!::[a-z_{]|[a-z0-9_])')
LOCAL = re.compile(r'^\s*(?:pub(?:\([a-z]+\))?\s+)?use\s+([a-z_][a-z0-9_]*)::', re.M)


def module_of(rel):
    parts = rel[:-3].split(os.sep)
    if parts[-1] in ('mod', 'lib'):
        parts = parts[:-1]
    return tuple(parts)


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


files = {}
for d, _, names in os.walk(ROOT):
    for n in names:
        if n.endswith('.rs'):
            rel = os.path.relpath(os.path.join(d, n), ROOT)
            files[module_of(rel)] = rel
# test-only modules (#[cfg(test)] mod tests) are not layers of the product
tests = {m for m in files if m and m[-1] == 'tests'}


def resolve(path):
    """The longest module prefix of a crate path that is a file."""
    parts = tuple(path.split('::'))
    for i in range(len(parts), 0, -1):
        if parts[:i] in files:
            return parts[:i]
    return None


edges = {m: set() for m in files if m not in tests}
for m in edges:
    text = strip_comments(open(os.path.join(ROOT, files[m])).read())
    targets = set(PATH.findall(text))
    for head, body in GROUP.findall(text):
        prefix = head + '::' if head else ''
        targets |= {prefix + b.strip().split(' ')[0] for b in body.split(',') if b.strip()}
    is_dir = files[m].endswith('mod.rs') or not m
    here = m if is_dir else m[:-1]
    for t in SUPER.findall(text):
        targets.add('::'.join(here[:-1] + tuple(t.split('::'))))
    for t in LOCAL.findall(text):
        # `use child::...` in a folder's mod.rs (or lib.rs) names a submodule
        if here + (t,) in files:
            targets.add('::'.join(here + (t,)))
    for t in targets:
        r = resolve(t)
        # a folder's own mod.rs is used by its files for shared items: only
        # arrows between different files count
        if r is not None and r != m and r not in tests:
            edges[m].add(r)


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
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
            if len(comp) > 1:
                out.append(comp)

    for v in graph:
        if v not in index:
            visit(v)
    return out


def folders(graph):
    """The same graph with each folder of src/ collapsed into one node."""
    def top(m):
        return m[:1] if len(m) > 1 or (m and files.get(m, '').endswith('mod.rs')) else m
    g = {}
    for a, bs in graph.items():
        g.setdefault(top(a), set())
        for b in bs:
            if top(b) != top(a):
                g[top(a)].add(top(b))
            g.setdefault(top(b), set())
    return g


def name(m):
    return 'crate' if not m else '::'.join(m)


bad = False
for label, graph in (('files', edges), ('folders', folders(edges))):
    for comp in cycles(graph):
        bad = True
        print('import cycle among %s: %s' % (label, ', '.join(sorted(name(c) for c in comp))))
        for a in sorted(comp):
            for b in sorted(graph[a] & set(comp)):
                print('    %s -> %s' % (name(a), name(b)))
if bad:
    sys.exit(1)

# layers: each module one floor above the highest thing it uses
floor = {}


def height(m):
    if m not in floor:
        floor[m] = 1 + max((height(b) for b in edges[m]), default=0)
    return floor[m]


for m in edges:
    height(m)
for f in sorted(set(floor.values()), reverse=True):
    print('floor %d: %s' % (f, ', '.join(sorted(files[m] for m in floor if floor[m] == f))))
print('no import cycle among %d files' % len(edges))
