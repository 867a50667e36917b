"""Request-body validation against Discord's OpenAPI spec, plus the limits the spec leaves out."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[3] / "shared" / "discord-api-spec" / "openapi.json"
SPEC_URI = "urn:discord-openapi"

# The spec says 4000 for content (the Nitro limit for people); a bot gets 2000.
CONTENT_LIMIT = 2000
EMBEDS_LIMIT = 10
EMBED_TOTAL_LIMIT = 6000
EMBED_FIELD_COUNT_LIMIT = 25
EMBED_TEXT_LIMITS = {
    "title": 256,
    "description": 4096,
}
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_NAME_LIMIT = 256
# Discord answers 400 "Not a well formed URL." for an embed link that isn't an absolute http(s)
# URL with a host (images may also be attachment://), or that holds spaces or control characters.
_WELL_FORMED_URL = re.compile(r"https?://[^\s/?#@\\:]+(?::\d{1,5})?(?:[/?#]\S*)?", re.IGNORECASE)
_ATTACHMENT_URL = re.compile(r"attachment://[^\s/]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMBED_LINKS = (
    (("url",), False),
    (("thumbnail", "url"), True),
    (("image", "url"), True),
    (("author", "url"), False),
    (("author", "icon_url"), True),
    (("footer", "icon_url"), True),
)


def _link_errors(embed: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, problem) for each link in an embed that Discord would refuse."""
    problems = []
    for path, media in _EMBED_LINKS:
        value: Any = embed
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, str):
            continue
        ok = bool(_WELL_FORMED_URL.fullmatch(value)) or bool(
            media and _ATTACHMENT_URL.fullmatch(value)
        )
        if not ok or _CONTROL.search(value):
            problems.append(("." + ".".join(path), "Not a well formed URL."))
    return problems


@dataclass(frozen=True, slots=True)
class Operation:
    """One (method, path template) of the spec, with the schema of its JSON body if it has one."""

    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    literal_segments: int
    body_pointer: str | None


@cache
def load_spec() -> dict[str, Any]:
    """The spec is 1 MB of JSON: read it once per process."""
    with SPEC_PATH.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = json.load(handle)
    return spec


@cache
def _registry() -> Registry[Any]:
    resource = Resource.from_contents(load_spec(), default_specification=DRAFT202012)
    return Registry().with_resource(SPEC_URI, resource)


@cache
def operations() -> tuple[Operation, ...]:
    found: list[Operation] = []
    for template, item in load_spec()["paths"].items():
        segments = template.strip("/").split("/")
        regex = "/".join("[^/]+" if seg.startswith("{") else re.escape(seg) for seg in segments)
        literal = sum(1 for seg in segments if not seg.startswith("{"))
        for method, op in item.items():
            if method == "parameters" or not isinstance(op, dict):
                continue
            pointer = None
            content = (op.get("requestBody") or {}).get("content") or {}
            if "application/json" in content:
                escaped = template.replace("~", "~0").replace("/", "~1")
                pointer = f"/paths/{escaped}/{method}/requestBody/content/application~1json/schema"
            found.append(
                Operation(
                    operation_id=op.get("operationId", f"{method} {template}"),
                    method=method.upper(),
                    template=template,
                    pattern=re.compile(f"/{regex}"),
                    literal_segments=literal,
                    body_pointer=pointer,
                )
            )
    return tuple(found)


def find_operation(method: str, path: str) -> Operation | None:
    """The spec operation for a request path (relative to the API base); literal segments win."""
    matches = [
        op for op in operations() if op.method == method.upper() and op.pattern.fullmatch(path)
    ]
    if not matches:
        return None
    return max(matches, key=lambda op: op.literal_segments)


_draft_type = Draft202012Validator.VALIDATORS["type"]


def _snowflake_aware_type(validator: Any, types: Any, instance: Any, schema: Any) -> Any:
    # The spec types snowflakes as strings, but Discord accepts integers too, and discord.py
    # sends some (POST /users/@me/channels recipient_id). Flagging those would be noise.
    if (
        schema.get("format") == "snowflake"
        and isinstance(instance, int)
        and not isinstance(instance, bool)
        and instance >= 0
    ):
        return
    yield from _draft_type(validator, types, instance, schema)


SpecValidator = validators.extend(Draft202012Validator, {"type": _snowflake_aware_type})


@cache
def _validator(pointer: str) -> Any:
    schema = {"$ref": f"{SPEC_URI}#{quote(pointer, safe='/~')}"}
    return SpecValidator(schema, registry=_registry())


def _where(error: ValidationError) -> str:
    parts = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return f"body{parts}"


def _closest(error: ValidationError) -> ValidationError:
    """For a failed anyOf/oneOf, the error from the branch that got furthest into the body.

    jsonschema's best_match prefers shallow errors, which for Discord's unions (keyed on `type`)
    names the wrong branch ("4 is not one of [8]").
    """
    while error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
        chosen = max(branches.values(), key=lambda errors: max(map(_depth, errors)))
        error = max(chosen, key=_depth)
    return error


def _depth(error: ValidationError) -> int:
    """How far into the body the deepest leaf failure under this error lies."""
    if error.context:
        return max(_depth(sub) for sub in error.context)
    return len(error.absolute_path)


def _describe(error: ValidationError) -> str:
    if error.validator in ("maxLength", "minLength", "maxItems", "minItems"):
        size = len(error.instance) if isinstance(error.instance, str | list) else "?"
        return f"length {size} breaks {error.validator} {error.validator_value}"
    message = error.message
    return message if len(message) <= 200 else message[:197] + "..."


def schema_errors(operation: Operation, body: Any) -> list[str]:
    """Readable schema violations: `operation_id: body.path: message`."""
    if operation.body_pointer is None:
        return []
    problems = []
    for error in _validator(operation.body_pointer).iter_errors(body):
        chosen = _closest(error)
        problems.append(f"{operation.operation_id}: {_where(chosen)}: {_describe(chosen)}")
    return problems


def component_errors(schema_name: str, instance: Any) -> list[str]:
    """Violations of one of the spec's component schemas (e.g. a response the fake builds:
    ``ThreadResponse``), as ``path: message``."""
    validator = _validator(f"/components/schemas/{schema_name}")
    return [
        f"{_where(_closest(error))}: {_describe(_closest(error))}"
        for error in validator.iter_errors(instance)
    ]


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def message_limit_errors(operation_id: str, message: Any, where: str = "body") -> list[str]:
    """Limits Discord enforces on a message body that the spec does not express."""
    if not isinstance(message, dict):
        return []
    problems: list[str] = []

    def add(path: str, text: str) -> None:
        problems.append(f"{operation_id}: {where}{path}: {text}")

    content = message.get("content")
    if isinstance(content, str) and len(content) > CONTENT_LIMIT:
        add(".content", f"{len(content)} characters, more than {CONTENT_LIMIT}")
    embeds = message.get("embeds")
    if not isinstance(embeds, list):
        return problems
    if len(embeds) > EMBEDS_LIMIT:
        add(".embeds", f"{len(embeds)} embeds, more than {EMBEDS_LIMIT}")
    total = 0
    for index, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        at = f".embeds[{index}]"
        for key, limit in EMBED_TEXT_LIMITS.items():
            size = _length(embed.get(key))
            total += size
            if size > limit:
                add(f"{at}.{key}", f"{size} characters, more than {limit}")
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELD_COUNT_LIMIT:
            add(f"{at}.fields", f"{len(fields)} fields, more than {EMBED_FIELD_COUNT_LIMIT}")
        for f_index, field in enumerate(fields):
            if not isinstance(field, dict):
                continue
            name, value = _length(field.get("name")), _length(field.get("value"))
            total += name + value
            if name > FIELD_NAME_LIMIT:
                add(f"{at}.fields[{f_index}].name", f"{name} characters, more than 256")
            if value > FIELD_VALUE_LIMIT:
                add(f"{at}.fields[{f_index}].value", f"{value} characters, more than 1024")
            if not field.get("name") or not field.get("value"):
                add(f"{at}.fields[{f_index}]", "name and value must not be empty")
        for path, problem in _link_errors(embed):
            add(f"{at}{path}", problem)
        footer = _length((embed.get("footer") or {}).get("text"))
        author = _length((embed.get("author") or {}).get("name"))
        total += footer + author
        if footer > FOOTER_LIMIT:
            add(f"{at}.footer.text", f"{footer} characters, more than {FOOTER_LIMIT}")
        if author > AUTHOR_NAME_LIMIT:
            add(f"{at}.author.name", f"{author} characters, more than {AUTHOR_NAME_LIMIT}")
    if total > EMBED_TOTAL_LIMIT:
        add(".embeds", f"{total} characters across embeds, more than {EMBED_TOTAL_LIMIT}")
    return problems


def validate_body(method: str, path: str, body: Any) -> tuple[Operation | None, list[str]]:
    """All violations of one request body: the spec's schema and the message limits."""
    operation = find_operation(method, path)
    if operation is None:
        return None, []
    problems = schema_errors(operation, body)
    op_id = operation.operation_id
    if op_id == "create_interaction_response" and isinstance(body, dict):
        extra = message_limit_errors(op_id, body.get("data"), "body.data")
    else:
        extra = message_limit_errors(op_id, body)
    # Where the spec already caught a limit at the same place, one report is enough.
    seen = {problem.rsplit(": ", 1)[0] for problem in problems}
    problems += [p for p in extra if p.rsplit(": ", 1)[0] not in seen]
    return operation, problems
