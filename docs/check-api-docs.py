#!/usr/bin/env python3
"""The API reference leaves nothing out (meson test api-docs).

1. `gi-docgen check` finds no undocumented symbol, parameter or return
   value in the GIR of the public API.
2. Every symbol libtally.map exports is a documented function of the GIR,
   and every function of the GIR is exported (else the reference would
   describe a symbol no program can link to).
3. Every macro the public headers define is documented: in the GIR, or,
   for the expressions g-ir-scanner does not record, in api-overview.md.

Usage: check-api-docs.py GI_DOCGEN CONFIG GIR MAP OVERVIEW HEADER...
"""
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

NS = {
    'core': 'http://www.gtk.org/introspection/core/1.0',
    'c': 'http://www.gtk.org/introspection/c/1.0',
}
C_IDENTIFIER = '{%s}identifier' % NS['c']
C_TYPE = '{%s}type' % NS['c']


def fail(problems):
    for p in problems:
        print('api-docs: ' + p)
    print('api-docs: %d problem(s)' % len(problems))
    sys.exit(1)


def has_doc(element):
    doc = element.find('core:doc', NS)
    return doc is not None and (doc.text or '').strip() != ''


def main(argv):
    gidocgen, config, gir, map_file, overview, *headers = argv[1:]
    problems = []

    # 1. gi-docgen's own verdict; any warning counts.
    check = subprocess.run([gidocgen, 'check', '--fatal-warnings', '--config', config, gir],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    warnings = [line for line in check.stdout.splitlines() if 'WARNING' in line]
    if check.returncode != 0 or warnings:
        problems += ['gi-docgen check: ' + re.sub(r'\x1b\[[0-9;]*m', '', w) for w in warnings]
        if not warnings:
            problems.append('gi-docgen check failed (%d):\n%s' % (check.returncode, check.stdout))

    # 2. The GIR's documented functions and symbols against the map.
    root = ET.parse(gir).getroot()
    functions = {}       # C symbol → documented?
    macros = {}
    for kind in ('function', 'method', 'constructor'):
        for element in root.iter('{%s}%s' % (NS['core'], kind)):
            functions[element.get(C_IDENTIFIER)] = has_doc(element)
    for element in root.iter('{%s}function-macro' % NS['core']):
        macros[element.get(C_IDENTIFIER)] = has_doc(element)
    for element in root.iter('{%s}constant' % NS['core']):
        macros[element.get(C_TYPE)] = has_doc(element)
    for kind in ('record', 'enumeration', 'callback', 'alias'):
        for element in root.iter('{%s}%s' % (NS['core'], kind)):
            if not has_doc(element):
                problems.append('type %s is not documented' % element.get(C_TYPE))
    for element in root.iter('{%s}member' % NS['core']):
        if not has_doc(element):
            problems.append('value %s is not documented' % element.get(C_IDENTIFIER))

    with open(map_file) as f:
        text = re.sub(r'/\*.*?\*/', '', f.read(), flags=re.S)
    global_part = text.split('global:', 1)[1].split('local:', 1)[0]
    exported = set(re.findall(r'([A-Za-z_][A-Za-z0-9_]*)\s*;', global_part))
    if not exported:
        problems.append('no exported symbols found in %s' % map_file)
    for symbol in sorted(exported):
        if symbol not in functions:
            problems.append('%s is exported but not in the GIR' % symbol)
        elif not functions[symbol]:
            problems.append('%s is exported but not documented' % symbol)
    for symbol in sorted(set(functions) - exported):
        problems.append('%s is in the GIR but libtally.map does not export it' % symbol)

    # 3. Every public macro.
    with open(overview) as f:
        overview_text = f.read()
    for header in headers:
        with open(header) as f:
            for name in re.findall(r'^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)', f.read(), flags=re.M):
                if name == 'TALLY_INSIDE':
                    continue  # tally.h's own include guard for its parts
                if name in macros:
                    if not macros[name]:
                        problems.append('macro %s is not documented' % name)
                elif '`%s`' % name not in overview_text:
                    problems.append('macro %s is neither in the GIR nor in %s' % (name, overview))

    if problems:
        fail(problems)
    print('api-docs: %d exported functions, %d macros and constants, all documented'
          % (len(exported), len(macros)))


if __name__ == '__main__':
    main(sys.argv)
