"""Client-side speed of ``fetch_beneficiary`` against the emulator, as same-process ratios.

Run: ``python benchmarks/bench_fetch.py [--data DIR] [--repeat N] [--count N ...]``.

One user with >= 100 EOBs (BBUser00042, see docs/sandbox.md) is fetched from v1 and v2 over real
loopback HTTP (uvicorn on 127.0.0.1), the login done once beforehand. Figures, best of N runs:

- fetch: ``fetch_beneficiary`` end to end (both versions concurrently, paging, retries armed,
  manifest, staged atomic write), wall time and requests per second;
- raw GETs: the very same URLs (read back from the manifest) fetched one after another with a
  bare ``httpx.Client`` and parsed with orjson: no auth flow, paging logic, threads or writing;
- orjson: loads+dumps of the documents the fetch wrote (the cheapest copy of that data).

``--latency MS`` (default 25) repeats the figures with that delay added to every emulator answer,
a stand-in for the real sandbox's round trips, where fetching v1 and v2 concurrently and
overlapping EOB paging with the other reads pays off.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
from sandbox_login import login_user

from bbmigrate import emulator
from bbmigrate.client import fetch_beneficiary

USER = 42
DEFAULT_DATA = Path(__file__).resolve().parent.parent / "tests" / "emulator" / "data"


def best(run: Callable[[], object], repeat: int) -> float:
    """Best wall time of ``repeat`` runs: the least disturbed by other work on the machine."""
    return min(timeit.repeat(run, number=1, repeat=repeat))


class Latency:
    """ASGI middleware delaying every answer by ``seconds`` (without blocking other requests)."""

    def __init__(self, app, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.seconds:
            await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--count", type=int, nargs="+", default=[50, 10])
    parser.add_argument("--latency", type=float, default=25.0, help="added ms per answer")
    args = parser.parse_args()
    for latency in sorted({0.0, args.latency}):
        run(args, latency / 1000)


def run(args: argparse.Namespace, latency: float) -> None:
    app = emulator.create_app(emulator.SandboxConfig(data_dir=args.data))
    app.add_middleware(Latency, seconds=latency)
    with emulator.serve_in_thread(app) as base, tempfile.TemporaryDirectory() as tmp:
        token = login_user(base, USER)
        headers = {
            "Authorization": f"Bearer {token.access_token}",
            "Accept": "application/fhir+json",
            "Accept-Encoding": "gzip",
        }
        for count in args.count:
            out = Path(tmp) / f"bene-{count}"
            manifest = fetch_beneficiary(base, out, token, count=count)
            urls = [r.url for r in manifest.requests if r.status == 200]
            eobs = manifest.versions["v2"].counts["ExplanationOfBenefit"]
            documents = [orjson.loads(p.read_bytes()) for p in sorted(out.rglob("*.json"))]
            wire = sum(r.bytes for r in manifest.requests)

            def client_run(out=out, count=count) -> None:
                fetch_beneficiary(base, out, token, count=count)

            def raw_run(urls=urls) -> None:
                with httpx.Client(headers=headers) as http:
                    for url in urls:
                        orjson.loads(http.get(url).content)

            def orjson_run(documents=documents) -> None:
                for doc in documents:
                    orjson.loads(orjson.dumps(doc))

            fetch_s = best(client_run, args.repeat)
            raw_s = best(raw_run, args.repeat)
            orjson_s = best(orjson_run, args.repeat)
            print(
                f"BBUser{USER:05d} _count={count} +{latency * 1000:.0f} ms/answer: {eobs} EOBs x2 "
                f"versions, {len(urls)} requests, {wire / 1e6:.2f} MB on the wire (gzip)"
            )
            print(
                f"  fetch     {fetch_s * 1000:8.1f} ms  {len(urls) / fetch_s:7.0f} req/s"
                f"  = {fetch_s / raw_s:5.2f} x raw GETs  = {fetch_s / orjson_s:6.1f} x orjson"
            )
            print(f"  raw GETs  {raw_s * 1000:8.1f} ms  {len(urls) / raw_s:7.0f} req/s")
            print(f"  orjson    {orjson_s * 1000:8.1f} ms  (loads+dumps of the written documents)")


if __name__ == "__main__":
    main()
