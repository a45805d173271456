//! Vietnamese-aware text folding for search, relevance, and highlighted snippets.
//!
//! Folding removes tone and vowel marks, maps đ/Đ to d and lowercases, so that
//! `dan van kheo`, `Dân vận khéo` and `DÂN VẬN KHÉO` are the same words. Both backends
//! index folded text; snippets are cut from the original text.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The most words a query may hold.
pub const MAX_TERMS: usize = 12;

/// One character folded: its base letter, lowercased; other characters become a space.
/// Combining marks on their own fold to nothing.
fn fold_char(c: char) -> Option<char> {
    if c.is_ascii() {
        let lower = c.to_ascii_lowercase();
        return Some(if lower.is_ascii_alphanumeric() { lower } else { ' ' });
    }
    match FOLDED.get(c as usize) {
        Some(folded) => *folded,
        None => fold_char_anew(c),
    }
}

/// `fold_char` of every character below U+2000 (Latin with all its Vietnamese letters,
/// the combining marks, Greek, Cyrillic), worked out once: snippets fold the bodies they
/// are cut from, and decomposing each letter anew took a fifth of a search.
static FOLDED: LazyLock<Vec<Option<char>>> =
    LazyLock::new(|| (0..0x2000).map(|n| char::from_u32(n).and_then(fold_char_anew)).collect());

fn fold_char_anew(c: char) -> Option<char> {
    if is_combining_mark(c) {
        return None;
    }
    let base = match c {
        'đ' | 'Đ' => 'd',
        c if c.is_ascii() => c,
        c => std::iter::once(c).nfd().find(|d| !is_combining_mark(*d)).unwrap_or(c),
    };
    let lower = base.to_lowercase().next().unwrap_or(base);
    Some(if lower.is_alphanumeric() { lower } else { ' ' })
}

/// The folded form of `text`, words separated by single spaces.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars().filter_map(fold_char) {
        if c == ' ' {
            if !folded.ends_with(' ') && !folded.is_empty() {
                folded.push(' ');
            }
        } else {
            folded.push(c);
        }
    }
    if folded.ends_with(' ') {
        folded.pop();
    }
    folded
}

/// The words of a query, folded; at most `MAX_TERMS`.
pub fn terms(query: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in fold(query).split(' ').filter(|w| !w.is_empty()) {
        if !words.iter().any(|w| w == word) {
            words.push(word.to_owned());
        }
    }
    words.truncate(MAX_TERMS);
    words
}

/// The words and quoted phrases of an article search, folded: `"dân vận khéo" tỉnh` is
/// the phrase `dan van kheo` (one entry, its words separated by spaces) and the word
/// `tinh`. Straight and curly quotes both work; an unclosed quote runs to the end. The
/// first `MAX_TERMS` words count. A repeated word stays: the query's order is part of
/// its relevance (`của của có` is not `của có`).
pub fn query_terms(query: &str) -> Vec<String> {
    let mut entries: Vec<String> = Vec::new();
    let mut words = 0;
    for (i, part) in query.split(['"', '\u{201c}', '\u{201d}']).enumerate() {
        let folded = fold(part);
        let quoted = i % 2 == 1;
        let parts: Vec<&str> = if quoted { vec![folded.as_str()] } else { folded.split(' ').collect() };
        for entry in parts.into_iter().filter(|e| !e.is_empty()) {
            // A phrase past the limit keeps its first words.
            let kept: Vec<&str> = entry.split(' ').take(MAX_TERMS - words).collect();
            let entry = kept.join(" ");
            if !entry.is_empty() {
                words += kept.len();
                entries.push(entry);
            }
            if words == MAX_TERMS {
                return entries;
            }
        }
    }
    entries
}

/// Each pair of neighbouring words of a folded text as one token (`cua0co` for `cua co`),
/// separated by spaces: what the indexes of titles hold beside the words, so that a phrase
/// is found through its pairs instead of through every title holding its common words.
/// PostgreSQL's `title_word_pairs` (migration 19) makes the same tokens.
pub fn word_pairs(folded: &str) -> String {
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    words.windows(2).map(|pair| format!("{}0{}", pair[0], pair[1])).collect::<Vec<_>>().join(" ")
}

/// Whether a folded text holds a folded phrase as whole words side by side.
pub fn holds_phrase(folded: &str, phrase: &str) -> bool {
    let bytes = folded.as_bytes();
    let mut from = 0;
    while !phrase.is_empty()
        && let Some(found) = folded[from..].find(phrase)
    {
        let (start, end) = (from + found, from + found + phrase.len());
        if (start == 0 || bytes[start - 1] == b' ') && (end == bytes.len() || bytes[end] == b' ') {
            return true;
        }
        // Found inside a word: look again from the next character (matches may overlap).
        from = start + folded[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// BM25's saturation of repeated words and its normalisation of title lengths (the usual values).
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// A word in the title counts as this many in the text (BM25F's field weight).
const TITLE_WEIGHT: f64 = 4.0;

/// Characters of an article's folded text (its summary, then its body) that count towards
/// relevance, kept beside the index of titles (the migration that made it writes the
/// number); the rest of the text only has to hold the query: reading it for every
/// candidate would cost kilobytes each.
pub const LEAD_CHARS: usize = 300;

/// What a word's rarity is measured against: the archive's size and its titles' mean length.
#[derive(Debug, Clone, Copy)]
pub struct Corpus {
    pub articles: u64,
    pub mean_title_words: f64,
}

/// How long a word's article count and the corpus figures are kept before they are counted
/// again: they move by a few articles a day, and counting a common word reads its whole list.
const COUNTS_KEPT: Duration = Duration::from_secs(600);

/// The most words whose counts are kept; past it they are all counted afresh.
const MAX_WORDS_KEPT: usize = 20_000;

/// The archive's figures for ranking, counted from the database and kept `COUNTS_KEPT`.
#[derive(Default)]
pub struct WordCounts {
    kept: Mutex<KeptCounts>,
}

/// The name alone: a list filter's debug form, which holds the counts, is a cache key.
impl std::fmt::Debug for WordCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WordCounts")
    }
}

#[derive(Default)]
struct KeptCounts {
    corpus: Option<(Corpus, Instant)>,
    holding: HashMap<String, (u64, Instant)>,
}

impl WordCounts {
    /// The corpus figures, counted by `count` when missing or old.
    pub fn corpus<E>(&self, count: impl FnOnce() -> Result<Corpus, E>) -> Result<Corpus, E> {
        if let Some((corpus, at)) = self.lock().corpus
            && at.elapsed() < COUNTS_KEPT
        {
            return Ok(corpus);
        }
        let corpus = count()?;
        self.lock().corpus = Some((corpus, Instant::now()));
        Ok(corpus)
    }

    /// How many articles hold `word`, counted by `count` when missing or old.
    pub fn holding<E>(&self, word: &str, count: impl FnOnce() -> Result<u64, E>) -> Result<u64, E> {
        if let Some((holding, at)) = self.lock().holding.get(word)
            && at.elapsed() < COUNTS_KEPT
        {
            return Ok(*holding);
        }
        let holding = count()?;
        let mut kept = self.lock();
        if kept.holding.len() >= MAX_WORDS_KEPT {
            kept.holding.clear();
        }
        kept.holding.insert(word.to_owned(), (holding, Instant::now()));
        Ok(holding)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KeptCounts> {
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// BM25's inverse document frequency of a word whose articles' titles `holding` hold; never
/// negative, so a word in most titles still counts a little.
pub fn rarity(corpus: Corpus, holding: u64) -> f64 {
    let (n, holding) = (corpus.articles.max(holding) as f64, holding as f64);
    ((n - holding + 0.5) / (holding + 0.5) + 1.0).ln()
}

/// A search's words, weighed once and then used to score every candidate.
pub struct Relevance<'a> {
    /// Every word of the query in order, between spaces: what a title holding it in order holds.
    sequence: String,
    /// Each word once, with its rarity.
    words: Vec<(&'a str, f64)>,
    /// The sum of the words' rarities.
    weight: f64,
    corpus: Corpus,
}

impl<'a> Relevance<'a> {
    /// For the search terms (words and quoted phrases), with `rarity` giving each folded word's weight.
    pub fn new(terms: &'a [String], rarity: impl Fn(&str) -> f64, corpus: Corpus) -> Self {
        let sequence: Vec<&str> = terms.iter().flat_map(|term| term.split(' ')).collect();
        let mut distinct = sequence.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let words: Vec<(&str, f64)> = distinct.into_iter().map(|word| (word, rarity(word))).collect();
        let weight = words.iter().map(|(_, rarity)| rarity).sum();
        Self { sequence: format!(" {} ", sequence.join(" ")), words, weight, corpus }
    }

    /// The relevance of an article, by BM25F over its folded title (weighted `TITLE_WEIGHT`,
    /// normalised by length) and its folded lead (the first `LEAD_CHARS` characters of its
    /// text, a word cut at the end left out). A title holding every word of the query in
    /// order gains the query's weight again, so an article whose title holds the phrase
    /// searched for comes before one holding its words apart.
    pub fn of(&self, folded_title: &str, folded_lead: &str) -> f64 {
        let lead = match folded_lead.rsplit_once(' ') {
            Some((whole, _)) if folded_lead.len() >= LEAD_CHARS && folded_lead.chars().count() >= LEAD_CHARS => whole,
            _ => folded_lead,
        };
        let mut in_title = [0u32; MAX_TERMS];
        let mut in_lead = [0u32; MAX_TERMS];
        let tally = |text: &str, counts: &mut [u32; MAX_TERMS]| {
            let mut words = 0;
            for word in text.split(' ').filter(|w| !w.is_empty()) {
                words += 1;
                if let Some(i) = self.words.iter().position(|(w, _)| *w == word) {
                    counts[i] += 1;
                }
            }
            words
        };
        let title_words = tally(folded_title, &mut in_title);
        tally(lead, &mut in_lead);
        let length = 1.0 - B + B * f64::from(title_words) / self.corpus.mean_title_words.max(1.0);
        let mut score = 0.0;
        for (i, (_, rarity)) in self.words.iter().enumerate() {
            let frequency = TITLE_WEIGHT * f64::from(in_title[i]) / length + f64::from(in_lead[i]);
            score += rarity * frequency * (K1 + 1.0) / (frequency + K1);
        }
        if holds_in_order(folded_title, &self.sequence) { score + self.weight } else { score }
    }
}

/// Whether `text`, words between single spaces, holds `sequence` (words between spaces, with
/// a space before and after).
fn holds_in_order(text: &str, sequence: &str) -> bool {
    let inner = &sequence[1..sequence.len() - 1];
    text == inner
        || text.starts_with(&sequence[1..])
        || text.ends_with(&sequence[..sequence.len() - 1])
        || text.contains(sequence)
}

/// The text of sanitized HTML: tags dropped, the common entities decoded.
pub fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    text.extend(text_chars(html));
    text
}

/// `plain_text`, character by character: runs of white space (tags count as one) become
/// one space, none at either end.
fn text_chars(html: &str) -> impl Iterator<Item = char> + '_ {
    let mut chars = plain_chars(html);
    let mut started = false;
    let mut after_space: Option<char> = None;
    std::iter::from_fn(move || {
        if let Some(c) = after_space.take() {
            return Some(c);
        }
        let mut space = false;
        let c = loop {
            let c = chars.next()?;
            if !c.is_whitespace() {
                break c;
            }
            space = true;
        };
        if space && started {
            after_space = Some(c);
            return Some(' ');
        }
        started = true;
        Some(c)
    })
}

/// The characters of `html` as text: each tag one space, the entities the sanitizer
/// writes decoded.
fn plain_chars(html: &str) -> impl Iterator<Item = char> + '_ {
    const ENTITIES: [(&str, char); 6] =
        [("&nbsp;", ' '), ("&lt;", '<'), ("&gt;", '>'), ("&quot;", '"'), ("&#39;", '\''), ("&amp;", '&')];
    let mut rest = html;
    std::iter::from_fn(move || {
        let c = rest.chars().next()?;
        let (text, length) = match c {
            '<' => (' ', rest.find('>').map_or(rest.len(), |end| end + 1)),
            '&' => ENTITIES
                .iter()
                .find(|(entity, _)| rest.starts_with(entity))
                .map_or(('&', 1), |(entity, decoded)| (*decoded, entity.len())),
            c => (c, c.len_utf8()),
        };
        rest = &rest[length..];
        Some(text)
    })
}

/// About `width` characters of an article around the first of `terms`, HTML-escaped,
/// the matching words in `<mark>`: from its summary, else from its body's text, else from
/// its title; from the title first when it has no summary (the title is then all a list
/// shows of it). `folded_text` is its summary and body's text folded as stored for search
/// (`search_body`): it says whether the body holds a term without folding the HTML, which
/// most bodies do not (a title's phrase is seldom in the body).
pub fn article_snippet(
    title: &str,
    summary: &str,
    body_html: &str,
    folded_text: &str,
    terms: &[String],
    width: usize,
) -> Option<String> {
    let from_title = || snippet(title, terms, width);
    if summary.is_empty()
        && let Some(found) = from_title()
    {
        return Some(found);
    }
    snippet(summary, terms, width)
        .or_else(|| {
            terms
                .iter()
                .any(|term| holds_phrase(folded_text, term))
                .then(|| marked_snippet(text_chars(body_html), terms, width))
                .flatten()
        })
        .or_else(|| if summary.is_empty() { None } else { from_title() })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// About `width` characters of `text` around the first of `terms`, HTML-escaped, with
/// every whole-word match wrapped in `<mark>`. `None` when no term occurs.
pub fn snippet(text: &str, terms: &[String], width: usize) -> Option<String> {
    // Most texts a snippet is tried on do not hold the words (a title's phrase is seldom
    // in the body): one fold of the text says so, without the per-character walk below.
    let folded_text = fold(text);
    if !terms.iter().any(|term| holds_phrase(&folded_text, term)) {
        return None;
    }
    marked_snippet(text.chars(), terms, width)
}

/// A text read only as far as a snippet needs (a body's is usually in its first lines):
/// its characters, and the folded ones with the position of the character each comes
/// from (marks fold to nothing).
struct Reading<I> {
    source: I,
    chars: Vec<char>,
    folded: Vec<(usize, char)>,
}

impl<I: Iterator<Item = char>> Reading<I> {
    /// Reads one more character; false at the end of the text.
    fn read(&mut self) -> bool {
        let Some(c) = self.source.next() else { return false };
        if let Some(folded) = fold_char(c) {
            self.folded.push((self.chars.len(), folded));
        }
        self.chars.push(c);
        true
    }

    /// Reads on until `n` characters are folded, or to the end.
    fn fold_to(&mut self, n: usize) {
        while self.folded.len() < n && self.read() {}
    }

    /// Reads on until `n` characters are read, or to the end.
    fn read_to(&mut self, n: usize) {
        while self.chars.len() < n && self.read() {}
    }
}

/// `snippet` of a text already known to hold one of `terms` somewhere.
fn marked_snippet(text: impl Iterator<Item = char>, terms: &[String], width: usize) -> Option<String> {
    let mut text = Reading { source: text, chars: Vec::new(), folded: Vec::new() };
    let terms: Vec<Vec<char>> = terms.iter().map(|t| t.chars().collect()).collect();
    let longest = terms.iter().map(Vec::len).max().unwrap_or(0);
    let slack = width / 4;
    let mut matches: Vec<(usize, usize)> = Vec::new();
    for start in 0.. {
        // Every term tested here, and the character after it.
        text.fold_to(start + longest + 1);
        let folded = &text.folded;
        if start >= folded.len() {
            break;
        }
        if start > 0 && folded[start - 1].1 != ' ' {
            continue;
        }
        // Matches past the window around the first are not shown.
        if matches.first().is_some_and(|(first, _)| folded[start].0 > first + width + slack) {
            break;
        }
        let found = terms.iter().find_map(|term| {
            let end = start + term.len();
            let fits = end <= folded.len() && folded[start..end].iter().map(|(_, c)| *c).eq(term.iter().copied());
            (fits && (end == folded.len() || folded[end].1 == ' ')).then(|| (folded[start].0, folded[end - 1].0))
        });
        if let Some((first, last)) = found {
            // Keep the combining marks that follow the last letter inside the mark.
            let mut stop = last + 1;
            loop {
                text.read_to(stop + 1);
                if !text.chars.get(stop).is_some_and(|c| is_combining_mark(*c)) {
                    break;
                }
                stop += 1;
            }
            matches.push((first, stop));
        }
    }
    let first = matches.first()?.0;
    // Both ends move to a word boundary, unless the word is too long to wait for; one
    // character past the window says whether the text goes on.
    let from = first.saturating_sub(width / 3);
    text.read_to(from + width + slack + 1);
    let chars = &text.chars;
    let from = (from.saturating_sub(slack)..=from).rev().find(|&i| i == 0 || chars[i - 1] == ' ').unwrap_or(from);
    let to = (from + width).min(chars.len());
    let to = (to..=(to + slack).min(chars.len())).find(|&i| i == chars.len() || chars[i] == ' ').unwrap_or(to);
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut cursor = from;
    for (start, end) in matches.into_iter().filter(|(s, e)| *s >= from && *e <= to) {
        out.push_str(&escape(&chars[cursor..start].iter().collect::<String>()));
        out.push_str("<mark>");
        out.push_str(&escape(&chars[start..end].iter().collect::<String>()));
        out.push_str("</mark>");
        cursor = end;
    }
    out.push_str(&escape(&chars[cursor..to].iter().collect::<String>()));
    if to < chars.len() {
        out.push('…');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_phrases_are_one_term() {
        assert_eq!(query_terms("\"Dân vận khéo\" tỉnh"), ["dan van kheo", "tinh"]);
        assert_eq!(query_terms("tỉnh \u{201c}nông thôn mới\u{201d}"), ["tinh", "nong thon moi"]);
        assert_eq!(query_terms("dân vận khéo"), ["dan", "van", "kheo"]);
        assert_eq!(query_terms("\"đồng xoài"), ["dong xoai"], "an unclosed quote runs to the end");
        assert_eq!(query_terms("\"\" \"a\" a"), ["a", "a"]);
        assert_eq!(query_terms(&"mot ".repeat(20)), ["mot"; MAX_TERMS]);
        let long = (0..20).map(|n| format!("w{n}")).collect::<Vec<_>>().join(" ");
        assert_eq!(query_terms(&long).len(), MAX_TERMS);
        let cut = query_terms(&format!("\"{long}\" more"));
        assert_eq!(cut.len(), 1, "a phrase past the limit keeps its first words: {cut:?}");
        assert_eq!(cut[0].split(' ').count(), MAX_TERMS);
    }

    #[test]
    fn phrases_are_found_through_their_word_pairs_and_checked_whole() {
        assert_eq!(word_pairs("cua cua co"), "cua0cua cua0co");
        assert_eq!(word_pairs("tinh"), "");
        assert!(holds_phrase("tin cua cua co moi", "cua cua co"));
        assert!(holds_phrase("cua co", "cua co"));
        let apart = "cua co moi co bao";
        assert!(word_pairs(apart).contains("cua0co") && word_pairs(apart).contains("co0bao"));
        assert!(!holds_phrase(apart, "cua co bao"), "its pairs are there, not side by side");
        assert!(!holds_phrase("cuacua co", "cua co"), "only whole words");
        assert!(holds_phrase("ba ba b", "ba b"), "a match found after one inside a word");
        assert!(!holds_phrase("cua coi", "cua co") && !holds_phrase("", "") && !holds_phrase("a", ""));
        assert!(holds_phrase("đa đa", "đa"));
    }

    fn score(terms: &[&str], title: &str, lead: &str) -> f64 {
        let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
        let rarity = |word: &str| if word == "cua" { 0.1 } else { 3.0 };
        Relevance::new(&terms, rarity, Corpus { articles: 1000, mean_title_words: 10.0 }).of(title, lead)
    }

    #[test]
    fn titles_holding_the_words_in_order_come_first_then_rarer_words_count_more() {
        let phrase = score(&["dan", "van"], "phong trao dan van kheo", "");
        let apart = score(&["dan", "van"], "dan toc va van hoa", "");
        let text_only = score(&["dan", "van"], "tin tuc", "dan van kheo o xa");
        assert!(phrase > apart && apart > text_only && text_only > 0.0, "{phrase} {apart} {text_only}");
        assert!(score(&["kheo"], "dan van kheo", "") > score(&["cua"], "cua dan van", ""), "rarity");
        let short = score(&["kheo"], "dan van kheo", "");
        let long = score(&["kheo"], "dan van kheo trong phong trao thi dua cua cac cap o tinh", "");
        assert!(short > long, "a short title holding the word is closer to it");
        let repeated = score(&["kheo"], "tin", "kheo kheo kheo kheo kheo kheo kheo kheo");
        assert!(repeated < score(&["kheo"], "kheo", ""), "repeats in the text saturate below one in the title");
        assert!(rarity(Corpus { articles: 10, mean_title_words: 1.0 }, 10) > 0.0, "never negative");
        assert!(score(&["dan", "van"], "dan van", "") > score(&["dan", "van"], "dan vang", ""), "whole words in order");
        assert!(score(&["dan", "van"], "x dan van", "") > score(&["dan", "van"], "x dan van y", ""));
        assert!(score(&["dan", "van"], "dan van y", "") > score(&["dan", "van"], "odan van y", "") + 1.0);
        let cut = "kheo ".repeat(LEAD_CHARS / 5 - 1) + "kheo kh";
        assert_eq!(score(&["kh"], "tin", &cut), 0.0, "a word cut at the end of the lead does not count");
        assert!(score(&["kh"], "tin", "kh") > 0.0);
    }

    #[test]
    fn folding_removes_marks_and_maps_d() {
        assert_eq!(fold("Dân vận khéo"), "dan van kheo");
        assert_eq!(fold("ĐỒNG XOÀI, Bình Phước!"), "dong xoai binh phuoc");
        assert_eq!(fold("khe\u{301}o"), "kheo");
        assert_eq!(terms("  Đồng   xoài đồng "), ["dong", "xoai"]);
        assert!(terms("“…” — !!").is_empty());
    }

    #[test]
    fn snippets_stay_short_in_text_without_spaces() {
        let text = format!("{}dân{}", "x&".repeat(5_000), "&y".repeat(5_000));
        let cut = snippet(&text, &terms("dan"), 80).expect("dân is a word of its own");
        let visible = cut.replace("<mark>", "").replace("</mark>", "").replace("&amp;", "&");
        assert!(visible.chars().count() <= 80 + 40 + 2, "{} characters", visible.chars().count());
    }

    #[test]
    fn snippets_mark_whole_words_in_the_original_text() {
        let text = "Phong trào thi đua “Dân vận khéo” đạt nhiều kết quả; dân vận khéo là cách làm hay.";
        let cut = snippet(text, &terms("dan van kheo"), 200).unwrap();
        assert!(cut.starts_with("Phong trào thi đua “<mark>Dân</mark> <mark>vận</mark> <mark>khéo</mark>”"), "{cut}");
        assert!(cut.contains("<mark>dân</mark> <mark>vận</mark> <mark>khéo</mark> là"));
        assert!(snippet(text, &terms("kheoo"), 200).is_none(), "whole words only");
        let escaped = snippet("a <b> dan", &terms("dan"), 50).unwrap();
        assert_eq!(escaped, "a &lt;b&gt; <mark>dan</mark>");
    }

    #[test]
    fn long_texts_are_cut_around_the_match() {
        let text = format!("{} Đồng Xoài {}", "mở đầu ".repeat(100), "kết thúc ".repeat(100));
        let cut = snippet(&text, &terms("dong xoai"), 80).unwrap();
        assert!(cut.starts_with('…') && cut.ends_with('…'));
        assert!(cut.contains("<mark>Đồng</mark> <mark>Xoài</mark>"));
        assert!(cut.chars().count() < 120);
    }

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(plain_text("<p>Tin &amp; ảnh</p><p>Đoạn&nbsp;hai</p>"), "Tin & ảnh Đoạn hai");
        assert_eq!(plain_text("  <p> a \n\t b </p>  "), "a b");
        assert_eq!(plain_text("x&amp;lt;y &lt;b&gt; &#39;q&quot; & z"), "x&lt;y <b> 'q\" & z");
        assert_eq!(plain_text("a<br>b<img src=\"x.jpg\" alt=\"&lt;\">c<unclosed"), "a b c");
    }

    #[test]
    fn article_snippets_come_from_the_summary_the_body_or_the_title() {
        let html = "<p>Mở đầu &amp; <b>Đồng Xoài</b></p><p>kết&nbsp;thúc, &lt;hết&gt;</p>";
        let of = |title: &str, summary: &str, query: &str| {
            let folded = fold(&format!("{summary} {}", plain_text(html)));
            article_snippet(title, summary, html, &folded, &terms(query), 80)
        };
        let from_body = of("Tin Bình Phước", "Tóm tắt", "dong xoai");
        assert_eq!(from_body, snippet(&plain_text(html), &terms("dong xoai"), 80));
        assert!(from_body.unwrap().contains("<mark>Đồng</mark> <mark>Xoài</mark>"));
        assert!(of("Tin Bình Phước", "Tóm tắt", "tom tat").unwrap().starts_with("<mark>Tóm</mark>"));
        assert_eq!(of("Tin Bình Phước", "Tóm tắt", "binh phuoc").unwrap(), "Tin <mark>Bình</mark> <mark>Phước</mark>");
        assert_eq!(of("Tin Đồng Xoài", "", "dong xoai").unwrap(), "Tin <mark>Đồng</mark> <mark>Xoài</mark>");
        assert_eq!(of("Tin", "Tóm tắt", "ha noi"), None);
        let unfolded = article_snippet("Tin", "Tóm tắt", html, "", &terms("dong xoai"), 80);
        assert_eq!(unfolded, None, "the stored folded text says whether the body is read");
    }

    #[test]
    fn folding_from_the_table_is_folding_anew() {
        for c in (0..0x2100).filter_map(char::from_u32) {
            assert_eq!(fold_char(c), fold_char_anew(c), "{c:?}");
        }
        assert_eq!(fold(" Đồng  XOÀI, tỉnh-Bình Phước "), "dong xoai tinh binh phuoc");
    }
}
