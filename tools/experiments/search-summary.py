#!/usr/bin/env python3
"""Where issue 13's targets stand over many searches: reads the study files of `coft search-report --out STUDY`
(labels were read there, after each search, never by it) and prints two Markdown tables.

1. One row per search for one objective (default: stability, the default of coft searches): the search's task and
   space, the candidates' accuracy range, the ceiling of an objective's rho (from the accuracy ranking's split-half
   reliability), the objective's Spearman rho, and its guarded pick (what best.json holds) minus the oracle / minus
   the base config, and whether it meets both pick targets (within 1.5 points of the oracle, at least the defaults).
2. One row per objective: per task, on how many searches its guarded pick meets both targets, and its mean rho.

    python3 tools/experiments/search-summary.py [--objective NAME] [--held-out] STUDY.json...

With --held-out (studies written by `coft search-report --held-out PATH --out STUDY`): the same measures again with
each candidate's accuracy on the held-out images (images of the task the search did not adapt on) beside them.

The space is read from the search folder's search.json where it still exists ("wide" when its description calls it
wide, as the built-in wide space's does, else "default"; "?" when the folder is gone).
"""
import json
import os
import sys
from collections import OrderedDict

TOLERANCE = 0.015  # the "within 1.5 points of the oracle"
EPS = 1e-9


def space_of(search):
    try:
        with open(os.path.join(search, 'search.json')) as f:
            description = json.load(f)['space'].get('description', '')
    except (OSError, KeyError, ValueError):
        return '?'
    return 'wide' if 'wide' in description.lower() else 'default'


def meets(guarded, oracle, base):
    return oracle - guarded <= TOLERANCE + EPS and guarded >= base - EPS


def main(argv):
    objective = 'stability'
    held_out = False
    while argv and argv[0].startswith('--'):
        if argv[0] == '--objective' and len(argv) >= 2:
            objective, argv = argv[1], argv[2:]
        elif argv[0] == '--held-out':
            held_out, argv = True, argv[1:]
        else:
            sys.exit('unknown option %s\n%s' % (argv[0], __doc__))
    if not argv:
        sys.exit(__doc__)
    studies = []
    for path in argv:
        with open(path) as f:
            s = json.load(f)
        names = [o['objective'] for o in s['objectives']]
        if objective not in names:
            sys.exit('%s: no objective %r (it has %s)' % (path, objective, ', '.join(names)))
        if held_out and 'held_out' not in s:
            sys.exit('%s: no held-out study (write it with coft search-report --held-out PATH)' % path)
        s['_path'] = path
        studies.append(s)
    if held_out:
        per_search(studies, objective, ' (searched images)')
        print()
        per_search([dict(s['held_out'], task=s['task'], search=s['search'], _path=s['_path']) for s in studies],
                   objective, ' (held out)')
        print()
        per_objective(studies, lambda s: s)
        print()
        per_objective(studies, lambda s: s['held_out'], ' (held out)')
    else:
        per_search(studies, objective, '')
        print()
        per_objective(studies, lambda s: s)


def per_search(studies, objective, label):

    print('| task | space | study | accuracy range%s | ceiling of rho | `%s` rho | best.json - oracle / - base | '
          'both targets |' % (label, objective))
    print('|---|---|---|---:|---:|---:|---:|---|')
    for s in studies:
        o = next(x for x in s['objectives'] if x['objective'] == objective)
        acc = list(s['accuracy_per_candidate'].values())
        g, orc, base = o['guarded_accuracy'], s['oracle_accuracy'], s['base_accuracy']
        ceiling = s.get('accuracy_ranking', {}).get('rho_ceiling')
        print('| %s | %s | %s | %.2f-%.2f %% | %s | %+.2f | %+.2f / %+.2f | %s |' % (
            s['task'], space_of(s['search']), os.path.basename(s['_path']), 100 * min(acc), 100 * max(acc),
            '-' if ceiling is None else '%.2f' % ceiling, o['spearman'], 100 * (g - orc), 100 * (g - base),
            'yes' if meets(g, orc, base) else '**no**'))


def per_objective(studies, measure, label=''):
    """Per objective and task: searches whose best.json meets both targets / mean rho, on the chosen measure."""
    tasks = list(OrderedDict.fromkeys(s['task'] for s in studies))
    objectives = list(OrderedDict.fromkeys(x['objective'] for s in studies for x in s['objectives']))
    print('| objective%s | ' % label + ' | '.join('`%s`: both targets / mean rho' % t for t in tasks) + ' | all |')
    print('|---|' + '---:|' * (len(tasks) + 1))
    for name in objectives:
        cells = []
        total = [0, 0]
        for t in tasks:
            met, n, rhos = 0, 0, []
            for study in studies:
                if study['task'] != t:
                    continue
                s = measure(study)
                o = next((x for x in s['objectives'] if x['objective'] == name), None)
                if o is None:
                    continue
                n += 1
                met += meets(o['guarded_accuracy'], s['oracle_accuracy'], s['base_accuracy'])
                if o['spearman'] is not None:
                    rhos.append(o['spearman'])
            total[0] += met
            total[1] += n
            cells.append('%d of %d / %s' % (met, n, '%+.2f' % (sum(rhos) / len(rhos)) if rhos else '-'))
        print('| %s | %s | %d of %d |' % (name, ' | '.join(cells), total[0], total[1]))


if __name__ == '__main__':
    main(sys.argv[1:])
