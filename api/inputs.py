"""The API's inputs and pages live in cabinet.rest, which the verticals' API modules
share."""

from cabinet.rest import JSON_TYPES, JsonInput, Pages, json_type_problem, query_of

__all__ = ["JSON_TYPES", "JsonInput", "Pages", "json_type_problem", "query_of"]
