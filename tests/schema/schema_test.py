#!/usr/bin/python3
"""Checks the JSON Schema of manifests (manifests/schema/) against the decoder and the docs.

Run by ctest (tests/schema/CMakeLists.txt), one test class per ctest test:

  /usr/bin/python3 tests/schema/schema_test.py [--vsrd BUILT_VSRD] [unittest args]

e.g. `schema_test.py -v CorpusTest`.

It needs Debian's python3-jsonschema and python3-yaml (scripts/install-deps), hence
/usr/bin/python3 rather than whatever python3 is first on PATH. Nothing is fetched: the schema
files reference each other by relative $ref, resolved here from a local store keyed by their $id.

Manifests are loaded as YAML 1.2 (core schema), as yaml-language-server does by default and as
vsrd's yaml-cpp reads them: `yes`, `on` and `02:00` are strings, not a boolean and an integer.
"""

import argparse
import copy
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import unittest

import jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "manifests" / "schema"
EXAMPLES_DIR = ROOT / "examples" / "manifests"
CORPUS_DIR = ROOT / "tests" / "corpus" / "manifests"
MANIFESTS_DOC = ROOT / "docs" / "manifests.md"
EXAMPLE_CONFIG = ROOT / "examples" / "vsrd.yaml"

# The $id of every schema file is BASE_URI + its file name (docs/manifests.md, "Editor support").
BASE_URI = "https://vsrd.dev/schema/v1/"
INDEX_FILE = "vsrd.json"
COMMON_FILE = "common.json"
KIND_FILES = {
    "VchaPassiveNode": "vcha-passive-node.json",
    "OfflineDepotFromHost": "offline-depot-from-host.json",
    "ApplianceUpdate": "appliance-update.json",
    "ApplianceInstall": "appliance-install.json",
    "GuestCustomizationCheck": "guest-customization-check.json",
}

VSRD_BINARY = None  # set from --vsrd; the docs check runs `vsrd validate` on the docs' examples

# ---------------------------------------------------------------------------------------------
# The invalid corpus (tests/corpus/manifests), classified. Every file must be in exactly one of
# the two tables below, so that a new corpus case has to be classified here.
#
# SCHEMA_LEVEL: files whose mistakes the schema reports too. For each, every `# expect:` line
# of the file must be matched by a schema error at the same field, except the fields listed
# with the reason the schema cannot express that rule. "extra" lists schema errors that the
# decoder deliberately does not repeat (with the reason); any other schema error in the file
# must correspond to an `# expect:` line, so the schema never rejects what vsrd accepts.
SCHEMA_LEVEL = {
    "appliance-update-fields.yaml": {},
    "bad-ip-family.yaml": {},
    "bad-ipv4-address.yaml": {},
    "bad-ipv6-address.yaml": {},
    "bad-kind-near-miss.yaml": {},
    "bad-network-type.yaml": {},
    "bad-prefix-ipv4.yaml": {},
    "bad-prefix-ipv6.yaml": {},
    "bad-subnet-mask.yaml": {},
    "depends-on-bad-entries.yaml": {},
    "document-not-a-mapping.yaml": {},
    "duplicate-vm.yaml": {},
    "duration-bad-unit.yaml": {},
    "duration-bare-number.yaml": {},
    "duration-negative.yaml": {},
    "duration-zero.yaml": {},
    "empty-and-null-strings.yaml": {},
    "host-and-host-credential.yaml": {},
    "ip-family-mismatch.yaml": {},
    "labels-not-strings.yaml": {},
    "mapping-where-string.yaml": {},
    "missing-metadata-name.yaml": {},
    "missing-placement-name-folder.yaml": {},
    "missing-spec-target.yaml": {},
    "missing-top-level-fields.yaml": {},
    "missing-vms.yaml": {},
    "multi-document-one-bad.yaml": {},
    "name-not-dns-label.yaml": {},
    "neither-host-nor-credential.yaml": {},
    "network-without-type.yaml": {},
    "password-in-host-credential.yaml": {
        "extra": {
            "spec.host_credential": "one of password_file/env/credential is required; vsrd "
            "leaves this out when an inline password was already reported",
        },
    },
    "password-in-odd-places.yaml": {},
    "quoted-integer.yaml": {},
    "secret-ref-problems.yaml": {},
    "several-errors-one-document.yaml": {},
    "ssl-thumbprint-malformed.yaml": {},
    "string-where-mapping.yaml": {},
    "thumbprint-and-certificate.yaml": {},
    "unknown-api-version.yaml": {},
    "unknown-field-near-miss.yaml": {},
    "unknown-field-no-hint.yaml": {},
    "unknown-kind.yaml": {},
    "unknown-top-level-field.yaml": {},
    "window-missing-fields.yaml": {},
    "window-problems.yaml": {
        "semantic": {
            "spec.policy.window.duration": "at most 7d is a numeric bound across units "
            "(8d, 200h, ...), which a pattern cannot express",
        },
    },
    "yes-no-boolean.yaml": {},
}

# OUT_OF_REACH: files whose every mistake is outside what a JSON Schema sees, with the reason.
# The test checks that the schema indeed reports nothing for them (or that the file is not
# YAML at all), so a file the schema learns to catch has to move to SCHEMA_LEVEL.
OUT_OF_REACH = {
    "duplicate-yaml-key.yaml": "a duplicate key is gone once YAML becomes JSON data; "
    "yaml-language-server reports duplicate keys itself",
    "invalid-yaml-syntax.yaml": "not YAML: there is no document to validate; editors report "
    "the syntax error themselves",
}

# ---------------------------------------------------------------------------------------------
# Loading


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with the YAML 1.2 core schema's implicit types instead of YAML 1.1's."""


Yaml12Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
):
    Yaml12Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _construct_int12(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)  # YAML 1.2: a leading zero is not octal


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int12)


class Document:
    """One non-empty YAML document: its data and its first line (0-based)."""

    def __init__(self, data, line):
        self.data = data
        self.line = line


def load_documents(text):
    """Every non-empty document of a YAML stream; raises yaml.YAMLError when it does not parse."""
    loader = Yaml12Loader(text)
    documents = []
    try:
        while loader.check_node():
            node = loader.get_node()
            data = loader.construct_document(node)
            if data is not None:  # vsrd ignores empty documents, e.g. after a trailing "---"
                documents.append(Document(data, node.start_mark.line))
    finally:
        loader.dispose()
    return documents


def load_schemas():
    """{file name: schema} for every file in manifests/schema/."""
    return {p.name: json.loads(p.read_text()) for p in sorted(SCHEMA_DIR.glob("*.json"))}


def make_validator(schemas, name):
    """A Draft 2020-12 validator for schemas[name] that resolves $ref from the local files only."""
    store = {schema["$id"]: schema for schema in schemas.values()}
    schema = schemas[name]
    try:
        import referencing  # jsonschema >= 4.18 resolves through a registry

        registry = referencing.Registry().with_resources(
            (uri, referencing.Resource.from_contents(s)) for uri, s in store.items()
        )
        return jsonschema.Draft202012Validator(schema, registry=registry)
    except (ImportError, TypeError):  # Debian 12's jsonschema 4.10: RefResolver and its store
        resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=store)
        return jsonschema.Draft202012Validator(schema, resolver=resolver)


# ---------------------------------------------------------------------------------------------
# Schema errors as vsrd field paths ("spec.vms[2]", "metadata.labels.site", "" = the document)


def join_path(parent, key):
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def format_path(path):
    text = ""
    for key in path:
        text = join_path(text, key)
    return text


def error_fields(error):
    """The vsrd field paths one schema error is about, as the decoder would name them."""
    path = format_path(error.absolute_path)
    if error.validator == "required":
        return {join_path(path, p) for p in error.validator_value if p not in error.instance}
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        patterns = error.schema.get("patternProperties", {})
        return {
            join_path(path, p)
            for p in error.instance
            if p not in known and not any(re.search(q, p) for q in patterns)
        }
    return {path}


def schema_fields(validator, data):
    fields = set()
    for error in validator.iter_errors(data):
        fields |= error_fields(error)
    return fields


def covers(schema_field, decoder_field):
    """A schema error at `schema_field` reports the decoder's problem at `decoder_field`: the same
    field, or a whole list whose item the decoder names (uniqueItems: "spec.vms" for
    "spec.vms[2]")."""
    return schema_field == decoder_field or decoder_field.startswith(schema_field + "[")


# ---------------------------------------------------------------------------------------------
# The corpus' "# expect:" lines

EXPECT_RE = re.compile(r"^# expect: (\d+):(\d+): error: (.*)$")
FIELD_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.\[\]]*): ")


def corpus_expectations(text):
    """[(line (1-based), field)] of every `# expect:` line; field "" is the document itself."""
    out = []
    for line in text.splitlines():
        match = EXPECT_RE.match(line)
        if match:
            field = FIELD_RE.match(match.group(3))
            out.append((int(match.group(1)), field.group(1) if field else ""))
    return out


def document_index(documents, line):
    """Index of the document holding 1-based `line`."""
    index = 0
    for i, document in enumerate(documents):
        if document.line <= line - 1:
            index = i
    return index


# ---------------------------------------------------------------------------------------------
# Schema property paths ("spec.placement.name", "spec.policy.depends_on[].kind")


def property_paths(schemas, file_name):
    """{path: where the property is declared} for the document schema in `file_name`.

    The declaration is "FILE#POINTER" of the property's entry in a `properties` keyword: a field
    used in several places (the IP spec of ha_ip and failover_ip, the policy of every kind's
    spec) has one declaration. $ref is followed; if/then/else only restate declared fields.
    """
    paths = {}

    def resolve(ref, current_file):
        target, _, pointer = ref.partition("#")
        file_name = target or current_file
        node = schemas[file_name]
        for part in filter(None, pointer.split("/")):
            node = node[part]
        return node, file_name, pointer

    def walk(node, current_file, pointer, prefix, seen):
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            key = (node["$ref"], current_file, prefix)
            if key not in seen:
                target, target_file, target_pointer = resolve(node["$ref"], current_file)
                walk(target, target_file, target_pointer, prefix, seen | {key})
        for name, child in node.get("properties", {}).items():
            path = join_path(prefix, name)
            child_pointer = f"{pointer}/properties/{name}"
            if child is not False:
                paths[path] = f"{current_file}#{child_pointer}"
            walk(child, current_file, child_pointer, path, seen)
        if isinstance(node.get("items"), dict):
            walk(node["items"], current_file, pointer + "/items", prefix + "[]", seen)
        for keyword in ("allOf", "anyOf", "oneOf"):
            for i, child in enumerate(node.get(keyword, [])):
                walk(child, current_file, f"{pointer}/{keyword}/{i}", prefix, seen)

    walk(schemas[file_name], file_name, "", "", frozenset())
    return paths


def instance_paths(data, prefix=""):
    """Every key path of a loaded document, lists as "[]"."""
    paths = set()
    if isinstance(data, dict):
        for key, value in data.items():
            path = join_path(prefix, key)
            paths.add(path)
            paths |= instance_paths(value, path)
    elif isinstance(data, list):
        for item in data:
            paths |= instance_paths(item, prefix + "[]")
    return paths


# ---------------------------------------------------------------------------------------------
# docs/manifests.md

SECTION_RE = re.compile(r"^## (.*)$")
MARKER_RE = re.compile(r"^<!-- schema-fields: (\S+)((?: \S+)*) -->$")
CODE_RE = re.compile(r"`([^`]+)`")


def doc_field_rows(text):
    """[(kind or "*", path)] for every row of the doc's field tables.

    A field table is a table whose first header cell is "Field" or "Key". Its rows name fields
    in their first cell: the first code span is a path, further code spans without a dot are
    siblings ("`host_credential.password_file` / `password_env`"). Where a table's rows are
    relative to is given by the section, or by a marker line right before the table:
    "## Document structure" and "## Common spec fields" hold full paths for every kind, a kind's
    section ("## VchaPassiveNode") holds paths below `spec`, and
    `<!-- schema-fields: KIND PREFIX... -->` names the kind (or *) and the prefixes explicitly.
    """
    rows = []
    section = None
    marker = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = SECTION_RE.match(line)
        if heading:
            section = heading.group(1).strip()
            marker = None
        match = MARKER_RE.match(line)
        if match:
            marker = (match.group(1), match.group(2).split())
        if line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-| :]+\|$", lines[i + 1]):
            header = [c.strip() for c in line.strip("|").split("|")]
            table_rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                table_rows.append(lines[i])
                i += 1
            if header[0] in ("Field", "Key"):
                if marker:
                    kind, prefixes = marker
                elif section in ("Document structure", "Common spec fields"):
                    kind, prefixes = "*", [""]
                elif section in KIND_FILES:
                    kind, prefixes = section, ["spec"]
                else:
                    raise AssertionError(
                        f"field table in section {section!r} of {MANIFESTS_DOC.name} has no "
                        "schema-fields marker"
                    )
                for row in table_rows:
                    first_cell = row.strip("|").split("|")[0]
                    codes = CODE_RE.findall(first_cell)
                    if not codes:
                        continue
                    parent = codes[0].rpartition(".")[0]
                    names = [codes[0]] + [
                        c if "." in c or not parent else f"{parent}.{c}" for c in codes[1:]
                    ]
                    for prefix in prefixes:
                        for name in names:
                            rows.append((kind, join_path(prefix, name) if prefix else name))
            marker = None
            continue
        i += 1
    return rows


def doc_yaml_examples(text):
    """[(first line of the block, [Document])] of every ```yaml block holding manifests."""
    blocks = []
    for match in re.finditer(r"^```yaml\n(.*?)^```$", text, re.S | re.M):
        documents = load_documents(match.group(1))
        manifests = [d for d in documents if isinstance(d.data, dict) and "apiVersion" in d.data]
        if manifests:
            blocks.append((text.count("\n", 0, match.start()) + 2, manifests))
    return blocks


# ---------------------------------------------------------------------------------------------
# Tests


class MetaSchemaTest(unittest.TestCase):
    """Every schema file is a valid draft 2020-12 schema, named and linked as documented."""

    def test_files(self):
        names = {p.name for p in SCHEMA_DIR.glob("*.json")}
        self.assertEqual(names, {INDEX_FILE, COMMON_FILE, *KIND_FILES.values()})

    def test_check_schema(self):
        for name, schema in load_schemas().items():
            with self.subTest(file=name):
                self.assertEqual(schema.get("$schema"),
                                 "https://json-schema.org/draft/2020-12/schema")
                jsonschema.Draft202012Validator.check_schema(schema)

    def test_ids(self):
        for name, schema in load_schemas().items():
            with self.subTest(file=name):
                self.assertEqual(schema.get("$id"), BASE_URI + name)

    def test_refs_resolve(self):
        # Every $ref names a file of the set and a pointer that exists in it.
        schemas = load_schemas()

        def refs(node):
            if isinstance(node, dict):
                if "$ref" in node:
                    yield node["$ref"]
                for value in node.values():
                    yield from refs(value)
            elif isinstance(node, list):
                for value in node:
                    yield from refs(value)

        for name, schema in schemas.items():
            for ref in refs(schema):
                with self.subTest(file=name, ref=ref):
                    target, _, pointer = ref.partition("#")
                    self.assertNotIn("/", target, "refs are relative to manifests/schema/")
                    node = schemas[target or name]
                    for part in filter(None, pointer.split("/")):
                        self.assertIn(part, node)
                        node = node[part]

    def test_no_inline_password_property(self):
        # vsrd rejects a `password` key anywhere (RejectInlineSecrets); no schema may offer one.
        for name, schema in load_schemas().items():
            with self.subTest(file=name):
                text = json.dumps(schema)
                self.assertNotIn('"password"', text)


class PatternTest(unittest.TestCase):
    """The schema's patterns against the decoder's rules (manifests/*.cpp)."""

    @classmethod
    def setUpClass(cls):
        schemas = load_schemas()
        cls.defs = schemas[COMMON_FILE]["$defs"]
        cls.vcha = schemas[KIND_FILES["VchaPassiveNode"]]["$defs"]
        cls.depot = schemas[KIND_FILES["OfflineDepotFromHost"]]["$defs"]

    def matches(self, schema, text):
        # JSON Schema patterns are unanchored regular expressions (ECMA-262 subset).
        return re.search(schema["pattern"], text) is not None

    def test_duration(self):
        accepted = ["300ms", "30s", "5m", "2h", "1d", "1h30m", "2m30s500ms", "1d2h", "0s", "00h"]
        rejected = ["", "300", "-1h", "+1h", "1.5h", "5M", "30m1h", "1m1m", "1 h", " 1h", "5min",
                    "h", "1hm", "4 hours", "1s1ms1s"]
        for text in accepted:
            self.assertTrue(self.matches(self.defs["duration"], text), text)
        for text in rejected:
            self.assertFalse(self.matches(self.defs["duration"], text), text)
        positive = self.defs["positiveDuration"]
        for text in ["1ms", "10s", "0h1m", "1d0h", "100ms", "1h30m"]:
            self.assertTrue(self.matches(positive, text), text)
        for text in ["0s", "0ms", "00m", "0d0h0m0s0ms", "", "10", "-1s"]:
            self.assertFalse(self.matches(positive, text), text)

    def test_ip_addresses_match_inet_pton(self):
        # vsrd checks IPv6 with the C library's inet_pton (manifests/net_address.cpp), and its
        # IPv4 rule (four octets 0-255, no leading zeros) is inet_pton's too; Python's
        # socket.inet_pton is the same function.
        def reference(family, text):
            try:
                socket.inet_pton(family, text)
                return "%" not in text
            except OSError:
                return False

        octets = ["0", "1", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "01",
                  "001", ""]
        candidates4 = []
        for a in octets:
            for b in ("0", "255", "256", "01"):
                candidates4 += [f"{a}.{b}.2.3", f"192.{a}.{b}.1", f"1.2.3.{a}", f"{a}.{b}.2",
                                f"{a}.{b}.2.3.4"]
        groups = ["", "0", "1", "ab", "fff", "ffff", "10000", "g"]
        candidates6 = ["::", "::1", "1::", "2001:db8::1", "fe80::1%eth0", "[::1]", "2001:db8::/64",
                       "::ffff:192.0.2.1", "::ffff:192.0.2.01", "1:2:3:4:5:6:7:8",
                       "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "1::2:3:4:5:6:7", "1:2:3:4:5:6::7:8",
                       ":1::", "1:::2", "1::2::3", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5::1.2.3.4",
                       "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4", "1.2.3.4", "2001:db8::zz",
                       "2001:DB8::A"]
        for count in range(1, 10):
            for g in groups:
                candidates6.append(":".join([g] * count))
                candidates6.append(":".join(["1"] * count) + "::" + g)
                candidates6.append(g + "::" + ":".join(["1"] * count))
                candidates6.append(":".join(["a"] * count) + ":1.2.3.4")
                candidates6.append("::" + ":".join(["a"] * count) + ":1.2.3.4")
        for text in candidates4 + candidates6:
            self.assertEqual(self.matches(self.defs["ipv4Address"], text),
                             reference(socket.AF_INET, text), f"IPv4 {text!r}")
            self.assertEqual(self.matches(self.defs["ipv6Address"], text),
                             reference(socket.AF_INET6, text), f"IPv6 {text!r}")

    def test_subnet_mask(self):
        mask = self.vcha["ipv4Spec"]["properties"]["subnet_mask"]
        for prefix in range(33):
            value = (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF
            text = ".".join(str((value >> s) & 0xFF) for s in (24, 16, 8, 0))
            self.assertTrue(self.matches(mask, text), text)
        for text in ["255.0.255.0", "255.255.255.1", "0.255.255.255", "255.255.255.000",
                     "255.255.255"]:
            self.assertFalse(self.matches(mask, text), text)

    def test_names(self):
        label = self.defs["dnsLabel"]
        for text in ["a", "vc01", "web-tier", "0", "a" * 63]:
            self.assertTrue(self.matches(label, text) and len(text) <= label["maxLength"], text)
        for text in ["", "-a", "a-", "Web", "a_b", "a.b", "a" * 64]:
            self.assertFalse(self.matches(label, text) and len(text) <= label["maxLength"], text)
        object_id = self.defs["objectId"]
        for text in ["host-12", "group-v4", "datastore-15", "vm-42", "résumé"]:
            self.assertTrue(self.matches(object_id, text), text)
        for text in ["", "group v4", "a/b", "a?b", "a#b", "a%b", "a\tb", "a\x01b"]:
            self.assertFalse(self.matches(object_id, text), text)
        timezone = self.defs["window"]["properties"]["timezone"]
        for text in ["UTC", "Europe/Amsterdam", "America/Argentina/Buenos_Aires", "Etc/GMT+2"]:
            self.assertTrue(self.matches(timezone, text), text)
        for text in ["", "/UTC", "UTC/", "Europe//Amsterdam", "../etc", "Europe/Amsterdam Summer"]:
            self.assertFalse(self.matches(timezone, text), text)
        start = self.defs["window"]["properties"]["start"]
        for text in ["00:00", "02:00", "23:59"]:
            self.assertTrue(self.matches(start, text), text)
        for text in ["2:00", "24:00", "25:00", "12:60", "12:5", "1200"]:
            self.assertFalse(self.matches(start, text), text)

    def test_host_name(self):
        dns = self.defs["hostName"]["anyOf"][0]
        ipv6 = self.defs["ipv6Address"]

        def host(text):
            if self.matches(ipv6, text):
                return True
            return self.matches(dns, text) and len(text) <= dns["maxLength"]

        for text in ["esx01", "esx-edge01.example.com", "esx01.example.com.", "192.0.2.1",
                     "192.0.2.256", "2001:db8::1", "a" * 63 + ".b"]:
            self.assertTrue(host(text), text)
        for text in ["", ".", "esx_c..example.com", "-esx.example.com", "esx-.example.com",
                     "a" * 64 + ".b", "a..b", ".a", "fe80::1%eth0", ("a" * 60 + ".") * 5 + "a"]:
            self.assertFalse(host(text), text)

    def test_secret_refs(self):
        self.assertTrue(self.matches(self.defs["passwordFile"], "/run/credentials/esx"))
        self.assertFalse(self.matches(self.defs["passwordFile"], "secrets/esx"))
        self.assertTrue(self.matches(self.defs["passwordEnv"], "ESX_PASSWORD"))
        for text in ["ESX-B-PASSWORD", "1ESX", ""]:
            self.assertFalse(self.matches(self.defs["passwordEnv"], text), text)
        self.assertTrue(self.matches(self.depot["hostCredential"]["properties"]["ssl_thumb_print"],
                                     "8F2A519C0B7E44D31A6C90E25B37F80DC429A166"))


class ExamplesTest(unittest.TestCase):
    """Every document of examples/manifests/*.yaml is valid under vsrd.json and its kind's file."""

    def test_examples_validate(self):
        schemas = load_schemas()
        index = make_validator(schemas, INDEX_FILE)
        by_kind = {kind: make_validator(schemas, f) for kind, f in KIND_FILES.items()}
        files = sorted(EXAMPLES_DIR.glob("*.yaml"))
        self.assertTrue(files, f"no examples in {EXAMPLES_DIR}")
        kinds = set()
        for path in files:
            for document in load_documents(path.read_text()):
                where = f"{path.relative_to(ROOT)}:{document.line + 1}"
                with self.subTest(document=where):
                    errors = [e.message for e in index.iter_errors(document.data)]
                    self.assertEqual(errors, [], where)
                    kind = document.data["kind"]
                    kinds.add(kind)
                    errors = [e.message for e in by_kind[kind].iter_errors(document.data)]
                    self.assertEqual(errors, [], where)
        self.assertEqual(kinds, set(KIND_FILES), "examples/manifests covers every kind")

    def test_kind_files_reject_other_kinds(self):
        schemas = load_schemas()
        document = load_documents((EXAMPLES_DIR / "appliance-install-guard.yaml").read_text())[0]
        validator = make_validator(schemas, KIND_FILES["GuestCustomizationCheck"])
        self.assertFalse(validator.is_valid(document.data))


class CorpusTest(unittest.TestCase):
    """The invalid corpus: the schema rejects its schema-level mistakes, and nothing else."""

    @classmethod
    def setUpClass(cls):
        cls.validator = make_validator(load_schemas(), INDEX_FILE)

    def test_every_case_is_classified(self):
        files = {p.name for p in CORPUS_DIR.glob("*.yaml")}
        self.assertTrue(files, f"no corpus in {CORPUS_DIR}")
        both = set(SCHEMA_LEVEL) & set(OUT_OF_REACH)
        self.assertEqual(both, set(), "classified twice")
        unclassified = files - set(SCHEMA_LEVEL) - set(OUT_OF_REACH)
        self.assertEqual(unclassified, set(),
                         "new corpus files: add them to SCHEMA_LEVEL or OUT_OF_REACH in "
                         f"{pathlib.Path(__file__).relative_to(ROOT)}")
        gone = (set(SCHEMA_LEVEL) | set(OUT_OF_REACH)) - files
        self.assertEqual(gone, set(), "classified files that no longer exist")

    def test_schema_level_cases(self):
        for name, notes in sorted(SCHEMA_LEVEL.items()):
            with self.subTest(case=name):
                self.check_schema_level(name, notes)

    def check_schema_level(self, name, notes):
        text = (CORPUS_DIR / name).read_text()
        documents = load_documents(text)
        expected = corpus_expectations(text)
        self.assertTrue(expected, f"{name}: no '# expect:' lines")
        decoder = {}  # document index -> decoder fields
        for line, field in expected:
            decoder.setdefault(document_index(documents, line), set()).add(field)
        found = {i: schema_fields(self.validator, d.data) for i, d in enumerate(documents)}
        semantic = notes.get("semantic", {})
        extra = notes.get("extra", {})
        reported = set().union(*found.values())
        for field in semantic:
            self.assertTrue(any(field in f for f in decoder.values()),
                            f"{name}: semantic note for {field!r}, which vsrd does not report")
            self.assertFalse(any(covers(s, field) for s in reported),
                             f"{name}: the schema reports {field!r} now; drop its semantic note")
        for field in extra:
            self.assertIn(field, reported, f"{name}: extra note for {field!r}, which the schema "
                          "does not report")
        for index, fields in decoder.items():
            for field in fields - set(semantic):
                self.assertTrue(any(covers(s, field) for s in found[index]),
                                f"{name}: the schema misses {field!r} (document {index + 1}); "
                                f"it reports {sorted(found[index])}")
        for index, fields in found.items():
            for field in fields - set(extra):
                reported_by_vsrd = sorted(decoder.get(index, ()))
                self.assertTrue(any(covers(field, d) for d in reported_by_vsrd),
                                f"{name}: the schema reports {field!r} (document {index + 1}), "
                                f"which vsrd accepts; vsrd reports {reported_by_vsrd}")
        self.assertTrue(any(found.values()), f"{name}: the schema accepts every document")

    def test_out_of_reach_cases(self):
        for name in sorted(OUT_OF_REACH):
            with self.subTest(case=name):
                try:
                    documents = load_documents((CORPUS_DIR / name).read_text())
                except yaml.YAMLError:
                    continue
                for document in documents:
                    errors = [e.message for e in self.validator.iter_errors(document.data)]
                    self.assertEqual(errors, [], f"{name}: the schema catches this now; move it "
                                     "to SCHEMA_LEVEL")


class DocsTest(unittest.TestCase):
    """docs/manifests.md documents every field of the schema, with examples that vsrd accepts."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.schemas = load_schemas()
        cls.text = MANIFESTS_DOC.read_text()
        cls.paths = {kind: property_paths(cls.schemas, f) for kind, f in KIND_FILES.items()}
        cls.rows = doc_field_rows(cls.text)

    def test_every_schema_field_is_in_a_table(self):
        for kind, paths in sorted(self.paths.items()):
            documented = {p for k, p in self.rows if k in (kind, "*")}
            with self.subTest(kind=kind):
                self.assertEqual(sorted(set(paths) - documented), [],
                                 f"{kind} fields missing from the tables of {MANIFESTS_DOC.name}")

    def test_every_table_field_is_in_the_schema(self):
        self.assertGreater(len(self.rows), 50, "the field tables were not found")
        for kind, path in self.rows:
            kinds = list(KIND_FILES) if kind == "*" else [kind]
            for k in kinds:
                with self.subTest(kind=k, field=path):
                    self.assertIn(k, self.paths, f"unknown kind {k!r} in a schema-fields marker")
                    self.assertIn(path, self.paths[k], f"{MANIFESTS_DOC.name} lists {path!r} for "
                                  f"{k}; the schema has no such field")

    def test_modeline_is_documented(self):
        self.assertTrue("# yaml-language-server: $schema=" in self.text,
                        f"{MANIFESTS_DOC.name} does not show the yaml-language-server modeline")

    def test_examples_cover_every_field(self):
        # Every declared field appears in some example document; a field declared once and used
        # in several places (policy, the IP spec of ha_ip and failover_ip) needs one example.
        declared = set()
        for paths in self.paths.values():
            declared |= set(paths.values())
        covered = set()
        for _, documents in doc_yaml_examples(self.text):
            for document in documents:
                paths = self.paths.get(document.data.get("kind"), {})
                covered |= {paths[p] for p in instance_paths(document.data) if p in paths}
        self.assertEqual(sorted(declared - covered), [],
                         f"schema fields without an example in {MANIFESTS_DOC.name}")

    def test_examples_validate_with_schema(self):
        validator = make_validator(self.schemas, INDEX_FILE)
        blocks = doc_yaml_examples(self.text)
        self.assertTrue(blocks)
        for line, documents in blocks:
            for document in documents:
                with self.subTest(block_line=line):
                    errors = [f"{format_path(e.absolute_path)}: {e.message}"
                              for e in validator.iter_errors(document.data)]
                    self.assertEqual(errors, [], f"{MANIFESTS_DOC.name}:{line}")

    def test_examples_copied_from_examples_dir_match(self):
        # "Example (from `examples/manifests/X.yaml`):" introduces a copy of that file.
        copy_re = r"^Example \(from `(examples/manifests/[^`]+)`\):\n\n```yaml\n(.*?)^```$"
        copies = list(re.finditer(copy_re, self.text, re.S | re.M))
        self.assertEqual(len(copies), len(KIND_FILES), "one copied example per kind")
        for match in copies:
            with self.subTest(file=match.group(1)):
                copy_docs = [d.data for d in load_documents(match.group(2))]
                file_docs = [d.data for d in load_documents((ROOT / match.group(1)).read_text())]
                self.assertEqual(copy_docs, file_docs,
                                 f"the copy of {match.group(1)} is out of date")

    def test_examples_validate_with_vsrd(self):
        # The decoder agrees: every example document of the docs passes `vsrd validate` against
        # examples/vsrd.yaml. All documents are validated in one run so that depends_on finds its
        # objects; a document repeating an earlier Kind/name gets a suffix on its name.
        if VSRD_BINARY is None:
            self.fail("run with --vsrd PATH (the built vsrd), as tests/schema/CMakeLists.txt does")
        seen = set()
        documents = []
        for _, block in doc_yaml_examples(self.text):
            for document in block:
                data = copy.deepcopy(document.data)
                key = (data["kind"], data["metadata"]["name"])
                suffix = 2
                while (data["kind"], data["metadata"]["name"]) in seen:
                    data["metadata"]["name"] = f"{key[1]}-{suffix}"
                    suffix += 1
                seen.add((data["kind"], data["metadata"]["name"]))
                documents.append(data)
        with tempfile.TemporaryDirectory(prefix="vsrd-schema-test-") as tmp:
            manifest = pathlib.Path(tmp) / "docs-examples.yaml"
            manifest.write_text(yaml.safe_dump_all(documents, sort_keys=False))
            # examples/vsrd.yaml with the secrets the examples reference allowed, as a config must
            # (docs/config.md "Secrets in manifests"; docs/manifests.md says so by the examples).
            config = yaml.safe_load(EXAMPLE_CONFIG.read_text())
            config["secrets"] = {"directories": ["/etc/vsrd/secrets"],
                                 "env": ["VSRD_ESX_DMZ_PASSWORD"],
                                 "credentials": ["esx-edge01"],
                                 "target_credentials": ["vc01"]}
            config_path = pathlib.Path(tmp) / "vsrd.yaml"
            config_path.write_text(yaml.safe_dump(config, sort_keys=False))
            result = subprocess.run(
                [VSRD_BINARY, "validate", "--config", str(config_path), str(manifest)],
                capture_output=True, text=True, timeout=60, check=False,
                env={k: v for k, v in os.environ.items() if k != "VSRD_CONFIG"})
        self.assertEqual(result.returncode, 0,
                         f"vsrd validate rejects examples of {MANIFESTS_DOC.name}:\n"
                         f"{result.stdout}{result.stderr}")
        self.assertIn(f"{len(documents)} objects in 1 file: valid", result.stdout)


def main():
    global VSRD_BINARY
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--vsrd")
    args, rest = parser.parse_known_args()
    VSRD_BINARY = args.vsrd
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
