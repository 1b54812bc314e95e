#!/usr/bin/env python3
"""Fails when a module includes a module it may not depend on (the layering of README's layout
table). Run by the build (CMake target canbao_layering, part of ALL) and so by every test run.

A module is a directory: engine/{include/canbao,src}/<module>/, adapters/ (`adapters`),
plugins/ (`plugins`: the ABI, includable by everyone) and tools/synth/ (`synth`). An include of
"canbao/<other>/..." from a file of <module> must name a module in ALLOWED[<module>] (or itself).

usage: check_layering.py SOURCE_DIR [STAMP]
"""
import os
import re
import sys

# Who may include whom: every module lists the modules below it that it uses directly.
ALLOWED = {
    "core": set(),
    "identity": {"core"},
    "records": {"core", "identity"},
    "manifest": {"core", "identity", "records"},
    "index": {"core", "identity", "records"},
    "rules": {"core", "identity", "records"},
    "adapters": {"records"},
    "state": {"core", "identity", "records"},
    "ingest": {"core", "identity", "records", "manifest", "index", "adapters"},
    "match": {"core", "identity", "records", "index"},
    "output": {"core", "identity", "records", "rules"},
    "job": {"core", "identity", "records", "manifest", "index", "rules", "ingest", "match", "output", "state"},
    "query": {"core", "identity", "records", "manifest", "index", "rules", "match", "output", "state"},
    "serve": {"core", "query"},
    "synth": {"core", "identity", "records"},
    "dist": {"core"},
    "cli": {"core", "job", "query", "serve", "synth", "dist"},
}
ANYONE = {"adapter_abi.h", "adapter_util.h"}  # plugins/include/canbao: the C ABI

INCLUDE = re.compile(r'^\s*#\s*include\s+"canbao/([^"]+)"', re.M)


def module_of(rel):
    parts = rel.split("/")
    if parts[0] == "engine" and len(parts) > 3 and parts[1] == "include":
        return parts[3]
    if parts[0] == "engine" and len(parts) > 2 and parts[1] == "src":
        return parts[2]
    if parts[0] == "adapters":
        return "adapters"
    if parts[:2] == ["tools", "synth"]:
        return "synth"
    return None


def main():
    root = sys.argv[1]
    problems = []
    for top in ("engine", "adapters", "tools/synth"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if not name.endswith((".h", ".cpp")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                module = module_of(rel)
                if module is None:
                    continue
                if module not in ALLOWED:
                    problems.append(f"{rel}: module '{module}' is not in the layering table (scripts/check_layering.py)")
                    continue
                with open(path, encoding="utf-8") as text:
                    for match in INCLUDE.finditer(text.read()):
                        target = match.group(1)
                        if target in ANYONE:
                            continue
                        other = target.split("/")[0]
                        if other != module and other not in ALLOWED[module]:
                            problems.append(f'{rel}: includes "canbao/{target}": {module} may not depend on {other}')
    if problems:
        print("layering violations (README layout table):", file=sys.stderr)
        for problem in problems:
            print("  " + problem, file=sys.stderr)
        return 1
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as stamp:
            stamp.write("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
