"""The reliability suite: contract fuzzing, crash durability, load and abuse, fuzz targets.

Run through reliability/run.sh, which builds the binary and installs the tools first.
Every part prints its figures; with --write they replace the figures in RELIABILITY.md.
Exit status is non-zero when any part finds a defect.
"""

import argparse
import http.client
import importlib.util
import json
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
_spec = importlib.util.spec_from_file_location("bench_harness", os.path.join(ROOT, "bench", "run.py"))
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)
log = bench.log

ADMIN_PASSWORD = "benchmark-admin-password"
# Page views count people: a hit without a browser's User-Agent is a bot's.
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
FLUSH_MS = 1000


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def raise_open_files_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Client:
    """One keep-alive HTTP/1.1 connection; a request that fails is reported, not retried."""

    def __init__(self, port, token=None, timeout=10):
        self.port, self.token, self.timeout = port, token, timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        sent = dict(headers or {})
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=sent)
            reply = self.conn.getresponse()
            raw = reply.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        return reply.status, (json.loads(raw) if raw and raw[:1] in b"[{" else None)

    def close(self):
        if self.conn:
            self.conn.close()


def start(binary, database_url, port, extra=None):
    env = bench.newsdesk_env(database_url, port)
    env.update({"NEWSDESK_ACCESS_TOKEN_TTL": "7200", "NEWSDESK_STATS_FLUSH_INTERVAL": str(FLUSH_MS)})
    env.update(extra or {})
    return bench.Server([binary], env, port)


def admin_token(port):
    status, session = Client(port).request("POST", "/api/v1/auth/login",
                                           {"username": "admin", "password": ADMIN_PASSWORD})
    check(status == 200, f"admin login: {status} {session}")
    return session["access_token"]


class Database:
    """A fresh SQLite file or PostgreSQL database, dropped at the end."""

    def __init__(self, backend, workdir, name):
        self.backend = backend
        if backend == "sqlite":
            self.url = os.path.join(workdir, f"{name}.db")
        else:
            self.name = f"newsdesk_reliability_{name}_{os.getpid()}"
            subprocess.run(["psql", "-q", bench.PG_ADMIN, "-c", f"CREATE DATABASE {self.name}"], check=True)
            base, _, rest = bench.PG_ADMIN.rpartition("/")
            query = rest.partition("?")[2]
            self.url = f"{base}/{self.name}" + (f"?{query}" if query else "")

    def drop(self):
        if self.backend == "postgres":
            subprocess.run(["psql", "-q", bench.PG_ADMIN, "-c", f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)"])


# ---------------------------------------------------------------------------------------
# Contract fuzzing


def contract(binary, workdir, examples):
    schemathesis = os.path.join(ROOT, "target", "reliability-venv", "bin", "schemathesis")
    database = Database("sqlite", workdir, "contract")
    subprocess.run([binary, "seed", "demo"], env=dict(os.environ, DATABASE_URL=database.url, RUST_LOG="error"),
                   check=True)
    port = 18190
    server = start(binary, database.url, port)
    figures = {}
    try:
        token = admin_token(port)
        for who, headers in (("anonymous", []), ("admin", ["-H", f"Authorization: Bearer {token}"])):
            # One worker: with several, hypothesis sometimes fails inside Python's own parser
            # (an internal error of the tool, not a finding) when two threads describe a lambda.
            command = [schemathesis, "--config-file", os.path.join(HERE, "schemathesis.toml"), "run",
                       f"{server.base}/openapi.json", "--checks", "all", "--exclude-checks",
                       "positive_data_acceptance", "-n", str(examples), "--workers", "1", "--no-color",
                       "--seed", "20261127", *headers]
            run = subprocess.run(command, capture_output=True, text=True, timeout=1800)
            generated = re.search(r"(\d+) generated", run.stdout)
            figures[who] = int(generated.group(1)) if generated else 0
            log(f"contract ({who}): {figures[who]} cases, exit {run.returncode}")
            if run.returncode != 0:
                print(run.stdout[-20000:], file=sys.stderr)
                raise Failure(f"schemathesis ({who}) found failures")
        check(server.process.poll() is None, "newsdesk survived the contract run")
        python = os.path.join(ROOT, "target", "reliability-venv", "bin", "python")
        parsed = subprocess.run([python, os.path.join(HERE, "check_metrics.py"), f"{server.base}/metrics"],
                                capture_output=True, text=True, timeout=60)
        log(parsed.stdout.strip() or parsed.stderr.strip())
        check(parsed.returncode == 0, f"/metrics parses with the Prometheus parser: {parsed.stderr.strip()}")
    finally:
        server.stop()
    return figures


# ---------------------------------------------------------------------------------------
# Crash durability


class Ledger:
    """What the clients saw acknowledged, and what they sent without seeing an answer."""

    def __init__(self):
        self.lock = threading.Lock()
        self.articles = {}          # id -> source id
        self.sources = set()
        self.ratings = {}           # (article, visitor) -> score
        self.uncertain_ratings = {}  # article -> count
        self.uncertain_articles = 0
        self.hits = []              # monotonic times of acknowledged hits
        self.uncertain_hits = 0
        self.refused = 0


def writer(port, token, ledger, stop, seed_articles, seed_sources, number):
    client = Client(port, token, timeout=5)
    rng = random.Random(number)
    n = 0
    while not stop.is_set():
        n += 1
        kind = rng.random()
        try:
            if kind < 0.15:
                status, body = client.request("POST", "/api/v1/sources", {"name": f"Nguồn {number}-{n}"})
                if status == 201:
                    with ledger.lock:
                        ledger.sources.add(body["id"])
            elif kind < 0.45:
                source = rng.choice(seed_sources)
                status, body = client.request("POST", "/api/v1/articles", {
                    "title": f"Tin {number}-{n} về dân vận khéo", "status": "published", "source_id": source,
                    "body_html": "<p>Nội dung bài viết.</p>"})
                if status == 201:
                    with ledger.lock:
                        ledger.articles[body["id"]] = source
            elif kind < 0.75:
                article = rng.choice(seed_articles)
                visitor = f"reader-{number}-{n:07d}"
                score = rng.randint(1, 5)
                try:
                    status, _ = client.request("POST", f"/api/v1/articles/{article}/ratings", {"score": score},
                                               {"X-Visitor-Id": visitor, "User-Agent": f"Reader/{visitor}"})
                except (OSError, http.client.HTTPException):
                    with ledger.lock:
                        ledger.uncertain_ratings[article] = ledger.uncertain_ratings.get(article, 0) + 1
                    raise
                if status in (200, 201):
                    with ledger.lock:
                        ledger.ratings[(article, visitor)] = score
            else:
                try:
                    status, _ = client.request("POST", "/api/v1/stats/hits", {"path": "/tin-tuc"},
                                               {"X-Visitor-Id": f"visitor-{number}-{n % 50:04d}", "User-Agent": BROWSER})
                except (OSError, http.client.HTTPException):
                    with ledger.lock:
                        ledger.uncertain_hits += 1
                    raise
                if status == 202:
                    with ledger.lock:
                        ledger.hits.append(time.monotonic())
        except ConnectionRefusedError:
            with ledger.lock:
                ledger.refused += 1
            time.sleep(0.02)
        except (OSError, http.client.HTTPException):
            # Sent, but no answer: the write may or may not have happened.
            if 0.15 <= kind < 0.45:
                with ledger.lock:
                    ledger.uncertain_articles += 1
            time.sleep(0.02)
    client.close()


def page_views(port, token):
    status, summary = Client(port, token).request("GET", "/api/v1/stats/summary")
    check(status == 200, f"summary: {status}")
    return summary["page_views"]["total"]


def verify_crash_run(port, token, ledger, seed_sources, allowed_hit_loss, counted_before):
    client = Client(port, token)
    missing = [a for a in ledger.articles if client.request("GET", f"/api/v1/articles/{a}")[0] != 200]
    check(not missing, f"{len(missing)} acknowledged articles are gone: {missing[:5]}")
    missing_sources = [s for s in ledger.sources if client.request("GET", f"/api/v1/sources/{s}")[0] != 200]
    check(not missing_sources, f"acknowledged sources are gone: {missing_sources[:5]}")
    for source in seed_sources:
        status, body = client.request("GET", f"/api/v1/sources/{source}")
        listed_status, listed = client.request("GET", f"/api/v1/articles?source_id={source}&per_page=1")
        check(status == 200 and listed_status == 200, "source and its articles are readable")
        check(body["article_count"] == listed["meta"]["total"],
              f"source {source}: article_count {body['article_count']} but {listed['meta']['total']} articles")
        acknowledged = sum(1 for s in ledger.articles.values() if s == source)
        check(listed["meta"]["total"] >= acknowledged, f"source {source}: fewer articles than acknowledged")
    by_article = {}
    for (article, _), score in ledger.ratings.items():
        count, points = by_article.get(article, (0, 0))
        by_article[article] = (count + 1, points + score)
    for article, (count, points) in by_article.items():
        status, summary = client.request("GET", f"/api/v1/articles/{article}/ratings/summary")
        check(status == 200, "rating summary readable")
        rows_status, rows = client.request("GET", f"/api/v1/ratings?article_id={article}&per_page=1")
        check(rows_status == 200, "ratings readable")
        uncertain = ledger.uncertain_ratings.get(article, 0)
        check(count <= summary["count"] <= count + uncertain,
              f"article {article}: {summary['count']} ratings, {count} acknowledged (+{uncertain} unanswered)")
        check(summary["count"] == rows["meta"]["total"],
              f"article {article}: summary says {summary['count']}, {rows['meta']['total']} rating rows")
        histogram_points = sum(int(k) * v for k, v in summary["histogram"].items())
        check(summary["total_points"] == histogram_points, f"article {article}: total points disagree")
        if summary["count"] == count:
            check(summary["total_points"] == points, f"article {article}: {summary['total_points']} != {points}")
    counted = page_views(port, token) - counted_before
    acknowledged = len(ledger.hits)
    lost = acknowledged - counted
    check(lost <= allowed_hit_loss, f"{lost} hits lost, at most {allowed_hit_loss} allowed")
    check(counted <= acknowledged + ledger.uncertain_hits, "more hits counted than sent")
    return {"articles": len(ledger.articles), "sources": len(ledger.sources), "ratings": len(ledger.ratings),
            "hits": acknowledged, "hits_lost": max(lost, 0), "hit_loss_allowed": allowed_hit_loss}


def crash(binary, workdir, backend, kills):
    database = Database(backend, workdir, "crash")
    port = 18191 if backend == "sqlite" else 18192
    # One load generator stands for many readers: neither the per-client nor the per-address
    # limit applies to it.
    extra = {"NEWSDESK_RATING_RATE_LIMIT": "1000000", "NEWSDESK_RATINGS_PER_ADDRESS_PER_DAY": "0"}
    server = start(binary, database.url, port, extra)
    try:
        token = admin_token(port)
        client = Client(port, token)
        seed_sources = [client.request("POST", "/api/v1/sources", {"name": f"Báo {i}"})[1]["id"] for i in range(3)]
        seed_articles = [client.request("POST", "/api/v1/articles", {
            "title": f"Bài gốc {i}", "status": "published", "source_id": seed_sources[i % 3]})[1]["id"]
            for i in range(10)]
        ledger = Ledger()
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(port, token, ledger, stop, seed_articles, seed_sources, n))
                   for n in range(6)]
        for thread in threads:
            thread.start()
        rng = random.Random(7)
        kill_times = []
        for _ in range(kills):
            time.sleep(rng.uniform(1.5, 3.5))
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
            kill_times.append(time.monotonic())
            server = start(binary, database.url, port, extra)
        # SIGTERM under load: everything acknowledged so far must be counted, hits included.
        time.sleep(1.5)
        server.process.send_signal(signal.SIGTERM)
        exit_code = server.process.wait(timeout=30)
        check(exit_code == 0, f"newsdesk exited with {exit_code} on SIGTERM")
        stop.set()
        for thread in threads:
            thread.join()
        server = start(binary, database.url, port, extra)
        # A kill loses at most the hits acknowledged since the last flush began (a flush
        # interval, and the time the flush itself may take).
        window = FLUSH_MS / 1000 + 0.25
        allowed = sum(1 for t in ledger.hits if any(k - window <= t <= k for k in kill_times))
        figures = verify_crash_run(port, token, ledger, seed_sources, allowed, 0)
        figures.update({"kills": len(kill_times), "refused_while_down": ledger.refused,
                        "unanswered": ledger.uncertain_articles + sum(ledger.uncertain_ratings.values())
                        + ledger.uncertain_hits})
        log(f"crash ({backend}): {figures}")
        return figures
    finally:
        server.stop()
        database.drop()


def graceful_stop(binary, workdir, backend):
    """SIGTERM while clients are sending hits: in-flight requests finish and no hit is lost."""
    database = Database(backend, workdir, "sigterm")
    port = 18193
    server = start(binary, database.url, port, {"NEWSDESK_STATS_FLUSH_INTERVAL": "3600000"})
    try:
        token = admin_token(port)
        ledger = Ledger()
        stop = threading.Event()

        def send_hits(number):
            client = Client(port, timeout=10)
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    status, _ = client.request("POST", "/api/v1/stats/hits", {"path": "/"},
                                               {"X-Visitor-Id": f"visitor-{number}-{n % 20:04d}", "User-Agent": BROWSER})
                    if status == 202:
                        with ledger.lock:
                            ledger.hits.append(time.monotonic())
                except ConnectionRefusedError:
                    return
                except (OSError, http.client.HTTPException):
                    with ledger.lock:
                        ledger.uncertain_hits += 1
                    client = Client(port, timeout=10)

        threads = [threading.Thread(target=send_hits, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        server.process.send_signal(signal.SIGTERM)
        check(server.process.wait(timeout=30) == 0, "clean exit on SIGTERM")
        stop.set()
        for thread in threads:
            thread.join()
        server = start(binary, database.url, port)
        counted = page_views(port, token)
        figures = {"hits": len(ledger.hits), "counted": counted, "unanswered": ledger.uncertain_hits}
        log(f"sigterm ({backend}): {figures}")
        check(counted >= len(ledger.hits), f"{len(ledger.hits) - counted} acknowledged hits lost on SIGTERM")
        check(counted <= len(ledger.hits) + ledger.uncertain_hits, "more hits counted than sent")
        return figures
    finally:
        server.stop()
        database.drop()


# ---------------------------------------------------------------------------------------
# Load and abuse


def soak(binary, workdir, seconds, connections):
    database = Database("sqlite", workdir, "soak")
    subprocess.run([binary, "seed", "synthetic", "--articles", "2000", "--body-bytes", "3000", "--stats-days", "7"],
                   env=dict(os.environ, DATABASE_URL=database.url, RUST_LOG="error"), check=True)
    port = 18194
    server = start(binary, database.url, port)
    try:
        paths = [f"/api/v1/articles/{i}" for i in range(1, 2001)] + ["/api/v1/articles?per_page=20"] * 50
        paths_file = bench.write_paths(workdir, "soak.txt", paths)
        started_rss = server.peak_rss_mib()
        held = []
        sampler = threading.Timer(seconds / 2, lambda: held.append(established_connections(port)))
        sampler.start()
        # wrk's default: a reply that takes over 2 s is a timeout, and an error.
        result = bench.wrk(server.base + "/", "random_path.lua", [paths_file], seconds, connections)
        sampler.join()
        figures = {"connections": connections, "seconds": seconds, "requests_per_second": round(result["rps"]),
                   "p99_ms": result["p99"], "client_timeout_s": 2, "errors": result["errors"], "peak_rss_mib": round(server.peak_rss_mib(), 1),
                   "rss_before_mib": round(started_rss, 1), "connections_held_midway": held[0] if held else 0}
        log(f"soak: {figures}")
        check(result["rps"] > 0 and result["errors"] == 0, f"{result['errors']} errors under {connections} connections")
        check(held and held[0] >= connections * 0.95, f"only {held} connections were open midway")
        check(server.process.poll() is None, "newsdesk survived the soak")
        return figures
    finally:
        server.stop()


def established_connections(port):
    listing = subprocess.run(["ss", "-Htn", "state", "established", f"( sport = :{port} )"], capture_output=True,
                             text=True).stdout
    return len([line for line in listing.splitlines() if line.strip()])


def abuse(binary, workdir):
    database = Database("sqlite", workdir, "abuse")
    port = 18195
    server = start(binary, database.url, port, {"NEWSDESK_RATING_RATE_LIMIT": "30"})
    figures = {}
    try:
        token = admin_token(port)
        # Slow clients: sockets that send a request line and then trickle headers.
        slow = []
        for _ in range(300):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /api/v1/articles HTTP/1.1\r\nHost: x\r\n")
            slow.append(s)
        started = time.monotonic()
        worst = 0.0
        for _ in range(50):
            t = time.monotonic()
            status, _ = Client(port).request("GET", "/healthz")
            worst = max(worst, time.monotonic() - t)
            check(status == 200, "served while slow clients wait")
        closed = 0
        deadline = time.monotonic() + 20
        for s in slow:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                while True:
                    s.sendall(b"X-Slow: 1\r\n")
                    data = s.recv(4096)
                    if not data or b"408" in data:
                        closed += 1
                        break
            except (socket.timeout, OSError):
                closed += 1 if time.monotonic() < deadline else 0
            finally:
                s.close()
        figures["slow_clients"] = len(slow)
        figures["slow_clients_cut_off"] = closed
        figures["slow_cut_off_within_s"] = round(time.monotonic() - started, 1)
        figures["worst_latency_meanwhile_ms"] = round(worst * 1000, 1)
        check(closed == len(slow), f"only {closed} of {len(slow)} slow clients were cut off")
        check(worst < 1.0, f"a request waited {worst:.2f} s behind slow clients")

        # Oversized headers and bodies are refused, and the server goes on.
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
        try:
            answer = s.recv(200)
        except OSError:
            answer = b""
        s.close()
        figures["oversized_header_answer"] = answer.split(b"\r\n")[0].decode(errors="replace") or "connection closed"
        check(answer == b"" or b" 431 " in answer or b" 400 " in answer, f"oversized header answered {answer[:40]}")
        status, body = Client(port, token).request("POST", "/api/v1/sources", {"name": "x" * 3_000_000})
        figures["oversized_body_status"] = status
        check(status == 413 and body["status"] == 413, f"a 3 MB body gave {status}")

        # Rate limits hold: ratings from one client, and failed sign-ins. The ratings go to three
        # articles, so the per-article cap of new ratings per address (20 a day) is not what stops them.
        client = Client(port, token)
        articles = [client.request("POST", "/api/v1/articles", {"title": f"Bài để đánh giá {i}", "status": "published"})[1]
                    for i in range(3)]
        statuses = [Client(port).request("POST", f"/api/v1/articles/{articles[n % 3]['id']}/ratings", {"score": 5},
                                         {"X-Visitor-Id": f"abuser-{n:06d}"})[0] for n in range(60)]
        allowed = statuses.count(201) + statuses.count(200)
        figures["rating_burst"] = {"sent": 60, "limit_per_minute": 30, "allowed": allowed,
                                   "limited": statuses.count(429)}
        check(allowed == 30 and statuses.count(429) == 30, f"rating limit: {figures['rating_burst']}")
        logins = [Client(port).request("POST", "/api/v1/auth/login", {"username": "admin", "password": f"guess-{n}"})[0]
                  for n in range(15)]
        figures["login_burst"] = {"sent": 15, "refused": logins.count(401), "limited": logins.count(429)}
        check(logins.count(429) > 0, f"login limit: {figures['login_burst']}")
        check(Client(port).request("GET", "/readyz")[0] == 200, "ready after the abuse")
        log(f"abuse: {figures}")
        return figures
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------


def fuzz(seconds):
    runs = {}
    for target in ("slug", "sanitize", "cursor", "search_query"):
        run = subprocess.run(["bash", os.path.join(HERE, "fuzz.sh"), target, str(seconds)], capture_output=True,
                             text=True)
        found = re.findall(r"#(\d+)\s+DONE", run.stderr) or re.findall(r"#(\d+)\s", run.stderr)
        runs[target] = int(found[-1]) if found else 0
        log(f"fuzz {target}: {runs[target]:,} inputs, exit {run.returncode}")
        if run.returncode != 0:
            print(run.stderr[-8000:], file=sys.stderr)
            raise Failure(f"fuzz target {target} failed")
    return runs


def render(figures, full):
    mode = "full (`reliability/run.sh --full`)" if full else "CI (`reliability/run.sh`)"
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"Recorded {when}, {mode}, on {os.cpu_count()} cores.", "", "```json",
             json.dumps(figures, indent=2, ensure_ascii=False), "```"]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target-dir", default="target/debug")
    parser.add_argument("--full", action="store_true", help="more examples, kills, fuzzing time")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--only", default="contract,crash,load,fuzz")
    parser.add_argument("--write", action="store_true", help="record the figures in RELIABILITY.md")
    options = parser.parse_args()
    raise_open_files_limit()
    binary = os.path.join(ROOT, options.target_dir, "newsdesk")
    workdir = tempfile.mkdtemp(prefix="newsdesk-reliability-")
    parts = options.only.split(",")
    backends = ["sqlite"] + ([] if options.skip_postgres else ["postgres"])
    figures = {}
    try:
        if "contract" in parts:
            figures["contract_cases"] = contract(binary, workdir, 200 if options.full else 25)
        if "crash" in parts:
            for backend in backends:
                figures[f"crash_{backend}"] = crash(binary, workdir, backend, 10 if options.full else 4)
                figures[f"sigterm_{backend}"] = graceful_stop(binary, workdir, backend)
        if "load" in parts:
            figures["soak"] = soak(binary, workdir, 30, 1000)
            figures["abuse"] = abuse(binary, workdir)
        if "fuzz" in parts:
            figures["fuzz_inputs"] = fuzz(300 if options.full else 20)
    except Failure as failure:
        log(f"FAILED: {failure}")
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        sys.exit(1)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    if options.write:
        path = os.path.join(ROOT, "RELIABILITY.md")
        text = open(path).read()
        start, end = "<!-- figures -->", "<!-- /figures -->"
        before, _, rest = text.partition(start)
        _, _, after = rest.partition(end)
        with open(path, "w") as f:
            f.write(f"{before}{start}\n{render(figures, options.full)}\n{end}{after}")


if __name__ == "__main__":
    main()
