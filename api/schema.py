"""The OpenAPI schema's account of errors: every operation lists the errors it can answer with,
each with its body, so an integration can handle them from the schema alone.

What each view declares with @extend_schema stays (its descriptions are the specific ones); this
adds what follows from how the view is built, and a body to any declared error that lacks one:

- 400 where a request body or query parameters are read: `ValidationError`, the field names
  with their messages (or `detail` for the request as a whole);
- 401 and 403 where credentials are read (a missing or unknown credential, a role or scope that
  does not reach);
- 404 where the path names an object;
- 414 where the path or query carries parameters: a request line longer than the HTTP server
  takes is refused before it reaches us (no body of ours);
- 415 where a body is read (the API takes JSON);
- 429 where requests are throttled;
- any other error: `ErrorOutput`, one `detail` in words for a person.

An operation open to API keys says which scope a key needs (the view's `key_scopes`), in its
description and as `x-api-key-scope`; one that names none says keys are refused there.

A text field of a request also says that it takes no NUL character (DRF refuses one).
"""

from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from api.auth import ApiKeyAuthentication
from cabinet.verticals import current_vertical

VALIDATION_ERROR = {
    "type": "object",
    "description": "What was wrong with the request: each field's name with its messages "
    "(a list of objects answers with one entry per item), or `detail` for the whole request.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {},
    "minProperties": 1,
}


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words for a person.")


ERROR_DESCRIPTIONS = {
    "400": "The request is malformed: see the messages per field",
    "401": "No credentials, or ones this cabinet does not know",
    "403": "Signed in, but this role, key scope or check (CSRF) does not allow it",
    "404": "No such object here, or not one this caller may see",
    "414": "The address is longer than the server takes (over 4 KB)",
    "415": "The body is not JSON",
    "429": "Too many requests: wait the seconds that Retry-After says",
}
BODY_METHODS = {"POST", "PUT", "PATCH"}
BODILESS = {"414"}  # said by the HTTP server in front of Django, in its own words
NO_NUL = "^[^\\u0000]+$"  # "+": where a blank value is allowed, it is a branch of its own
RETRY_AFTER = {"schema": {"type": "integer"}, "description": "Seconds until a retry may pass"}


class AutoSchema(SpectacularAutoSchema):
    def _key_scope(self) -> str | None:
        return getattr(self.view, "key_scopes", {}).get(self.method)

    def _takes_api_keys(self) -> bool:
        return any(isinstance(a, ApiKeyAuthentication) for a in self.view.get_authenticators())

    def get_operation(self, *args: object, **kwargs: object) -> dict | None:
        """The operation, saying which API-key scope it needs (after any description a view
        gives with @extend_schema, which replaces get_description)."""
        operation = super().get_operation(*args, **kwargs)
        if operation is None or not self._takes_api_keys():
            return operation
        scope = self._key_scope()
        said = (f"API keys need the scope `{scope}`." if scope
                else "Not open to API keys (403).")  # fmt: skip
        description = operation.get("description", "")
        operation["description"] = f"{description}\n\n{said}" if description else said
        if scope:
            operation["x-api-key-scope"] = scope
        return operation

    def _map_serializer_field(
        self, field: serializers.Field, direction: str, bypass_extensions: bool = False
    ) -> dict:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        free_text = schema.get("type") == "string" and not schema.keys() & {"pattern", "format"}
        patterned = any(isinstance(v, RegexValidator) for v in field.validators)
        if direction == "request" and isinstance(field, serializers.CharField) and free_text:
            if patterned:
                return schema  # drf-spectacular adds the validator's own pattern
            schema["pattern"] = NO_NUL  # DRF refuses them, and PostgreSQL could not store them
        return schema

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code]})
        for code, response in responses.items():
            if code >= "400" and code not in BODILESS and "content" not in response:
                response["content"] = {"application/json": {"schema": self._error_schema(code)}}
        if "429" in responses:
            responses["429"].setdefault("headers", {"Retry-After": RETRY_AFTER})
        return responses

    def _error_codes(self) -> list[str]:
        view = self.view
        codes = []
        reads_body = self.method in BODY_METHODS and self.get_request_serializer() is not None
        has_query = any(p.get("in") == "query" for p in self._get_parameters())
        if reads_body or has_query:
            codes.append("400")
        if view.authentication_classes:
            codes.append("401")
            if not all(p is AllowAny for p in view.permission_classes):
                codes.append("403")
        if "{" in self.path:
            codes.append("404")
        if "{" in self.path or has_query:
            codes.append("414")
        if reads_body:
            codes.append("415")
        if view.throttle_classes:
            codes.append("429")
        return codes

    def _error_schema(self, code: str) -> dict:
        if code == "400":
            component = ResolvedComponent(
                name="ValidationError", type=ResolvedComponent.SCHEMA,
                object="ValidationError", schema=VALIDATION_ERROR,
            )  # fmt: skip
            self.registry.register_on_missing(component)
            return component.ref
        return self.resolve_serializer(ErrorOutput, "response").ref


def vertical_endpoints(endpoints: list[tuple]) -> list[tuple]:
    """A cabinet's schema shows its own vertical's endpoints, not another vertical's (which
    answer 404 there); with no cabinet in view (a schema made offline) it shows them all."""
    here = current_vertical()
    return [
        endpoint for endpoint in endpoints
        if not here or getattr(getattr(endpoint[3], "cls", None), "vertical", here) == here
    ]  # fmt: skip
