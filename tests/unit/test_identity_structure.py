"""Identity reaches its data only through its store, and keeps no process-wide mutable state."""
import ast
from pathlib import Path

import services.identity

PACKAGE = Path(services.identity.__file__).parent
COLLECTION_ACCESS = {"db", "database", "collection", "find_one", "insert_one", "update_one", "replace_one",
                     "find_one_and_update", "delete_one", "delete_many", "update_many"}


def modules():
    return [path for path in PACKAGE.glob("*.py") if path.name not in ("storage.py", "cli.py")]


def test_only_the_store_touches_collections():
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in COLLECTION_ACCESS:
                raise AssertionError(f"{path.name}:{node.lineno} reaches past the store (.{node.attr})")


def test_no_module_level_mutable_state():
    """A dict, set or list bound at module level under a lower-case name is state (constants are UPPER_CASE)."""
    for path in modules():
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.Assign):
                continue
            container = isinstance(node.value, (ast.Dict, ast.Set, ast.List)) or (
                isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") in ("set", "dict", "list"))
            names = [target.id for target in node.targets if isinstance(target, ast.Name)]
            if container and any(not name.isupper() for name in names):
                raise AssertionError(f"{path.name}:{node.lineno} keeps mutable state at module level ({names})")
