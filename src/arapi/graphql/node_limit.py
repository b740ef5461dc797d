"""The node-count limit: refuse a query that could return too many list items.

Depth and token limits do not stop ``customers(first: 100) { nodes {
invoices(first: 100) { nodes { ... } } } }``: each level multiplies. Before
executing, every connection field's page size (``first``/``last``, literal or
variable, 20 by default) is multiplied down the tree, as GitHub's API does,
and the sum over all connections is compared with ``Settings.max_nodes``.
The check needs the variables, so it runs as the execution starts, not as a
(cached) validation rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from arapi.graphql.relay import DEFAULT_PAGE_SIZE

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
CONNECTION_SUFFIX = "Connection"


def _int_argument(field: FieldNode, name: str, variables: dict) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value != name:
            continue
        value = argument.value
        if isinstance(value, VariableNode):
            found = variables.get(value.name.value)
            return found if isinstance(found, int) and not isinstance(found, bool) else None
        if isinstance(value, IntValueNode):
            return int(value.value)
    return None


def _list_length(field: FieldNode, name: str, variables: dict) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value == name:
            value = argument.value
            if isinstance(value, VariableNode):
                found = variables.get(value.name.value)
                return len(found) if isinstance(found, list) else None
            if isinstance(value, ListValueNode):
                return len(value.values)
    return None


def estimate_nodes(schema, document, operation_name: str | None, variables: dict | None) -> int:
    """The most list items the operation could return (connections and ``nodes(ids:)``)."""
    variables = variables or {}
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operation = next(
        (
            o
            for o in operations
            if operation_name is None or (o.name and o.name.value == operation_name)
        ),
        None,
    )
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    return _count(schema, operation.selection_set, root, 1, fragments, variables)


def _count(
    schema, selection_set: SelectionSetNode, parent, multiplier: int, fragments, variables
) -> int:
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if not isinstance(parent, GraphQLObjectType) and not hasattr(parent, "fields"):
                continue
            definition = parent.fields.get(selection.name.value)
            if definition is None:  # __typename and introspection fields
                continue
            named = get_named_type(definition.type)
            size = 1
            if named.name.endswith(CONNECTION_SUFFIX):
                size = (
                    _int_argument(selection, "first", variables)
                    or _int_argument(selection, "last", variables)
                    or DEFAULT_PAGE_SIZE
                )
                total += multiplier * size
            elif selection.name.value == "nodes" and parent is schema.query_type:
                size = _list_length(selection, "ids", variables) or 0
                total += multiplier * size
            if selection.selection_set is not None:
                total += _count(
                    schema, selection.selection_set, named, multiplier * size, fragments, variables
                )
        elif isinstance(selection, InlineFragmentNode):
            target = (
                schema.get_type(selection.type_condition.name.value)
                if selection.type_condition
                else parent
            )
            total += _count(
                schema, selection.selection_set, target, multiplier, fragments, variables
            )
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                target = schema.get_type(fragment.type_condition.name.value)
                total += _count(
                    schema, fragment.selection_set, target, multiplier, fragments, variables
                )
    return total


class NodeLimit(SchemaExtension):
    """Answers QUERY_TOO_COMPLEX, without executing, when the estimate passes the limit."""

    def __init__(self, *, max_nodes: int):
        self.max_nodes = max_nodes

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            nodes = estimate_nodes(
                context.schema._schema, document, context.operation_name, context.variables
            )
            if nodes > self.max_nodes:
                context.result = GraphQLExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            f"this query could return {nodes} list items; the limit is {self.max_nodes}: "
                            "ask for smaller pages or fewer nested lists",
                            extensions={"code": QUERY_TOO_COMPLEX},
                        )
                    ],
                )
        yield
