"""Contract types of our own for import-linter (`[tool.importlinter] contract_types`)."""

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


def is_views_module(module: str) -> bool:
    """`views`, `staff_views`, `chat_views`, … : a module of pages."""
    last = module.rsplit(".", 1)[-1]
    return last == "views" or last.endswith("_views")


def is_urls_module(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last == "urls" or last.endswith("_urls") or last.startswith("urls_")


class ViewsAreLeavesContract(Contract):
    """Nothing imports a views module but a URL configuration: what views share (guards,
    helpers) lives in a module of its own (cabinet/access.py), not beside a view."""

    type_name = "views_are_leaves"
    containers = fields.ListField(subfield=fields.ModuleField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        prefixes = [str(container.name) for container in self.containers]
        wrong = []
        for module in sorted(graph.modules):
            if not is_views_module(module) or not any(
                module == p or module.startswith(f"{p}.") for p in prefixes
            ):
                continue
            for importer in sorted(graph.find_modules_that_directly_import(module)):
                if not is_urls_module(importer):
                    wrong.append(f"{importer} -> {module}")
        return ContractCheck(kept=not wrong, metadata={"wrong": wrong})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["wrong"]:
            output.print_error(f"{line}: only a urls module may import a views module")
            output.new_line()
