#!/usr/bin/env python3
"""An independent check of `tempbalance experiment report`'s selection and statistics, from the raw trial files.

    python3 build/check-experiment-stats.py experiments/results/<run>

Written apart from the C# report (standard library only: Student's t tail from the regularised incomplete beta
function by its continued fraction), so the numbers in docs/results.md do not rest on one implementation. For each
ratio and method it picks the configuration with the lowest mean validation metric, then prints each TempBalance
arm against its fine-tuning arm: mean and std of the test metric, the relative improvement, and the one-sided p of
Welch's t-test and of the paired t-test over the shared seeds. Cells with fewer than 2 seeds are skipped.
"""
import json, glob, math, statistics as st, sys, collections
d = sys.argv[1]
T = [json.load(open(f)) for f in glob.glob(d + '/trials/*.json')]
def betacf(a, b, x):
    qab, qap, qam = a+b, a+1, a-1; c, dd = 1.0, 1-qab*x/qap; dd = 1/dd; h = dd
    for m in range(1, 300):
        m2 = 2*m; aa = m*(b-m)*x/((qam+m2)*(a+m2))
        dd = 1/(1+aa*dd); c = 1+aa/c; h *= dd*c
        aa = -(a+m)*(qab+m)*x/((a+m2)*(qap+m2))
        dd = 1/(1+aa*dd); c = 1+aa/c; de = dd*c; h *= de
        if abs(de-1) < 1e-15: break
    return h
def ibeta(a, b, x):
    if x <= 0: return 0.0
    if x >= 1: return 1.0
    bt = math.exp(math.lgamma(a+b)-math.lgamma(a)-math.lgamma(b)+a*math.log(x)+b*math.log(1-x))
    return bt*betacf(a, b, x)/a if x < (a+1)/(a+b+2) else 1-bt*betacf(b, a, 1-x)/b
def tsf(t, df):  # P(T > t)
    p = 0.5*ibeta(df/2, 0.5, df/(df+t*t))
    return p if t > 0 else 1-p
cells = collections.defaultdict(lambda: collections.defaultdict(list))
for t in T: cells[(t['ratio'], t['configuration']['method'])][t['configuration']['key']].append(t)
chosen = {}
for (r, m), cfgs in cells.items():
    best = min(cfgs.items(), key=lambda kv: st.mean(x['validation'] for x in kv[1]))
    chosen[(r, m)] = best
for r in sorted({k[0] for k in chosen}):
    for m in sorted(k[1] for k in chosen if k[0] == r):
        key, ts = chosen[(r, m)]
        c = ts[0]['configuration']  # older trial files lack fineTuningMethod; the rule is the harness's
        base = c.get('fineTuningMethod') or (m[:m.rindex('TB')] + 'FT' if c['tempBalance'] else m)
        if base == m or (r, base) not in chosen: continue
        ft = {x['seed']: x['test'] for x in chosen[(r, base)][1]}
        tb = {x['seed']: x['test'] for x in ts}
        a, b = list(ft.values()), list(tb.values())
        if len(a) < 2 or len(b) < 2: continue
        va, vb = st.variance(a)/len(a), st.variance(b)/len(b)
        tw = (st.mean(a)-st.mean(b))/math.sqrt(va+vb)
        dfw = (va+vb)**2/(va**2/(len(a)-1)+vb**2/(len(b)-1))
        sh = sorted(set(ft) & set(tb)); dif = [ft[s]-tb[s] for s in sh]
        tp = st.mean(dif)/(st.stdev(dif)/math.sqrt(len(dif)))
        print(f"{r} {m:9s} vs {base:4s} {key:50s} FT {st.mean(a):.4f}±{st.stdev(a):.3f} TB {st.mean(b):.4f}±{st.stdev(b):.3f} impr {(st.mean(a)-st.mean(b))/st.mean(a)*100:+.1f}% welch {tsf(tw,dfw):.3f} paired {tsf(tp,len(dif)-1):.3f}")
