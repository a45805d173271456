//! The reference server of the benchmark: actix-web answering a fixed JSON document the
//! size of an article response, with no database and no middleware. It is the
//! framework's own limit on the machine; newsdesk's figures are ratios to it. It is also
//! the webhook receiver of the write-cost scenario: `POST /hook` answers 200 and counts,
//! `GET /hook/count` says how many arrived, at a cost small beside the sender's.
//!
//! `baseline ADDRESS DOCUMENT_FILE WORKERS`

use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{App, HttpResponse, HttpServer, web};

static RECEIVED: AtomicU64 = AtomicU64::new(0);

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let address = args.next().unwrap_or_else(|| "127.0.0.1:18081".into());
    let document = std::fs::read(args.next().expect("a JSON document file"))?;
    let workers: usize = args.next().and_then(|w| w.parse().ok()).unwrap_or(2);
    let document = web::Bytes::from(document);
    HttpServer::new(move || {
        let document = document.clone();
        App::new()
            .route(
                "/article",
                web::get().to(move || {
                    let document = document.clone();
                    async move { HttpResponse::Ok().content_type("application/json").body(document) }
                }),
            )
            .route(
                "/hook",
                web::post().to(|_: web::Bytes| async {
                    RECEIVED.fetch_add(1, Ordering::Relaxed);
                    HttpResponse::Ok().body("ok")
                }),
            )
            .route("/hook/count", web::get().to(|| async { RECEIVED.load(Ordering::Relaxed).to_string() }))
    })
    .workers(workers)
    .bind(address)?
    .run()
    .await
}
