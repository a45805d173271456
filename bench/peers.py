"""newsdesk beside a peer CMS in the same run: the same articles, the same reads.

Run through bench/peers.sh, which builds newsdesk and installs the peer first. Seeds
newsdesk's SQLite database with the synthetic corpus, copies the same articles into
Directus (SQLite too), and drives both with wrk: an article by slug, the newest twenty as a
list, and a search for title phrases, one server at a time. Prints a Markdown table.
"""

import argparse
import json
import os
import random
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import run as bench

DIRECTUS_PORT = 18055
NEWSDESK_PORT = 18050
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "benchmark-admin-password"
WARM_UP_SECONDS = 5
LIST_FIELDS = "id,slug,title,summary,published_at"
ARTICLE_FIELDS = [
    ("slug", "string", {"is_unique": True, "is_indexed": True}),
    ("title", "string", {}),
    ("summary", "text", {}),
    ("body_html", "text", {}),
    ("published_at", "timestamp", {"is_indexed": True}),
]


class Directus(bench.Server):
    def wait_ready(self, started):
        for _ in range(3000):
            try:
                with urllib.request.urlopen(self.base + "/server/ping", timeout=1):
                    return time.monotonic() - started
            except Exception:
                if self.process.poll() is not None:
                    raise RuntimeError("Directus exited; run it by hand with the same environment to see why")
                time.sleep(0.05)
        raise RuntimeError("Directus never became ready")


def directus_env(workdir):
    env = dict(os.environ)
    env.update({
        "DB_CLIENT": "sqlite3",
        "DB_FILENAME": os.path.join(workdir, "directus.db"),
        "KEY": "newsdesk-peers-benchmark",
        "SECRET": "newsdesk-peers-benchmark-secret-0123456789",
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "HOST": "127.0.0.1",
        "PORT": str(DIRECTUS_PORT),
        "PUBLIC_URL": f"http://127.0.0.1:{DIRECTUS_PORT}",
        "STORAGE_LOCAL_ROOT": os.path.join(workdir, "uploads"),
        "EXTENSIONS_PATH": os.path.join(workdir, "extensions"),
        "TELEMETRY": "false",
        "LOG_LEVEL": "warn",
        # Its defaults would refuse a benchmark's request rate from one address.
        "RATE_LIMITER_ENABLED": "false",
    })
    return env


def call(base, method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as reply:
        text = reply.read()
    return json.loads(text) if text else None


def directus_schema(base):
    """The `articles` collection with newsdesk's public fields, readable without a token."""
    token = call(base, "POST", "/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})["data"][
        "access_token"]
    call(base, "POST", "/collections", {
        "collection": "articles", "schema": {}, "meta": {"icon": "article"},
        "fields": [{"field": "id", "type": "integer", "meta": {"hidden": True},
                    "schema": {"is_primary_key": True, "has_auto_increment": True}}],
    }, token)
    for name, kind, schema in ARTICLE_FIELDS:
        call(base, "POST", "/fields/articles", {"field": name, "type": kind, "meta": {}, "schema": schema}, token)
    public = [p["id"] for p in call(base, "GET", "/policies?fields=id,name&limit=-1", token=token)["data"]
              if p["name"] == "$t:public_label"]
    call(base, "POST", "/permissions", {"policy": public[0], "collection": "articles", "action": "read",
                                        "fields": ["*"], "permissions": {}, "validation": {}}, token)


def copy_articles(newsdesk_db, directus_db):
    """The same rows, copied straight into Directus's table (its item API takes minutes for
    100,000 rows and would measure nothing the benchmark reads)."""
    with sqlite3.connect(directus_db) as conn:
        conn.execute("ATTACH DATABASE ? AS newsdesk", (newsdesk_db,))
        conn.execute("INSERT INTO articles (id, slug, title, summary, body_html, published_at) "
                     "SELECT id, slug, title, summary, body_html, published_at FROM newsdesk.articles "
                     "WHERE status = 'published'")
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def scenarios(rows, phrases):
    quote = urllib.parse.quote_plus
    return [
        ("article by slug",
         [f"/api/v1/articles/by-slug/{slug}" for _, slug in rows],
         [f"/items/articles?filter[slug][_eq]={quote(slug)}&limit=1" for _, slug in rows]),
        ("newest twenty (list page)",
         [f"/api/v1/articles?per_page=20&fields={LIST_FIELDS}"],
         [f"/items/articles?sort=-published_at&limit=20&fields={LIST_FIELDS}"]),
        ("search (title phrases)",
         [bench.search_path(q) for _, q in phrases],
         [f"/items/articles?search={quote(q)}&limit=20&fields=id,slug,title" for _, q in phrases]),
    ]


def measure(server, paths_file, seconds, connections):
    """A warm-up (Node compiles its hot code in the first seconds), then the measured run
    and the peak memory during it."""
    bench.wrk(server.base + "/", "random_path.lua", [paths_file], WARM_UP_SECONDS, connections)
    server.reset_peak_rss()
    result = bench.wrk(server.base + "/", "random_path.lua", [paths_file], seconds, connections)
    result["rss"] = server.peak_rss_mib()
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--newsdesk", required=True, help="the newsdesk binary")
    parser.add_argument("--directus", required=True, help="Directus's `directus` command")
    options = parser.parse_args()
    options.newsdesk, options.directus = os.path.abspath(options.newsdesk), os.path.abspath(options.directus)
    workdir = tempfile.mkdtemp(prefix="newsdesk-peers-")
    # Directus keeps an extensions cache under its working directory.
    os.chdir(workdir)
    newsdesk_db = os.path.join(workdir, "newsdesk.db")
    bench.log(f"seeding newsdesk with {options.articles} articles")
    bench.seed(options.newsdesk, newsdesk_db, options.articles, 3000)
    rows = bench.rows_sqlite(newsdesk_db, bench.ARTICLE_ROWS, options.articles)
    phrases = bench.search_queries(bench.rows_sqlite(newsdesk_db, bench.TITLE_ROWS, bench.QUALITY_QUERIES))["phrases"]
    random.Random(1).shuffle(rows)

    env = directus_env(workdir)
    os.makedirs(env["STORAGE_LOCAL_ROOT"], exist_ok=True)
    os.makedirs(env["EXTENSIONS_PATH"], exist_ok=True)
    bench.log("installing Directus's schema")
    subprocess.run([options.directus, "bootstrap"], env=env, check=True, stdout=subprocess.DEVNULL)
    directus = Directus([options.directus, "start"], env, DIRECTUS_PORT)
    try:
        directus_schema(directus.base)
    finally:
        directus.stop()
    copied = copy_articles(newsdesk_db, env["DB_FILENAME"])
    bench.log(f"copied {copied} articles into Directus")

    results = []
    for name, newsdesk_paths, directus_paths in scenarios(rows, phrases):
        newsdesk = bench.Server([options.newsdesk], bench.newsdesk_env(newsdesk_db, NEWSDESK_PORT), NEWSDESK_PORT)
        ours = measure(newsdesk, bench.write_paths(workdir, "newsdesk.txt", newsdesk_paths), options.seconds,
                       options.connections)
        newsdesk.stop()
        directus = Directus([options.directus, "start"], env, DIRECTUS_PORT)
        theirs = measure(directus, bench.write_paths(workdir, "directus.txt", directus_paths), options.seconds,
                         options.connections)
        directus.stop()
        bench.log(f"{name}: newsdesk {ours['rps']:,.0f} req/s, Directus {theirs['rps']:,.0f} req/s")
        results.append((name, ours, theirs))

    print(f"{options.articles:,} articles (`seed synthetic`), {options.connections} connections, "
          f"{options.seconds} s per scenario after {WARM_UP_SECONDS} s of warm-up, each server started fresh for each "
          "scenario and measured alone; both on SQLite.\n")
    print("| scenario | newsdesk req/s | p99 ms | errors | peak RSS MiB | Directus req/s | p99 ms | errors "
          "| peak RSS MiB | newsdesk / Directus |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, ours, theirs in results:
        # wrk's 2 s timeout: a peer that answers nothing in time has no rate to compare.
        ratio = f"{ours['rps'] / theirs['rps']:,.1f} x" if theirs["rps"] else "no reply within 2 s"
        print(f"| {name} | {ours['rps']:,.0f} | {ours['p99']:.1f} | {ours['errors']} | {ours['rss']:.0f} "
              f"| {theirs['rps']:,.0f} | {theirs['p99']:.1f} | {theirs['errors']} | {theirs['rss']:.0f} | {ratio} |")


if __name__ == "__main__":
    main()
