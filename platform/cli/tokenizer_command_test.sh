#!/usr/bin/env bash
# End-to-end tests of `vlmlab tokenizer train`: exit status and messages for good and bad input,
# and a trained file that an experiment then uses (`vlmlab validate` builds its tokenizer).
set -uo pipefail

VLMLAB="$1"
EXPERIMENT="experiments/quickstart.textproto"
TMP="${TEST_TMPDIR:-$(mktemp -d)}/tokenizer_cli"
mkdir -p "$TMP"
source tests/cli_expect.sh


# Usage errors.
expect 2 "tokenizer takes one subcommand: train" -- "$VLMLAB" tokenizer
expect 2 "tokenizer train needs --out FILE" -- "$VLMLAB" tokenizer train --vocab_size 300 "$EXPERIMENT" --data captions
expect 2 "tokenizer train needs --vocab_size N" -- "$VLMLAB" tokenizer train --out "$TMP/t.json" "$EXPERIMENT" --data captions
expect 2 "needs --data MIXTURE" -- "$VLMLAB" tokenizer train --out "$TMP/t.json" --vocab_size 300 "$EXPERIMENT"
expect 2 "either an experiment (with --data) or --text_file" \
  -- "$VLMLAB" tokenizer train --out "$TMP/t.json" --vocab_size 300 "$EXPERIMENT" --data captions --text_file x
expect 2 "--trainer=nope: no tokenizer trainer of that name; trainers: bpe" \
  -- "$VLMLAB" tokenizer train --trainer nope --out "$TMP/t.json" --vocab_size 300 --text_file x
expect 2 "set vocab_size to at least 261" -- "$VLMLAB" tokenizer train --out "$TMP/t.json" --vocab_size 260 --text_file x

# Bad input.
expect 1 "--text_file: cannot read '$TMP/absent.txt'" \
  -- "$VLMLAB" tokenizer train --out "$TMP/t.json" --vocab_size 300 --text_file "$TMP/absent.txt"
: > "$TMP/empty.txt"
expect 1 "no text to train on: 0 texts" \
  -- "$VLMLAB" tokenizer train --out "$TMP/t.json" --vocab_size 300 --text_file "$TMP/empty.txt"
expect 1 'no data mixture named "nope"' \
  -- "$VLMLAB" tokenizer train --out "$TMP/t.json" --vocab_size 300 "$EXPERIMENT" --data nope
printf 'a red circle\nthe blue square is above the red circle\n' > "$TMP/corpus.txt"
expect 1 "cannot write tokenizer file '$TMP/no/such/dir/t.json'" \
  -- "$VLMLAB" tokenizer train --out "$TMP/no/such/dir/t.json" --vocab_size 300 --text_file "$TMP/corpus.txt"

# A text file: every line is a text.
expect 0 "read 2 texts (51 bytes) from $TMP/corpus.txt" \
  -- "$VLMLAB" tokenizer train --out "$TMP/file.json" --vocab_size 300 --text_file "$TMP/corpus.txt"
expect 0 "stopped below --vocab_size 300" \
  -- "$VLMLAB" tokenizer train --out "$TMP/file.json" --vocab_size 300 --text_file "$TMP/corpus.txt"

# --add_prefix_space is written into the file's pre-tokenizer (without it: false).
expect 0 "wrote $TMP/prefixed.json" -- "$VLMLAB" tokenizer train --out "$TMP/prefixed.json" \
  --vocab_size 300 --add_prefix_space --text_file "$TMP/corpus.txt"
if ! grep -q '"add_prefix_space": true' "$TMP/prefixed.json" ||
   ! grep -q '"add_prefix_space": false' "$TMP/file.json"; then
  echo "FAIL: --add_prefix_space is not what the written pre-tokenizers say"
  failures=$((failures + 1))
fi

# An experiment's mixture, read through its dataset plugins; then the experiment uses the file.
out="$("$VLMLAB" tokenizer train --out "$TMP/captions.json" --vocab_size 400 --max_texts 600 \
  "$EXPERIMENT" --data caption_vqa 2>&1)"
status=$?
if [[ "$status" != 0 || "$out" != *"read 600 texts"* || "$out" != *"wrote $TMP/captions.json: vocab size 400 (5 special, 256 bytes, 139 merged)"* ]]; then
  echo "FAIL: training on data[caption_vqa] (status $status):"; echo "$out"
  failures=$((failures + 1))
else
  # "mean per text: T tokens vs B bytes": BPE must shorten the captions at least threefold.
  read -r tokens bytes < <(sed -n 's/^mean per text: \([0-9.]*\) tokens vs \([0-9.]*\) bytes.*/\1 \2/p' <<<"$out")
  if ! awk -v t="$tokens" -v b="$bytes" 'BEGIN { exit !(t > 0 && 3 * t < b) }'; then
    echo "FAIL: $tokens tokens per text is not far below $bytes bytes:"; echo "$out"
    failures=$((failures + 1))
  fi
fi
expect 0 "OK $EXPERIMENT" -- "$VLMLAB" validate "$EXPERIMENT" --clear=model.tokenizer \
  --merge="model { tokenizer { bpe { path: \"$TMP/captions.json\" } } }"
# Same input, same bytes.
"$VLMLAB" tokenizer train --out "$TMP/again.json" --vocab_size 400 --max_texts 600 \
  "$EXPERIMENT" --data caption_vqa >/dev/null 2>&1
if ! cmp -s "$TMP/captions.json" "$TMP/again.json"; then
  echo "FAIL: training twice on the same texts wrote different files"
  failures=$((failures + 1))
fi

# encode / decode: JSON per text, round trip through the trained file, stdin lines, errors.
expect 0 '"text":"a red circle"' -- "$VLMLAB" tokenizer encode --tokenizer "$TMP/captions.json" \
  "a red circle"
ids="$("$VLMLAB" tokenizer encode --tokenizer "$TMP/captions.json" "2 shapes: a red circle" |
  sed 's/.*"ids":\[\([0-9,]*\)\].*/\1/')"
expect 0 '"text":"2 shapes: a red circle"' -- "$VLMLAB" tokenizer decode \
  --tokenizer "$TMP/captions.json" "$ids"
expect 0 '"tokens":["<bos>","h","i"]' -- "$VLMLAB" tokenizer encode --tokenizer byte --tokens hi
expect 0 '{"ids":[104,105],' -- "$VLMLAB" tokenizer encode --tokenizer byte --noadd_special_tokens hi
expect 0 '257 104 105' -- "$VLMLAB" tokenizer encode --tokenizer byte --ids hi
expect 2 "--ids prints ids alone" -- "$VLMLAB" tokenizer encode --tokenizer byte --ids --tokens hi
# --tokens shows the vocabulary entries as the file writes them (byte-level: a space is Ġ).
expect 0 '"Ġcircle"' -- "$VLMLAB" tokenizer encode --tokenizer "$TMP/captions.json" --tokens \
  "a red circle"
lines="$(printf 'one\ntwo\n' | "$VLMLAB" tokenizer encode --tokenizer byte | wc -l)"
if [[ "$lines" != 2 ]]; then
  echo "FAIL: two stdin lines gave $lines JSON lines"
  failures=$((failures + 1))
fi
expect 0 '{"ids":[104,105],"text":"hi"}' -- bash -c "echo '104, 105' | '$VLMLAB' tokenizer decode --tokenizer byte"
expect 2 "'x' is not a token id" -- "$VLMLAB" tokenizer decode --tokenizer byte x
expect 2 "tokenizer encode needs --tokenizer" -- "$VLMLAB" tokenizer encode hi
expect 1 "--tokenizer $TMP/nope.json" -- "$VLMLAB" tokenizer encode --tokenizer "$TMP/nope.json" hi
expect 2 "tokenizer takes one subcommand: train, encode or decode" -- "$VLMLAB" tokenizer frob

finish "tokenizer CLI"
