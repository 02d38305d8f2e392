"""The product's import graph, read from the source (no module is imported): which file imports which,
function-level imports included, `if TYPE_CHECKING:` ones left out (they never run). Used by
tests/test_architecture.py for the layering rules: no cycle between files, none between packages."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("bot", "handlers", "models", "scheduler")
# A folder of layers, not a layer: bot.config < bot.blocks < … < handlers < bot.wiring, so `bot` as a whole
# both imports and is imported by handlers and scheduler. Its sub-packages are the packages compared.
NAMESPACES = frozenset({"bot"})


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_files(root: Path = ROOT, packages: Iterable[str] = PRODUCT) -> dict[str, Path]:
    """Every module of the product by dotted name (a package by its name, from its __init__.py)."""
    return {module_name(p, root): p for package in packages for p in sorted((root / package).rglob("*.py"))}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: at any depth, skipping `if TYPE_CHECKING:` bodies (not their else)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
            continue
        if isinstance(node, ast.If) and _type_checking_only(node):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imported_names(path: Path, name: str) -> set[str]:
    """The dotted names `path` (module `name`) imports, relative imports made absolute; `from a import b`
    gives `a.b`, which `resolve` maps to the module a.b if there is one, else to a."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        if node.level:
            base_parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join([*base_parts, *([node.module] if node.module else [])])
        else:
            base = node.module or ""
        found.update(base if alias.name == "*" else f"{base}.{alias.name}" for alias in node.names)
    return found


def resolve(imported: str, modules: set[str]) -> str | None:
    """The product module an imported dotted name lands in (the longest prefix that is a module)."""
    parts = imported.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def file_graph(root: Path = ROOT, packages: Iterable[str] = PRODUCT) -> dict[str, set[str]]:
    """module -> the product modules it imports (never itself)."""
    files = product_files(root, packages)
    modules = set(files)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets = {resolve(imported, modules) for imported in imported_names(path, name)}
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def packages_of(module: str, is_package: bool) -> list[str]:
    """The packages a module sits in, outermost first, namespaces left out (a package sits in itself)."""
    parts = module.split(".")
    own = parts if is_package else parts[:-1]
    names = [".".join(own[:end]) for end in range(1, len(own) + 1)]
    return [n for n in names if n not in NAMESPACES]


def package_graph(graph: dict[str, set[str]], root: Path = ROOT) -> dict[str, set[str]]:
    """package -> packages it imports from, between packages neither of which holds the other (at every
    level: models.deals -> models.approvals, bot.ops -> scheduler, models.deals.x -> models.approvals.y …)."""

    def is_package(module: str) -> bool:
        return (root / module.replace(".", "/") / "__init__.py").exists()

    result: dict[str, set[str]] = {}
    for source, targets in graph.items():
        for target in targets:
            for p in packages_of(source, is_package(source)):
                for q in packages_of(target, is_package(target)):
                    if not (q == p or q.startswith(p + ".") or p.startswith(q + ".")):
                        result.setdefault(p, set()).add(q)
    return result


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components with more than one node: each is a set of nodes that import
    each other, directly or around a loop (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: set[frozenset[str]] = set()
    counter = 0
    nodes = sorted(set(graph) | {t for targets in graph.values() for t in targets})
    for start in nodes:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.add(frozenset(component))
    return found
