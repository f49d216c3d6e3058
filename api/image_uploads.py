"""Image data in request bodies: streamed from the event loop to a worker thread, with the size
cap checked before a byte is read when the client announced its size."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from uuid import UUID

from anyio import from_thread
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from api.auth import Caller
from api.deps import ApiSettings, CloudDep
from api.errors import ApiError
from api.image_access import authorize_change
from api.policy import PolicyEngine
from domain.backends import BlobTooLarge, FormatMismatch
from domain.context import RequestContext
from domain.services.images import ImageFiles

# What takes the bytes: ImageDataService.upload or .stage.
Taker = Callable[[RequestContext, UUID, Iterator[bytes], ImageFiles, int], object]


def size_cap(settings: ApiSettings) -> int:
    return settings.image_size_cap


def declared_size(request: Request) -> int:
    """The largest size the client announced (openstacksdk sends X-OpenStack-Image-Size)."""
    values = (request.headers.get(h, "") for h in ("x-openstack-image-size", "content-length"))
    return max((int(v) for v in values if v.isdigit()), default=0)


def pulled(stream: AsyncIterator[bytes]) -> Iterator[bytes]:
    """The request body as a plain iterator, for a worker thread to consume chunk by chunk."""

    async def next_chunk() -> bytes | None:
        try:
            return await stream.__anext__()
        except StopAsyncIteration:
            return None

    while (chunk := from_thread.run(next_chunk)) is not None:
        if chunk:
            yield chunk


async def receive(request: Request, cloud: CloudDep, caller: Caller, policy: PolicyEngine,
                  image_id: str, rule: str, take: Taker, store: str | None = None) -> None:
    """Check the request, then hand its body to `take` (upload or stage) in a worker thread,
    with the files of `store` (Glance's stores; none: where staged data waits)."""
    files = cloud.image_stores.get(store) if store is not None else cloud.blobs
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/octet-stream":
        raise ApiError(415, "Unsupported Content-Type; expected application/octet-stream")
    cap = size_cap(cloud.settings)
    if declared_size(request) > cap:  # refuse before reading a byte when we can
        raise ApiError(413, f"Image exceeds the storage quota of {cap} bytes.")
    image = await run_in_threadpool(authorize_change, cloud, caller, policy, rule, image_id)
    try:
        await run_in_threadpool(take, caller.ctx, image.id, pulled(request.stream()),
                                files, cap)
    except BlobTooLarge as error:
        raise ApiError(413, str(error)) from None
    except FormatMismatch:
        # Refused, but recorded (the image is killed): read models follow, as after any write.
        await run_in_threadpool(cloud.catch_up_for_reads)
        raise
    except ClientDisconnect:
        # Nothing was recorded and the staged file is gone; no one is left to read an answer.
        raise ApiError(400, "The client disconnected before the upload completed.") from None
