#!/usr/bin/env python3
"""readme_conf.py README CONF [--update]: the configuration excerpt in the
README (between the "begin CONF" and "end CONF" markers) must be CONF with
its comments and blank lines left out.  Prints what differs and exits 1;
with --update, rewrites the excerpt instead."""
import difflib
import re
import sys


def directives(conf_text):
    """CONF's lines without comments: whole-line ones, trailing "# ..." (outside
    quotes), and the blank lines they leave."""
    out = []
    for line in conf_text.splitlines():
        code, quoted = [], False
        for ch in line:
            if ch == '"':
                quoted = not quoted
            if ch == "#" and not quoted:
                break
            code.append(ch)
        code = "".join(code).rstrip()
        if code.strip():
            out.append(code)
    return out


def main():
    readme, conf = sys.argv[1], sys.argv[2]
    update = "--update" in sys.argv[3:]
    name = "conf/logward.conf"
    text = open(readme).read()
    pat = re.compile(r"(<!-- begin %s -->\n```\n)(.*?)(```\n<!-- end %s -->)"
                     % (re.escape(name), re.escape(name)), re.S)
    m = pat.search(text)
    if m is None:
        print("%s: no excerpt between <!-- begin %s --> and <!-- end %s -->" % (readme, name, name))
        return 1
    want = directives(open(conf).read())
    got = m.group(2).splitlines()
    if got == want:
        print("%s: the excerpt is %s (%d lines)" % (readme, name, len(want)))
        return 0
    if update:
        text = text[:m.start(2)] + "\n".join(want) + "\n" + text[m.end(2):]
        open(readme, "w").write(text)
        print("%s: excerpt rewritten from %s" % (readme, name))
        return 0
    print("%s: the excerpt differs from %s without comments "
          "(tests/doc/readme_conf.py README.md conf/logward.conf --update rewrites it):" % (readme, name))
    sys.stdout.writelines(difflib.unified_diff([l + "\n" for l in got], [l + "\n" for l in want],
                                               "README.md", name))
    return 1


if __name__ == "__main__":
    sys.exit(main())
