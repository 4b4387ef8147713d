"""Mutant generation for ci/mutate.py: finds mutation points in a core's C sources with
libclang (Debian's python3-clang, the same version as the clang that builds the tree) and
writes mutant schemata: every mutant of a file compiled into one copy of it, each guarded
by a call to ph_mutant_on(N), which is true only for the mutant chosen at run time.

Operators (docs/fuzzing.md, "Mutation analysis"):
  bounds    an if that rejects (or returns early) on a length, size or limit: the check removed
  overflow  an if that rejects on an arithmetic overflow test (a *_MAX operand): removed
  reject    any other if whose branch returns a reject (the core's reject helper, a failed
            state, false/0/NULL, or a non-OK status passed up): the return dropped
  cmp       a comparison off by one: < and <=, > and >=, == and != swapped
  errname   a named error replaced by the next one of its enum
  const     an integer constant (a literal or a numeric macro) plus one
  stmt      an expression statement (assignment, call, increment) deleted

Only code inside function bodies of the file itself is mutated (headers are shared with the
harness and the tests, but for implementation headers, *_impl.h, which only the core's own
.c files include), never constant expressions (case labels, array sizes, static
initializers), and nothing that comes out of a macro expansion but a numeric macro's name.
"""
import hashlib
import os
import re
import subprocess

import clang.cindex as ci

CK = ci.CursorKind

CMP_SWAP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
ASSIGN_OPS = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="}
# Identifiers in a condition that make an if a bounds/length check.
BOUNDS_WORDS = re.compile(
    r"(len|length|size|end|lim|limit|cap|left|avail|have|count|num_|nruns|pos|_MAX|MAX_)",
    re.IGNORECASE)
OVERFLOW_WORDS = re.compile(r"\b(UINT(8|16|32|64)_MAX|SIZE_MAX|INT(8|16|32|64)?_MAX)\b")
HOOK = "ph_mutant_on"


class Mutant:
    def __init__(self, rel, func, op, line, col, orig, repl):
        self.rel, self.func, self.op = rel, func, op
        self.line, self.col = line, col
        self.orig, self.repl = orig, repl
        self.num = 0  # run-time number, 1..N in generation order
        self.id = ""

    def key(self):
        return "|".join([self.rel, self.func, self.op, norm(self.orig), norm(self.repl)])

    def to_json(self):
        return {"id": self.id, "num": self.num, "file": self.rel, "line": self.line,
                "col": self.col, "func": self.func, "op": self.op, "orig": self.orig,
                "repl": self.repl}


class Edit:
    """Replaces src[start:end) with template.format(*rendered holes, n=num)."""

    def __init__(self, start, end, holes, template, prio, mutant):
        self.start, self.end, self.holes = start, end, holes
        self.template, self.prio, self.mutant = template, prio, mutant


def norm(text):
    return " ".join(text.split())


def short(text, n=60):
    t = norm(text)
    return t if len(t) <= n else t[: n - 3] + "..."


def strip(c):
    """The expression under implicit casts and parentheses."""
    while c.kind in (CK.UNEXPOSED_EXPR, CK.PAREN_EXPR, CK.CSTYLE_CAST_EXPR):
        kids = list(c.get_children())
        if not kids:
            break
        c = kids[-1]
    return c


def clang_args(root):
    resource = subprocess.run(["clang", "-print-resource-dir"], capture_output=True, text=True,
                              check=True).stdout.strip()
    return ["-std=c11", "-D_GNU_SOURCE", "-I" + os.path.join(root, "src"),
            "-isystem", os.path.join(resource, "include")]


def file_flags(root):
    """Per-file compile options CMakeLists.txt sets (the ISA variants of the request parser
    need -mssse3, -mavx2 to parse at all)."""
    flags = {}
    with open(os.path.join(root, "CMakeLists.txt")) as f:
        for m in re.finditer(r"set_source_files_properties\(\s*(\S+)\s+PROPERTIES\s+"
                             r"COMPILE_OPTIONS\s+([^)]*)\)", f.read()):
            flags[m.group(1)] = m.group(2).split()
    return flags


def includer_of(root, rel):
    """A .c file next to the implementation header rel that includes it: the header is
    parsed as that file sees it (the first one, in name order, that parses)."""
    d, name = os.path.split(rel)
    out = []
    for f in sorted(os.listdir(os.path.join(root, d))):
        if f.endswith(".c"):
            with open(os.path.join(root, d, f)) as fh:
                if re.search(r'^#include "%s"' % re.escape(name), fh.read(), re.M):
                    out.append(os.path.join(d, f))
    return out


class FileMutator:
    """Mutants of rel, a .c file or an implementation header (*_impl.h: function bodies
    that several .c files compile, one per ISA), parsed through the file `unit`."""

    def __init__(self, root, rel, args, unit=None):
        self.root, self.rel = root, rel
        self.path = os.path.join(root, rel)
        with open(self.path, "rb") as f:
            self.src = f.read()
        self.tu = ci.Index.create().parse(os.path.join(root, unit or rel), args=args)
        errors = [d for d in self.tu.diagnostics if d.severity >= ci.Diagnostic.Error]
        if errors:
            raise RuntimeError("%s: libclang cannot parse it: %s" % (rel, errors[0]))
        self.edits = []
        self.mutants = []
        self.reject_helpers = set()

    # ---- helpers ------------------------------------------------------------------------
    def text(self, c):
        return self.src[c.extent.start.offset:c.extent.end.offset].decode("utf-8", "replace")

    def mine(self, c):
        s, e = c.extent.start, c.extent.end
        return (s.file is not None and e.file is not None and s.file.name == self.path
                and e.file.name == self.path and s.offset < e.offset)

    def add(self, c_at, func, op, orig, repl, start, end, holes, template, prio):
        m = Mutant(self.rel, func, op, c_at.line, c_at.column, orig, repl)
        self.mutants.append(m)
        self.edits.append(Edit(start, end, holes, template, prio, m))

    # ---- the core's reject idiom -----------------------------------------------------------
    def find_reject_helpers(self):
        """Functions that store a named error (assign a member called `error`), and those
        that return what such a function returns: reject(), fail(), bad_ack(), need_more()."""
        funcs = [c for c in self.tu.cursor.get_children()
                 if c.kind == CK.FUNCTION_DECL and c.is_definition() and self.mine(c)]

        def walk(c):
            yield c
            for k in c.get_children():
                yield from walk(k)

        for f in funcs:
            for c in walk(f):
                if c.kind == CK.BINARY_OPERATOR:
                    kids = list(c.get_children())
                    if len(kids) == 2 and self.op_token(c, kids) == "=":
                        lhs = strip(kids[0])
                        if lhs.kind == CK.MEMBER_REF_EXPR and lhs.spelling == "error":
                            self.reject_helpers.add(f.spelling)
        changed = True
        while changed:
            changed = False
            for f in funcs:
                if f.spelling in self.reject_helpers:
                    continue
                for c in walk(f):
                    if c.kind == CK.RETURN_STMT and self.is_reject_return(c):
                        self.reject_helpers.add(f.spelling)
                        changed = True
                        break

    def is_reject_return(self, ret):
        kids = list(ret.get_children())
        if not kids:
            return False
        e = strip(kids[0])
        if e.kind == CK.CALL_EXPR:
            return e.spelling in self.reject_helpers
        t = norm(self.text(e)) if self.mine(e) else ""
        if e.kind == CK.DECL_REF_EXPR and e.referenced is not None:
            name = e.referenced.spelling
            if e.referenced.kind == CK.ENUM_CONSTANT_DECL:
                return "FAIL" in name or "REJECT" in name
            # a status passed up: `if (st != PH_OK) return st;`
            return e.type.spelling == "enum ph_status"
        return t in ("false", "0", "NULL")

    def op_token(self, c, kids):
        lhs, rhs = kids
        if not (self.mine(lhs) and self.mine(rhs)):
            return None
        a, b = lhs.extent.end.offset, rhs.extent.start.offset
        if a > b:
            return None
        op = self.src[a:b].decode("utf-8", "replace").strip()
        return op if re.fullmatch(r"[<>=!+\-*/%&|^]+", op) else None

    # ---- the operators -------------------------------------------------------------------------
    def visit(self, c, func, parents):
        kind = c.kind
        if kind == CK.IF_STMT:
            self.if_check(c, func)
        elif kind == CK.BINARY_OPERATOR:
            self.comparison(c, func)
        elif kind == CK.DECL_REF_EXPR:
            self.error_name(c, func)
        elif kind == CK.INTEGER_LITERAL:
            self.constant(c, func, parents)
        if kind in (CK.COMPOUND_STMT, CK.IF_STMT, CK.FOR_STMT, CK.WHILE_STMT, CK.DO_STMT):
            kids = list(c.get_children())
            # the statements of a block; the branches and bodies of if/for/while
            stmts = {CK.COMPOUND_STMT: kids, CK.IF_STMT: kids[1:], CK.FOR_STMT: kids[-1:],
                     CK.WHILE_STMT: kids[1:], CK.DO_STMT: kids[:1]}[kind]
            for s in stmts:
                self.deleted_statement(s, func)
        for k in c.get_children():
            if self.mine(k) or k.kind == CK.INTEGER_LITERAL:
                self.visit(k, func, parents + [c])

    def if_check(self, c, func):
        kids = list(c.get_children())
        if len(kids) < 2 or not self.mine(kids[0]):
            return
        cond, then = kids[0], kids[1]
        ret = then
        if then.kind == CK.COMPOUND_STMT:
            body = list(then.get_children())
            if not body:
                return
            ret = body[-1]
        if ret.kind != CK.RETURN_STMT:
            return
        ctext = self.text(cond)
        if OVERFLOW_WORDS.search(ctext):
            op = "overflow"
        elif BOUNDS_WORDS.search(ctext):
            op = "bounds"
        elif self.is_reject_return(ret):
            op = "reject"
        else:
            return
        self.add(cond.extent.start, func, op, "if (%s)" % short(ctext), "check removed",
                 cond.extent.start.offset, cond.extent.end.offset,
                 [(cond.extent.start.offset, cond.extent.end.offset)],
                 "(({0}) && !" + HOOK + "({n}))", 0)

    def comparison(self, c, func):
        kids = list(c.get_children())
        if len(kids) != 2 or not self.mine(c):
            return
        op = self.op_token(c, kids)
        if op not in CMP_SWAP:
            return
        lhs, rhs = kids
        new = CMP_SWAP[op]
        at = lhs.extent.end.offset
        loc = ci.SourceLocation.from_offset(self.tu, c.extent.start.file,
                                            at + self.src[at:].index(op.encode()))
        self.add(loc, func, "cmp", short(self.text(c)), "%s -> %s" % (op, new),
                 c.extent.start.offset, c.extent.end.offset,
                 [(lhs.extent.start.offset, lhs.extent.end.offset),
                  (rhs.extent.start.offset, rhs.extent.end.offset)],
                 "(" + HOOK + "({n}) ? (({0}) " + new + " ({1})) : (({0}) " + op + " ({1})))", 1)

    def error_name(self, c, func):
        ref = c.referenced
        if ref is None or ref.kind != CK.ENUM_CONSTANT_DECL or not self.mine(c):
            return
        name = ref.spelling
        if "_ERR_" not in name or name.endswith("_ERR_NONE") or self.text(c) != name:
            return
        names = [k.spelling for k in ref.semantic_parent.get_children()
                 if k.kind == CK.ENUM_CONSTANT_DECL and not k.spelling.endswith("_ERR_NONE")]
        if len(names) < 2:
            return
        other = names[(names.index(name) + 1) % len(names)]
        self.add(c.extent.start, func, "errname", name, other,
                 c.extent.start.offset, c.extent.end.offset, [],
                 "(" + HOOK + "({n}) ? " + other + " : " + name + ")", 2)

    def constant(self, c, func, parents):
        s, e = c.extent.start, c.extent.end
        if s.file is None or s.file.name != self.path or s.offset >= e.offset:
            return
        for i, p in enumerate(parents):
            if p.kind in (CK.CASE_STMT, CK.ENUM_DECL, CK.STATIC_ASSERT):
                return
            if p.kind == CK.VAR_DECL:
                if p.storage_class == ci.StorageClass.STATIC:
                    return
                # an array size is a constant expression; only the initializer may change
                if p.type.kind == ci.TypeKind.CONSTANTARRAY:
                    nxt = parents[i + 1] if i + 1 < len(parents) else c
                    if nxt.kind != CK.INIT_LIST_EXPR:
                        return
        t = self.text(c)
        if not re.fullmatch(r"(0[xX][0-9a-fA-F]+|\d+)[uUlL]*|[A-Z][A-Z0-9_]*", t):
            return  # a macro with arguments or an expression: not one constant
        if any(ed.start == s.offset and ed.end == e.offset and ed.mutant.op == "const"
               for ed in self.edits):
            return  # one numeric macro made of several literals
        self.add(s, func, "const", t, "%s + 1" % t, s.offset, e.offset, [],
                 "(" + HOOK + "({n}) ? (" + t + " + 1) : " + t + ")", 3)

    def deleted_statement(self, s, func):
        if not self.mine(s):
            return
        e = s
        if e.kind == CK.BINARY_OPERATOR:
            kids = list(e.get_children())
            if len(kids) != 2 or self.op_token(e, kids) not in ASSIGN_OPS:
                return
        elif e.kind == CK.UNARY_OPERATOR:
            t = self.text(e)
            if not (t.startswith("++") or t.startswith("--") or t.endswith("++")
                    or t.endswith("--")):
                return
        elif e.kind not in (CK.CALL_EXPR, CK.COMPOUND_ASSIGNMENT_OPERATOR):
            return
        t = self.text(e)
        self.add(e.extent.start, func, "stmt", short(t), "deleted",
                 e.extent.start.offset, e.extent.end.offset,
                 [(e.extent.start.offset, e.extent.end.offset)],
                 "(" + HOOK + "({n}) ? (void)0 : (void)({0}))", 0)

    # ---- driving --------------------------------------------------------------------------
    def run(self):
        self.find_reject_helpers()
        for f in self.tu.cursor.get_children():
            if f.kind != CK.FUNCTION_DECL or not f.is_definition() or not self.mine(f):
                continue
            body = [k for k in f.get_children() if k.kind == CK.COMPOUND_STMT]
            if body:
                self.visit(body[0], f.spelling, [f])
        # Stable ids: what is mutated, where (function), how, and which occurrence of the
        # same text in that function; not the line, which moves with every edit above.
        seen = {}
        for m in self.mutants:
            k = m.key()
            seen[k] = seen.get(k, 0) + 1
            h = hashlib.sha1(("%s|%d" % (k, seen[k])).encode()).hexdigest()[:8]
            stem = os.path.splitext(os.path.basename(self.rel))[0]
            m.id = "%s:%s:%s:%s" % (stem, m.func, m.op, h)
        return self.mutants

    def render(self, lo, hi, edits):
        out, pos, i = [], lo, 0
        while i < len(edits):
            e = edits[i]
            j = i + 1
            inner = []
            while j < len(edits) and edits[j].start < e.end:
                if edits[j].end <= e.end:
                    inner.append(edits[j])
                j += 1
            out.append(self.src[pos:e.start].decode("utf-8", "replace"))
            holes = [self.render(hs, he, [x for x in inner if x.start >= hs and x.end <= he])
                     for hs, he in e.holes]
            out.append(e.template.format(*holes, n=e.mutant.num))
            pos = e.end
            i = j
        out.append(self.src[pos:hi].decode("utf-8", "replace"))
        return "".join(out)

    def schemata(self):
        """The file with every mutant in it; the mutants that could not be placed (an
        edit overlapping another one partly) are dropped from self.mutants."""
        edits = sorted(self.edits, key=lambda e: (e.start, -e.end, e.prio))
        text = self.render(0, len(self.src), edits)
        placed = set(int(n) for n in re.findall(HOOK + r"\((\d+)\)", text))
        self.mutants = [m for m in self.mutants if m.num in placed]
        # #line keeps compiler and sanitizer reports on the original file and lines (no
        # template spans a line break).
        return ("int %s(unsigned id);\n#line 1 \"%s\"\n" % (HOOK, self.path)) + text


def generate(root, rels):
    """Mutants of the files rels (relative to root), numbered from 1 in that order; returns
    (mutants, {rel: schemata text})."""
    args, flags = clang_args(root), file_flags(root)
    mutants, texts, num = [], {}, 0
    for rel in rels:
        if rel.endswith(".h"):
            fm = None
            for unit in includer_of(root, rel):
                try:
                    fm = FileMutator(root, rel, args + flags.get(unit, []), unit)
                    break
                except RuntimeError:
                    continue
            if fm is None:
                raise RuntimeError("%s: no .c file next to it includes it and parses" % rel)
        else:
            fm = FileMutator(root, rel, args + flags.get(rel, []))
        ms = fm.run()
        for m in ms:
            num += 1
            m.num = num
        texts[rel] = fm.schemata()
        mutants.extend(fm.mutants)
    return mutants, texts
