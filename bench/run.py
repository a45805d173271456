"""Drives newsdesk and the baseline server with wrk and writes the results.

Run through bench/run.sh, which builds the binaries first.
"""

import argparse
import atexit
import base64
import json
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")


def log(message):
    print(message, file=sys.stderr, flush=True)


# Servers started and not yet stopped: a run that fails midway stops them on its way out,
# so that the next run does not find their ports taken.
RUNNING = set()


@atexit.register
def stop_leftover_servers():
    for server in list(RUNNING):
        server.process.kill()


class Server:
    """A newsdesk or baseline process on a port, with its peak memory."""

    def __init__(self, args, env, port):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        # A process left on the port (by an interrupted run) would be measured instead.
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise RuntimeError(f"port {port} is already taken; stop whatever listens there first")
        started = time.monotonic()
        self.process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        RUNNING.add(self)
        self.ready_seconds = self.wait_ready(started)

    def wait_ready(self, started):
        for _ in range(4000):
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=1) as reply:
                    if reply.status == 200:
                        return time.monotonic() - started
            except Exception:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server on {self.port} exited")
            time.sleep(0.002)
        raise RuntimeError(f"server on {self.port} never became ready")

    def reset_peak_rss(self):
        """Starts a new high-water mark of resident memory (Linux: `5` to clear_refs)."""
        with open(f"/proc/{self.process.pid}/clear_refs", "w") as refs:
            refs.write("5")

    def metric(self, name):
        with urllib.request.urlopen(self.base + "/metrics", timeout=5) as reply:
            for line in reply.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        return 0.0

    def drain_statistics(self, limit_seconds=300):
        """Waits until every buffered hit is written: nothing buffered, and the last flush
        found nothing to write. Returns the seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < limit_seconds:
            if (self.metric("newsdesk_stats_hit_buffer_depth") == 0
                    and self.metric("newsdesk_stats_last_flush_hits") == 0):
                return time.monotonic() - started
            time.sleep(0.1)
        raise RuntimeError(f"server on {self.port} did not write its buffered hits in {limit_seconds} s")

    def peak_rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        RUNNING.discard(self)
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            # A backlog of slow requests can outlast the graceful shutdown; the figures are taken.
            self.process.kill()
            self.process.wait()


class Baseline(Server):
    def wait_ready(self, started):
        for _ in range(4000):
            try:
                with urllib.request.urlopen(self.base + "/article", timeout=1):
                    return time.monotonic() - started
            except Exception:
                time.sleep(0.002)
        raise RuntimeError("baseline never became ready")


def newsdesk_env(database_url, port):
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "NEWSDESK_BIND": f"127.0.0.1:{port}",
        "NEWSDESK_WORKERS": "2",
        "NEWSDESK_ADMIN_PASSWORD": "benchmark-admin-password",
        "NEWSDESK_RATING_RATE_LIMIT": "1000000",
        "NEWSDESK_RATINGS_PER_ADDRESS_PER_DAY": "0",
        "RUST_LOG": "error",
    })
    return env


def seed(binary, database_url, articles, body_bytes):
    env = dict(os.environ, DATABASE_URL=database_url, RUST_LOG="error")
    started = time.monotonic()
    subprocess.run([binary, "seed", "synthetic", "--articles", str(articles), "--body-bytes", str(body_bytes)],
                   env=env, check=True)
    return time.monotonic() - started


def parse_latency(text):
    found = re.match(r"([\d.]+)(us|ms|s|m)", text)
    if not found:
        return float("nan")
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def latency(out, percentile):
    found = re.search(r"^\s+" + percentile + r"%\s+(\S+)", out, re.MULTILINE)
    return parse_latency(found.group(1)) if found else float("nan")


def wrk(url, script, args, seconds, connections, timeout_seconds=2):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout_seconds}s", "--latency", "-s",
               os.path.join(HERE, script), url]
    if args:
        command += ["--"] + [str(a) for a in args]
    run = subprocess.run(command, capture_output=True, text=True)
    out = run.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if run.returncode != 0 or not rps:
        log(f"wrk failed for {url} {script}: {run.stdout} {run.stderr}")
        return {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "errors": 1}
    result = {"rps": float(rps.group(1)), "p50": latency(out, "50"), "p99": latency(out, "99")}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["errors"] = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return result


def wrk_split(urls, script, args, seconds, connections):
    """wrk against several processes at once, connections split between them."""
    share = max(1, connections // len(urls))
    processes = []
    for url in urls:
        command = ["wrk", "-t1", f"-c{share}", f"-d{seconds}s", "--latency", "-s", os.path.join(HERE, script), url]
        if args:
            command += ["--"] + [str(a) for a in args]
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    outs = [p.communicate()[0] for p in processes]
    results = []
    for out in outs:
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
        results.append({
            "rps": float(rps.group(1)) if rps else 0.0,
            "p50": latency(out, "50"),
            "p99": latency(out, "99"),
            "errors": (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0),
        })
    return {
        "rps": sum(r["rps"] for r in results),
        "p50": max(r["p50"] for r in results),
        "p99": max(r["p99"] for r in results),
        "errors": sum(r["errors"] for r in results),
    }


ARTICLE_ROWS = "SELECT id, slug FROM articles ORDER BY random() LIMIT {limit}"
# Newest first: the order of popularity of the Zipf scenario.
RECENT_ROWS = "SELECT id, slug FROM articles ORDER BY published_at DESC, id DESC LIMIT {limit}"
# Articles with comments (one in ten of the synthetic ones), for the comment list.
COMMENTED_ROWS = "SELECT DISTINCT article_id, '' FROM comments LIMIT {limit}"


# Titles spread over the archive, the same ones on both databases (the synthetic data is
# the same on both), for search queries made of their words.
TITLE_ROWS = "SELECT id, title FROM articles WHERE id % 97 = 0 ORDER BY id LIMIT {limit}"
QUALITY_QUERIES = 200


def fold(text):
    """As newsdesk folds search text: no tone or vowel marks, đ as d, lower case."""
    text = text.replace("đ", "d").replace("Đ", "d")
    return " ".join("".join(c for c in unicodedata.normalize("NFD", text.lower())
                            if not unicodedata.combining(c)).split())


def search_queries(titles):
    """Queries made from the articles themselves: 2-4 consecutive syllables of a title (and
    the article that title belongs to), and single words common and rare among the titles."""
    pick = random.Random(20261203)
    phrases = []
    for article_id, title in titles:
        words = title.split()
        length = min(len(words), pick.randint(2, 4))
        start = pick.randint(0, len(words) - length)
        phrases.append((article_id, " ".join(words[start:start + length])))
    counts = {}
    for _, title in titles:
        for word in set(title.split()):
            counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    rare = [w for w in ranked if counts[w] == 1][:200] or ranked[-20:]
    return {"phrases": phrases, "common": ranked[:20], "rare": rare}


def search_path(q, extra=""):
    return "/api/v1/articles?per_page=20&fields=id,slug,title,snippet" + extra + "&q=" + urllib.parse.quote_plus(q)


def search_quality(base, phrases):
    """For each title phrase: is the first result an article whose title holds the phrase,
    and is the article it came from in the first ten? When it is not, are the first ten all
    articles whose titles hold the phrase too (equals crowding it out: a phrase of common
    words is in hundreds of titles)? Also returns the first results, to compare the
    databases."""
    first = top_ten = crowded = 0
    firsts = []
    for article_id, phrase in phrases:
        with urllib.request.urlopen(base + search_path(phrase, "&count=false").replace("per_page=20", "per_page=10")) as r:
            data = json.load(r)["data"]
        wanted = f" {fold(phrase)} "
        holds = [wanted in f" {fold(a['title'])} " for a in data]
        first += bool(data) and holds[0]
        found = any(a["id"] == article_id for a in data)
        top_ten += found
        crowded += not found and len(data) == 10 and all(holds)
        firsts.append(data[0]["id"] if data else None)
    share = lambda n: 100.0 * n / max(1, len(phrases))
    return {"queries": len(phrases), "first": share(first), "top_ten": share(top_ten),
            "top_ten_or_equals": share(top_ten + crowded), "crowded": crowded, "firsts": firsts}


def rows_sqlite(path, query, limit):
    with sqlite3.connect(path) as db:
        return db.execute(query.format(limit=int(limit))).fetchall()


def rows_postgres(url, query, limit):
    out = subprocess.run(["psql", "-At", "-F", "\t", url, "-c", query.format(limit=int(limit))],
                         capture_output=True, text=True, check=True).stdout
    return [(int(line.split("\t")[0]), line.split("\t")[1]) for line in out.splitlines() if line]


def deep_cursor(base, position):
    """The cursor of the page starting `position` articles into the newest-first list."""
    # Pages of 100 keep the page number within the API's limit at a million articles.
    page = max(1, position // 100)
    with urllib.request.urlopen(f"{base}/api/v1/articles?per_page=100&page={page}&fields=id&count=false") as r:
        body = json.load(r)
    return body["meta"]["next_cursor"]


def write_paths(workdir, name, paths):
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write("\n".join(paths) + "\n")
    return path


def banner_setup(server, workdir):
    """A "Liên kết" slot with six text banners, made through the API; returns the files of
    its read path and of the banners' click paths."""
    token = login(server)

    def post(path, body):
        request = urllib.request.Request(server.base + path, data=json.dumps(body).encode(), method="POST", headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request) as reply:
            return json.load(reply)

    slot = post("/api/v1/banner-slots", {"key": "sidebar-links", "name": "Liên kết", "order": "weight"})
    clicks = []
    for n in range(6):
        banner = post("/api/v1/banners", {"slot_id": slot["id"], "title": f"Liên kết {n}", "kind": "text",
                                          "target_url": f"https://lien-ket-{n}.example.vn/", "weight": n})
        clicks.append(banner["click_url"])
    return (write_paths(workdir, "slot.txt", ["/api/v1/banner-slots/by-key/sidebar-links"]),
            write_paths(workdir, "clicks.txt", clicks))


def scenarios(base, workdir, rows, recent, commented, article_count, banners, queries):
    slugs = write_paths(workdir, "slugs.txt", [f"/api/v1/articles/by-slug/{slug}" for _, slug in rows])
    popular = write_paths(workdir, "recent.txt", [f"/api/v1/articles/by-slug/{slug}" for _, slug in recent])
    comment_lists = write_paths(workdir, "comments.txt", [f"/api/v1/articles/{id}/comments" for id, _ in commented])
    ids = write_paths(workdir, "ids.txt", [f"/api/v1/articles/{id}" for id, _ in rows])
    lists = "/api/v1/articles?per_page=20&fields=id,slug,title,summary,cover_image,published_at"
    return [
        ("GET article by slug", base + "/", "random_path.lua", [slugs]),
        ("GET article by slug, Zipf (s = 1 over recency)", base + "/", "random_path.lua", [popular, "zipf"]),
        ("GET article by slug, Zipf, as browsers ask (gzip, br)", base + "/", "random_path.lua",
         [popular, "zipf", "browser"]),
        ("GET article by id", base + "/", "random_path.lua", [ids]),
        ("GET list page (20, no body)", base + lists, "random_path.lua", [write_paths(workdir, "list.txt", [lists])]),
        ("GET list page, category + tag", base + "/", "random_path.lua",
         [write_paths(workdir, "filtered.txt",
                      [f"{lists}&category=chuyen-muc-{c}&tag=chu-de-{t:03}" for c in range(6) for t in range(0, 500, 25)])]),
        ("GET search: title phrase of 2-4 syllables", base + "/", "random_path.lua",
         [write_paths(workdir, "search_phrases.txt", [search_path(q) for _, q in queries["phrases"]])]),
        ("GET search: title phrase without diacritics", base + "/", "random_path.lua",
         [write_paths(workdir, "search_folded.txt", [search_path(fold(q)) for _, q in queries["phrases"]])]),
        ("GET search: one common word", base + "/", "random_path.lua",
         [write_paths(workdir, "search_common.txt", [search_path(q) for q in queries["common"]])]),
        ("GET search: one rare word", base + "/", "random_path.lua",
         [write_paths(workdir, "search_rare.txt", [search_path(q) for q in queries["rare"]])]),
        ("GET comment list (top-level page with replies)", base + "/", "random_path.lua", [comment_lists]),
        ("GET banner slot by key (six links)", base + "/", "random_path.lua", [banners[0]]),
        ("GET banner click (302, counted)", base + "/", "random_path.lua", [banners[1]]),
        ("GET stats summary", base + "/api/v1/stats/summary", "random_path.lua",
         [write_paths(workdir, "summary.txt", ["/api/v1/stats/summary"])]),
        ("POST stats hits (10% bots)", base + "/", "hits.lua", []),
        ("POST ratings (distinct readers)", base + "/", "ratings.lua", [article_count]),
        ("mixed 85/10/4/1", base + "/", "mixed.lua", [slugs, article_count]),
    ]


REPLICA_PORT = 18432


def postgres_url(database):
    """The URL of `database` on the server PG_ADMIN names."""
    base, _, rest = PG_ADMIN.rpartition("/")
    query = rest.partition("?")[2]
    return f"{base}/{database}" + (f"?{query}" if query else "")


def replica_figures(binary, pg_url, rows, workdir, seconds, connections, smoke):
    """By-slug and list reads through one newsdesk process, first on the primary alone,
    then with one streaming replica beside it (deploy/replica/cluster.sh: a second local
    cluster from pg_basebackup), on the same data in the same run. Needs root and Debian's
    PostgreSQL tools; without them there is no row."""
    if os.geteuid() != 0 or subprocess.run(["sh", "-c", "command -v pg_createcluster"],
                                           capture_output=True).returncode != 0:
        log("no replica figures: they need root and pg_createcluster")
        return None
    host_port = PG_ADMIN.split("@", 1)[1].split("/", 1)[0]
    pg_host, _, pg_port = host_port.partition(":")
    cluster_env = dict(os.environ, PG_HOST=pg_host, PG_PORT=pg_port or "5432", REPLICA_PORT=str(REPLICA_PORT))
    cluster = os.path.join(ROOT, "deploy", "replica", "cluster.sh")
    log("making a streaming replica of the PostgreSQL benchmark database")
    subprocess.run(["bash", cluster, "up"], env=cluster_env, check=True, stdout=subprocess.DEVNULL)
    database = pg_url.rpartition("/")[2].partition("?")[0]
    replica_url = f"postgres://postgres@127.0.0.1:{REPLICA_PORT}/{database}?sslmode=disable"
    slugs = write_paths(workdir, "replica_slugs.txt", [f"/api/v1/articles/by-slug/{slug}" for _, slug in rows])
    lists = write_paths(workdir, "replica_lists.txt",
                        [f"/api/v1/articles?per_page=20&fields=id,slug,title,summary,cover_image,published_at&page={n}"
                         for n in range(1, 51)])
    figures = []
    try:
        for setup, extra in [("primary only", {}), ("one replica", {"NEWSDESK_REPLICA_URLS": replica_url})]:
            env = newsdesk_env(pg_url, 18085)
            env.update(extra)
            server = Server([binary], env, 18085)
            if extra:
                replica_state(server, "healthy")
            for name, paths in [("GET article by slug", slugs), ("GET list page (20, no body), 50 pages", lists)]:
                before = replica_reads(server)
                result = measure([server], lambda duration: wrk(server.base + "/", "random_path.lua", [paths], duration,
                                                                connections), seconds, smoke)
                result["replica_reads"] = replica_reads(server) - before
                log(f"{setup} {name}: {result['rps']:,.0f} req/s, p99 {result['p99']:.2f} ms, "
                    f"{result['replica_reads']:,} reads on the replica")
                figures.append((setup, name, result))
            server.stop()
    finally:
        subprocess.run(["bash", cluster, "down"], env=cluster_env, check=False)
    return figures


def acknowledged(servers, route, method):
    """The 2xx answers the servers counted for a route, from their request histograms."""
    total = 0.0
    for server in servers:
        with urllib.request.urlopen(server.base + "/metrics", timeout=5) as reply:
            for line in reply.read().decode().splitlines():
                if (line.startswith("newsdesk_http_request_duration_seconds_count{") and f'route="{route}"' in line
                        and f'method="{method}"' in line and 'status="2xx"' in line):
                    total += float(line.split()[-1])
    return int(total)


def cold_soak(binary, database_url, ports, rows, article_count, workdir, seconds, connections, count_ratings):
    """The mixed scenario with a thousand connections from the moment the servers are
    ready (a deploy's restart meets its traffic cold), then whether every hit and rating
    they acknowledged was written."""
    ratings_before = count_ratings()
    servers = [Server([binary], newsdesk_env(database_url, port), port) for port in ports]
    slugs = write_paths(workdir, "soak_slugs.txt", [f"/api/v1/articles/by-slug/{slug}" for _, slug in rows])
    if len(servers) == 1:
        result = wrk(servers[0].base + "/", "mixed.lua", [slugs, article_count], seconds, connections)
    else:
        result = wrk_split([s.base + "/" for s in servers], "mixed.lua", [slugs, article_count], seconds, connections)
    result["drain"] = max(s.drain_statistics() for s in servers)
    result["rss"] = max(s.peak_rss_mib() for s in servers)
    hits = acknowledged(servers, "/api/v1/stats/hits", "POST")
    recorded = int(sum(s.metric("newsdesk_stats_hits_total") for s in servers))
    failures = int(sum(s.metric("newsdesk_stats_flush_failures_total") for s in servers))
    overflowed = int(sum(s.metric("newsdesk_stats_hits_overflowed_total") for s in servers))
    ratings = acknowledged(servers, "/api/v1/articles/{id}/ratings", "POST")
    for s in servers:
        s.stop()
    written = count_ratings() - ratings_before
    result["written"] = {"hits acknowledged": hits, "hits recorded": recorded, "hits overflowed": overflowed,
                         "flush failures": failures, "ratings acknowledged": ratings, "ratings written": written}
    result["lost"] = hits != recorded or failures > 0 or ratings != written
    return result


def render_soak(soaks, seconds, connections):
    out = [f"## {connections:,} connections from the moment the server is ready", "",
           f"The mixed scenario (85 % article reads, 10 % hits, 4 % list pages, 1 % ratings), {connections:,} "
           f"connections for {seconds} s, wrk started as soon as `/readyz` answers (a deploy's restart meets its "
           "traffic cold), wrk's 2 s timeout. Afterwards: every hit and rating the servers acknowledged "
           "(their request counts) against what they recorded and wrote.", "",
           "| setup | req/s | p50 ms | p99 ms | socket errors and timeouts | peak RSS MiB | hits acknowledged / recorded "
           "| ratings acknowledged / written |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for setup, r in soaks:
        w = r["written"]
        out.append(f"| {setup} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['errors']} | {r['rss']:.1f} "
                   f"| {w['hits acknowledged']:,} / {w['hits recorded']:,} "
                   f"| {w['ratings acknowledged']:,} / {w['ratings written']:,} |")
    out.append("")
    return out


def readyz(server):
    with urllib.request.urlopen(server.base + "/readyz", timeout=5) as reply:
        return json.load(reply)


def replica_state(server, wanted, limit_seconds=60):
    started = time.monotonic()
    while time.monotonic() - started < limit_seconds:
        replicas = readyz(server).get("replicas", [])
        if replicas and replicas[0]["state"] == wanted:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the replica did not become {wanted} in {limit_seconds} s")


def replica_reads(server):
    return sum(r["reads"] for r in readyz(server).get("replicas", []))


def render_replica(figures):
    out = ["## Read replica (PostgreSQL, one newsdesk process)", "",
           "The same reads through one process, on the primary alone and then with one streaming replica "
           "(`NEWSDESK_REPLICA_URLS`; a second PostgreSQL cluster on this machine, made by "
           "`deploy/replica/cluster.sh`), 64 connections, random articles across the data set. Both clusters "
           "share the machine's two cores with newsdesk and wrk, so this shows the cost of routing reads to a "
           "replica, not the added capacity a replica on its own server gives.", "",
           "| setup | scenario | req/s | p50 ms | p99 ms | errors | reads on the replica |",
           "|---|---|---:|---:|---:|---:|---:|"]
    for setup, name, r in figures:
        out.append(f"| {setup} | {name} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['errors']} "
                   f"| {r['replica_reads']:,} |")
    out.append("")
    return out


def measure(servers, run, seconds, smoke):
    """One scenario on idle servers: `run(seconds)` drives the load, after a short warm-up
    (connections opened, pages in the caches), then the hits it left buffered are written
    (a flush holds the single SQLite writer, so the next scenario would wait for it)
    before the peak memory of the whole is read."""
    if not smoke:
        run(2)
        for s in servers:
            s.drain_statistics()
    for s in servers:
        s.reset_peak_rss()
    result = run(seconds)
    result["drain"] = max(s.drain_statistics() for s in servers)
    result["rss"] = max(s.peak_rss_mib() for s in servers)
    time.sleep(0 if smoke else 2)
    return result


def table(rows, baseline_rps):
    lines = ["| Scenario | req/s | ratio to baseline | p50 ms | p99 ms | errors | peak RSS MiB | hits written after s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    lines.append(f"| baseline (fixed JSON, same size) | {baseline_rps:,.0f} | 1.00 | | | | | |")
    for name, r in rows:
        lines.append(f"| {name} | {r['rps']:,.0f} | {r['rps'] / baseline_rps:.3f} | {r['p50']:.2f} | {r['p99']:.2f} "
                     f"| {r['errors']} | {r['rss']:.1f} | {r['drain']:.1f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--target-dir", default="target/release")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--only-webhooks", action="store_true",
                        help="measure only the cost of a write with webhook subscriptions, and print it")
    parser.add_argument("--only-media", action="store_true",
                        help="measure only uploads and media files (against the baseline), and print it")
    parser.add_argument("--only-replica", action="store_true",
                        help="measure only by-slug and list reads with and without a streaming replica, and print it")
    options = parser.parse_args()
    smoke = options.smoke
    articles = 300 if smoke else 100_000
    seconds = 1 if smoke else 10
    connections = 8 if smoke else 64
    binary = os.path.join(ROOT, options.target_dir, "newsdesk")
    baseline_binary = os.path.join(ROOT, options.target_dir, "examples", "baseline")
    photos_binary = os.path.join(ROOT, options.target_dir, "examples", "photos")
    report = []
    workdir = tempfile.mkdtemp(prefix="newsdesk-bench-")
    failures = []
    if options.only_webhooks:
        print("\n".join(render_webhooks(webhook_write_cost(binary, baseline_binary, workdir, smoke))))
        return
    if options.only_replica:
        database = f"newsdesk_bench_{os.getpid()}"
        subprocess.run(["psql", "-q", PG_ADMIN, "-c", f"CREATE DATABASE {database}"], check=True)
        try:
            pg_url = postgres_url(database)
            log(f"seeding PostgreSQL with {articles} articles")
            seed(binary, pg_url, articles, 3000)
            Server([binary], newsdesk_env(pg_url, 18082), 18082).stop()
            replica = replica_figures(binary, pg_url, rows_postgres(pg_url, ARTICLE_ROWS, articles), workdir, seconds,
                                      connections, smoke)
            print("\n".join(render_replica(replica or [])))
        finally:
            subprocess.run(["psql", "-q", PG_ADMIN, "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"])
        return
    if options.only_media:
        document_path = os.path.join(workdir, "article.json")
        with open(document_path, "w") as f:
            json.dump({"body_html": "x" * 4400}, f)
        baseline = Baseline([baseline_binary, "127.0.0.1:18081", document_path, "2"], dict(os.environ), 18081)
        baseline_rps = wrk(baseline.base + "/article", "random_path.lua",
                           [write_paths(workdir, "baseline.txt", ["/article"])], seconds, connections)["rps"]
        baseline.stop()
        media = media_figures(binary, photos_binary, baseline_rps, workdir, smoke, connections, seconds)
        print("\n".join(render_media(media)))
        if not smoke and media_failures(media):
            log("errors: " + "; ".join(media_failures(media)))
            sys.exit(1)
        return

    log(f"seeding SQLite with {articles} articles")
    sqlite_path = os.path.join(workdir, "bench.db")
    seed_seconds = seed(binary, sqlite_path, articles, 3000)
    # A first start creates the admin; the measured start is on an existing database.
    Server([binary], newsdesk_env(sqlite_path, 18080), 18080).stop()
    server = Server([binary], newsdesk_env(sqlite_path, 18080), 18080)
    # Random articles across the whole data set: few repeat within the response cache's second.
    rows = rows_sqlite(sqlite_path, ARTICLE_ROWS, articles)
    commented = rows_sqlite(sqlite_path, COMMENTED_ROWS, articles)
    with urllib.request.urlopen(f"{server.base}/api/v1/articles/{rows[0][0]}") as reply:
        document = reply.read()
    document_path = os.path.join(workdir, "article.json")
    with open(document_path, "wb") as f:
        f.write(document)
    # The baseline is measured at the start and again at the end: the machine's speed drifts
    # (right after seeding, the disk is still writing the database out), and each ratio is
    # to the faster of the two, so that no ratio is flattered by a slow moment.
    baselines = [measure_baseline(baseline_binary, document_path, workdir, seconds, connections)]
    log(f"baseline at the start: {baselines[0]:,.0f} req/s")

    results = []
    banners = banner_setup(server, workdir)
    queries = search_queries(rows_sqlite(sqlite_path, TITLE_ROWS, QUALITY_QUERIES))
    quality = {"SQLite": search_quality(server.base, queries["phrases"])}
    log(f"sqlite search quality: first {quality['SQLite']['first']:.1f} %, top ten {quality['SQLite']['top_ten']:.1f} %, "
        f"or equals {quality['SQLite']['top_ten_or_equals']:.1f} %")
    recent = rows_sqlite(sqlite_path, RECENT_ROWS, articles)
    for name, url, script, args in scenarios(server.base, workdir, rows, recent, commented, articles, banners,
                                             queries):
        result = measure([server], lambda duration: wrk(url, script, args, duration, connections), seconds, smoke)
        log(f"sqlite {name}: {result['rps']:,.0f} req/s, p99 {result['p99']:.2f} ms, {result['errors']} errors")
        results.append((name, result))
        if result["errors"]:
            failures.append(f"sqlite {name}: {result['errors']} errors")
    sqlite_rss = max(r["rss"] for _, r in results)
    server.stop()
    soak_seconds, soak_connections = (2, 50) if smoke else (60, 1000)
    soaks = []
    soak = cold_soak(binary, sqlite_path, [18086], rows, articles, workdir, soak_seconds, soak_connections,
                     lambda: rows_sqlite(sqlite_path, "SELECT count(*) FROM ratings", 1)[0][0])
    log(f"sqlite cold soak: {soak['rps']:,.0f} req/s, p99 {soak['p99']:.2f} ms, {soak['errors']} errors, {soak['written']}")
    soaks.append(("SQLite, one process", soak))
    report.append(("SQLite", results, sqlite_rss, server.ready_seconds, seed_seconds, len(document)))

    replica = None
    if not options.skip_postgres:
        database = f"newsdesk_bench_{os.getpid()}"
        subprocess.run(["psql", "-q", PG_ADMIN, "-c", f"CREATE DATABASE {database}"], check=True)
        try:
            pg_url = postgres_url(database)
            log(f"seeding PostgreSQL with {articles} articles")
            pg_seed = seed(binary, pg_url, articles, 3000)
            Server([binary], newsdesk_env(pg_url, 18082), 18082).stop()
            servers = [Server([binary], newsdesk_env(pg_url, port), port) for port in (18082, 18083)]
            pg_rows = rows_postgres(pg_url, ARTICLE_ROWS, articles)
            pg_commented = rows_postgres(pg_url, COMMENTED_ROWS, articles)
            pg_results = []
            pg_banners = banner_setup(servers[0], workdir)
            quality["PostgreSQL"] = search_quality(servers[0].base, queries["phrases"])
            log(f"postgres search quality: first {quality['PostgreSQL']['first']:.1f} %, "
                f"top ten {quality['PostgreSQL']['top_ten']:.1f} %, or equals {quality['PostgreSQL']['top_ten_or_equals']:.1f} %")
            pg_recent = rows_postgres(pg_url, RECENT_ROWS, articles)
            for name, _, script, args in scenarios("", workdir, pg_rows, pg_recent, pg_commented, articles, pg_banners,
                                                   queries):
                urls = [s.base + "/" for s in servers]
                if name in ("GET list page (20, no body)", "GET stats summary"):
                    urls = [s.base + open(args[0]).read().strip() for s in servers]
                result = measure(servers, lambda duration: wrk_split(urls, script, args, duration, connections), seconds,
                                 smoke)
                log(f"postgres {name}: {result['rps']:,.0f} req/s, p99 {result['p99']:.2f} ms, {result['errors']} errors")
                pg_results.append((name, result))
                if result["errors"]:
                    failures.append(f"postgres {name}: {result['errors']} errors")
            pg_rss = max(r["rss"] for _, r in pg_results)
            ready = max(s.ready_seconds for s in servers)
            for s in servers:
                s.stop()
            report.append(("PostgreSQL, two newsdesk processes", pg_results, pg_rss, ready, pg_seed, len(document)))
            soak = cold_soak(binary, pg_url, [18087, 18088], pg_rows, articles, workdir, soak_seconds,
                             soak_connections, lambda: int(subprocess.run(
                                 ["psql", "-At", pg_url, "-c", "SELECT count(*) FROM ratings"], capture_output=True,
                                 text=True, check=True).stdout))
            log(f"postgres cold soak: {soak['rps']:,.0f} req/s, p99 {soak['p99']:.2f} ms, {soak['errors']} errors, "
                f"{soak['written']}")
            soaks.append(("PostgreSQL, two processes", soak))
            replica = replica_figures(binary, pg_url, pg_rows, workdir, seconds, connections, smoke)
            for setup, name, result in replica or []:
                if result["errors"]:
                    failures.append(f"{setup} {name}: {result['errors']} errors")
                if setup == "one replica" and result["replica_reads"] == 0:
                    failures.append(f"{setup} {name}: no read went to the replica")
        finally:
            subprocess.run(["psql", "-q", PG_ADMIN, "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"])

    scaling = []
    if not options.skip_scaling:
        default = "200,1000" if smoke else "10000,100000,1000000"
        counts = [int(n) for n in os.environ.get("BENCH_SCALING", default).split(",") if n]
        # A million articles get 300-byte bodies, to keep the seeding within minutes.
        sizes = [(n, 300 if n >= 1_000_000 else 3000) for n in counts]
        for count, body in sizes:
            if count == articles and body == 3000:
                path = sqlite_path
            else:
                path = os.path.join(workdir, f"scale_{count}.db")
                log(f"seeding {count} articles for the scaling table")
                seed(binary, path, count, body)
            server = Server([binary], newsdesk_env(path, 18084), 18084)
            sample = rows_sqlite(path, ARTICLE_ROWS, 200_000)
            slugs = write_paths(workdir, f"scale_slugs_{count}.txt", [f"/api/v1/articles/by-slug/{s}" for _, s in sample])
            first = "/api/v1/articles?per_page=20&fields=id,slug,title&count=false&cursor="
            deep = "/api/v1/articles?per_page=20&fields=id,slug,title&count=false&cursor=" + deep_cursor(server.base, int(count * 0.9))
            search = "/api/v1/articles?per_page=20&fields=id,slug,title,snippet&count=false&q=dan+van+kheo"
            row = {"articles": count}
            for label, paths in [("slug", slugs), ("first page", write_paths(workdir, "first.txt", [first])),
                                 ("deep cursor page", write_paths(workdir, "deep.txt", [deep])),
                                 ("search", write_paths(workdir, "search.txt", [search]))]:
                # The index path, not the response cache: its cost is what must stay flat.
                row[label] = wrk(server.base + "/", "random_path.lua", [paths, "no-cache"], max(1, seconds // 2),
                                 connections)
                log(f"scaling {count} {label}: {row[label]['rps']:,.0f} req/s p99 {row[label]['p99']:.2f} ms")
            row["ready"] = server.ready_seconds
            server.stop()
            scaling.append(row)

    baselines.append(measure_baseline(baseline_binary, document_path, workdir, seconds, connections))
    log(f"baseline at the end: {baselines[1]:,.0f} req/s")
    baseline_rps = max(baselines)
    webhooks = webhook_write_cost(binary, baseline_binary, workdir, smoke)
    if webhooks["delivered"] < webhooks["expected"]:
        failures.append(f"webhooks: {webhooks['delivered']} of {webhooks['expected']} deliveries arrived")
    if not smoke and webhooks["ratio"] > 1.2:
        failures.append(f"webhooks: an edit with three subscriptions costs {webhooks['ratio']:.2f} x one with none")
    media = media_figures(binary, photos_binary, baseline_rps, workdir, smoke, connections, seconds)
    if not smoke:
        failures += media_failures(media)
    for setup, soak in soaks:
        if soak["lost"]:
            failures.append(f"cold soak {setup}: acknowledged writes not written: {soak['written']}")
        if soak["errors"] and not smoke:
            failures.append(f"cold soak {setup}: {soak['errors']} socket errors and timeouts")
    text = render(report, baselines, scaling, smoke, webhooks, media, replica, quality,
                  (soaks, soak_seconds, soak_connections))
    if smoke:
        print(text)
    else:
        path = os.path.join(ROOT, "BENCHMARKS.md")
        # The written analysis below the tables is kept; it is updated by hand after a run.
        analysis = ""
        if os.path.exists(path):
            _, marker, rest = open(path).read().partition("\n## Targets and analysis")
            analysis = marker + rest
        with open(path, "w") as f:
            f.write(text + analysis)
        log("wrote BENCHMARKS.md")
    if failures:
        log("errors: " + "; ".join(failures))
        # A smoke run on a debug build only shows the harness works; its timings mean nothing.
        if not smoke:
            sys.exit(1)


class Receiver:
    """The webhook receiver: the baseline server on 127.0.0.1 (one worker), which answers
    200 to every `POST /hook` and counts them. Cheap beside the sender, so that what the
    scenario measures is newsdesk's side of a delivery, not the receiver's."""

    def __init__(self, binary, workdir):
        self.port = 18086
        document = os.path.join(workdir, "receiver.json")
        with open(document, "w") as out:
            out.write("{}")
        self.server = Baseline([binary, f"127.0.0.1:{self.port}", document, "1"], dict(os.environ), self.port)
        self.url = f"http://127.0.0.1:{self.port}/hook"

    @property
    def count(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/hook/count") as reply:
            return int(reply.read())

    def stop(self):
        self.server.stop()


def timed_writes(port, token, article_id, count, label):
    """Mean milliseconds of `count` article edits in a row over one keep-alive connection."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    started = time.monotonic()
    for n in range(count):
        body = json.dumps({"summary": f"{label} {n}"})
        conn.request("PATCH", f"/api/v1/articles/{article_id}", body=body, headers=headers)
        reply = conn.getresponse()
        reply.read()
        if reply.status != 200:
            raise RuntimeError(f"edit answered {reply.status}")
    conn.close()
    return (time.monotonic() - started) * 1000 / count


def webhook_write_cost(binary, baseline_binary, workdir, smoke):
    """The cost of an edit with three webhook subscriptions against none, on SQLite, in
    alternating rounds on one server so that both see the same machine."""
    path = os.path.join(workdir, "webhooks.db")
    seed(binary, path, 50, 3000)
    env = newsdesk_env(path, 18085)
    env["NEWSDESK_WEBHOOK_ALLOW_PRIVATE"] = "true"
    server = Server([binary], env, 18085)
    receiver = Receiver(baseline_binary, workdir)
    try:
        login = json.dumps({"username": "admin", "password": "benchmark-admin-password"}).encode()
        request = urllib.request.Request(server.base + "/api/v1/auth/login", data=login,
                                         headers={"Content-Type": "application/json"})
        token = json.load(urllib.request.urlopen(request))["access_token"]

        def call(method, path, body=None):
            data = json.dumps(body).encode() if body is not None else None
            request = urllib.request.Request(server.base + path, data=data, method=method, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            with urllib.request.urlopen(request) as reply:
                return json.loads(reply.read() or b"null")

        article = call("POST", "/api/v1/articles", {"title": "Bài sửa liên tục", "status": "published"})["id"]
        writes = 50 if smoke else 1000
        rounds = 1 if smoke else 3
        hooks = [call("POST", "/api/v1/webhooks", {"url": receiver.url, "events": ["article.*"], "active": False})["id"]
                 for _ in range(3)]
        figures = {"none": [], "three": []}
        for round_number in range(rounds):
            # Endpoints that are off get no events: the same as none, and what they missed waits.
            for hook in hooks:
                call("PATCH", f"/api/v1/webhooks/{hook}", {"active": False})
            figures["none"].append(timed_writes(server.port, token, article, writes, f"none {round_number}"))
            for hook in hooks:
                call("PATCH", f"/api/v1/webhooks/{hook}", {"active": True})
            figures["three"].append(timed_writes(server.port, token, article, writes, f"three {round_number}"))
        # Every acknowledged edit reaches all three endpoints.
        expected = 3 * writes * rounds
        deadline = time.monotonic() + 120
        while receiver.count < expected and time.monotonic() < deadline:
            time.sleep(0.1)
        delivered = receiver.count
        # The write's own share: three endpoints that accept and never answer, so that their
        # deliveries are stored by each edit but none is sent while the edits are timed.
        for hook in hooks:
            call("PATCH", f"/api/v1/webhooks/{hook}", {"active": False})
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        for _ in range(3):
            call("POST", "/api/v1/webhooks", {"url": f"http://127.0.0.1:{silent.getsockname()[1]}/hook",
                                              "events": ["article.*"]})
        stored_only = timed_writes(server.port, token, article, writes, "held")
        silent.close()
    finally:
        server.stop()
        receiver.stop()
    none, three = sorted(figures["none"])[len(figures["none"]) // 2], sorted(figures["three"])[len(figures["three"]) // 2]
    result = {"writes": writes, "rounds": rounds, "none_ms": none, "three_ms": three, "ratio": three / none,
              "held_ms": stored_only, "held_ratio": stored_only / none,
              "delivered": delivered, "expected": expected}
    log(f"webhooks: edit {none:.2f} ms with none, {three:.2f} ms with three subscriptions "
        f"({result['ratio']:.2f} x), {stored_only:.2f} ms with three held ({result['held_ratio']:.2f} x); "
        f"{delivered} of {expected} deliveries arrived")
    return result


def login(server):
    body = json.dumps({"username": "admin", "password": "benchmark-admin-password"}).encode()
    request = urllib.request.Request(server.base + "/api/v1/auth/login", data=body,
                                     headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))["access_token"]


def upload_photo(server, token, path):
    """Uploads one file as raw bytes; returns the status, the item (on success), the
    seconds it took and the Retry-After of a 503."""
    with open(path, "rb") as f:
        data = f.read()
    request = urllib.request.Request(server.base + "/api/v1/media", data=data, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "image/jpeg",
        "Content-Disposition": f'attachment; filename="{os.path.basename(path)}"'})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            return reply.status, json.load(reply), time.monotonic() - started, None
    except urllib.error.HTTPError as e:
        return e.code, None, time.monotonic() - started, e.headers.get("Retry-After")


def media_figures(binary, photos_binary, baseline_rps, workdir, smoke, connections, seconds):
    """The media library on SQLite with files on the local disk: uploads of phone-sized
    photographs one at a time, the first request of a variant (made then), stored variants
    under load, and the peak memory of twenty uploads sent at once (each retried after its
    Retry-After when the image workers are full, as a client does)."""
    width, height, count, concurrent = (800, 600, 3, 4) if smoke else (4000, 3000, 10, 20)
    photos = os.path.join(workdir, "photos")
    subprocess.run([photos_binary, photos, str(count + concurrent), str(width), str(height)], check=True)
    files = sorted(os.path.join(photos, name) for name in os.listdir(photos))
    env = newsdesk_env(os.path.join(workdir, "media.db"), 18086)
    env["NEWSDESK_MEDIA_STORE"] = os.path.join(workdir, "media")
    server = Server([binary], env, 18086)
    try:
        token = login(server)
        uploads, items = [], []
        for path in files[:count]:
            status, item, took, _ = upload_photo(server, token, path)
            if status != 201:
                raise RuntimeError(f"upload of {path} answered {status}")
            uploads.append(took)
            items.append(item)
        first = []
        for item in items:
            webp = [v for v in item["variants"] if v["type"] == "image/webp" and v["width"] <= 1280]
            url = max(webp, key=lambda v: v["width"])["url"]
            started = time.monotonic()
            with urllib.request.urlopen(server.base + url) as reply:
                reply.read()
            first.append(time.monotonic() - started)
        stored = {"image/webp": [], "image/jpeg": []}
        for item in items:
            for v in item["variants"]:
                if v["width"] in (640, 1280) or v["width"] == width:
                    with urllib.request.urlopen(server.base + v["url"]) as reply:
                        reply.read()
                    stored[v["type"]].append(v["url"])
        served = {}
        for kind, urls in stored.items():
            paths = write_paths(workdir, "variants.txt", urls)
            served[kind] = measure([server], lambda d: wrk(server.base + "/", "random_path.lua", [paths], d, connections),
                                   seconds, smoke)
            sizes = [len(urllib.request.urlopen(server.base + url).read()) for url in urls]
            served[kind]["mean_kib"] = sum(sizes) / len(sizes) / 1024

        server.reset_peak_rss()
        outcomes = {}
        first_refusals = 0

        def send(path):
            nonlocal first_refusals
            deadline = time.monotonic() + 300
            refused = False
            while time.monotonic() < deadline:
                status, _, _, retry_after = upload_photo(server, token, path)
                if status != 503:
                    outcomes[path] = status
                    return
                if not refused:
                    refused = True
                    first_refusals += 1
                time.sleep(float(retry_after or 1))
            outcomes[path] = 503

        threads = [threading.Thread(target=send, args=(path,)) for path in files[count:count + concurrent]]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        burst_seconds = time.monotonic() - started
        burst_rss = server.peak_rss_mib()
    finally:
        server.stop()
    median = lambda values: sorted(values)[len(values) // 2]
    result = {
        "width": width, "height": height, "count": count, "concurrent": concurrent,
        "file_mib": os.path.getsize(files[0]) / 1048576,
        "upload_ms": median(uploads) * 1000, "upload_max_ms": max(uploads) * 1000,
        "first_ms": median(first) * 1000, "first_max_ms": max(first) * 1000,
        "served": served["image/webp"], "served_ratio": served["image/webp"]["rps"] / baseline_rps,
        "served_jpeg": served["image/jpeg"], "baseline_rps": baseline_rps,
        "burst_stored": sum(1 for status in outcomes.values() if status == 201),
        "burst_refused_first": first_refusals, "burst_seconds": burst_seconds, "burst_rss": burst_rss,
    }
    log(f"media: upload {result['upload_ms']:.0f} ms, first variant {result['first_ms']:.0f} ms "
        f"(max {result['first_max_ms']:.0f}), stored WebP variants {result['served']['rps']:,.0f} req/s "
        f"({result['served_ratio']:.2f} x), {concurrent} at once: {result['burst_stored']} stored, "
        f"peak RSS {burst_rss:.0f} MiB")
    return result


def media_failures(media):
    failures = []
    if media["first_max_ms"] > 300:
        failures.append(f"media: a first variant took {media['first_max_ms']:.0f} ms (target 300)")
    if media["served_ratio"] < 0.5:
        failures.append(f"media: stored variants at {media['served_ratio']:.2f} x baseline (target 0.5)")
    if media["burst_rss"] > 400:
        failures.append(f"media: {media['concurrent']} uploads at once peaked at {media['burst_rss']:.0f} MiB (target 400)")
    if media["burst_stored"] < media["concurrent"] or media["served"]["errors"] or media["served_jpeg"]["errors"]:
        failures.append("media: uploads or file reads failed")
    return failures


def render_media(media):
    served, jpeg = media["served"], media["served_jpeg"]
    mp = media["width"] * media["height"] / 1e6
    return ["## Media (SQLite, files on the local disk)", "",
            f"Photographs of {media['width']} x {media['height']} ({mp:.0f} MP, {media['file_mib']:.1f} MiB JPEG, "
            "made by `bench/photos.rs`), uploaded as raw bytes; variants made on their first request, then "
            "served from the disk (small ones from memory). The concurrent uploads are retried after their `Retry-After` when the image workers "
            "and their queue are full, as a client does.", "",
            "| scenario | figure | target |", "|---|---|---|",
            f"| upload, one at a time ({media['count']}) | median {media['upload_ms']:.0f} ms, "
            f"max {media['upload_max_ms']:.0f} ms | |",
            f"| first request of a variant (1280 px WebP) | median {media['first_ms']:.0f} ms, "
            f"max {media['first_max_ms']:.0f} ms | <= 300 ms |",
            f"| stored WebP variants (640 and 1280 px, {served['mean_kib']:.0f} KiB on average), wrk | "
            f"{served['rps']:,.0f} req/s = {media['served_ratio']:.2f} x baseline ({media['baseline_rps']:,.0f}), "
            f"p99 {served['p99']:.2f} ms, {served['errors']} errors | >= 0.5 x |",
            f"| stored JPEG variants (640 and 1280 px, {jpeg['mean_kib']:.0f} KiB on average), wrk | "
            f"{jpeg['rps']:,.0f} req/s = {jpeg['rps'] / media['baseline_rps']:.2f} x baseline, "
            f"p99 {jpeg['p99']:.2f} ms, {jpeg['errors']} errors | |",
            f"| {media['concurrent']} uploads at once | peak RSS {media['burst_rss']:.0f} MiB; "
            f"{media['burst_stored']} of {media['concurrent']} stored in {media['burst_seconds']:.1f} s, "
            f"{media['burst_refused_first']} first answered 503 | < 400 MiB |", ""]


def render_quality(quality):
    out = ["## Search quality", "",
           f"{QUALITY_QUERIES} queries of 2-4 consecutive syllables taken from titles across the archive, typed "
           "with their diacritics; the same queries on both databases. \"First\": the first result is an article "
           "whose title holds the phrase. \"Top ten\": the article the phrase was taken from is among the first "
           "ten. \"Crowded\": it is not, and the first ten are all articles whose titles hold the phrase too (a "
           "phrase of common words is in hundreds of titles, and no relevance model can tell which one the query "
           "was taken from); \"top ten or equals\" counts those with the top ten. Targets: 95 % and 99 %.", "",
           "| database | queries | first | top ten | crowded | top ten or equals |", "|---|---:|---:|---:|---:|---:|"]
    for name, q in quality.items():
        out.append(f"| {name} | {q['queries']} | {q['first']:.1f} % | {q['top_ten']:.1f} % | {q['crowded']} "
                   f"| {q['top_ten_or_equals']:.1f} % |")
    if len(quality) == 2:
        a, b = (q["firsts"] for q in quality.values())
        same = sum(x == y for x, y in zip(a, b))
        out += ["", f"The two databases give the same first result for {same} of {len(a)} queries."]
    out.append("")
    return out


def measure_baseline(baseline_binary, document_path, workdir, seconds, connections):
    baseline = Baseline([baseline_binary, "127.0.0.1:18081", document_path, "2"], dict(os.environ), 18081)
    rps = wrk(baseline.base + "/article", "random_path.lua", [write_paths(workdir, "baseline.txt", ["/article"])],
              seconds, connections)["rps"]
    baseline.stop()
    return rps


def render_webhooks(webhooks):
    return ["## Webhooks: the cost of a write (SQLite)", "",
            f"{webhooks['writes']} article edits in a row over one connection, {webhooks['rounds']} alternating "
            "rounds with no subscription and with three (to a receiver on 127.0.0.1 that answers 200), median "
            "round. The event and its three deliveries are stored in the edit's transaction; the worker "
            "sends them meanwhile. Target: at most 1.2 x.", "",
            "| subscriptions | mean ms per edit | ratio | deliveries arrived |", "|---|---:|---:|---:|",
            f"| none | {webhooks['none_ms']:.2f} | 1.00 | |",
            f"| three | {webhooks['three_ms']:.2f} | {webhooks['ratio']:.2f} | "
            f"{webhooks['delivered']:,} of {webhooks['expected']:,} |",
            f"| three, held (stored, not sent while timed) | {webhooks['held_ms']:.2f} | "
            f"{webhooks['held_ratio']:.2f} | |", ""]


def render(report, baselines, scaling, smoke, webhooks=None, media=None, replica=None, quality=None, soaks=None):
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True,
                         text=True).stdout.strip()
    out = ["# Benchmarks", "",
           f"Measured {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} by `bench/run.sh`"
           + (" (smoke mode)" if smoke else "") + f" on {os.cpu_count()} cores ({cpu}), wrk on the same machine, "
           "64 connections, 2 wrk threads, 2 newsdesk workers. Every figure is from the same run as the baseline "
           "(actix-web answering a fixed JSON document the size of an article response): the machine is shared "
           "and noisy, so compare ratios, not absolute numbers. The baseline was measured at the start and at the "
           f"end of the run ({' and '.join(f'{b:,.0f}' for b in baselines)} req/s); every ratio is to the higher.", ""]
    baseline_rps = max(baselines)
    for title, results, rss, ready, seed_seconds, size in report:
        out += [f"## {title}", "",
                f"Seeded in {seed_seconds:.1f} s; start-up to ready on the existing database: {ready * 1000:.0f} ms; "
                f"peak RSS {rss:.1f} MiB over all scenarios; article response {size} bytes. Peak RSS per scenario "
                "is the high-water mark during that scenario alone; \"hits written after\" is how long the server "
                "took, once the load stopped, to write the hits it had acknowledged.", "",
                table(results, baseline_rps), ""]
    if scaling:
        out += ["## Scaling (SQLite)", "",
                "The same requests at growing sizes (1M articles with 300-byte bodies), sent with `Cache-Control: "
                "no-cache` so that the server's response cache is passed over. Flat is the goal: every request is "
                "an index look-up, whatever the number of articles.", "",
                "| articles | by slug req/s | p99 ms | first page req/s | deep cursor page (90%) req/s | p99 ms | search req/s | p99 ms | ready ms |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for row in scaling:
            out.append(
                f"| {row['articles']:,} | {row['slug']['rps']:,.0f} | {row['slug']['p99']:.2f} | "
                f"{row['first page']['rps']:,.0f} | {row['deep cursor page']['rps']:,.0f} | {row['deep cursor page']['p99']:.2f} | "
                f"{row['search']['rps']:,.0f} | {row['search']['p99']:.2f} | {row['ready'] * 1000:.0f} |")
        out.append("")
    if webhooks:
        out += render_webhooks(webhooks)
    if soaks and soaks[0]:
        out += render_soak(*soaks)
    if quality:
        out += render_quality(quality)
    if replica:
        out += render_replica(replica)
    if media:
        out += render_media(media)
    return "\n".join(out)


if __name__ == "__main__":
    main()
