//! Rows and queries of the `webhooks`, `webhook_events`, `webhook_deliveries` and
//! `cache_purges` tables: subscriptions, the outbox, and the claims of the workers.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::db::DbConnection;
use crate::db::schema::{cache_purges, webhook_deliveries, webhook_events, webhooks};
use crate::error::ApiError;
use crate::on_backend;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub events: String,
    pub description: Option<String>,
    pub active: bool,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<NaiveDateTime>,
    pub failures_in_a_row: i32,
    pub disabled_reason: Option<String>,
    pub leased_until: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl WebhookRow {
    /// The subscribed names, as the endpoint was given them.
    pub fn event_names(&self) -> Vec<String> {
        self.events.split(',').filter(|name| !name.is_empty()).map(str::to_owned).collect()
    }

    /// The secrets that sign at `now`: the current one, and the one before it for a day
    /// after a rotation.
    pub fn signing_secrets(&self, now: NaiveDateTime) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_expires_at)
            && until > now
        {
            secrets.push(previous);
        }
        secrets
    }
}

/// The stored form of a subscription list: `,a,b,`, so one LIKE finds an event's endpoints.
pub fn stored_events(names: &[String]) -> String {
    format!(",{},", names.join(","))
}

/// What an endpoint is saved with.
#[derive(Debug, Clone)]
pub struct WebhookFields {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: i64,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub last_status_code: Option<i32>,
    pub last_duration_ms: Option<i64>,
    pub last_response: Option<String>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}

impl DeliveryRow {
    /// When it is tried next: pending deliveries only.
    pub fn next_attempt(&self) -> Option<NaiveDateTime> {
        (self.status == PENDING).then_some(self.next_attempt_at)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_events)]
pub struct EventRow {
    pub id: i64,
    pub message_id: String,
    pub event_type: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cache_purges)]
pub struct PurgeRow {
    pub id: i64,
    pub front_end: String,
    pub cache_keys: String,
    pub attempts: i32,
}

pub const PENDING: &str = "pending";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

pub fn insert_webhook(
    conn: &mut DbConnection,
    fields: &WebhookFields,
    secret: &str,
    created_by: Option<i64>,
    at: NaiveDateTime,
) -> Result<WebhookRow, ApiError> {
    let values = (
        webhooks::url.eq(&fields.url),
        webhooks::events.eq(stored_events(&fields.events)),
        webhooks::description.eq(&fields.description),
        webhooks::active.eq(fields.active),
        webhooks::secret.eq(secret),
        webhooks::created_by.eq(created_by),
        webhooks::created_at.eq(at),
        webhooks::updated_at.eq(at),
    );
    let id = on_backend!(conn, |c| diesel::insert_into(webhooks::table)
        .values(values)
        .returning(webhooks::id)
        .get_result::<i64>(c))?;
    find(conn, id)
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<WebhookRow>, ApiError> {
    Ok(webhooks::table.select(WebhookRow::as_select()).order(webhooks::id).load(conn)?)
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<WebhookRow, ApiError> {
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("webhook"))
}

/// Saves new fields; turning an endpoint on again forgets its failures.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    fields: &WebhookFields,
    at: NaiveDateTime,
) -> Result<WebhookRow, ApiError> {
    let current = find(conn, id)?;
    let reactivated = fields.active && !current.active;
    diesel::update(webhooks::table.find(id))
        .set((
            webhooks::url.eq(&fields.url),
            webhooks::events.eq(stored_events(&fields.events)),
            webhooks::description.eq(&fields.description),
            webhooks::active.eq(fields.active),
            webhooks::updated_at.eq(at),
        ))
        .execute(conn)?;
    if reactivated {
        diesel::update(webhooks::table.find(id))
            .set((webhooks::failures_in_a_row.eq(0), webhooks::disabled_reason.eq(None::<String>)))
            .execute(conn)?;
    }
    find(conn, id)
}

pub fn delete(conn: &mut DbConnection, id: i64) -> Result<(), ApiError> {
    match diesel::delete(webhooks::table.find(id)).execute(conn)? {
        0 => Err(ApiError::not_found("webhook")),
        _ => Ok(()),
    }
}

/// A new secret signs from now on; the old one too until `old_until`.
pub fn rotate_secret(
    conn: &mut DbConnection,
    id: i64,
    secret: &str,
    old_until: NaiveDateTime,
    at: NaiveDateTime,
) -> Result<WebhookRow, ApiError> {
    let current = find(conn, id)?;
    diesel::update(webhooks::table.find(id))
        .set((
            webhooks::secret.eq(secret),
            webhooks::previous_secret.eq(Some(current.secret)),
            webhooks::previous_secret_expires_at.eq(Some(old_until)),
            webhooks::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, id)
}

/// The active endpoints subscribed to `kind`: by name, by its resource's `*`, or to all.
pub fn subscribers(conn: &mut DbConnection, kind: &str) -> Result<Vec<i64>, ApiError> {
    let resource = kind.split('.').next().unwrap_or(kind);
    Ok(webhooks::table
        .filter(webhooks::active.eq(true))
        .filter(
            webhooks::events
                .like("%,*,%")
                .or(webhooks::events.like(format!("%,{kind},%")))
                .or(webhooks::events.like(format!("%,{resource}.*,%"))),
        )
        .select(webhooks::id)
        .order(webhooks::id)
        .load(conn)?)
}

pub fn insert_event(
    conn: &mut DbConnection,
    message_id: &str,
    kind: &str,
    payload: &str,
    at: NaiveDateTime,
) -> Result<i64, ApiError> {
    let values = (
        webhook_events::message_id.eq(message_id),
        webhook_events::event_type.eq(kind),
        webhook_events::payload.eq(payload),
        webhook_events::created_at.eq(at),
    );
    Ok(on_backend!(conn, |c| diesel::insert_into(webhook_events::table)
        .values(values)
        .returning(webhook_events::id)
        .get_result::<i64>(c))?)
}

pub fn insert_deliveries(
    conn: &mut DbConnection,
    event_id: i64,
    webhook_ids: &[i64],
    at: NaiveDateTime,
) -> Result<Vec<i64>, ApiError> {
    if webhook_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<_> = webhook_ids
        .iter()
        .map(|webhook_id| {
            (
                webhook_deliveries::webhook_id.eq(*webhook_id),
                webhook_deliveries::event_id.eq(event_id),
                webhook_deliveries::status.eq(PENDING),
                webhook_deliveries::next_attempt_at.eq(at),
                webhook_deliveries::created_at.eq(at),
            )
        })
        .collect();
    Ok(on_backend!(conn, |c| diesel::insert_into(webhook_deliveries::table)
        .values(&rows)
        .returning(webhook_deliveries::id)
        .get_results::<i64>(c))?)
}

pub fn insert_purges(
    conn: &mut DbConnection,
    fronts: &[String],
    keys: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let rows: Vec<_> = fronts
        .iter()
        .map(|front| {
            (
                cache_purges::front_end.eq(front),
                cache_purges::cache_keys.eq(keys),
                cache_purges::next_attempt_at.eq(at),
                cache_purges::created_at.eq(at),
            )
        })
        .collect();
    on_backend!(conn, |c| diesel::insert_into(cache_purges::table).values(&rows).execute(c))?;
    Ok(())
}

/// A delivery with its event, as the deliveries list shows it and the worker sends it.
pub type DeliveryWithEvent = (DeliveryRow, EventRow);

/// Up to `limit` deliveries of an endpoint, newest first, before the cursor's id.
pub fn deliveries(
    conn: &mut DbConnection,
    webhook_id: i64,
    status: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<DeliveryWithEvent>, ApiError> {
    let mut query = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(webhook_deliveries::status.eq(status.to_owned()));
    }
    if let Some(before) = before_id {
        query = query.filter(webhook_deliveries::id.lt(before));
    }
    Ok(query
        .select((DeliveryRow::as_select(), EventRow::as_select()))
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .load(conn)?)
}

pub fn find_delivery(conn: &mut DbConnection, webhook_id: i64, id: i64) -> Result<DeliveryWithEvent, ApiError> {
    webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .filter(webhook_deliveries::id.eq(id))
        .select((DeliveryRow::as_select(), EventRow::as_select()))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("delivery"))
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Active endpoints whose oldest pending delivery is due and that no worker holds.
const DUE_ENDPOINTS: &str = "SELECT w.id FROM webhooks w
    WHERE w.active AND (w.leased_until IS NULL OR w.leased_until < $1)
      AND EXISTS (SELECT 1 FROM webhook_deliveries d
                  WHERE d.id = (SELECT MIN(e.id) FROM webhook_deliveries e
                                WHERE e.webhook_id = w.id AND e.status = 'pending')
                    AND d.next_attempt_at <= $1)
    ORDER BY w.id LIMIT $2";

/// Whether any endpoint has a delivery to send now: the read a worker makes before it
/// takes the writer to claim.
pub fn any_due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<bool, ApiError> {
    let found = on_backend!(conn, |c| diesel::sql_query(DUE_ENDPOINTS)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(1)
        .load::<Claimed>(c))?;
    Ok(!found.is_empty())
}

/// An endpoint claimed by a worker, with the deliveries it is to send now, in order.
pub type Claim = (WebhookRow, Vec<DeliveryWithEvent>);

/// Claims up to `limit` endpoints with a due delivery until `lease_until`, each with up to
/// `run` of its due deliveries. One worker at a time per endpoint keeps the event order;
/// PostgreSQL workers in other processes skip the rows this one has locked.
pub fn claim_endpoints(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
    run: i64,
) -> Result<Vec<Claim>, ApiError> {
    let sql = match conn {
        DbConnection::Postgres(_) => format!("{DUE_ENDPOINTS} FOR UPDATE OF w SKIP LOCKED"),
        DbConnection::Sqlite(_) => DUE_ENDPOINTS.to_owned(),
    };
    let ids: Vec<i64> = on_backend!(conn, |c| diesel::sql_query(&sql)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load::<Claimed>(c))?
    .into_iter()
    .map(|claimed| claimed.id)
    .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(webhooks::table.filter(webhooks::id.eq_any(&ids)))
        .set(webhooks::leased_until.eq(Some(lease_until)))
        .execute(conn)?;
    let endpoints: Vec<WebhookRow> = webhooks::table
        .filter(webhooks::id.eq_any(&ids))
        .select(WebhookRow::as_select())
        .order(webhooks::id)
        .load(conn)?;
    endpoints
        .into_iter()
        .map(|endpoint| {
            let due = due_run(conn, endpoint.id, now, run)?;
            Ok((endpoint, due))
        })
        .collect()
}

/// Up to `limit` of the endpoint's pending deliveries, oldest first, from the oldest as
/// long as they are due.
pub fn due_run(
    conn: &mut DbConnection,
    webhook_id: i64,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<DeliveryWithEvent>, ApiError> {
    let pending: Vec<DeliveryWithEvent> = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .filter(webhook_deliveries::status.eq(PENDING))
        .select((DeliveryRow::as_select(), EventRow::as_select()))
        .order(webhook_deliveries::id)
        .limit(limit)
        .load(conn)?;
    Ok(pending.into_iter().take_while(|(delivery, _)| delivery.next_attempt_at <= now).collect())
}

/// What one attempt found.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    pub response: Option<String>,
    pub error: Option<String>,
}

/// An attempt and what it made of its delivery: `status`, due again at `next_attempt_at`
/// while pending.
pub struct Outcome<'a> {
    pub delivery_id: i64,
    pub attempt: &'a Attempt,
    pub status: &'static str,
    pub next_attempt_at: NaiveDateTime,
}

/// The statement that records a run: its outcomes are one JSON array, an object each.
const RECORD_SQLITE: &str = "UPDATE webhook_deliveries SET status = o.value ->> 'status', attempts = attempts + 1,
        next_attempt_at = o.value ->> 'next_attempt_at', last_attempt_at = o.value ->> 'at',
        last_status_code = o.value ->> 'status_code', last_duration_ms = o.value ->> 'duration_ms',
        last_response = o.value ->> 'response', last_error = o.value ->> 'error'
    FROM json_each($1) AS o
    WHERE webhook_deliveries.id = o.value ->> 'delivery_id'";
const RECORD_POSTGRES: &str = "UPDATE webhook_deliveries AS d SET status = o.status, attempts = d.attempts + 1,
        next_attempt_at = o.next_attempt_at, last_attempt_at = o.at, last_status_code = o.status_code,
        last_duration_ms = o.duration_ms, last_response = o.response, last_error = o.error
    FROM jsonb_to_recordset($1::jsonb) AS o(delivery_id bigint, status text, next_attempt_at timestamp,
        at timestamp, status_code integer, duration_ms bigint, response text, error text)
    WHERE d.id = o.delivery_id";

/// How timestamps are written as text: the form Diesel binds them in on SQLite, which
/// compares them as text, and which PostgreSQL reads as a `timestamp`.
const TIMESTAMP_TEXT: &str = "%Y-%m-%d %H:%M:%S%.f";

/// Records a run of attempts in one statement, so that recording costs one statement per
/// run rather than one per delivery.
pub fn record_attempts(conn: &mut DbConnection, outcomes: &[Outcome]) -> Result<(), ApiError> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let rows: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|outcome| {
            serde_json::json!({
                "delivery_id": outcome.delivery_id,
                "status": outcome.status,
                "next_attempt_at": outcome.next_attempt_at.format(TIMESTAMP_TEXT).to_string(),
                "at": outcome.attempt.at.format(TIMESTAMP_TEXT).to_string(),
                "status_code": outcome.attempt.status_code,
                "duration_ms": outcome.attempt.duration_ms,
                "response": outcome.attempt.response,
                "error": outcome.attempt.error,
            })
        })
        .collect();
    let rows = serde_json::Value::Array(rows).to_string();
    let sql = match conn {
        DbConnection::Postgres(_) => RECORD_POSTGRES,
        DbConnection::Sqlite(_) => RECORD_SQLITE,
    };
    on_backend!(conn, |c| diesel::sql_query(sql).bind::<Text, _>(&rows).execute(c))?;
    Ok(())
}

/// The endpoint's failed attempts in a row after one more failure.
pub fn count_failure(conn: &mut DbConnection, webhook_id: i64) -> Result<i32, ApiError> {
    diesel::update(webhooks::table.find(webhook_id))
        .set(webhooks::failures_in_a_row.eq(webhooks::failures_in_a_row + 1))
        .execute(conn)?;
    Ok(webhooks::table.find(webhook_id).select(webhooks::failures_in_a_row).first(conn)?)
}

/// After a success, the endpoint has no failures in a row.
pub fn forget_failures(conn: &mut DbConnection, webhook_id: i64) -> Result<(), ApiError> {
    diesel::update(webhooks::table.find(webhook_id).filter(webhooks::failures_in_a_row.ne(0)))
        .set(webhooks::failures_in_a_row.eq(0))
        .execute(conn)?;
    Ok(())
}

pub fn disable(conn: &mut DbConnection, webhook_id: i64, reason: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(webhooks::table.find(webhook_id))
        .set((webhooks::active.eq(false), webhooks::disabled_reason.eq(Some(reason)), webhooks::updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

/// Keeps the endpoint for this worker until `until`, or lets it go (`None`).
pub fn lease(conn: &mut DbConnection, webhook_id: i64, until: Option<NaiveDateTime>) -> Result<(), ApiError> {
    diesel::update(webhooks::table.find(webhook_id)).set(webhooks::leased_until.eq(until)).execute(conn)?;
    Ok(())
}

/// A new pending delivery of an event already sent (the same `webhook-id`).
pub fn redeliver(conn: &mut DbConnection, webhook_id: i64, event_id: i64, at: NaiveDateTime) -> Result<i64, ApiError> {
    insert_deliveries(conn, event_id, &[webhook_id], at)?.pop().ok_or_else(|| ApiError::Internal("no delivery".into()))
}

/// Whether a purge is due and unclaimed.
pub fn any_purge_due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(
        cache_purges::table
            .filter(cache_purges::next_attempt_at.le(now))
            .filter(cache_purges::leased_until.is_null().or(cache_purges::leased_until.lt(now))),
    ))
    .get_result(conn)?)
}

/// Claims up to `limit` due purges until `lease_until`.
pub fn claim_purges(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<PurgeRow>, ApiError> {
    let due = cache_purges::table
        .filter(cache_purges::next_attempt_at.le(now))
        .filter(cache_purges::leased_until.is_null().or(cache_purges::leased_until.lt(now)))
        .select(cache_purges::id)
        .order(cache_purges::id)
        .limit(limit);
    let ids: Vec<i64> = match conn {
        DbConnection::Postgres(c) => due.for_update().skip_locked().load(c)?,
        DbConnection::Sqlite(c) => due.load(c)?,
    };
    let rows: Vec<PurgeRow> =
        cache_purges::table.filter(cache_purges::id.eq_any(&ids)).select(PurgeRow::as_select()).load(conn)?;
    diesel::update(cache_purges::table.filter(cache_purges::id.eq_any(&ids)))
        .set(cache_purges::leased_until.eq(Some(lease_until)))
        .execute(conn)?;
    Ok(rows)
}

pub fn purges_sent(conn: &mut DbConnection, ids: &[i64]) -> Result<(), ApiError> {
    diesel::delete(cache_purges::table.filter(cache_purges::id.eq_any(ids))).execute(conn)?;
    Ok(())
}

pub fn purge_failed(conn: &mut DbConnection, id: i64, error: &str, retry_at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(cache_purges::table.find(id))
        .set((
            cache_purges::attempts.eq(cache_purges::attempts + 1),
            cache_purges::next_attempt_at.eq(retry_at),
            cache_purges::leased_until.eq(None::<NaiveDateTime>),
            cache_purges::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes events (and their deliveries) stored before `before`; returns how many.
pub fn sweep(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, ApiError> {
    let old = webhook_events::table.filter(webhook_events::created_at.lt(before)).select(webhook_events::id);
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::event_id.eq_any(old))).execute(conn)?;
    Ok(diesel::delete(webhook_events::table.filter(webhook_events::created_at.lt(before))).execute(conn)?)
}
