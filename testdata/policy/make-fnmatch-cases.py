#!/usr/bin/python3
# Regenerates fnmatch-cases.json: what CPython's fnmatch (the globbing of in-toto's artifact
# rules) says for corner-case patterns and paths. Run with Debian's /usr/bin/python3.
import fnmatch, json, random, sys

patterns = [
  "*", "**", "", "foo", "foo*", "*foo", "*foo*", "f*o", "*.py", "src/*", "src/*.py", "*/*",
  "?", "??", "a?c", "?.py", "[abc]", "[!abc]", "[a-c]", "[!a-c]", "[c-a]", "[!c-a]", "[]]",
  "[!]]", "[]a]", "[!]a]", "[", "[a", "a[", "[!", "[!]", "[]", "[-]", "[a-]", "[-a]", "[!-a]",
  "[a-c-e]", "[a--]", "[--a]", "[\\]", "[\\a]", "a\\b", "[a\\-c]", "[&&]", "[a&&b]", "[~~]",
  "[||]", "[^a]", "[[]", "[[a]", "[a[]", "[[:alpha:]]", "*[0-9]", "*.[ch]", "x*y*z", "*a*b*",
  "a*a*a*a*b", ".*", "*.tar.gz", "demo-project/*", "*/foo.py", "[b-a-c]", "[!b-a]", "[z-a-m]",
  "é*", "*ü", "[é-ü]", "?é", "[\U0001F600]", "*\n*", "\\*", "[*]", "[?]", "a+b", "(a)", "a|b",
  "a.b", "a$", "^a", "{a,b}", "[a-z0-9]*", "[!.]*", "*[!/]", "*/", "/*",
]
paths = [
  "", "a", "b", "c", "d", "-", "]", "[", "!", "^", "\\", "&", "~", "|", "foo", "foo.py", "xfoo",
  "foox", "fo", "fxo", "f/o", "src/a.py", "src/sub/b.py", "src", "src/", "a/b", "abc", "a.c",
  "a/c", "ac", "x.py", ".py", "demo-project/foo.py", "demo-project/.git/HEAD", "foo.tar.gz",
  "a.h", "b.c", "a.ch", "xyz", "xaybz", "xyzz", "aaaab", "aaaa", "ab", "ba", "a\\b", "a b",
  "é", "éa", "aü", "ü", "ö", "\U0001F600", "a\nb", "\n", "*", "?", "a+b", "(a)", "a|b", "axb",
  "a.b", "a$", "^a", "{a,b}", "9", "x9", ".hidden", "/abs", "dir/", "x/y/z", ":", "m", "z",
]
rng = random.Random(20261124)
alphabet = ["a", "b", "-", "!", "]", "[", "*", "?", "/", ".", "\\", "^", "z"]
for _ in range(300):
  patterns.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7))))
for _ in range(150):
  paths.append("".join(rng.choice(["a", "b", "-", "!", "]", "[", "/", ".", "z", "\\"]) for _ in range(rng.randint(0, 6))))
patterns = list(dict.fromkeys(patterns))
paths = list(dict.fromkeys(paths))
cases = []
for p in patterns:
  cases.append({"pattern": p, "matches": [x for x in paths if fnmatch.fnmatchcase(x, p)]})
json.dump({"generator": "make-fnmatch-cases.py (CPython %s fnmatch.fnmatchcase)" % sys.version.split()[0],
           "paths": paths, "cases": cases}, open(sys.argv[1] if len(sys.argv) > 1 else "fnmatch-cases.json", "w"),
          indent=0, ensure_ascii=False)
