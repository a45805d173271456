//! Synthetic bulk content for benchmarks: articles with Vietnamese-like text, sources,
//! categories, tags, readers' comments on one article in ten, and a year of statistics,
//! written in large batches.

use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDateTime, Timelike};
use diesel::prelude::*;

use crate::db::schema::{
    article_tags, articles, categories, comments, sources, stats_breakdowns, stats_counters, tags,
};
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
use crate::on_backend;
use crate::stats::periods;

/// Syllables with and without their marks, so folded search text is made alongside
/// the text instead of by folding 300 MB afterwards.
const SYLLABLES: [(&str, &str); 64] = [
    ("dân", "dan"),
    ("vận", "van"),
    ("khéo", "kheo"),
    ("phong", "phong"),
    ("trào", "trao"),
    ("thi", "thi"),
    ("đua", "dua"),
    ("chính", "chinh"),
    ("quyền", "quyen"),
    ("các", "cac"),
    ("cấp", "cap"),
    ("tỉnh", "tinh"),
    ("huyện", "huyen"),
    ("xã", "xa"),
    ("nhân", "nhan"),
    ("kết", "ket"),
    ("quả", "qua"),
    ("thực", "thuc"),
    ("hiện", "hien"),
    ("năm", "nam"),
    ("kinh", "kinh"),
    ("tế", "te"),
    ("xây", "xay"),
    ("dựng", "dung"),
    ("nông", "nong"),
    ("thôn", "thon"),
    ("mới", "moi"),
    ("đồng", "dong"),
    ("xoài", "xoai"),
    ("bình", "binh"),
    ("phước", "phuoc"),
    ("giáo", "giao"),
    ("dục", "duc"),
    ("y", "y"),
    ("học", "hoc"),
    ("sinh", "sinh"),
    ("đường", "duong"),
    ("giao", "giao"),
    ("thông", "thong"),
    ("công", "cong"),
    ("nghiệp", "nghiep"),
    ("hội", "hoi"),
    ("nghị", "nghi"),
    ("tổng", "tong"),
    ("văn", "van"),
    ("hóa", "hoa"),
    ("thể", "the"),
    ("thao", "thao"),
    ("an", "an"),
    ("ninh", "ninh"),
    ("trật", "trat"),
    ("tự", "tu"),
    ("môi", "moi"),
    ("trường", "truong"),
    ("cải", "cai"),
    ("cách", "cach"),
    ("hành", "hanh"),
    ("thủ", "thu"),
    ("tục", "tuc"),
    ("đầu", "dau"),
    ("tư", "tu"),
    ("phát", "phat"),
    ("triển", "trien"),
    ("bền", "ben"),
];

/// A small deterministic generator: the same data set on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// `words` syllables, and the same folded.
    fn words(&mut self, words: usize) -> (String, String) {
        let mut text = String::new();
        let mut folded = String::new();
        for i in 0..words {
            let (syllable, plain) = SYLLABLES[self.below(SYLLABLES.len() as u64) as usize];
            if i > 0 {
                text.push(' ');
                folded.push(' ');
            }
            text.push_str(syllable);
            folded.push_str(plain);
        }
        (text, folded)
    }
}

#[derive(Debug, Default)]
pub struct SyntheticReport {
    pub articles: usize,
    pub seconds: f64,
}

#[derive(Insertable)]
#[diesel(table_name = articles)]
struct NewArticle {
    slug: String,
    title: String,
    summary: String,
    body_html: String,
    cover_url: Option<String>,
    author: Option<String>,
    source_id: Option<i64>,
    category_id: Option<i64>,
    status: String,
    published_at: Option<NaiveDateTime>,
    allow_rating: bool,
    view_count: i64,
    rating_count: i64,
    rating_total: i64,
    rating_score: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    search_title: String,
    search_body: String,
    /// Published in the past: announced already.
    live: bool,
    comment_count: i64,
}

/// A reader's approved comment on a synthetic article.
struct SeedComment {
    content: String,
    folded: String,
    likes: i64,
    /// The top-level comment of the same article it replies to, by position.
    reply_to: Option<usize>,
    minutes_after: i64,
}

impl Random {
    /// One article in ten has 5 to 40 comments, a quarter of them replies.
    fn comments(&mut self) -> Vec<SeedComment> {
        if self.below(10) != 0 {
            return Vec::new();
        }
        let count = 5 + self.below(36) as usize;
        let mut made: Vec<SeedComment> = Vec::with_capacity(count);
        for n in 0..count {
            let words = 5 + self.below(30) as usize;
            let (content, folded) = self.words(words);
            let reply_to = (n > 0 && self.below(4) == 0).then(|| self.below(n as u64) as usize);
            let reply_to = reply_to.map(|i| made[i].reply_to.unwrap_or(i));
            made.push(SeedComment {
                content,
                folded,
                likes: self.below(50) as i64,
                reply_to,
                minutes_after: 5 + self.below(3 * 24 * 60) as i64,
            });
        }
        made
    }
}

const BATCH: usize = 500;

/// The ids of the synthetic sources, categories and tags.
struct Taxonomy {
    sources: Vec<i64>,
    categories: Vec<i64>,
    tags: Vec<i64>,
}

/// Adds `count` published articles (bodies of about `body_bytes`) spread over the past
/// year, the sources, categories and tags they use, and `stats_days` of statistics.
pub fn synthetic(
    db: &Db,
    count: usize,
    body_bytes: usize,
    stats_days: i64,
    now: NaiveDateTime,
) -> Result<SyntheticReport, ApiError> {
    let started = Instant::now();
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    // Bulk loading: a crash midway only loses generated data, so skip the fsyncs.
    db.relax_durability_for_bulk_load()?;
    let Taxonomy { sources: source_ids, categories: category_ids, tags: tag_ids } =
        db.write_blocking(|conn| taxonomy(conn, now))?;
    let offset: i64 = db.write_blocking(|conn| Ok(articles::table.count().get_result(conn)?))?;
    let mut written = 0;
    while written < count {
        let mut batch: Vec<NewArticle> = (written..(written + BATCH).min(count))
            .map(|i| {
                let n = offset + i as i64;
                let title_words = 8 + random.below(7) as usize;
                let (title, search_title) = random.words(title_words);
                let (summary, folded_summary) = random.words(30);
                let mut body = String::with_capacity(body_bytes + 64);
                let mut search_body = folded_summary;
                while body.len() < body_bytes {
                    let (paragraph, folded) = random.words(60);
                    body.push_str("<p>");
                    body.push_str(&paragraph);
                    body.push_str(".</p>");
                    search_body.push(' ');
                    search_body.push_str(&folded);
                }
                let published = now - Duration::minutes(random.below(365 * 24 * 60) as i64 + 1);
                let ratings = random.below(20) as i64;
                let points = ratings * (1 + random.below(5) as i64);
                NewArticle {
                    slug: format!("tin-{n}-{}", search_title.split(' ').take(6).collect::<Vec<_>>().join("-")),
                    title,
                    summary,
                    body_html: body,
                    cover_url: (n % 3 != 0).then(|| format!("/uploads/{}/{n}.jpg", published.year())),
                    author: Some(format!("Phóng viên {}", n % 40)),
                    source_id: Some(source_ids[(n as usize) % source_ids.len()]),
                    category_id: Some(category_ids[(n as usize / 7) % category_ids.len()]),
                    status: "published".into(),
                    published_at: Some(published),
                    allow_rating: true,
                    view_count: random.below(5000) as i64,
                    rating_count: ratings,
                    rating_total: points,
                    rating_score: if ratings > 0 { points * 1000 / ratings } else { 0 },
                    created_at: published,
                    updated_at: published,
                    search_title,
                    search_body,
                    live: published <= now,
                    comment_count: 0,
                }
            })
            .collect();
        let threads: Vec<Vec<SeedComment>> = batch.iter().map(|_| random.comments()).collect();
        for (article, thread) in batch.iter_mut().zip(&threads) {
            article.comment_count = thread.len() as i64;
        }
        let picks: Vec<[u64; 3]> = batch.iter().map(|_| [random.next(), random.next(), random.next()]).collect();
        db.write_blocking(|conn| {
            let ids: Vec<i64> = on_backend!(conn, |c| diesel::insert_into(articles::table)
                .values(&batch)
                .returning(articles::id)
                .get_results(c))?;
            let mut links: Vec<(i64, i64)> = Vec::with_capacity(ids.len() * 3);
            for (id, pick) in ids.iter().zip(&picks) {
                let mut chosen: Vec<i64> = pick.iter().map(|p| tag_ids[(*p as usize) % tag_ids.len()]).collect();
                chosen.sort_unstable();
                chosen.dedup();
                links.extend(chosen.into_iter().map(|tag| (*id, tag)));
            }
            let rows: Vec<_> =
                links.iter().map(|(a, t)| (article_tags::article_id.eq(a), article_tags::tag_id.eq(t))).collect();
            on_backend!(conn, |c| diesel::insert_into(article_tags::table).values(&rows).execute(c))?;
            insert_comments(conn, &ids, &batch, &threads)
        })?;
        written += batch.len();
    }
    db.write_blocking(|conn| statistics(conn, stats_days, now, &mut random))?;
    db.analyze_fully()?;
    Ok(SyntheticReport { articles: written, seconds: started.elapsed().as_secs_f64() })
}

/// The comments of a batch of articles: the top-level ones, then the replies to them.
fn insert_comments(
    conn: &mut DbConnection,
    ids: &[i64],
    batch: &[NewArticle],
    threads: &[Vec<SeedComment>],
) -> Result<(), ApiError> {
    // By article, in the order written (ids grow with it; RETURNING's order is not promised).
    let mut top_level_ids: std::collections::HashMap<i64, Vec<i64>> = Default::default();
    for replies in [false, true] {
        let mut rows = Vec::new();
        for (position, thread) in threads.iter().enumerate() {
            let published = batch[position].published_at.unwrap_or(batch[position].created_at);
            for (n, comment) in thread.iter().enumerate() {
                if comment.reply_to.is_some() != replies {
                    continue;
                }
                let at = published + Duration::minutes(comment.minutes_after);
                let parent = comment.reply_to.map(|i| {
                    let before = thread[..i].iter().filter(|c| c.reply_to.is_none()).count();
                    top_level_ids[&ids[position]][before]
                });
                rows.push((
                    comments::article_id.eq(ids[position]),
                    comments::parent_id.eq(parent),
                    comments::author_name.eq(format!("Bạn đọc {}", (position + n) % 97)),
                    comments::content.eq(&comment.content),
                    comments::status.eq(crate::comments::model::APPROVED),
                    comments::likes.eq(comment.likes),
                    comments::visitor_key.eq(format!("seed-{}-{n}", ids[position])),
                    comments::address_key.eq(format!("seed-{}", n % 13)),
                    comments::created_at.eq(at),
                    comments::updated_at.eq(at),
                    comments::folded.eq(&comment.folded),
                ));
            }
        }
        let mut inserted: Vec<(i64, i64)> = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(1000) {
            inserted.extend(on_backend!(conn, |c| diesel::insert_into(comments::table)
                .values(chunk)
                .returning((comments::id, comments::article_id))
                .get_results::<(i64, i64)>(c))?);
        }
        inserted.sort_unstable();
        if !replies {
            for (id, article_id) in inserted {
                top_level_ids.entry(article_id).or_default().push(id);
            }
        }
    }
    Ok(())
}

/// 50 sources, 30 categories (6 sections of 4 sub-sections each) and 500 tags, made
/// once; returns their ids.
fn taxonomy(conn: &mut DbConnection, now: NaiveDateTime) -> Result<Taxonomy, ApiError> {
    for i in 0..50 {
        let name = format!("Nguồn tin {i:02}");
        on_backend!(conn, |c| diesel::insert_into(sources::table)
            .values((sources::name.eq(&name), sources::created_at.eq(now), sources::updated_at.eq(now)))
            .on_conflict(sources::name)
            .do_nothing()
            .execute(c))?;
    }
    for section in 0..6 {
        let parent = crate::categories::model::find_or_create(
            conn,
            &format!("Chuyên mục {section}"),
            &format!("chuyen-muc-{section}"),
            None,
            section,
        )?;
        for sub in 0..4 {
            crate::categories::model::find_or_create(
                conn,
                &format!("Mục {section}.{sub}"),
                &format!("muc-{section}-{sub}"),
                Some(parent),
                sub,
            )?;
        }
    }
    let tag_rows: Vec<_> =
        (0..500).map(|i| (tags::name.eq(format!("Chủ đề {i:03}")), tags::slug.eq(format!("chu-de-{i:03}")))).collect();
    on_backend!(conn, |c| diesel::insert_into(tags::table)
        .values(&tag_rows)
        .on_conflict(tags::slug)
        .do_nothing()
        .execute(c))?;
    Ok(Taxonomy {
        sources: sources::table.filter(sources::name.like("Nguồn tin %")).select(sources::id).load(conn)?,
        categories: categories::table.select(categories::id).load(conn)?,
        tags: tags::table.filter(tags::slug.like("chu-de-%")).select(tags::id).load(conn)?,
    })
}

/// Hour counters for `days` before `now`, with their day, month, year and total sums,
/// and daily breakdowns.
fn statistics(conn: &mut DbConnection, days: i64, now: NaiveDateTime, random: &mut Random) -> Result<(), ApiError> {
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let mut counters: std::collections::BTreeMap<(&str, String), i64> = Default::default();
    let mut breakdowns: Vec<(String, &str, String, i64, i64)> = Vec::new();
    let start = now - Duration::days(days);
    let mut hour = start.with_minute(0).and_then(|t| t.with_second(0)).unwrap_or(start);
    while hour < now {
        let local_hour = periods::local(hour, tz).hour();
        let busy: u64 = if (7..23).contains(&local_hour) { 200 } else { 30 };
        let visits = (busy + random.below(busy)) as i64;
        let views = visits * 3;
        for period in periods::all_containing(hour, tz) {
            *counters.entry(("visits", period.clone())).or_default() += visits;
            *counters.entry(("page_views", period)).or_default() += views;
        }
        hour += Duration::hours(1);
    }
    for day in 0..days {
        let date = periods::day(now - Duration::days(day), tz);
        for (dimension, items) in [
            ("browser", &["Chrome", "Safari", "Cốc Cốc", "Firefox", "Edge"][..]),
            ("os", &["Android", "iPhone", "Windows 10", "Mac OSX"][..]),
            ("bot", &["Googlebot", "Bingbot", "coccocbot", "Zalo link preview", "GPTBot"][..]),
            ("referrer_host", &["(direct)", "google.com", "facebook.com", "zalo.me"][..]),
        ] {
            for item in items {
                let visits = random.below(500) as i64;
                breakdowns.push((date.clone(), dimension, (*item).to_owned(), visits, visits * 3));
            }
        }
    }
    let counter_rows: Vec<_> = counters
        .iter()
        .map(|((metric, period), value)| {
            (stats_counters::metric.eq(*metric), stats_counters::period.eq(period), stats_counters::value.eq(value))
        })
        .collect();
    for chunk in counter_rows.chunks(2000) {
        on_backend!(conn, |c| diesel::insert_into(stats_counters::table)
            .values(chunk)
            .on_conflict((stats_counters::metric, stats_counters::period))
            .do_nothing()
            .execute(c))?;
    }
    let breakdown_rows: Vec<_> = breakdowns
        .iter()
        .map(|(day, dimension, item, visits, views)| {
            (
                stats_breakdowns::day.eq(day),
                stats_breakdowns::dimension.eq(*dimension),
                stats_breakdowns::item.eq(item),
                stats_breakdowns::visits.eq(visits),
                stats_breakdowns::page_views.eq(views),
            )
        })
        .collect();
    for chunk in breakdown_rows.chunks(2000) {
        on_backend!(conn, |c| diesel::insert_into(stats_breakdowns::table)
            .values(chunk)
            .on_conflict((stats_breakdowns::day, stats_breakdowns::dimension, stats_breakdowns::item))
            .do_nothing()
            .execute(c))?;
    }
    Ok(())
}
