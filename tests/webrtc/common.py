"""What the WHIP and WHEP clients share: aiortc set up for loopback, the
HTTP side of WHIP/WHEP (RFC 9725 and its WHEP sibling), and small file
writers. The WebRTC stack is aiortc's; only the glue is ours."""

import json
import logging
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request
import zlib

import aioice.ice

# aioice leaves 127.0.0.1 out of its host candidates (it gathers on the
# other interfaces only). The tests run on loopback alone, and the daemon
# offers only 127.0.0.1 candidates, so offer exactly that address.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


# aiortc reports a failing track as a logged warning: show it in the log.
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)


def say(**event):
    """One JSON line on stdout: what the Rust test reads."""
    print(json.dumps(event), flush=True)


def post_offer(url, sdp, token=None):
    """POSTs the offer; returns (status, headers, body text)."""
    headers = {"Content-Type": "application/sdp"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=sdp.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=20) as res:
            return res.status, dict(res.headers), res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode(errors="replace")


def delete(url, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    req = urllib.request.Request(url, headers=headers, method="DELETE")
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status
    except urllib.error.HTTPError as e:
        return e.code


def resource_url(endpoint, location):
    """The session resource: Location is relative to the endpoint's URL."""
    return urllib.parse.urljoin(endpoint, location)


def rgb_to_yuv(r, g, b):
    """BT.601 limited range, as encoders take I420."""
    y = 16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256
    u = 128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256
    v = 128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256
    return [max(0, min(255, round(c))) for c in (y, u, v)]


def write_png(path, width, height, rgb_rows):
    """An 8-bit RGB PNG from rows of bytes (width * 3 each)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + row for row in rgb_rows)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )
    with open(path, "wb") as f:
        f.write(png)


def fail(message):
    say(event="error", message=message)
    sys.exit(1)


async def negotiate(pc, connected, url, token, what):
    """Offers, POSTs the offer to the WHIP/WHEP endpoint, applies the answer
    and waits for the connection; returns the resource's Location."""
    import asyncio
    from aiortc import RTCSessionDescription

    # aiortc gathers every candidate in setLocalDescription: no trickle.
    await pc.setLocalDescription(await pc.createOffer())
    status, headers, body = post_offer(url, pc.localDescription.sdp, token)
    location = headers.get("Location") or headers.get("location")
    say(
        event="answered",
        status=status,
        location=location,
        candidates=[l for l in body.splitlines() if l.startswith("a=candidate:")],
        body=body if status != 201 else "",
    )
    if status != 201 or not location:
        await pc.close()
        fail(f"{what} POST answered {status}: {body.strip()}")
    await pc.setRemoteDescription(RTCSessionDescription(sdp=body, type="answer"))
    try:
        await asyncio.wait_for(connected.wait(), 20)
    except asyncio.TimeoutError:
        await pc.close()
        fail(f"not connected within 20 s: {pc.connectionState}")
    say(event="connected")
    return location
