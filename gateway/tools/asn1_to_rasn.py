#!/usr/bin/env python3
"""Turn an ASN.1 module (AUTOMATIC TAGS, aligned PER) into rasn derive types.

Written for the H.245 module MULTIMEDIA-SYSTEM-CONTROL (ITU-T H.245 v17 as
published by the ITU-T): it handles exactly the ASN.1 that module uses —
SEQUENCE, CHOICE, SEQUENCE/SET [SIZE] OF, INTEGER, BOOLEAN, NULL, OCTET/BIT
STRING, IA5String, GeneralString, NumericString, BMPString, OBJECT
IDENTIFIER, value/size/permitted-alphabet constraints, extension markers —
and fails loudly on anything else, so that no construct is silently dropped.

    gateway/tools/asn1_to_rasn.py MULTIMEDIA-SYSTEM-CONTROL.asn \
        > gateway/src/h323/asn1/h245/types.rs

Mapping rules (each keeps the PER bits of the standard):
- every root component and alternative is generated, in the standard's
  order; `...` makes the type `#[non_exhaustive]` (extensible) and what
  follows it `#[rasn(extension_addition)]`;
- extension additions are always `Option` in Rust: PER flags each one in
  the extension bitmap anyway, and a peer of an older version omits them;
- SET OF is a `Vec`: SET OF and SEQUENCE OF encode alike in PER;
- nested SEQUENCE/CHOICE get a name: parent type + component name;
- constrained element types of SEQUENCE OF get a delegate newtype
  (`...Item`);
- types that contain themselves (through CHOICE/SEQUENCE, not through a
  list) are boxed.
"""

import re
import sys

KEYWORDS = {
    "type", "mod", "ref", "loop", "match", "move", "self", "super", "crate",
    "use", "where", "fn", "impl", "trait", "struct", "enum", "const", "static",
    "let", "in", "for", "while", "if", "else", "return", "break", "continue",
    "true", "false", "as", "box", "dyn", "priv", "final", "override", "macro",
    "abstract", "async", "await", "try", "yield", "become", "do", "extern",
    "pub", "unsafe", "virtual", "typeof", "unsized",
}

STRING_TYPES = {
    "IA5String": "rasn::types::Ia5String",
    "GeneralString": "rasn::types::GeneralString",
    "NumericString": "rasn::types::NumericString",
    "BMPString": "rasn::types::BmpString",
}


def tokenize(text):
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if text.startswith("--", i):
            # A comment ends at the next "--" or at the end of the line.
            j = i + 2
            while j < n and text[j] != "\n" and not text.startswith("--", j):
                j += 1
            i = j + 2 if text.startswith("--", j) else j
            continue
        if c.isspace():
            i += 1
            continue
        if text.startswith("::=", i):
            out.append("::=")
            i += 3
            continue
        if text.startswith("...", i):
            out.append("...")
            i += 3
            continue
        if text.startswith("..", i):
            out.append("..")
            i += 2
            continue
        if c == '"':
            j = text.index('"', i + 1)
            out.append(text[i:j + 1])
            i = j + 1
            continue
        if c in "{}(),^|[]":
            out.append(c)
            i += 1
            continue
        m = re.match(r"-?[0-9]+|[A-Za-z][A-Za-z0-9-]*", text[i:])
        if not m:
            raise SystemExit(f"cannot tokenize at {text[i:i + 40]!r}")
        tok = m.group(0)
        # An identifier never ends in a hyphen (a trailing "-" belongs to "--").
        while tok.endswith("-"):
            tok = tok[:-1]
        out.append(tok)
        i += len(tok)
    return out


class Parser:
    def __init__(self, tokens):
        self.t = tokens
        self.i = 0

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else None

    def next(self):
        tok = self.t[self.i]
        self.i += 1
        return tok

    def expect(self, tok):
        got = self.next()
        if got != tok:
            raise SystemExit(f"expected {tok!r}, got {got!r} near {self.t[self.i - 5:self.i + 5]}")

    def module(self):
        self.next()  # module name
        self.expect("DEFINITIONS")
        self.expect("AUTOMATIC")
        self.expect("TAGS")
        self.expect("::=")
        self.expect("BEGIN")
        defs = []
        while self.peek() != "END":
            name = self.next()
            if not name[0].isupper():
                raise SystemExit(f"value assignments are not handled: {name}")
            self.expect("::=")
            defs.append((name, self.type_()))
        return defs

    def type_(self):
        tok = self.next()
        if tok in ("SEQUENCE", "SET"):
            if self.peek() == "{":
                if tok == "SET":
                    raise SystemExit("SET { } is not handled")
                return self.constrained({"kind": "sequence", **self.components()})
            size = None
            if self.peek() == "SIZE":
                self.next()
                size = self.constraint_body()
            elif self.peek() == "(":
                size = self.paren_constraint().get("size")
            self.expect("OF")
            return {"kind": "list", "size": size, "item": self.type_()}
        if tok == "CHOICE":
            return self.constrained({"kind": "choice", **self.components()})
        if tok == "OCTET" or tok == "BIT":
            self.expect("STRING")
            return self.constrained({"kind": "octets" if tok == "OCTET" else "bits"})
        if tok == "OBJECT":
            self.expect("IDENTIFIER")
            return self.constrained({"kind": "oid"})
        if tok in ("INTEGER", "BOOLEAN", "NULL"):
            return self.constrained({"kind": tok.lower()})
        if tok in STRING_TYPES:
            return self.constrained({"kind": "string", "name": tok})
        if tok[0].isupper():
            return self.constrained({"kind": "ref", "name": tok})
        raise SystemExit(f"unknown type {tok!r}")

    def constrained(self, ty):
        while self.peek() == "(":
            for key, value in self.paren_constraint().items():
                if key in ty and ty[key] != value:
                    raise SystemExit(f"two {key} constraints on {ty}")
                ty[key] = value
        return ty

    def paren_constraint(self):
        """`( ... )` after a type: a value range, SIZE, FROM, or SIZE ^ FROM."""
        self.expect("(")
        out = {}
        while True:
            if self.peek() == "SIZE":
                self.next()
                out["size"] = self.constraint_body()
            elif self.peek() == "FROM":
                self.next()
                self.expect("(")
                out["from"] = self.next()
                self.expect(")")
            else:
                out["value"] = self.range_list()
            if self.peek() == "^":
                self.next()
                continue
            break
        self.expect(")")
        return out

    def constraint_body(self):
        self.expect("(")
        r = self.range_list()
        self.expect(")")
        return r

    def range_list(self):
        lo = self.next()
        hi = lo
        if self.peek() == "..":
            self.next()
            hi = self.next()
        ext = False
        if self.peek() == ",":
            self.next()
            self.expect("...")
            ext = True
        return (lo, hi, ext)

    def components(self):
        self.expect("{")
        root, additions = [], []
        extensible = False
        cur = root
        while True:
            tok = self.peek()
            if tok == "}":
                self.next()
                break
            if tok == "...":
                self.next()
                if extensible:
                    raise SystemExit("a second extension marker is not handled")
                extensible = True
                cur = additions
            else:
                name = self.next()
                ty = self.type_()
                optional = False
                if self.peek() == "OPTIONAL":
                    self.next()
                    optional = True
                cur.append((name, ty, optional))
            if self.peek() == ",":
                self.next()
        return {"root": root, "additions": additions, "extensible": extensible}


def camel(name):
    parts = re.split(r"-", name)
    out = parts[0][0].upper() + parts[0][1:]
    for p in parts[1:]:
        if out[-1].isdigit() and p[0].isdigit():
            out += "_" + p
        else:
            out += p[0].upper() + p[1:]
    return out


def snake(name):
    s = name.replace("-", "_")
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", s)
    s = re.sub(r"(?<=[A-Z])([A-Z])(?=[a-z])", r"_\1", s)
    s = s.lower().replace("__", "_")
    if s in KEYWORDS:
        s += "_"
    return s


def int_type(lo, hi):
    if lo == "MIN" or hi == "MAX":
        return "rasn::types::Integer"
    lo, hi = int(lo), int(hi)
    if lo >= 0:
        for bits, t in ((8, "u8"), (16, "u16"), (32, "u32"), (64, "u64")):
            if hi < 2 ** bits:
                return t
    for bits, t in ((8, "i8"), (16, "i16"), (32, "i32"), (64, "i64")):
        if -(2 ** (bits - 1)) <= lo and hi < 2 ** (bits - 1):
            return t
    raise SystemExit(f"range {lo}..{hi}")


def range_attr(key, r):
    lo, hi, ext = r
    if lo == hi:
        body = f'"{lo}"'
    else:
        lo_s = "" if lo == "MIN" else lo
        hi_s = "" if hi == "MAX" else f"={hi}"
        body = f'"{lo_s}..{hi_s}"'
    if ext:
        body += ", extensible"
    return f"{key}({body})"


def alphabet_attr(literal):
    chars = literal[1:-1]
    parts = []
    for c in chars:
        if c in '"\\':
            parts.append('"\\' + c + '"')
        else:
            parts.append(f'"{c}"')
    return "from(" + ", ".join(parts) + ")"


class Gen:
    def __init__(self, defs):
        self.defs = dict(defs)
        self.order = [name for name, _ in defs]
        self.items = []  # (rust name, kind, payload)
        self.names = set(camel(n) for n in self.order)
        self.edges = {}  # rust type -> set of rust types contained directly

    def fresh(self, base):
        name = base
        k = 2
        while name in self.names:
            name = f"{base}{k}"
            k += 1
        self.names.add(name)
        return name

    def constraint_attrs(self, ty):
        attrs = []
        if ty.get("value") and ty["kind"] == "integer":
            attrs.append(range_attr("value", ty["value"]))
        if ty.get("size"):
            attrs.append(range_attr("size", ty["size"]))
        if ty.get("from"):
            attrs.append(alphabet_attr(ty["from"]))
        if ty.get("value") and ty["kind"] != "integer":
            raise SystemExit(f"value constraint on {ty}")
        return attrs

    def rust_type(self, ty, ctx_name, owner):
        """The Rust type of a component, and the constraint attributes that
        go on the component itself."""
        k = ty["kind"]
        if k == "ref":
            if any(ty.get(c) for c in ("value", "size", "from")):
                raise SystemExit(f"constrained reference {ty}")
            target = camel(ty["name"])
            self.edges.setdefault(owner, set()).add(target)
            return target, []
        if k in ("sequence", "choice"):
            name = self.fresh(ctx_name)
            self.emit(name, ty)
            self.edges.setdefault(owner, set()).add(name)
            return name, []
        if k == "list":
            item = ty["item"]
            if item["kind"] in ("sequence", "choice", "ref") and not (
                item["kind"] == "ref" and any(item.get(c) for c in ("value", "size", "from"))
            ):
                inner, _ = self.rust_type(item, ctx_name + "Item", "<list>")
            else:
                inner_ty, inner_attrs = self.rust_type(item, ctx_name + "Item", "<list>")
                if inner_attrs:
                    name = self.fresh(ctx_name + "Item")
                    self.items.append((name, "newtype", (inner_ty, inner_attrs, None)))
                    inner = name
                else:
                    inner = inner_ty
            attrs = [range_attr("size", ty["size"])] if ty.get("size") else []
            return f"Vec<{inner}>", attrs
        if k == "integer":
            if ty.get("value"):
                lo, hi, ext = ty["value"]
                t = "rasn::types::Integer" if ext else int_type(lo, hi)
            else:
                t = "rasn::types::Integer"
            return t, self.constraint_attrs(ty)
        if k == "boolean":
            return "bool", []
        if k == "null":
            return "()", []
        if k == "octets":
            return "rasn::types::OctetString", self.constraint_attrs(ty)
        if k == "bits":
            return "rasn::types::BitString", self.constraint_attrs(ty)
        if k == "oid":
            return "rasn::types::ObjectIdentifier", []
        if k == "string":
            return STRING_TYPES[ty["name"]], self.constraint_attrs(ty)
        raise SystemExit(f"type {ty}")

    def emit(self, name, ty):
        k = ty["kind"]
        if k in ("sequence", "choice"):
            comps = []
            for addition, lst in ((False, ty["root"]), (True, ty["additions"])):
                for cname, cty, optional in lst:
                    rty, attrs = self.rust_type(cty, name + camel(cname), name)
                    comps.append((cname, rty, attrs, optional, addition, cty))
            self.items.append((name, k, (comps, ty["extensible"])))
        elif k == "list":
            rty, attrs = self.rust_type(ty, name + "Item", name)
            self.items.append((name, "newtype", (rty, attrs, None)))
        elif k == "ref":
            self.items.append((name, "alias", camel(ty["name"])))
        else:
            rty, attrs = self.rust_type(ty, name, name)
            self.items.append((name, "newtype", (rty, attrs, None)))

    def run(self):
        for asn_name in self.order:
            self.emit(camel(asn_name), self.defs[asn_name])
        self.box_cycles()

    def box_cycles(self):
        # Aliases are transparent for containment.
        alias = {n: p for n, k, p in self.items if k == "alias"}

        def resolve(n):
            while n in alias:
                n = alias[n]
            return n

        graph = {n: {resolve(m) for m in ms} for n, ms in self.edges.items()}
        index, low, stack, on, sccs = {}, {}, [], set(), {}
        counter = [0]
        sys.setrecursionlimit(10000)

        def strong(v):
            index[v] = low[v] = counter[0]
            counter[0] += 1
            stack.append(v)
            on.add(v)
            for w in graph.get(v, ()):
                if w not in index:
                    strong(w)
                    low[v] = min(low[v], low[w])
                elif w in on:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                cyclic = len(comp) > 1 or v in graph.get(v, ())
                for w in comp:
                    sccs[w] = (v, cyclic)

        for v in list(graph):
            if v not in index:
                strong(v)
        self.scc = sccs
        self.resolve = resolve

    def boxed(self, owner, target):
        t = self.resolve(target)
        a, b = self.scc.get(owner), self.scc.get(t)
        return a is not None and b is not None and a[0] == b[0] and a[1]

    def render(self):
        out = []
        derive = "#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq, Eq)]"
        for name, k, payload in self.items:
            if k == "alias":
                out.append(f"pub type {name} = {payload};\n")
                continue
            if k == "newtype":
                rty, attrs, _ = payload
                out.append(derive)
                out.append("#[rasn(" + ", ".join(["delegate"] + attrs) + ")]")
                out.append(f"pub struct {name}(pub {rty});\n")
                continue
            comps, extensible = payload
            out.append(derive)
            if k == "choice":
                out.append("#[rasn(choice, automatic_tags)]")
            else:
                out.append("#[rasn(automatic_tags)]")
            if extensible:
                out.append("#[non_exhaustive]")
            if k == "choice":
                out.append(f"pub enum {name} {{")
                for cname, rty, attrs, optional, addition, cty in comps:
                    a = [f'identifier = "{cname}"'] + attrs
                    if addition:
                        a.append("extension_addition")
                    out.append("    #[rasn(" + ", ".join(a) + ")]")
                    if rty == "()":
                        out.append(f"    {camel(cname)},")
                    else:
                        if cty["kind"] in ("ref", "sequence", "choice") and self.boxed(name, rty):
                            rty = f"Box<{rty}>"
                        out.append(f"    {camel(cname)}({rty}),")
                out.append("}\n")
            else:
                out.append(f"pub struct {name} {{")
                for cname, rty, attrs, optional, addition, cty in comps:
                    a = [f'identifier = "{cname}"'] + attrs
                    if addition:
                        a.append("extension_addition")
                    out.append("    #[rasn(" + ", ".join(a) + ")]")
                    if cty["kind"] in ("ref", "sequence", "choice") and self.boxed(name, rty):
                        rty = f"Box<{rty}>"
                    if optional or addition:
                        rty = f"Option<{rty}>"
                    out.append(f"    pub {snake(cname)}: {rty},")
                out.append("}\n")
        return "\n".join(out)


def main():
    text = open(sys.argv[1], encoding="latin-1").read()
    defs = Parser(tokenize(text)).module()
    gen = Gen(defs)
    gen.run()
    print("// @generated by gateway/tools/asn1_to_rasn.py from the ASN.1 module")
    print("// MULTIMEDIA-SYSTEM-CONTROL of ITU-T H.245 v17. Do not edit by hand:")
    print("// change the generator and run it again (see the module doc of h245).")
    print()
    print("use rasn::prelude::*;")
    print()
    print(gen.render())


if __name__ == "__main__":
    main()
