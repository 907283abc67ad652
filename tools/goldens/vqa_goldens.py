#!/usr/bin/env python3
"""Writes VQA accuracy goldens from the official evaluation script, for vqa_official_test.

Runs GT-Vision-Lab/VQA's PythonEvaluationTools/vqaEvaluation/vqaEval.py (a checkout given by
--vqa_repo; Python 2 source, its print statements turned into calls on the fly) under Python 3
on hand-written and seeded random cases, at two commits: the current script and the one before
"Fixed processing answers bug" (2021). Not run in CI: its output is checked in as
platform/metrics/testdata/vqa_official.json.

  python3 tools/goldens/vqa_goldens.py --vqa_repo ../VQA > platform/metrics/testdata/vqa_official.json
"""
import argparse
import contextlib
import io
import json
import random
import re
import subprocess
import types

SCRIPT = "PythonEvaluationTools/vqaEvaluation/vqaEval.py"
FIX_COMMIT = "a013f0043c1e2cdc995922dfe257f7149aa9af06"  # "Fixed processing answers bug"

# (prediction, ten human answers): the cases a reader can check by eye.
HAND = [
    ("red", ["red"] * 10),
    ("Red", ["red"] * 10),
    ("red.", ["red"] * 10),
    (" red\n", ["red"] * 10),
    ("Red", ["red"] * 9 + ["blue"]),
    ("two", ["2"] * 8 + ["two"] * 2),
    ("2", ["two"] * 10),
    ("Two", ["2"] * 3 + ["3"] * 7),
    ("1,000", ["1000"] * 2 + ["100"] * 8),
    ("A dog.", ["dog"] * 10),
    ("A dog.", ["dog"] * 9 + ["cat"]),
    ("yes", ["yes."] * 10),
    ("yes", ["yes."] * 9 + ["no"]),
    ("yes", ["yes!"] * 9 + ["no"]),
    ("dont know", ["don't know"] * 5 + ["no"] * 5),
    ("its red", ["it's red"] * 4 + ["red"] * 6),
    ("t-shirt", ["t shirt"] * 3 + ["shirt"] * 7),
    ("3.5", ["3.5"] * 3 + ["3"] * 7),
    ("", [""] * 3 + ["x"] * 7),
    ("\tyes ", [" yes"] * 4 + ["no"] * 6),
    # Unicode: lowercasing, whitespace, digits.
    ("ÉCOLE", ["école"] * 4 + ["school"] * 6),
    ("ÉCOLE", ["école"] * 10),
    ("İ", ["i̇"] * 5 + ["i"] * 5),
    ("ΟΔΟΣ", ["οδος", "οδοσ", "οδος", "οδοσ", "x", "y", "οδος", "οδος", "z", "w"]),
    ("STRASSE", ["straße"] * 5 + ["strasse"] * 5),
    ("straße", ["strasse"] * 5 + ["STRASSE"] * 5),
    ("two\u00a0dogs", ["2 dogs"] * 5 + ["dogs"] * 5),
    ("\u3000red\u3000", ["red"] * 10),
    ("\u3000red\u3000", ["red"] * 9 + ["blue"]),
    ("a\u200bb", ["a b"] * 5 + ["ab"] * 5),
    ("١,٠٠٠", ["١٠٠٠"] * 4 + ["1000"] * 6),
    ("٣.", ["٣"] * 4 + ["3"] * 6),
    ("x.٣", ["x٣"] * 4 + ["x.٣"] * 6),
    ("Ⅻ dogs", ["ⅻ dogs"] * 4 + ["12 dogs"] * 6),
    ("ǅ", ["ǆ"] * 4 + ["dz"] * 6),
    ("ﬁsh", ["ﬁsh"] * 4 + ["fish"] * 6),
    ("ÅNGSTRÖM\u2028x", ["ångström x"] * 4 + ["a"] * 6),
]

WORDS = ["red", "Red", "two", "2", "the", "a", "dog", "DOG", "dont", "don't", "yes", "no",
         "none", "0", "t-shirt", "1,000", "1000", "3.5", "école", "ÉCOLE", "İ", "ß", "SS",
         "ΣΑΣ", "σας", "١,٠٠٠", "٣.٥", "its", "it's", "oclock", "ten", "10", "(left)", "left",
         "yes.", "No!", "a/b", "a b", "x_y", "\u00a0", "\u3000", "\t", "\n", "..", "@home"]


def random_answer(rng):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))


def random_cases(n, seed=1234):
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        pool = [random_answer(rng) for _ in range(rng.randint(1, 4))]
        humans = [rng.choice(pool) for _ in range(10)]
        prediction = rng.choice(pool + [random_answer(rng)])
        cases.append((prediction, humans))
    return cases


def load_vqa_eval(repo, commit):
    source = subprocess.run(["git", "-C", repo, "show", f"{commit}:{SCRIPT}"], check=True,
                            capture_output=True, text=True).stdout
    source = source.replace("\t", "    ")
    source = re.sub(r"^(\s*)print (.*)$", r"\1print(\2)", source, flags=re.M)
    module = types.ModuleType("vqaEval_" + commit[:7])
    exec(compile(source, SCRIPT, "exec"), module.__dict__)
    return module.VQAEval


class _Qa:
    def __init__(self, qa):
        self.qa = qa

    def getQuesIds(self):
        return list(self.qa)


def score(vqa_eval_class, cases):
    gts, res = {}, {}
    for i, (prediction, humans) in enumerate(cases):
        gts[i] = {"question_id": i, "question_type": "t", "answer_type": "other",
                  "answers": [{"answer": h, "answer_id": k + 1} for k, h in enumerate(humans)]}
        res[i] = {"question_id": i, "answer": prediction}
    evaluator = vqa_eval_class(_Qa(gts), _Qa(res), n=2)
    raw = {}
    evaluator.setEvalQA = lambda qid, acc: raw.__setitem__(qid, acc)
    evaluator.updateProgress = lambda progress: None
    with contextlib.redirect_stdout(io.StringIO()):  # the script's progress lines
        evaluator.evaluate()
    return [raw[i] for i in range(len(cases))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vqa_repo", required=True, help="a git checkout of GT-Vision-Lab/VQA")
    args = parser.parse_args()
    cases = HAND + random_cases(400)
    current = score(load_vqa_eval(args.vqa_repo, "HEAD"), cases)
    pre2021 = score(load_vqa_eval(args.vqa_repo, FIX_COMMIT + "^"), cases)
    lines = [json.dumps({"prediction": p, "answers": h, "current": c, "pre2021": o},
                        ensure_ascii=False)
             for (p, h), c, o in zip(cases, current, pre2021)]
    print('{"source": "GT-Vision-Lab/VQA %s", "cases": [' % SCRIPT)
    print(",\n".join(lines))
    print("]}")


if __name__ == "__main__":
    main()
