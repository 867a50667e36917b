"""Rate limits and faults: the HTTP plumbing every request goes through (authentication,
spec validation, buckets and 429s, injected faults and held answers)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import BodyPartReader, web

from . import spec
from .world import (
    ERRORS,
    JSON,
    RECORD,
    ApiError,
    Bucket,
    Injection,
    RecordedRequest,
    World,
)

log = logging.getLogger(__name__)


def _ceil_ms(seconds: float) -> float:
    return math.ceil(max(seconds, 0.0) * 1000) / 1000


def _form_errors(problems: list[str]) -> dict[str, Any]:
    """Discord's 50035 Invalid Form Body shape, nesting errors by the path in the body."""
    errors: dict[str, Any] = {}
    for problem in problems:
        parts = problem.split(": ", 2)
        where, message = (parts[1], parts[2]) if len(parts) == 3 else ("body", problem)
        keys = re.findall(r"\.([^.\[]+)|\[(\d+)\]", where.removeprefix("body"))
        node = errors
        for name, index in keys:
            node = node.setdefault(name or index, {})
        node.setdefault("_errors", []).append({"code": "FAKE_VALIDATION", "message": message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}


class Limits(World):
    """Every request's way in: recorded, checked, rate-limited or failed on purpose."""

    # ----------------------------------------------------------------- fault injection

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        global_: bool = False,
        body: dict[str, Any] | None = None,
        processed: bool = False,
        when: Callable[[Any], bool] | None = None,
    ) -> Injection:
        """Fail the next `times` matching requests (path relative to the API base, fullmatch;
        `when`: and whose JSON body it accepts); `processed=True` does each request's work
        before answering with the failure."""
        injection = Injection(
            method=method.upper(),
            pattern=re.compile(path_regex),
            status=status,
            times=times,
            retry_after=0.25 if retry_after is None else retry_after,
            global_=global_,
            body=body,
            processed=processed,
            when=when,
        )
        self.injections.append(injection)
        return injection

    def hold(self, method: str, path_regex: str, seconds: float) -> None:
        """Do matching requests' work at once but answer them ``seconds`` late: the window in
        which a client has sent a message and not yet learned that it went out."""
        self.holds.append((method.upper(), re.compile(path_regex), seconds))

    # ----------------------------------------------------------------- HTTP plumbing

    def _relative(self, request: web.Request) -> str | None:
        if request.path.startswith(self.api_path + "/"):
            return request.path[len(self.api_path) :]
        return None

    async def _read_body(self, request: web.Request, record: RecordedRequest) -> None:
        if not request.can_read_body:
            return
        ctype = request.content_type
        if ctype == JSON:
            text = await request.text()
            try:
                record.json = json.loads(text) if text else None
            except json.JSONDecodeError:
                raise ApiError(400, "400: Bad Request", 50109) from None
        elif ctype == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    record.json = json.loads(await part.text())
                else:
                    record.file_bodies.append(bytes(await part.read()))
                    record.files.append(part.filename or part.name or "")

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        path = self._relative(request)
        if path is None:
            return await handler(request)  # type: ignore[no-any-return]
        record = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=dict(request.headers),
            json=None,
            time=time.time(),
        )
        self.requests.append(record)
        request[RECORD] = record
        try:
            response = await self._serve(request, record, path, handler)
        except ApiError as exc:
            response = self._json(exc.body, status=exc.status)
        record.status = response.status
        self._notify()
        return response

    async def _serve(
        self,
        request: web.Request,
        record: RecordedRequest,
        path: str,
        handler: Callable[[web.Request], Any],
    ) -> web.StreamResponse:
        await self._read_body(request, record)
        operation: spec.Operation | None = None
        problems: list[str] = []
        if record.json is not None or request.method in ("POST", "PUT", "PATCH"):
            operation, problems = spec.validate_body(request.method, path, record.json)
        else:
            operation = spec.find_operation(request.method, path)
        record.operation = operation.operation_id if operation else None
        self.violations.extend(str(p) for p in problems)

        after: Injection | None = None
        for injection in self.injections:
            if injection.matches(request.method, path, record.json):
                injection.hits += 1
                if not injection.processed:
                    return self._fault(injection, path)
                after = injection
                break

        route = request.match_info.route.resource
        template = route.canonical if route is not None else path
        if not self._is_webhook(path):
            self._check_auth(request)
        bucket = self._bucket(request, template)
        allowed, remaining, reset_after = bucket.take(time.monotonic())
        headers = self._ratelimit_headers(bucket, remaining, reset_after)
        if not allowed:
            return self._rate_limited(reset_after, headers, scope="user", is_global=False)
        if problems:
            response = self._json(_form_errors(problems), status=400)
        else:
            try:
                response = await handler(request)
            except ApiError as exc:
                response = self._json(exc.body, status=exc.status)
            for method, pattern, seconds in self.holds:
                if method in ("*", request.method) and pattern.fullmatch(path):
                    self._notify()
                    await asyncio.sleep(seconds)
        if after is not None:
            return self._fault(after, path)
        response.headers.update(headers)
        return response

    @staticmethod
    def _is_webhook(path: str) -> bool:
        return path.startswith(("/webhooks/", "/interactions/"))

    def _check_auth(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise ApiError(401, "401: Unauthorized", 0)

    def _bucket(self, request: web.Request, template: str) -> Bucket:
        info = request.match_info
        major = "+".join(
            info[k]
            for k in ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")
            if k in info
        )
        key = (f"{request.method} {template}", major)
        bucket = self._buckets.get(key)
        if bucket is None:
            is_message = template.startswith(self.api_path + "/channels/{channel_id}/messages")
            limit, window = self.message_bucket if is_message else self.default_bucket
            name = hashlib.sha1(key[0].encode()).hexdigest()[:32]
            bucket = self._buckets[key] = Bucket(name, limit, window)
        return bucket

    @staticmethod
    def _ratelimit_headers(bucket: Bucket, remaining: int, reset_after: float) -> dict[str, str]:
        after = _ceil_ms(reset_after)
        return {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + after:.3f}",
            "X-RateLimit-Reset-After": f"{after:.3f}",
            "X-RateLimit-Bucket": bucket.name,
        }

    def _rate_limited(
        self, retry_after: float, headers: dict[str, str], *, scope: str, is_global: bool
    ) -> web.Response:
        after = _ceil_ms(retry_after)
        body = {"message": "You are being rate limited.", "retry_after": after, "global": is_global}
        extra = dict(headers)
        extra.update(
            {
                "Retry-After": str(math.ceil(after)),
                "X-RateLimit-Scope": scope,
                # discord.py treats a 429 without Via as a Cloudflare ban and gives up.
                "Via": "1.1 google",
            }
        )
        if is_global:
            extra["X-RateLimit-Global"] = "true"
        return self._json(body, status=429, headers=extra)

    def _fault(self, injection: Injection, path: str) -> web.Response:
        if injection.status == 429:
            bucket = Bucket("injected", 1, injection.retry_after)
            headers = self._ratelimit_headers(bucket, 0, injection.retry_after)
            if injection.global_:
                headers = {}
            scope = "global" if injection.global_ else "user"
            return self._rate_limited(
                injection.retry_after, headers, scope=scope, is_global=injection.global_
            )
        body = (
            injection.body
            or ERRORS.get(injection.status)
            or {
                "message": f"{injection.status}: fault injected",
                "code": 0,
            }
        )
        return self._json(body, status=injection.status)

    @staticmethod
    def _json(
        body: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        # discord.py parses JSON only when Content-Type is exactly application/json (no charset).
        response = web.Response(status=status, text=json.dumps(body), headers=headers)
        response.headers["Content-Type"] = JSON
        return response

    async def _unknown_route(self, request: web.Request) -> web.Response:
        self.unknown_routes.append(f"{request.method} {request.path}")
        log.warning("fake discord: unknown route %s %s", request.method, request.path)
        return self._json({"message": "404: Not Found", "code": 0}, status=404)
