"""Security: SQL never formats data, paths never escape, the UI binds locally, no network, no secrets."""

import ast
import re
import subprocess

import pytest

from reliability.helpers import ROOT

PIPELINE = ROOT / "pipeline"
SQL_CALLS = {"execute", "executemany", "sql", "query", "fetch_frame", "fetchdf"}

# Every expression interpolated into SQL text, per file, with where its value comes from. They are
# identifiers or SQL fragments from code constants, never article text or metadata. A new one
# fails this test until it is reviewed and listed here.
ALLOWED_INTERPOLATIONS = {
    "pipeline/db.py": {
        "schema": "replace_table: schema part of a table-name literal passed by asset code",
        "table": "replace_table, replace_rows, has_schema: a table-name literal passed by asset code",
        "column": "replace_rows: a column-name literal passed by asset code",
    },
    "pipeline/marts.py": {"table": "MART_TABLES, a constant tuple of mart names"},
    "pipeline/assets/warehouse.py": {"name": "MARTS, a constant list of mart names"},
    "pipeline/assets/nlp.py": {
        "table": "_merge and the stored tables read back: one of the nlp table-name literals keyed in _ORDER",
        "_ORDER_BY[table]": "the constant column lists of _ORDER",
    },
    "pipeline/checks/common.py": {
        "sql": "a check's own SQL literal (values travel as params)",
        "label": "built from contract key column names (constants in pipeline/checks)",
        "contract.table": "table name from a TableContract constant",
        "cols": "contract key column names (constants)",
        "column": "contract not-null column names (constants)",
    },
    "pipeline/checks/nlp.py": {
        "eligible": "a constant SQL fragment defined in the same function",
        "table": "_evidence_outside_sentence_sql/_dates_sql: table-name literals at every call",
        "id_cols": "_evidence_outside_sentence_sql: column-list literals at every call",
        "id_col": "_dates_sql: column-name literals at every call",
        "_evidence_outside_sentence_sql('nlp.entity_mentions', 'x.label, x.text')": "literals only",
        "_INSIDE": "a module constant: a condition on offset columns",
        "_SENTENCE_SLICE": "a module constant: substr over offset columns",
    },
    "pipeline/checks/warehouse.py": {
        "_CERTAINTY.format('c')": "a constant SQL expression with a literal table alias",
        "_CERTAINTY.format('f')": "a constant SQL expression with a literal table alias",
    },
    "pipeline/reports/data.py": {
        "' union all '.join(first_candidates)": "a list of constant SQL statements",
        "source": "one of two table-name literals, or a literal passed by the callers",
        "id_col": "_evidence_rows: 'claim_id' / 'figure_id' literals from the callers",
        "sentence_sql": "one of two constant SQL fragments",
        "span_sql": "one of two constant SQL fragments",
        "art_cols": "one of two constant column lists",
        "join_sentences": "a constant join clause or ''",
        "join_articles": "a constant join clause or ''",
    },
}
# Text that reads as SQL: starts with a statement keyword, or has SELECT ... FROM.
SQL_TEXT = re.compile(
    r"^\s*\(?\s*(?:select|insert|update|delete|create|drop|alter|attach|copy|pragma|with|set\s+variable)\b"
    r"|\bselect\b[\s\S]*\bfrom\b|\b(?:create|drop)\s+(?:or\s+replace\s+)?(?:table|schema|view|macro)\b",
    re.I,
)


def _interpolations(tree: ast.AST):
    """(line, expression source) for every f-string / %-format / .format() whose text reads as SQL."""
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            if SQL_TEXT.search(literal):
                for v in node.values:
                    if isinstance(v, ast.FormattedValue):
                        yield node.lineno, ast.unparse(v.value), "f-string"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
            if isinstance(node.left.value, str) and re.search(r"\b(select|insert|update|delete|create|drop)\b.*%", node.left.value, re.I | re.S):
                yield node.lineno, ast.unparse(node.right), "%-format"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant)
            and isinstance(node.func.value.value, str)
            and re.search(r"\b(select|insert|update|delete|create|drop)\b", node.func.value.value, re.I)
        ):
            yield node.lineno, ast.unparse(node), ".format()"


def _python_files():
    return sorted(p for p in PIPELINE.rglob("*.py") if "__pycache__" not in p.parts)


def test_sql_text_interpolates_only_reviewed_identifiers():
    unexpected = []
    for path in _python_files():
        rel = path.relative_to(ROOT).as_posix()
        allowed = ALLOWED_INTERPOLATIONS.get(rel, {})
        for line, expr, kind in _interpolations(ast.parse(path.read_text(encoding="utf-8"))):
            if kind != "f-string" or expr not in allowed:
                unexpected.append(f"{rel}:{line}: {kind} interpolates {expr!r}")
    assert unexpected == [], "SQL built from non-constant values:\n" + "\n".join(unexpected)


def test_sql_calls_never_receive_a_formatted_string_built_from_a_function_argument_of_data():
    # Direct calls: execute(f"... {x} ...") where x is not listed above.
    offenders = []
    for path in _python_files():
        rel = path.relative_to(ROOT).as_posix()
        allowed = ALLOWED_INTERPOLATIONS.get(rel, {})
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in SQL_CALLS:
                continue
            for arg in node.args[:2]:
                if isinstance(arg, ast.JoinedStr):
                    exprs = [ast.unparse(v.value) for v in arg.values if isinstance(v, ast.FormattedValue)]
                    bad = [e for e in exprs if e not in allowed]
                    if bad:
                        offenders.append(f"{rel}:{node.lineno}: {name}(f'...') with {bad}")
                elif isinstance(arg, ast.BinOp) and isinstance(arg.op, (ast.Mod, ast.Add)):
                    offenders.append(f"{rel}:{node.lineno}: {name}() with a string built by {type(arg.op).__name__}")
    assert offenders == []


def test_the_interpolation_scanner_catches_data_in_sql():
    bad = ast.parse(
        'con.execute(f"select * from raw.articles where title = \'{title}\'")\n'
        'con.execute("delete from x where id = %s" % article_id)\n'
        'sql = "insert into t values ({})".format(value)\n'
    )
    kinds = sorted(k for _, _, k in _interpolations(bad))
    assert kinds == ["%-format", ".format()", "f-string"]


def test_dagster_ui_binds_to_localhost_by_default():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    ui = re.search(r"^ui:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert ui, "Makefile has no ui target"
    assert re.search(r"dagster dev\b.*(-h|--host)\s+127\.0\.0\.1", ui.group(1))
    assert "0.0.0.0" not in makefile
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "127.0.0.1" in readme
    for doc in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        for line in doc.read_text(encoding="utf-8").splitlines():
            if re.search(r"dagster(-webserver)? (dev|-h)", line) and ("-h 0.0.0.0" in line or "--host 0.0.0.0" in line):
                pytest.fail(f"{doc.name} tells users to expose the UI: {line}")


def test_the_hostile_build_made_no_network_connection(hostile_build):
    assert hostile_build.result.success
    assert hostile_build.blocked_connections == []


SECRET_PATTERNS = {
    "AWS access key": r"AKIA[0-9A-Z]{16}",
    "GitHub token": r"gh[pousr]_[A-Za-z0-9]{36,}",
    "Slack token": r"xox[abprs]-[A-Za-z0-9-]{10,}",
    "OpenAI/Anthropic style key": r"sk-(?:ant-)?[A-Za-z0-9_-]{20,}",
    "Google API key": r"AIza[0-9A-Za-z_-]{35}",
    "private key block": r"-----BEGIN (?:RSA |EC |OPENSSH |DSA |PGP )?PRIVATE KEY",
    "MotherDuck token": r"motherduck_token\s*=\s*['\"]?[A-Za-z0-9._-]{20,}",
    "password assignment": r"(?i)\b(?:password|passwd|secret|api_key|apikey|token)\s*[:=]\s*['\"][^'\"\s$<{]{8,}['\"]",
    "URL with credentials": r"[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"$<{]+@[^\s'\"]+",
}


def _tracked_files() -> list:
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True)
    files = [ROOT / p for p in out.stdout.splitlines()] if out.returncode == 0 else list(ROOT.rglob("*"))
    skip_dirs = {".venv", ".git", "node_modules", "__pycache__", ".dagster_home"}
    return [
        f for f in files
        if f.is_file() and not skip_dirs.intersection(f.relative_to(ROOT).parts) and f.stat().st_size < 5_000_000
    ]


def test_no_secrets_in_the_repository():
    hits = []
    for path in _tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for label, pattern in SECRET_PATTERNS.items():
            for m in re.finditer(pattern, text):
                if path.name == "test_security.py":
                    continue  # the patterns themselves
                hits.append(f"{path.relative_to(ROOT)}: {label}: {m.group(0)[:12]}…")
    assert hits == []
