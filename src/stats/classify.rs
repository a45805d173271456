//! What kind of client a user agent is: a named crawler, or a browser on an OS.

use std::sync::LazyLock;

/// Crawlers by name, matched case-insensitively on a part of the user agent. Earlier
/// entries win, so more specific names come first.
const NAMED_BOTS: &[(&str, &str)] = &[
    ("googlebot", "Googlebot"),
    ("google-inspectiontool", "Googlebot"),
    ("adsbot-google", "Googlebot"),
    ("mediapartners-google", "Googlebot"),
    ("bingbot", "Bingbot"),
    ("bingpreview", "Bingbot"),
    ("yandex", "YandexBot"),
    ("baiduspider", "Baiduspider"),
    ("duckduckbot", "DuckDuckBot"),
    ("duckassistbot", "DuckDuckBot"),
    ("applebot", "Applebot"),
    ("coccocbot", "coccocbot"),
    ("facebookexternalhit", "facebookexternalhit"),
    ("facebookcatalog", "facebookexternalhit"),
    ("meta-externalagent", "facebookexternalhit"),
    ("zalo", "Zalo link preview"),
    ("gptbot", "GPTBot"),
    ("chatgpt-user", "GPTBot"),
    ("oai-searchbot", "GPTBot"),
    ("claudebot", "ClaudeBot"),
    ("perplexitybot", "PerplexityBot"),
    ("ccbot", "CCBot"),
    ("bytespider", "Bytespider"),
    ("petalbot", "PetalBot"),
    ("ahrefsbot", "AhrefsBot"),
    ("semrushbot", "SemrushBot"),
    ("mj12bot", "MJ12bot"),
    ("dotbot", "DotBot"),
    ("slurp", "Yahoo Slurp"),
    ("twitterbot", "Twitterbot"),
    ("linkedinbot", "LinkedInBot"),
    ("telegrambot", "TelegramBot"),
    ("slackbot", "Slackbot"),
    ("discordbot", "Discordbot"),
    ("whatsapp", "WhatsApp link preview"),
    ("skypeuripreview", "Skype link preview"),
    ("seznambot", "SeznamBot"),
    ("sogou", "Sogou"),
    ("exabot", "Exabot"),
    ("qwantify", "Qwantbot"),
    ("archive.org_bot", "Internet Archive"),
    ("ia_archiver", "Internet Archive"),
];

/// Words that mark a user agent as automated when no name above matched.
const GENERIC_BOT_MARKERS: &[&str] = &[
    "bot",
    "crawler",
    "spider",
    "crawl",
    "scraper",
    "fetcher",
    "preview",
    "headlesschrome",
    "phantomjs",
    "python-requests",
    "python-urllib",
    "go-http-client",
    "curl/",
    "wget/",
    "httpclient",
    "okhttp",
    "libwww",
    "scrapy",
    "axios/",
    "node-fetch",
    "java/",
    "monitor",
    "uptime",
];

pub const OTHER_BOT: &str = "other bot";
pub const UNKNOWN: &str = "unknown";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agent {
    Bot { name: String },
    Browser { browser: String, os: String },
}

static PARSER: LazyLock<woothee::parser::Parser> = LazyLock::new(woothee::parser::Parser::new);

/// User agents repeat: most traffic comes from a few hundred browser builds and crawlers.
static SEEN: LazyLock<std::sync::Mutex<std::collections::HashMap<String, Agent>>> = LazyLock::new(Default::default);

/// Above this many distinct user agents remembered, the memory starts over.
const MAX_SEEN: usize = 10_000;

/// What a user agent is; remembered, since parsing one is the costly part of a hit.
pub fn classify(user_agent: &str) -> Agent {
    if let Some(agent) = SEEN.lock().unwrap_or_else(|p| p.into_inner()).get(user_agent) {
        return agent.clone();
    }
    let agent = parse(user_agent);
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    if seen.len() >= MAX_SEEN {
        seen.clear();
    }
    seen.insert(user_agent.to_owned(), agent.clone());
    agent
}

/// Whether the user agent names a crawler: one of the named bots, or one the parser
/// knows. Unlike `classify`, an empty or a generic client (curl, a library) is not one.
pub fn is_known_crawler(user_agent: &str) -> bool {
    let lower = user_agent.to_ascii_lowercase();
    NAMED_BOTS.iter().any(|(marker, _)| lower.contains(marker))
        || PARSER.parse(user_agent).is_some_and(|p| p.category == "crawler")
}

fn parse(user_agent: &str) -> Agent {
    let lower = user_agent.to_ascii_lowercase();
    if let Some((_, name)) = NAMED_BOTS.iter().find(|(marker, _)| lower.contains(marker)) {
        return Agent::Bot { name: (*name).to_owned() };
    }
    let parsed = PARSER.parse(user_agent);
    let is_crawler = parsed.as_ref().is_some_and(|p| p.category == "crawler");
    if user_agent.trim().is_empty() || is_crawler || GENERIC_BOT_MARKERS.iter().any(|m| lower.contains(m)) {
        return Agent::Bot { name: OTHER_BOT.to_owned() };
    }
    let known =
        |value: &str| if value.is_empty() || value == "UNKNOWN" { UNKNOWN.to_owned() } else { value.to_owned() };
    let browser = if lower.contains("coc_coc_browser") {
        "Cốc Cốc".to_owned()
    } else if lower.contains(" zalo") || lower.contains("zalotheme") {
        "Zalo".to_owned()
    } else {
        parsed.as_ref().map_or_else(|| UNKNOWN.to_owned(), |p| known(p.name))
    };
    let os = parsed.as_ref().map_or_else(|| UNKNOWN.to_owned(), |p| known(p.os));
    Agent::Browser { browser, os }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bot(ua: &str) -> String {
        match classify(ua) {
            Agent::Bot { name } => name,
            other => panic!("{ua} is not a bot: {other:?}"),
        }
    }

    #[test]
    fn crawlers_are_named() {
        let cases = [
            ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot"),
            ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "Bingbot"),
            ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "YandexBot"),
            ("Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", "Baiduspider"),
            ("DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", "DuckDuckBot"),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
                "Applebot",
            ),
            ("Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)", "coccocbot"),
            ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "facebookexternalhit"),
            ("Mozilla/5.0 (Linux; Android 10) ZaloLinkPreview/1.0", "Zalo link preview"),
            (
                "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
                "GPTBot",
            ),
            ("Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)", "SemrushBot"),
            ("SomeNewCrawler/0.1 (+https://example.com/crawler)", OTHER_BOT),
            ("python-requests/2.31.0", OTHER_BOT),
            ("", OTHER_BOT),
        ];
        for (ua, name) in cases {
            assert_eq!(bot(ua), name, "{ua}");
        }
    }

    #[test]
    fn browsers_and_systems_are_recognised() {
        let chrome_windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
        assert_eq!(classify(chrome_windows), Agent::Browser { browser: "Chrome".into(), os: "Windows 10".into() });
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
        assert_eq!(classify(safari_iphone), Agent::Browser { browser: "Safari".into(), os: "iPhone".into() });
        let coc_coc = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/120.0.198 Chrome/120.0.6099.224 Safari/537.36";
        assert!(matches!(classify(coc_coc), Agent::Browser { browser, .. } if browser == "Cốc Cốc"));
        let firefox_linux = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
        assert!(
            matches!(classify(firefox_linux), Agent::Browser { browser, os } if browser == "Firefox" && os == "Linux")
        );
    }
}
