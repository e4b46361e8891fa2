"""Guards: the platform's words live in shared/vocabulary.py and who may do what in shared/authz.py.

1. No string constant under services/ equals a status, role, token audience or office id: such a copy drifts
   when the vocabulary changes (adding a status once meant editing four services). Names from
   `shared.vocabulary` are used instead.
2. No comparison of a caller's role under services/ (`actor["role"] == ...`, `role in (...)`): a service
   asks `shared.authz` instead.

Not counted, because there the word is a field name rather than a value: dict keys, subscripts
(`aggs["filed"]`), the key argument of `.get()`/`.pop()`/`.setdefault()`, and docstrings.
A line may opt out with a `# vocabulary: <why>` comment when the word there means something else.
"""
import ast
from pathlib import Path

from shared.vocabulary import CMO_CELL_DEPARTMENT, STATE_OFFICE, Audience, Role, Status

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
GUARDED: dict[str, str] = {}
for kind, values in (("status", list(Status)), ("role", list(Role)), ("token audience", list(Audience)),
                     ("office id", [STATE_OFFICE, CMO_CELL_DEPARTMENT])):
    for value in values:
        GUARDED[str(value)] = f"{GUARDED[value]} or {kind}" if value in GUARDED else kind
# Modules allowed to spell the words out. Kept empty on purpose: a domain module that owns a rule over
# the words (intake's life cycle) imports them from shared.vocabulary like everyone else.
ALLOWED: set[str] = set()
# Modules that may compare roles: intake's life cycle owns its table of which role takes which action.
ROLE_RULE_OWNERS = {"services/intake/domain/lifecycle.py"}
OPT_OUT = "# vocabulary:"
KEY_METHODS = {"get", "pop", "setdefault"}


def python_files():
    for path in sorted(SERVICES.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative not in ALLOWED:
            yield relative, path.read_text(encoding="utf-8")


def field_names(tree):
    """The ids of string constants that name a field rather than hold a value."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            skipped.update(id(key) for key in node.keys if key is not None)
        elif isinstance(node, ast.Subscript):
            skipped.add(id(node.slice))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in KEY_METHODS and node.args:
            skipped.add(id(node.args[0]))
        elif isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) \
                and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant):
            skipped.add(id(node.body[0].value))
    return skipped


def literal_copies(relative, source):
    tree = ast.parse(source, relative)
    lines = source.splitlines()
    skipped = field_names(tree)
    for node in sorted(ast.walk(tree), key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in GUARDED \
                and id(node) not in skipped and OPT_OUT not in lines[node.lineno - 1]:
            yield f"{relative}:{node.lineno}: {GUARDED[node.value]} {node.value!r} spelled out"


def is_role_lookup(node):
    """`x["role"]`, `x.get("role")` or a name called `role`."""
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "role"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        return bool(node.args) and isinstance(node.args[0], ast.Constant) and node.args[0].value == "role"
    return isinstance(node, ast.Name) and node.id == "role"


def role_comparisons(relative, source):
    for node in ast.walk(ast.parse(source, relative)):
        if isinstance(node, ast.Compare) and any(map(is_role_lookup, [node.left, *node.comparators])):
            yield f"{relative}:{node.lineno}: compares a role; ask shared.authz"


def test_no_vocabulary_literal_under_services():
    found = [line for relative, source in python_files() for line in literal_copies(relative, source)]
    assert not found, f"{len(found)} literal copies of the vocabulary (use shared.vocabulary):\n" + "\n".join(found)


def test_no_role_comparison_under_services():
    found = [line for relative, source in python_files() if relative not in ROLE_RULE_OWNERS
             for line in role_comparisons(relative, source)]
    assert not found, f"{len(found)} role comparisons (use shared.authz):\n" + "\n".join(found)


def test_the_guard_sees_copies_and_skips_field_names():
    source = '''"""A docstring may say filed."""
STOPPING = ("resolved", "closed")
if actor["role"] == "admin":
    pass
x = {"state": case.get("state"), "kind": "routed"}
y = aggs["filed"]
z = ["filed"]  # vocabulary: a column name
'''
    assert [line.split(": ", 1)[1] for line in literal_copies("services/x.py", source)] == [
        "status 'resolved' spelled out", "status 'closed' spelled out", "role 'admin' spelled out",
        "status 'routed' spelled out"]
    assert list(role_comparisons("services/x.py", source)) == ["services/x.py:3: compares a role; ask shared.authz"]
