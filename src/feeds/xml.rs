//! The two feed formats, written out by hand: the documents are small and fixed.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use crate::articles::model::Article;
use crate::config::SiteUrls;

/// What a feed is about.
pub struct Channel<'a> {
    pub title: String,
    pub description: String,
    /// The page the feed stands for on the portal.
    pub site_link: String,
    /// The feed's own URL.
    pub self_link: String,
    pub site: &'a SiteUrls,
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn published(article: &Article) -> DateTime<Utc> {
    article.row.published_at.unwrap_or(article.row.created_at).and_utc()
}

/// The lead image's absolute URL and media type.
fn image(article: &Article, site: &SiteUrls) -> Option<(String, &'static str)> {
    let url = article.row.cover_url.as_ref()?;
    let absolute = if url.starts_with('/') { format!("{}{url}", site.base) } else { url.clone() };
    let lower = url.to_ascii_lowercase();
    let kind = if lower.ends_with(".png") {
        "image/png"
    } else if lower.ends_with(".webp") {
        "image/webp"
    } else if lower.ends_with(".gif") {
        "image/gif"
    } else {
        "image/jpeg"
    };
    Some((absolute, kind))
}

/// RSS 2.0, dates in RFC 822 form (`Sat, 26 Sep 2020 06:54:00 +0000`).
pub fn rss(channel: &Channel<'_>, articles: &[Article], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n\
         <channel>\n<title>{}</title>\n<link>{}</link>\n<description>{}</description>\n<language>vi</language>\n\
         <lastBuildDate>{}</lastBuildDate>\n<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        escape(&channel.title),
        escape(&channel.site_link),
        escape(&channel.description),
        articles.first().map_or(now, published).to_rfc2822(),
        escape(&channel.self_link),
    );
    for article in articles {
        let link = channel.site.article_url(&article.row.slug);
        let _ = write!(
            out,
            "<item>\n<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"true\">{}</guid>\n<pubDate>{}</pubDate>\n\
             <description>{}</description>\n",
            escape(&article.row.title),
            escape(&link),
            escape(&link),
            published(article).to_rfc2822(),
            escape(&article.row.summary),
        );
        if let Some(author) = &article.row.author {
            let _ = writeln!(out, "<dc:creator>{}</dc:creator>", escape(author));
        }
        if let Some(category) = &article.category {
            let _ = writeln!(out, "<category>{}</category>", escape(&category.name));
        }
        if let Some((url, kind)) = image(article, channel.site) {
            let _ = writeln!(out, "<enclosure url=\"{}\" type=\"{kind}\" length=\"0\"/>", escape(&url));
        }
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

/// Atom (RFC 4287), dates in RFC 3339 form.
pub fn atom(channel: &Channel<'_>, articles: &[Article], now: DateTime<Utc>) -> String {
    let updated = articles.iter().map(|a| a.row.updated_at.and_utc()).max().unwrap_or(now);
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"vi\">\n\
         <id>{}</id>\n<title>{}</title>\n<subtitle>{}</subtitle>\n<updated>{}</updated>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n\
         <author><name>{}</name></author>\n",
        escape(&channel.self_link),
        escape(&channel.title),
        escape(&channel.description),
        updated.to_rfc3339(),
        escape(&channel.site_link),
        escape(&channel.self_link),
        escape(&channel.title),
    );
    for article in articles {
        let link = channel.site.article_url(&article.row.slug);
        let _ = write!(
            out,
            "<entry>\n<id>{}</id>\n<title>{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
             <published>{}</published>\n<updated>{}</updated>\n<summary>{}</summary>\n",
            escape(&link),
            escape(&article.row.title),
            escape(&link),
            published(article).to_rfc3339(),
            article.row.updated_at.and_utc().to_rfc3339(),
            escape(&article.row.summary),
        );
        if let Some(author) = &article.row.author {
            let _ = writeln!(out, "<author><name>{}</name></author>", escape(author));
        }
        if let Some(category) = &article.category {
            let _ =
                writeln!(out, "<category term=\"{}\" label=\"{}\"/>", escape(&category.slug), escape(&category.name));
        }
        if let Some((url, kind)) = image(article, channel.site) {
            let _ = writeln!(out, "<link rel=\"enclosure\" type=\"{kind}\" href=\"{}\"/>", escape(&url));
        }
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}
