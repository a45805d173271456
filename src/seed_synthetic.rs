//! Synthetic bulk content for benchmarks: articles with Vietnamese-like text, sources,
//! categories, tags, readers' comments on one article in ten, and a year of statistics,
//! written in large batches.

use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDateTime, Timelike};
use diesel::prelude::*;

use crate::db::schema::{
    article_counters, article_tags, articles, categories, comments, sources, stats_breakdowns, stats_counters, tags,
};
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
use crate::on_backend;
use crate::stats::periods;

/// Where the syllables come from by default: Debian's `hunspell-vi` word list, one
/// Vietnamese syllable a line (read from the system: its licence is not this project's).
pub const DEFAULT_DICTIONARY: &str = "/usr/share/hunspell/vi_VN.dic";

/// The syllables of the most common words, ranked first among the dictionary's; and the
/// whole list when there is no dictionary.
const COMMON_SYLLABLES: &str = "của và các là những được trong có cho với không người một đã này tại theo đến từ \
    về khi năm cũng như để ngày sẽ tỉnh huyện xã dân vận khéo phong trào thi đua chính quyền cấp nhân kết quả thực \
    hiện kinh tế xây dựng nông thôn mới đồng xoài bình phước giáo dục y học sinh đường giao thông công nghiệp hội \
    nghị tổng văn hóa thể thao an ninh trật tự môi trường cải cách hành thủ tục đầu tư phát triển bền vững";

/// The most common words of a provincial portal's news, most common first: function
/// words, then the compounds its articles are about.
const COMMON_WORDS: &str = "của|và|các|là|những|được|trong|có|cho|với|không|người|một|đã|này|tại|theo|đến|từ|\
    về|khi|năm|cũng|như|để|ngày|sẽ|tỉnh|huyện|xã|nhân dân|phát triển|kinh tế|xây dựng|thực hiện|chính quyền|\
    kết quả|đồng chí|nông thôn mới|dân vận khéo|phong trào|thi đua|giáo dục|y tế|giao thông|công nghiệp|hội nghị|\
    văn hóa|thể thao|an ninh|trật tự|môi trường|cải cách|hành chính|thủ tục|đầu tư|bền vững|học sinh|đồng xoài|\
    bình phước|tổng kết|các cấp";

/// Words in the lexicon: the common ones, then words of one to three syllables made from
/// the dictionary's.
const LEXICON_WORDS: usize = 30_000;

/// A lexicon whose words are drawn with Zipf frequencies (s = 1): as in real text, a few
/// words are in most articles and most words in few, so posting lists have real shapes.
/// Every word is kept with its folded form, so search text is made alongside the text
/// instead of by folding 300 MB afterwards.
pub struct Vocabulary {
    words: Vec<(String, String)>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    /// From a hunspell dictionary (`None`: the common syllables alone).
    pub fn new(dictionary: Option<&str>) -> Self {
        let mut random = Random(0x2545_f491_4f6c_dd1d);
        let mut syllables: Vec<String> = COMMON_SYLLABLES.split_whitespace().map(str::to_owned).collect();
        let mut seen: std::collections::HashSet<String> = syllables.iter().cloned().collect();
        let mut rest: Vec<String> = dictionary
            .unwrap_or("")
            .lines()
            .skip(1)
            .map(|line| line.split('/').next().unwrap_or("").trim().to_owned())
            .filter(|word| !word.is_empty() && word.chars().all(char::is_alphabetic))
            .filter(|word| !(word.chars().count() > 1 && word.chars().all(char::is_uppercase)))
            .filter(|word| seen.insert(word.clone()))
            .collect();
        // The dictionary is alphabetical; ranks are not.
        for i in (1..rest.len()).rev() {
            rest.swap(i, random.below(i as u64 + 1) as usize);
        }
        syllables.append(&mut rest);
        let syllable_odds = zipf(syllables.len());
        let mut words: Vec<String> = COMMON_WORDS.split('|').map(|w| w.trim().to_owned()).collect();
        let mut made: std::collections::HashSet<String> = words.iter().cloned().collect();
        let target = if syllables.len() > 200 { LEXICON_WORDS } else { syllables.len() * 4 };
        let mut attempts = 0;
        while words.len() < target && attempts < target * 4 {
            attempts += 1;
            let length = match random.below(20) {
                0..=5 => 1,
                6..=16 => 2,
                _ => 3,
            };
            let word: Vec<&str> = (0..length).map(|_| syllables[pick(&syllable_odds, &mut random)].as_str()).collect();
            let word = word.join(" ");
            if made.insert(word.clone()) {
                words.push(word);
            }
        }
        let cumulative = zipf(words.len());
        let words = words.into_iter().map(|w| (crate::search::fold(&w), w)).map(|(f, w)| (w, f)).collect();
        Self { words, cumulative }
    }

    /// `syllables` syllables of running text, and the same folded.
    fn text(&self, random: &mut Random, syllables: usize) -> (String, String) {
        let mut text = String::new();
        let mut folded = String::new();
        let mut count = 0;
        while count < syllables {
            let (word, plain) = &self.words[pick(&self.cumulative, random)];
            for (syllable, plain) in word.split(' ').zip(plain.split(' ')) {
                if count == syllables {
                    break;
                }
                if count > 0 {
                    text.push(' ');
                    folded.push(' ');
                }
                text.push_str(syllable);
                folded.push_str(plain);
                count += 1;
            }
        }
        (text, folded)
    }
}

/// Cumulative Zipf weights (s = 1) of `n` ranks.
fn zipf(n: usize) -> Vec<f64> {
    let mut total = 0.0;
    (1..=n)
        .map(|rank| {
            total += 1.0 / rank as f64;
            total
        })
        .collect()
}

/// A rank drawn with the weights `cumulative` gives.
fn pick(cumulative: &[f64], random: &mut Random) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let point = (random.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
    cumulative.partition_point(|c| *c < point).min(cumulative.len().saturating_sub(1))
}

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
    /// This and the ratings' figures are stored in `article_counters`.
    #[diesel(skip_insertion)]
    view_count: i64,
    #[diesel(skip_insertion)]
    rating_count: i64,
    #[diesel(skip_insertion)]
    rating_total: i64,
    #[diesel(skip_insertion)]
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
    fn comments(&mut self, vocabulary: &Vocabulary) -> Vec<SeedComment> {
        if self.below(10) != 0 {
            return Vec::new();
        }
        let count = 5 + self.below(36) as usize;
        let mut made: Vec<SeedComment> = Vec::with_capacity(count);
        for n in 0..count {
            let words = 5 + self.below(30) as usize;
            let (content, folded) = vocabulary.text(self, words);
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

const BATCH: usize = 2000;

/// Rows per `INSERT` within a batch's transaction. On SQLite each statement keeps, until
/// it ends, a journal of the pages it changes (the full-text triggers change many), and
/// freeing a large one walks a long list of chunks that are no longer in any CPU cache:
/// 500 articles per statement spent a fifth of the seeding there.
const ROWS_PER_STATEMENT: usize = 25;

/// The ids of the synthetic sources, categories and tags.
struct Taxonomy {
    sources: Vec<i64>,
    categories: Vec<i64>,
    tags: Vec<i64>,
}

/// Adds `count` published articles (titles of 8 to 16 syllables, bodies of about
/// `body_bytes`, words drawn from `vocabulary`) spread over the past year, the sources, categories and tags they use, and `stats_days` of statistics.
pub fn synthetic(
    db: &Db,
    vocabulary: &Vocabulary,
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
    // Text is made on a second thread while the writer stores the batch before it, so
    // the writer never waits for it.
    let (batches, receiver) = std::sync::mpsc::sync_channel::<Generated>(2);
    let shape = Shape { offset, count, body_bytes, sources: &source_ids, categories: &category_ids };
    let (written, mut random) = std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
            let mut written = 0;
            while written < count {
                let next = generate(&mut random, vocabulary, &shape, written, now);
                written += next.batch.len();
                if batches.send(next).is_err() {
                    break;
                }
            }
            random
        });
        let mut stored = 0;
        for Generated { batch, threads, picks } in receiver {
            store(db, &batch, &threads, &picks, &tag_ids)?;
            stored += batch.len();
        }
        let random = producer.join().map_err(|_| ApiError::Internal("the text generator stopped".into()))?;
        Ok::<_, ApiError>((stored, random))
    })?;
    db.write_blocking(|conn| statistics(conn, stats_days, now, &mut random))?;
    db.analyze_fully()?;
    Ok(SyntheticReport { articles: written, seconds: started.elapsed().as_secs_f64() })
}

/// What every batch shares: where numbering starts, how many articles and how long, and
/// the taxonomy's ids.
struct Shape<'a> {
    offset: i64,
    count: usize,
    body_bytes: usize,
    sources: &'a [i64],
    categories: &'a [i64],
}

/// One batch of articles with their comment threads and tag picks, not stored yet.
struct Generated {
    batch: Vec<NewArticle>,
    threads: Vec<Vec<SeedComment>>,
    picks: Vec<[u64; 3]>,
}

/// The batch of articles starting at the `written`-th.
fn generate(
    random: &mut Random,
    vocabulary: &Vocabulary,
    shape: &Shape,
    written: usize,
    now: NaiveDateTime,
) -> Generated {
    let Shape { offset, count, body_bytes, sources: source_ids, categories: category_ids } = *shape;
    let mut batch: Vec<NewArticle> = (written..(written + BATCH).min(count))
        .map(|i| {
            let n = offset + i as i64;
            let title_words = 8 + random.below(9) as usize;
            let (title, search_title) = vocabulary.text(random, title_words);
            let (summary, folded_summary) = vocabulary.text(random, 30);
            let mut body = String::with_capacity(body_bytes + 64);
            let mut search_body = folded_summary;
            while body.len() < body_bytes {
                let (paragraph, folded) = vocabulary.text(random, 60);
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
    let threads: Vec<Vec<SeedComment>> = batch.iter().map(|_| random.comments(vocabulary)).collect();
    for (article, thread) in batch.iter_mut().zip(&threads) {
        article.comment_count = thread.len() as i64;
    }
    let picks: Vec<[u64; 3]> = batch.iter().map(|_| [random.next(), random.next(), random.next()]).collect();
    Generated { batch, threads, picks }
}

/// Stores a batch in one transaction: the articles, their tags and their comments.
fn store(
    db: &Db,
    batch: &[NewArticle],
    threads: &[Vec<SeedComment>],
    picks: &[[u64; 3]],
    tag_ids: &[i64],
) -> Result<(), ApiError> {
    db.write_blocking(|conn| {
        let mut ids: Vec<i64> = Vec::with_capacity(batch.len());
        for chunk in batch.chunks(ROWS_PER_STATEMENT) {
            ids.extend(on_backend!(conn, |c| diesel::insert_into(articles::table)
                .values(chunk)
                .returning(articles::id)
                .get_results::<i64>(c))?);
        }
        let counts: Vec<_> = ids
            .iter()
            .zip(batch)
            .map(|(id, article)| {
                (
                    article_counters::article_id.eq(*id),
                    article_counters::view_count.eq(article.view_count),
                    article_counters::rating_count.eq(article.rating_count),
                    article_counters::rating_total.eq(article.rating_total),
                    article_counters::rating_score.eq(article.rating_score),
                )
            })
            .collect();
        on_backend!(conn, |c| diesel::insert_into(article_counters::table).values(&counts).execute(c))?;
        let mut links: Vec<(i64, i64)> = Vec::with_capacity(ids.len() * 3);
        for (id, pick) in ids.iter().zip(picks) {
            let mut chosen: Vec<i64> = pick.iter().map(|p| tag_ids[(*p as usize) % tag_ids.len()]).collect();
            chosen.sort_unstable();
            chosen.dedup();
            links.extend(chosen.into_iter().map(|tag| (*id, tag)));
        }
        let rows: Vec<_> =
            links.iter().map(|(a, t)| (article_tags::article_id.eq(a), article_tags::tag_id.eq(t))).collect();
        on_backend!(conn, |c| diesel::insert_into(article_tags::table).values(&rows).execute(c))?;
        insert_comments(conn, &ids, batch, threads)
    })
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
        for chunk in rows.chunks(ROWS_PER_STATEMENT * 4) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A dictionary of 3,000 made-up syllables, in hunspell's shape (a count, then words
    /// with optional flags), acronyms among them.
    fn dictionary() -> String {
        let letters = "abcdeghiklmnopqrstuvxy";
        let mut lines = vec!["3002".to_owned(), "HTML".to_owned(), "PDF/A".to_owned()];
        for n in 0..3000 {
            let pick = |k: usize| letters.chars().nth((n / k) % letters.len()).unwrap();
            lines.push(format!("{}{}{}", pick(1), pick(letters.len()), pick(letters.len() * letters.len())));
        }
        lines.join("\n")
    }

    #[test]
    fn words_have_zipf_frequencies_a_few_in_most_texts_most_in_few() {
        let vocabulary = Vocabulary::new(Some(&dictionary()));
        assert!(vocabulary.words.iter().all(|(word, _)| word != "HTML" && word != "PDF"), "acronyms are left out");
        let mut random = Random(7);
        let texts = 1000;
        let mut documents: std::collections::HashMap<String, usize> = Default::default();
        for _ in 0..texts {
            let (_, folded) = vocabulary.text(&mut random, 300);
            assert_eq!(folded.split(' ').count(), 300);
            let distinct: std::collections::HashSet<&str> = folded.split(' ').collect();
            for syllable in distinct {
                *documents.entry(syllable.to_owned()).or_default() += 1;
            }
        }
        let in_most = documents.values().filter(|n| **n * 2 > texts).count();
        let in_few = documents.values().filter(|n| **n * 20 < texts).count();
        assert!(documents["cua"] * 10 > texts * 9, "the commonest word is in nearly every text");
        assert!((10..200).contains(&in_most), "{in_most} syllables in most texts");
        assert!(in_few * 2 > documents.len(), "{in_few} of {} syllables in under 5 % of texts", documents.len());
    }

    #[test]
    fn the_same_dictionary_gives_the_same_text() {
        let text = |seed| Vocabulary::new(Some(&dictionary())).text(&mut Random(seed), 40);
        assert_eq!(text(11), text(11));
        assert_ne!(text(11), text(12));
        let (marked, folded) = Vocabulary::new(None).text(&mut Random(3), 12);
        assert_eq!(crate::search::fold(&marked), folded);
    }
}
