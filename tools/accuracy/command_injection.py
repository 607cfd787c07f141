#!/usr/bin/env python3
"""Accuracy of the shell check on public corpora (see docs/detection/shell.md).

False positives: tldr-pages example commands, each judged with benign inputs taken from
the command's own argument words in inert positions (not the command name, not an
option, no unquoted shell metacharacter; quoted words give their content).
Recall: OWASP CRS command-injection (932) attack payloads spliced into command templates
(unquoted argument, inside double quotes, inside single quotes, inside a word, the whole
command).

    tools/accuracy/command_injection.py [--corpus DIR] [--rampart PATH]

The corpus directory holds tldr-pages/derived/tldr-pages-commands.jsonl and
coreruleset/derived/crs-regression-tests-flat.jsonl (default: $RAMPART_CORPUS, else the
shared/corpus folder next to the repository). Cases are scored by `rampart eval`.
"""
import argparse, json, os, re, shlex, subprocess, sys, tempfile
from collections import Counter, defaultdict

SPECIAL = set(';&|<>()$`\\"\'*?[]{}~#\n\t ')
OPERATORS = {'|', '||', '&&', ';', '&', '(', ')', ';;'}
REDIRECTS = {'>', '>>', '<', '<<', '2>', '&>', '>&', '2>>', '<<<'}
# Payload bytes that can act in each context; other payloads are inert there (a
# payload without a quote stays data inside single quotes), so missing them is right.
CAN_ACT = {
    'unquoted_argument': lambda p: bool(set(p) & set(';&|<>()$`\n\t *?[{~#\\"\'')) or p.startswith('-'),
    'double_quoted': lambda p: bool(set(p) & set('"$`')) or p.endswith('\\'),
    'single_quoted': lambda p: "'" in p,
    'inside_word': lambda p: bool(set(p) & set(';&|<>()$`\n\t *?[{\\"\'')),
    'whole_command': lambda p: True,
}
TEMPLATES = {
    'unquoted_argument': "ping -c 1 {}",
    'double_quoted': 'nslookup "{}"',
    'single_quoted': "grep -i '{}' /var/log/app.log",
    'inside_word': "convert /srv/uploads/{}.png /srv/thumbs/out.png",
    'whole_command': "{}",
}


def default_corpus():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for candidate in (os.environ.get('RAMPART_CORPUS'), os.path.join(repo, '..', 'shared', 'corpus'), '/work/shared/corpus'):
        if candidate and os.path.isdir(candidate):
            return candidate
    sys.exit('corpus not found: pass --corpus DIR or set RAMPART_CORPUS')


def inert_words(command):
    """Argument words of `command` in inert positions, as (input value, is_option)."""
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=';&|()<>')
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:
        return []
    words, expect_command, previous = [], True, None
    for token in tokens:
        if token in OPERATORS:
            expect_command = True
        elif expect_command:
            # The command name (and assignments before it) are not argument positions.
            expect_command = bool(re.match(r'^[A-Za-z_][A-Za-z0-9_]*=', token))
        elif previous in REDIRECTS or token in REDIRECTS:
            pass
        elif len(token) >= 2 and not set(token) & SPECIAL and token in command:
            if not re.fullmatch(r'[A-Za-z0-9_]+', token):
                words.append((token, token.startswith('-')))
        previous = token
    return words


def run_eval(rampart, cases):
    with tempfile.NamedTemporaryFile('w', suffix='.jsonl', delete=False) as f:
        for case in cases:
            f.write(json.dumps(case) + '\n')
        path = f.name
    try:
        out = subprocess.run([*rampart, 'eval', path], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(path)
    return {r['id']: r for r in map(json.loads, out.splitlines())}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--corpus', default=None)
    parser.add_argument('--rampart', default=None, help='path to the rampart binary (default: cargo run)')
    args = parser.parse_args()
    corpus = args.corpus or default_corpus()
    rampart = [args.rampart] if args.rampart else ['cargo', 'run', '-q', '--release', '-p', 'rampart-cli', '--']

    # False positives on tldr-pages.
    cases, options = [], []
    with open(os.path.join(corpus, 'tldr-pages/derived/tldr-pages-commands.jsonl')) as f:
        commands = [json.loads(line)['command'] for line in f]
    for n, command in enumerate(commands):
        for k, (word, is_option) in enumerate(inert_words(command)):
            case = {'id': f'tldr-{n}-{k}', 'kind': 'shell', 'resource': command,
                    'inputs': [{'source': 'query', 'key': 'q', 'value': word}], 'expect': 'safe'}
            (options if is_option else cases).append(case)
    results = run_eval(rampart, cases + options)
    flagged = [c for c in cases if results[c['id']]['verdict'] == 'attack']
    option_flagged = sum(results[c['id']]['verdict'] == 'attack' for c in options)
    commands_with_fp = len({c['resource'] for c in flagged})
    print(f"tldr-pages: {len(commands)} commands, {len(cases)} benign argument inputs judged, "
          f"{len(flagged)} flagged (false positives {100 * len(flagged) / max(len(cases), 1):.3f}%, "
          f"{commands_with_fp} commands)")
    print(f"  option words as inputs (flagged by design as shell_option): {option_flagged}/{len(options)}")
    for reason, count in Counter(results[c['id']]['reason'] for c in flagged).most_common():
        print(f"  {reason}: {count}")
    for c in flagged[:15]:
        print(f"    {c['inputs'][0]['value']!r} in {c['resource'][:110]!r}")

    # Recall on CRS command-injection payloads.
    payloads = set()
    with open(os.path.join(corpus, 'coreruleset/derived/crs-regression-tests-flat.jsonl')) as f:
        for line in f:
            stage = json.loads(line)
            if stage['category'] != 'cmdi' or stage['label'] != 'attack':
                continue
            for value in (i['value'] for i in stage['inputs'] if i['location'] in ('query', 'body', 'header', 'cookie')):
                if value and len(value) >= 2:
                    payloads.add(value)
    payloads = sorted(payloads)
    cases = []
    for name, template in TEMPLATES.items():
        for n, payload in enumerate(payloads):
            cases.append({'id': f'{name}-{n}', 'kind': 'shell', 'resource': template.format(payload),
                          'inputs': [{'source': 'query', 'key': 'q', 'value': payload}], 'expect': 'attack'})
    results = run_eval(rampart, cases)
    per_template = defaultdict(lambda: [0, 0, 0, 0])
    for c in cases:
        name = c['id'].rsplit('-', 1)[0]
        detected = results[c['id']]['verdict'] == 'attack'
        stats = per_template[name]
        stats[0] += detected
        stats[1] += 1
        if CAN_ACT[name](c['inputs'][0]['value']):
            stats[2] += detected
            stats[3] += 1
    total = sum(s[0] for s in per_template.values())
    acting = sum(s[3] for s in per_template.values())
    acting_detected = sum(s[2] for s in per_template.values())
    print(f"CRS 932 payloads: {len(payloads)} unique, {len(cases)} spliced cases, detected {total} "
          f"({100 * total / len(cases):.2f}%); payloads that can act in their context: {acting_detected}/{acting} "
          f"(recall {100 * acting_detected / max(acting, 1):.2f}%)")
    for name, (detected, n, acting_detected, acting) in per_template.items():
        print(f"  {name:18} all {detected}/{n} ({100 * detected / n:.2f}%), can act {acting_detected}/{acting} "
              f"({100 * acting_detected / max(acting, 1):.2f}%)  template {TEMPLATES[name]!r}")
        missed = [c['inputs'][0]['value'] for c in cases if c['id'].startswith(name + '-')
                  and results[c['id']]['verdict'] != 'attack' and CAN_ACT[name](c['inputs'][0]['value'])]
        for value in missed[:5]:
            print(f"      missed {value[:80]!r}")


if __name__ == '__main__':
    main()
