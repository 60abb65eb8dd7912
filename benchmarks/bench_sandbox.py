"""Server-side speed of the sandbox emulator, as ratios against orjson in the same process.

Run: ``python benchmarks/bench_sandbox.py [--data DIR] [--repeat N]``. Figures:

- derive: building one user (BBUser00042, >= 100 EOBs in v1 and v2) from its sample, against
  orjson loads+dumps of the same documents (the cheapest possible copy of that data);
- serve in-process: every EOB page (``_count=50``) of that user in both versions through
  ``httpx.ASGITransport``, against orjson loads+dumps of the same page bodies;
- serve loopback: the same pages over real HTTP (uvicorn on 127.0.0.1), against the same baseline;
- 8 clients: requests per second when 8 keep-alive clients (threads in this process, sharing its
  GIL with the server) each read Patient, Coverage and a 10-EOB page 20 times over loopback,
  against one client doing the same alone.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson

from bbmigrate.emulator import DEFAULT_CLIENT, SandboxConfig, create_app, serve_in_thread
from bbmigrate.emulator.oauth import s256
from bbmigrate.emulator.population import Population

USER = 42
DEFAULT_DATA = Path(__file__).resolve().parent.parent / "tests" / "emulator" / "data"


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def orjson_roundtrip(documents: list[object]) -> None:
    for doc in documents:
        orjson.loads(orjson.dumps(doc))


def token_for(app) -> str:
    """A token straight from the OAuth store (the benchmark measures FHIR serving, not login)."""
    oauth = app.state.sandbox.oauth
    verifier = "v" * 64
    code = oauth.issue_code(
        DEFAULT_CLIENT,
        redirect_uri="http://127.0.0.1:1/cb",
        challenge=s256(verifier),
        number=USER,
        patient_id=app.state.sandbox.population.user(USER).patient_id,
        scopes=DEFAULT_CLIENT.scopes,
    )
    form = {"code": code, "redirect_uri": "http://127.0.0.1:1/cb", "code_verifier": verifier}
    return oauth.exchange_code(DEFAULT_CLIENT, form)["access_token"]


def page_urls(total: int) -> list[str]:
    return [
        f"/{version}/fhir/ExplanationOfBenefit?_count=50&startIndex={start}"
        for version in ("v1", "v2")
        for start in range(0, total, 50)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    population = Population(args.data)
    user = population.user(USER)
    documents = [form for claim in user.claims for form in claim.forms.values()]
    derive = best(lambda: Population(args.data, cache_size=0).user(USER), args.repeat)
    baseline = best(lambda: orjson_roundtrip(documents), args.repeat)
    print(f"user BBUser{USER:05d}: {len(user.claims)} EOBs x 2 versions from {args.data}")
    print(f"derive            {derive * 1000:8.1f} ms  = {derive / baseline:6.1f} x orjson")

    app = create_app(SandboxConfig(data_dir=args.data))
    headers = {"Authorization": f"Bearer {token_for(app)}"}
    urls = page_urls(len(user.claims))

    async def fetch_in_process() -> list[bytes]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            return [(await client.get(url, headers=headers)).content for url in urls]

    bodies = asyncio.run(fetch_in_process())
    pages = [orjson.loads(body) for body in bodies]
    assert sum(len(p.get("entry", [])) for p in pages) == 2 * len(user.claims)
    baseline = best(lambda: orjson_roundtrip(pages), args.repeat)
    in_process = best(lambda: asyncio.run(fetch_in_process()), args.repeat)
    print(
        f"serve in-process  {in_process * 1000:8.1f} ms  = {in_process / baseline:6.1f} x orjson"
        f"  ({len(urls)} pages, {sum(map(len, bodies)) / 1e6:.1f} MB)"
    )

    with serve_in_thread(app) as url, httpx.Client(base_url=url) as client:
        loopback = best(lambda: [client.get(u, headers=headers).content for u in urls], args.repeat)
        per_page = loopback / len(urls)
        patient = app.state.sandbox.population.user(USER).patient_id
        mix = [f"/v2/fhir/Patient/{patient}", "/v2/fhir/Coverage/"]
        mix += ["/v1/fhir/ExplanationOfBenefit/?_count=10"]
        one = best(lambda: clients(url, headers, mix * 20, 1), args.repeat)
        eight = best(lambda: clients(url, headers, mix * 20, 8), args.repeat)
    print(
        f"serve loopback    {loopback * 1000:8.1f} ms  = {loopback / baseline:6.1f} x orjson"
        f"  ({per_page * 1000:.1f} ms/page)"
    )
    requests = len(mix) * 20
    rate, alone = 8 * requests / eight, requests / one
    print(
        f"8 clients         {rate:8.0f} req/s = {rate / alone:5.2f} x 1 client ({alone:.0f} req/s)"
    )


def clients(url: str, headers: dict[str, str], paths: list[str], count: int) -> None:
    """``count`` keep-alive clients in threads, each GETting every path once."""

    def run() -> None:
        with httpx.Client(base_url=url, headers=headers) as client:
            for path in paths:
                client.get(path).raise_for_status()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
