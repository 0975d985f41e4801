#!/usr/bin/python3
"""PromQL checks of the Grafana dashboard and the Prometheus rules (tests/observability).

  promql_check.py record-rules DASHBOARD OUT
      Writes every PromQL expression of DASHBOARD (panel targets, panels nested in rows, and
      the templating queries' selectors) as `record:` rules to OUT, with the dashboard
      variables replaced by sample values, for `promtool check rules OUT` to parse.
  promql_check.py alert-tests RULES TESTS
      Asserts that TESTS (promtool unit tests) make every alert of RULES fire at least once and
      stay silent at least once.
  promql_check.py names SCRAPE DASHBOARD RULES
      Asserts that every metric name the dashboard's and the rules' expressions use is one
      that SCRAPE (a /metrics exposition of a running vsrd) exports, recorded by RULES, or a
      Prometheus built-in listed in BUILTINS.

Runs with Debian's python3 (/usr/bin/python3) for the yaml module. Exits 1 with a message per
problem.
"""

import json
import re
import sys

import yaml

# Series Prometheus itself writes, which no exporter exposes. Only these may appear besides the
# daemon's families and the rules' recorded names.
BUILTINS = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling", "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE",
}

# Sample values of the dashboard's variables: Grafana's built-ins and the dashboard's own
# (which must all be listed here, so that a new variable gets a value on purpose).
VARIABLE_VALUES = {
    "__rate_interval": "1m", "__interval": "1m", "__interval_ms": "60000", "__range": "6h",
    "__range_s": "21600", "__range_ms": "21600000",
    "job": "vsrd", "instance": "127.0.0.1:9464", "target": "vc01", "kind": "ApplianceUpdate",
}
VARIABLE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\]")

KEYWORDS = {
    # operators and modifiers
    "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left",
    "group_right", "atan2", "inf", "nan",
    # aggregation operators (they may be followed by `by (...)` instead of a parenthesis)
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk",
    "topk", "quantile", "limitk", "limit_ratio",
}
# Keywords whose next parenthesised list holds label names, not expressions.
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
NUMBER = re.compile(r"[0-9.][0-9A-Za-z_.]*")
NAME_MATCHER = re.compile(r"""__name__\s*(=~|!=|!~|=)\s*(["'`])((?:\\.|(?!\2).)*)\2""")


class Problems:
    def __init__(self):
        self.messages = []

    def add(self, message):
        self.messages.append(message)

    def exit(self):
        for message in self.messages:
            print("FAIL: " + message, file=sys.stderr)
        sys.exit(1 if self.messages else 0)


def skip_string(text, i):
    """Index after the string literal starting at text[i]."""
    quote = text[i]
    i += 1
    while i < len(text) and text[i] != quote:
        i += 2 if text[i] == "\\" and quote != "`" else 1
    return i + 1


def skip_group(text, i, opening, closing):
    """Index after the bracketed group starting at text[i] (strings inside skipped)."""
    depth = 0
    while i < len(text):
        char = text[i]
        if char in "\"'`":
            i = skip_string(text, i)
            continue
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def metric_names(expr, where, problems):
    """The metric names an expression selects: identifiers that are not functions, keywords,
    label names (inside {...} or a by/on/... list), durations, numbers or strings."""
    names = set()
    i = 0
    label_list_next = False  # the previous token was by, on, group_left, ...
    while i < len(expr):
        char = expr[i]
        if char.isspace():
            i += 1
            continue
        if char != "(":
            label_list_next = False
        if char in "\"'`":
            i = skip_string(expr, i)
        elif char == "#":  # a comment runs to the end of the line
            end = expr.find("\n", i)
            i = len(expr) if end < 0 else end
        elif char == "{":
            end = skip_group(expr, i, "{", "}")
            for match in NAME_MATCHER.finditer(expr[i:end]):
                if match.group(1) != "=":
                    problems.add(f"{where}: __name__{match.group(1)} selects metrics by pattern, "
                                 f"which this check cannot verify: {expr!r}")
                else:
                    names.add(match.group(3))
            i = end
        elif char == "[":
            i = skip_group(expr, i, "[", "]")
        elif char == "(" and label_list_next:
            i = skip_group(expr, i, "(", ")")
            label_list_next = False
        elif char.isdigit() or (char == "." and expr[i + 1:i + 2].isdigit()):
            i = NUMBER.match(expr, i).end()  # also durations: 5m, 1h30m
        elif IDENTIFIER.match(expr, i):
            match = IDENTIFIER.match(expr, i)
            word = match.group(0)
            i = match.end()
            rest = expr[i:].lstrip()
            if word in KEYWORDS:
                label_list_next = word in LABEL_LIST_KEYWORDS
            elif rest.startswith("("):
                pass  # a function
            else:
                names.add(word)
        else:
            i += 1
    return names


def substitute(expr, where, defined, problems):
    def replace(match):
        name = match.group(1) or match.group(2) or match.group(3)
        if name == "datasource":
            problems.add(f"{where}: $datasource belongs in the panel's datasource, not in a "
                         f"query: {expr!r}")
        elif name not in defined and not name.startswith("__"):
            problems.add(f"{where}: ${name} is not a variable of the dashboard: {expr!r}")
        elif name not in VARIABLE_VALUES:
            problems.add(f"{where}: no sample value for ${name}: add it to VARIABLE_VALUES in "
                         f"{sys.argv[0]}")
            return "x"
        return VARIABLE_VALUES.get(name, "x")

    return VARIABLE.sub(replace, expr)


def all_panels(panels):
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))


def template_selector(query):
    """The PromQL part of a Grafana Prometheus variable query, or None when it has none."""
    if isinstance(query, dict):
        query = query.get("query", "")
    query = query.strip()
    match = re.fullmatch(r"label_values\((.*),\s*\w+\s*\)", query, re.S)
    if match:
        return match.group(1)
    match = re.fullmatch(r"query_result\((.*)\)", query, re.S)
    if match:
        return match.group(1)
    return None  # label_values(label), label_names(), metrics(regex)


def dashboard_expressions(path, problems):
    """[(where, expression with sample values)] of every query in the dashboard."""
    with open(path, encoding="utf-8") as file:
        dashboard = json.load(file)
    variables = dashboard.get("templating", {}).get("list", [])
    defined = {variable["name"] for variable in variables}
    if "datasource" not in defined:
        problems.add(f"{path}: no `datasource` variable")
    found = []
    ids = set()
    for panel in all_panels(dashboard.get("panels", [])):
        title = panel.get("title", "")
        if panel.get("id") in ids:
            problems.add(f"panel {title!r}: id {panel.get('id')} is not unique")
        ids.add(panel.get("id"))
        if not title:
            problems.add(f"a panel of type {panel.get('type')!r} has no title")
        datasource = panel.get("datasource")
        if panel.get("type") != "row" and panel.get("targets") and (
                not isinstance(datasource, dict) or datasource.get("uid") != "${datasource}"):
            problems.add(f"panel {title!r}: datasource must be ${{datasource}}, is {datasource!r}")
        for target in panel.get("targets", []):
            where = f"panel {title!r} query {target.get('refId', '?')}"
            expr = target.get("expr", "")
            if not expr.strip():
                problems.add(f"{where}: empty expression")
                continue
            if isinstance(target.get("datasource"), dict) and \
                    target["datasource"].get("uid") != "${datasource}":
                problems.add(f"{where}: datasource must be ${{datasource}}")
            found.append((where, substitute(expr, where, defined, problems)))
    for variable in variables:
        if variable.get("type") != "query":
            continue
        where = f"variable ${variable['name']}"
        selector = template_selector(variable.get("query", ""))
        if selector is not None:
            found.append((where, substitute(selector, where, defined, problems)))
    return found


def rule_expressions(path):
    """([(where, expression)], {names the rules record})."""
    with open(path, encoding="utf-8") as file:
        rules = yaml.safe_load(file)
    found, recorded = [], set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            name = rule.get("alert") or rule.get("record")
            found.append((f"rule {name!r}", rule["expr"]))
            if "record" in rule:
                recorded.add(rule["record"])
    return found, recorded


def exported_names(path):
    """{sample name: family} of every family in a /metrics exposition (its `# TYPE` lines):
    histograms as _bucket, _sum and _count, summaries as the name, _sum and _count."""
    names = {}
    with open(path, encoding="utf-8") as file:
        for line in file:
            match = re.match(r"# TYPE (\S+) (\S+)", line)
            if not match:
                continue
            family, kind = match.groups()
            suffixes = {"histogram": ["_bucket", "_sum", "_count"],
                        "summary": ["", "_sum", "_count"]}.get(kind, [""])
            for suffix in suffixes:
                names[family + suffix] = family
    return names


def record_rules(dashboard, out):
    problems = Problems()
    rules = []
    seen = set()
    for where, expr in dashboard_expressions(dashboard, problems):
        slug = re.sub(r"[^a-z0-9]+", "_", where.lower()).strip("_")
        name = "dashboard:" + slug
        while name in seen:
            name += "_"
        seen.add(name)
        rules.append({"record": name, "expr": expr})
    if not rules:
        problems.add(f"{dashboard}: no PromQL expression found")
    with open(out, "w", encoding="utf-8") as file:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, file, width=1000,
                       sort_keys=False)
    print(f"{dashboard}: {len(rules)} expressions written to {out}")
    problems.exit()


def check_names(scrape, dashboard, rules_path):
    problems = Problems()
    exported = exported_names(scrape)
    if not exported:
        problems.add(f"{scrape}: no `# TYPE` line: not a /metrics exposition")
    rule_exprs, recorded = rule_expressions(rules_path)
    sources = [("dashboard", dashboard_expressions(dashboard, problems)),
               ("rules", rule_exprs)]
    used = set()
    for label, expressions in sources:
        for where, expr in expressions:
            names = metric_names(expr, where, problems)
            if not names:
                problems.add(f"{label} {where}: uses no metric: {expr!r}")
            for name in sorted(names):
                used.add(name)
                if name not in exported and name not in recorded and name not in BUILTINS:
                    problems.add(f"{label} {where}: {name} is not exported by vsrd (nor recorded "
                                 f"by {rules_path}, nor a Prometheus built-in)")
    families = set(exported.values())
    print(f"checked {sum(len(e) for _, e in sources)} expressions: {len(used)} metric names used; "
          f"{len(families)} families exported")
    unused = sorted(families - {exported[name] for name in used if name in exported})
    if unused:
        print("note: exported, but used by neither the dashboard nor the rules: " + ", ".join(unused))
    problems.exit()


def check_alert_tests(rules_path, tests_path):
    """Every alert of RULES has, in TESTS, an alert_rule_test where it fires and one where it
    stays silent; no test names an alert that does not exist."""
    problems = Problems()
    with open(rules_path, encoding="utf-8") as file:
        alerts = {rule["alert"] for group in yaml.safe_load(file)["groups"]
                  for rule in group["rules"] if "alert" in rule}
    with open(tests_path, encoding="utf-8") as file:
        tests = yaml.safe_load(file)["tests"]
    fired, silent = set(), set()
    for test in tests:
        for case in test.get("alert_rule_test", []):
            name = case["alertname"]
            if name not in alerts:
                problems.add(f"{tests_path}: test {test.get('name')!r} checks {name}, which "
                             f"{rules_path} does not define")
            (fired if case.get("exp_alerts") else silent).add(name)
    for name in sorted(alerts):
        if name not in fired:
            problems.add(f"{tests_path}: no test where {name} fires")
        if name not in silent:
            problems.add(f"{tests_path}: no test where {name} stays silent")
    print(f"{tests_path}: {len(alerts)} alerts, each fired and kept silent" if not problems.messages
          else f"{tests_path}: incomplete")
    problems.exit()


def main(argv):
    if len(argv) == 4 and argv[1] == "record-rules":
        record_rules(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "names":
        check_names(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "alert-tests":
        check_alert_tests(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
