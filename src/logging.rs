//! The log: human-readable lines by default, or with `NEWSDESK_LOG_FORMAT=json` one JSON
//! object per line (time, level, target, message and the record's fields, such as the
//! access log's request id, route, status and duration) for log shippers.

use std::io::Write;

use log::kv::{Key, Value, VisitSource};

/// Starts logging at `RUST_LOG` (default `info`) in the format `NEWSDESK_LOG_FORMAT` names.
pub fn init() -> Result<(), String> {
    let format = std::env::var("NEWSDESK_LOG_FORMAT").unwrap_or_default();
    let mut builder = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    match format.trim() {
        "" | "text" => {}
        "json" => {
            builder.format(|out, record| {
                let mut line = serde_json::Map::new();
                line.insert(
                    "time".into(),
                    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true).into(),
                );
                line.insert("level".into(), record.level().as_str().into());
                line.insert("target".into(), record.target().into());
                line.insert("message".into(), record.args().to_string().into());
                let _ = record.key_values().visit(&mut Fields(&mut line));
                writeln!(out, "{}", serde_json::Value::Object(line))
            });
        }
        other => return Err(format!("NEWSDESK_LOG_FORMAT: `{other}` is not `text` or `json`")),
    }
    builder.init();
    Ok(())
}

/// Copies a record's key-value fields into the JSON line.
struct Fields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl<'kvs> VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), log::kv::Error> {
        let json = if let Some(n) = value.to_u64() {
            n.into()
        } else if let Some(n) = value.to_f64() {
            n.into()
        } else {
            value.to_string().into()
        };
        self.0.insert(key.as_str().to_owned(), json);
        Ok(())
    }
}
