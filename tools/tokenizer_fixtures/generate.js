// Writes the tokenizer fixtures of plugins/tokenizers/testdata/hf/: one tokenizer.json per
// style (GPT-2, Llama-3, Qwen2, SmolLM2, Llama-2/Mistral, and files exercising single
// components), each with the ids, tokens and decoded text that Hugging Face's own `tokenizers`
// library (its Rust core through the npm binding) gives for a fixed list of texts. The C++ tests
// (plugins/tokenizers/hf_fixtures_test.cc) must reproduce them exactly.
//
// Run outside CI, where npm can install packages (the fixtures are checked in):
//   cd "$(mktemp -d)" && npm install tokenizers@0.23.2 && \
//     NODE_PATH=$PWD/node_modules node REPO/tools/tokenizer_fixtures/generate.js REPO/plugins/tokenizers/testdata/hf
//
// The vocabularies are learned here by a small BPE trainer (most frequent adjacent pair first,
// ties broken by the pair's text) over a generated corpus split by each style's own normalizer
// and pre-tokenizer, as run by the library. What is tested is encoding and decoding, not training.
'use strict';
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const VERSION = require('tokenizers/package.json').version;

// ---------------------------------------------------------------------------------------------
// Texts: what every fixture encodes.
const TEXTS = [
  '',
  ' ',
  'a red circle left of a blue square',
  'Hello world! How are you?',
  "I'll say it's DON'T, they're we've I'M you'd",
  'Numbers: 1 12 123 1234 12345 3.14159 2026-12-07',
  'spaces   between\twords\n\nand  lines\r\n end  ',
  '   leading and trailing   ',
  'café naïve Ünïcödé résumé',
  'e\u0301 vs \u00e9 (combining acute vs precomposed)',
  'İstanbul ΣΊΣΥΦΟΣ STRASSE ß ẞ ǅ',
  'ﬁne ① ２０２６ ｆｕｌｌｗｉｄｔｈ',
  '日本語のテキストと中文',
  'emoji 👍🏽 🧑‍🚀 ❤️',
  'Привет мир, مرحبا بالعالم',
  'code: x_1 = f(a, b) + 42; // comment',
  'punctuation... !!! ??? "quoted" (paren) [bracket] {brace}',
  '<|endoftext|>',
  'before<|endoftext|>after',
  'a <image> in  <image>text',
  '<s> hi </s>',
  '  <s>  spaced  </s>  ',
  'word<mask>word <mask> word',
  'Day and day, TODAY today',
  'the <user>question<assistant> answer',
];

// The generated corpus: sentences over a small vocabulary, plus each text above twice.
function corpus() {
  const words = ['a', 'red', 'blue', 'green', 'circle', 'square', 'triangle', 'left', 'right',
    'of', 'the', 'is', 'there', 'how', 'many', 'what', 'colour', 'shape', 'above', 'below',
    'Hello', 'world', 'today', 'day', 'numbers', 'between', 'words', 'lines', 'spaces', 'and',
    "it's", "don't", 'café', 'résumé', 'Привет', 'мир', 'question', 'answer', 'code'];
  const lines = [];
  let s = 12345;
  const rand = () => { s = (s * 1103515245 + 12345) % 2147483648; return s; };
  for (let i = 0; i < 400; ++i) {
    const n = 3 + (rand() % 8);
    const w = [];
    for (let k = 0; k < n; ++k) w.push(words[rand() % words.length]);
    if (i % 7 === 0) w.push(String(rand() % 100000));
    lines.push(w.join(i % 11 === 0 ? '  ' : ' ') + (i % 5 === 0 ? '.' : ''));
  }
  for (const t of TEXTS) lines.push(t, t);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// A small BPE trainer over pre-tokenized words.
function bytesToUnicode() {
  const bs = [];
  for (let b = 33; b <= 126; ++b) bs.push(b);
  for (let b = 161; b <= 172; ++b) bs.push(b);
  for (let b = 174; b <= 255; ++b) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; ++b) {
    if (!bs.includes(b)) { bs.push(b); cs.push(256 + n); ++n; }
  }
  const map = new Array(256);
  bs.forEach((b, i) => { map[b] = String.fromCodePoint(cs[i]); });
  return map;
}
const BYTE_CHARS = bytesToUnicode();

// words: Map word -> count; each word is split into initial symbols by `symbolsOf`.
function trainMerges(words, symbolsOf, numMerges, joinPair) {
  let seqs = [...words.entries()].map(([w, c]) => [symbolsOf(w), c]);
  const merges = [];
  for (let m = 0; m < numMerges; ++m) {
    const counts = new Map();
    for (const [sy, c] of seqs) {
      for (let i = 0; i + 1 < sy.length; ++i) {
        const key = sy[i] + '\u0000' + sy[i + 1];
        counts.set(key, (counts.get(key) || 0) + c);
      }
    }
    let best = null, bestCount = 1;  // a pair must occur at least twice
    for (const [k, c] of counts) {
      if (c > bestCount || (c === bestCount && best !== null && k < best)) { best = k; bestCount = c; }
    }
    if (best === null) break;
    const [a, b] = best.split('\u0000');
    const merged = joinPair(a, b);
    merges.push([a, b, merged]);
    seqs = seqs.map(([sy, c]) => {
      const out = [];
      for (let i = 0; i < sy.length; ++i) {
        if (i + 1 < sy.length && sy[i] === a && sy[i + 1] === b) { out.push(merged); ++i; }
        else out.push(sy[i]);
      }
      return [out, c];
    });
  }
  return merges;
}

// Pre-tokenized words of the corpus, as the library splits them with this pipeline.
function corpusWords(spec) {
  const probe = tk.Tokenizer.fromString(JSON.stringify(spec));
  const norm = probe.getNormalizer();
  const pre = probe.getPreTokenizer();
  const words = new Map();
  for (const line of corpus()) {
    const text = norm ? norm.normalizeString(line) : line;
    const pieces = pre ? pre.preTokenizeString(text).map((p) => p[0]) : [text];
    for (const p of pieces) if (p.length > 0) words.set(p, (words.get(p) || 0) + 1);
  }
  return words;
}

function addedToken(id, content, opts = {}) {
  return Object.assign({ id, content, single_word: false, lstrip: false, rstrip: false,
    normalized: false, special: true }, opts);
}

function bpeModel(vocab, merges, opts = {}) {
  return Object.assign({ type: 'BPE', dropout: null, unk_token: null,
    continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false,
    byte_fallback: false, ignore_merges: false, vocab, merges }, opts);
}

// A byte-level style: specials first, then the 256 byte characters, then merges.
function byteLevelStyle({ specials, normalizer = null, preTokenizer, postProcessor = null,
                          decoder = { type: 'ByteLevel', add_prefix_space: true,
                                      trim_offsets: true, use_regex: true },
                          numMerges = 300, modelOpts = {}, mergesAsPairs = false }) {
  const vocab = {};
  const added = [];
  specials.forEach(([content, opts]) => {
    const id = Object.keys(vocab).length;
    vocab[content] = id;
    added.push(addedToken(id, content, opts));
  });
  for (const c of BYTE_CHARS) vocab[c] = Object.keys(vocab).length;
  const skeleton = { version: '1.0', truncation: null, padding: null, added_tokens: added,
    normalizer, pre_tokenizer: preTokenizer, post_processor: postProcessor, decoder,
    model: bpeModel(vocab, [], modelOpts) };
  const words = corpusWords(skeleton);
  const merges = trainMerges(words, (w) => [...w], numMerges, (a, b) => a + b);
  for (const [, , m] of merges) if (!(m in vocab)) vocab[m] = Object.keys(vocab).length;
  skeleton.model.merges = merges.map(([a, b]) => (mergesAsPairs ? [a, b] : `${a} ${b}`));
  return skeleton;
}

// A SentencePiece-converted style (Llama-2, Mistral): <unk> <s> </s>, the 256 byte tokens
// <0x00>..<0xFF>, the corpus's frequent characters, then merges; byte fallback for the rest.
function sentencePieceStyle({ normalizer, preTokenizer, decoder, postProcessor, numMerges = 250,
                              modelOpts = {} }) {
  const vocab = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; ++b) {
    vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = Object.keys(vocab).length;
  }
  const added = [addedToken(0, '<unk>'), addedToken(1, '<s>'), addedToken(2, '</s>')];
  const skeleton = { version: '1.0', truncation: null, padding: null, added_tokens: added,
    normalizer, pre_tokenizer: preTokenizer, post_processor: postProcessor, decoder,
    model: bpeModel(vocab, [], Object.assign({ unk_token: '<unk>', fuse_unk: true,
                                               byte_fallback: true }, modelOpts)) };
  // Train on the normalised lines cut before each '▁' (SentencePiece's word boundary).
  const lines = new Map();
  for (const [w, c] of corpusWords(skeleton)) {
    for (const piece of w.split(/(?=▁)/u)) lines.set(piece, (lines.get(piece) || 0) + c);
  }
  const charCount = new Map();
  for (const [w, c] of lines) for (const ch of w) charCount.set(ch, (charCount.get(ch) || 0) + c);
  // Characters seen at least 6 times get a token; rarer ones fall back to bytes.
  for (const [ch, c] of [...charCount.entries()].sort()) {
    if (c >= 6 && !(ch in vocab)) vocab[ch] = Object.keys(vocab).length;
  }
  const known = new Map([...lines].filter(([w]) => [...w].every((ch) => ch in vocab)));
  const merges = trainMerges(known, (w) => [...w], numMerges, (a, b) => a + b);
  for (const [, , m] of merges) if (!(m in vocab)) vocab[m] = Object.keys(vocab).length;
  skeleton.model.merges = merges.map(([a, b]) => `${a} ${b}`);
  return skeleton;
}

// A character-level style with a continuing-subword prefix and an end-of-word suffix.
function affixStyle() {
  const pre = { type: 'Whitespace' };
  const skeleton = { version: '1.0', truncation: null, padding: null,
    added_tokens: [addedToken(0, '[UNK]'), addedToken(1, '[CLS]'), addedToken(2, '[SEP]')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' },
                                                   { type: 'Lowercase' }] },
    pre_tokenizer: pre,
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1] },
    decoder: null,
    model: bpeModel({}, [], { unk_token: '[UNK]', continuing_subword_prefix: '##',
                              end_of_word_suffix: '</w>' }) };
  const vocab = { '[UNK]': 0, '[CLS]': 1, '[SEP]': 2 };
  skeleton.model.vocab = vocab;
  const words = corpusWords(skeleton);
  const symbolsOf = (w) => {
    const chars = [...w];
    return chars.map((c, i) => (i > 0 ? '##' : '') + c + (i === chars.length - 1 ? '</w>' : ''));
  };
  const charCount = new Map();
  for (const [w, c] of words) for (const s of symbolsOf(w)) charCount.set(s, (charCount.get(s) || 0) + c);
  for (const [s, c] of [...charCount.entries()].sort()) if (c >= 3) vocab[s] = Object.keys(vocab).length;
  const known = new Map([...words].filter(([w]) => symbolsOf(w).every((s) => s in vocab)));
  const merges = trainMerges(known, symbolsOf, 200, (a, b) => a + b.replace(/^##/, ''));
  for (const [, , m] of merges) if (!(m in vocab)) vocab[m] = Object.keys(vocab).length;
  skeleton.model.merges = merges.map(([a, b]) => [a, b]);
  return skeleton;
}

// ---------------------------------------------------------------------------------------------
// The styles.
const LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const byteLevelPre = (addPrefixSpace, useRegex) =>
  ({ type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: useRegex });
const template = (bos) => ({ type: 'TemplateProcessing',
  single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
  pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
         { SpecialToken: { id: bos, type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
  special_tokens: { [bos]: { id: bos, ids: [1], tokens: [bos] } } });

const STYLES = {
  gpt2: () => byteLevelStyle({
    specials: [['<|endoftext|>', {}]],
    preTokenizer: byteLevelPre(false, true),
    postProcessor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
  }),
  gpt2_prefix_space: () => byteLevelStyle({
    specials: [['<|endoftext|>', {}], ['<image>', {}]],
    preTokenizer: byteLevelPre(true, true),
    mergesAsPairs: true,
  }),
  llama3: () => byteLevelStyle({
    specials: [['<|begin_of_text|>', {}], ['<|end_of_text|>', {}], ['<|eot_id|>', {}]],
    preTokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: LLAMA3_SPLIT }, behavior: 'Isolated', invert: false },
      byteLevelPre(false, false)] },
    postProcessor: { type: 'Sequence', processors: [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      { type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } },
                 { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } },
               { Sequence: { id: 'A', type_id: 0 } },
               { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } },
               { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [0],
                                                 tokens: ['<|begin_of_text|>'] } } }] },
    modelOpts: { ignore_merges: true },
    mergesAsPairs: true,
  }),
  qwen2: () => byteLevelStyle({
    specials: [['<|endoftext|>', {}], ['<|im_start|>', {}], ['<|im_end|>', {}]],
    normalizer: { type: 'NFC' },
    preTokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: QWEN2_SPLIT }, behavior: 'Isolated', invert: false },
      byteLevelPre(false, false)] },
    postProcessor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
  }),
  smollm2: () => byteLevelStyle({
    specials: [['<|endoftext|>', {}], ['<|im_start|>', {}], ['<|im_end|>', {}]],
    preTokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Digits', individual_digits: true }, byteLevelPre(false, true)] },
    postProcessor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
  }),
  llama2: () => {
    const t = sentencePieceStyle({
      normalizer: { type: 'Sequence', normalizers: [
        { type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
      preTokenizer: null,
      decoder: { type: 'Sequence', decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' },
        { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
      postProcessor: template('<s>'),
    });
    return t;
  },
  mistral_metaspace: () => sentencePieceStyle({
    normalizer: null,
    preTokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
    postProcessor: template('<s>'),
  }),
  metaspace_split_always: () => sentencePieceStyle({
    normalizer: { type: 'NFKC' },
    preTokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    decoder: { type: 'Sequence', decoders: [{ type: 'ByteFallback' },
      { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }] },
    postProcessor: null,
    modelOpts: { fuse_unk: false },
  }),
  // Added tokens' flags: lstrip, rstrip, single_word, normalized (under a Lowercase normalizer).
  added_token_flags: () => byteLevelStyle({
    specials: [
      ['<s>', { lstrip: true }], ['</s>', { rstrip: true }],
      ['<mask>', { lstrip: true, rstrip: true }], ['day', { single_word: true, special: false }],
      ['<image>', { normalized: true, special: false }], ['<user>', {}],
      ['<assistant>', { normalized: true }]],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Lowercase' }, { type: 'NFKD' }] },
    preTokenizer: byteLevelPre(true, true),
    postProcessor: { type: 'RobertaProcessing', sep: ['</s>', 1], cls: ['<s>', 0],
                     trim_offsets: true, add_prefix_space: true },
  }),
  // Split behaviours, Punctuation, WhitespaceSplit and normalizers Strip/Replace(regex)/NFKC.
  split_behaviours: () => byteLevelStyle({
    specials: [['<|endoftext|>', {}]],
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'Strip', strip_left: true, strip_right: true },
      { type: 'Replace', pattern: { Regex: '\\s{2,}' }, content: ' ' }, { type: 'NFKC' }] },
    preTokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { String: ',' }, behavior: 'MergedWithPrevious', invert: false },
      { type: 'Split', pattern: { Regex: '\\d+' }, behavior: 'Contiguous', invert: false },
      { type: 'Split', pattern: { String: '(' }, behavior: 'MergedWithNext', invert: false },
      { type: 'Split', pattern: { Regex: '[a-z]+' }, behavior: 'Removed', invert: true },
      { type: 'Punctuation', behavior: 'Isolated' },
      { type: 'Digits', individual_digits: false },
      byteLevelPre(false, false)] },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  }),
  whitespace_split: () => byteLevelStyle({
    specials: [['<|endoftext|>', {}]],
    preTokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' },
      { type: 'Punctuation', behavior: 'Contiguous' }, byteLevelPre(true, false)] },
    decoder: null,
  }),
  affixes: affixStyle,
};

// ---------------------------------------------------------------------------------------------
async function main() {
  const outDir = process.argv[2];
  if (!outDir) throw new Error('usage: node generate.js OUT_DIR');
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, make] of Object.entries(STYLES)) {
    const spec = make();
    const tok = tk.Tokenizer.fromString(JSON.stringify(spec));
    const cases = [];
    for (const text of TEXTS) {
      const plain = await tok.encode(text, null, { addSpecialTokens: false });
      const withSpecial = await tok.encode(text, null, { addSpecialTokens: true });
      const ids = plain.getIds();
      cases.push({ text, ids, tokens: plain.getTokens(), ids_with_special: withSpecial.getIds(),
                   decoded: await tok.decode(ids, false) });
    }
    const fixture = { generator: 'tools/tokenizer_fixtures/generate.js',
      reference: `Hugging Face tokenizers ${VERSION} (npm package "tokenizers")`,
      style: name, tokenizer: spec, cases };
    fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(fixture, null, 1) + '\n');
    console.log(`${name}: ${Object.keys(spec.model.vocab).length} tokens, ` +
                `${spec.model.merges.length} merges, ${cases.length} texts`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
