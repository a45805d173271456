# Varnish in front of newsdesk: public GETs are cached as newsdesk's Cache-Control says,
# tagged with its Surrogate-Key, and purged precisely by newsdesk (PURGE with an `xkey`
# header, sent by its outbox to each NEWSDESK_PURGE_URLS entry after every change).
# Authenticated and preview reads, and every write, pass straight through.
vcl 4.1;

import xkey;

backend newsdesk {
    .host = "newsdesk";
    .port = "8080";
}

# Only newsdesk may purge.
acl purgers {
    "newsdesk";
    "localhost";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey) {
            return (synth(400, "PURGE needs an xkey header"));
        }
        set req.http.X-Purged = xkey.purge(req.http.xkey);
        return (synth(200, "Purged " + req.http.X-Purged + " objects"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Staff reads and draft previews are never shared.
    if (req.http.Authorization || req.url ~ "[?&]preview=") {
        return (pass);
    }
    # newsdesk's public API sets no cookies and reads none.
    if (req.url ~ "^/api/") {
        unset req.http.Cookie;
    }
    return (hash);
}

sub vcl_backend_response {
    # The TTL is newsdesk's Cache-Control (max-age); `private` and `no-cache` answers are
    # not stored. Grace: a stale page is served while a fresh one is fetched, and while
    # newsdesk is down.
    set beresp.grace = 1h;
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
}

sub vcl_deliver {
    unset resp.http.xkey;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
