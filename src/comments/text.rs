//! A comment's text: plain text in, plain text stored, and an HTML rendering that can
//! hold nothing but escaped text, line breaks and links.

/// The text as stored: NFC, trimmed, control characters dropped (line breaks and tabs
/// kept), runs of more than two blank lines cut to two.
pub fn clean(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let kept: String =
        text.nfc().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).collect::<String>().replace("\r", "");
    let mut cleaned = String::with_capacity(kept.len());
    let mut newlines = 0;
    for c in kept.trim().chars() {
        newlines = if c == '\n' { newlines + 1 } else { 0 };
        if newlines <= 2 {
            cleaned.push(c);
        }
    }
    cleaned
}

/// How many links the text holds.
pub fn link_count(text: &str) -> usize {
    text.split_whitespace().filter(|word| link_at(word).is_some() || word.starts_with("www.")).count()
}

/// The length of the `http(s)://` address `word` starts with, if it does.
fn link_at(word: &str) -> Option<usize> {
    let lower = word.get(..8)?.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return None;
    }
    // Closing punctuation after an address belongs to the sentence.
    let end = word.trim_end_matches(['.', ',', ')', '!', '?', ';', ':', '"', '\'']).len();
    (end > lower.find("//")? + 2).then_some(end)
}

/// HTML for the text: everything escaped, line breaks as `<br>`, web addresses as links
/// that pass on no ranking and no opener.
pub fn to_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 16);
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            html.push_str("<br>");
        }
        let mut rest = line;
        while !rest.is_empty() {
            let start = rest.find(|c: char| !c.is_whitespace()).unwrap_or(rest.len());
            escape_into(&mut html, &rest[..start]);
            rest = &rest[start..];
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let word = &rest[..end];
            match link_at(word) {
                Some(length) => {
                    let (address, tail) = word.split_at(length);
                    html.push_str("<a href=\"");
                    escape_into(&mut html, address);
                    html.push_str("\" rel=\"nofollow ugc noopener\">");
                    escape_into(&mut html, address);
                    html.push_str("</a>");
                    escape_into(&mut html, tail);
                }
                None => escape_into(&mut html, word),
            }
            rest = &rest[end..];
        }
    }
    html
}

fn escape_into(html: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_comes_out_escaped_and_addresses_as_links() {
        assert_eq!(to_html("<script>alert('x')</script>"), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
        assert_eq!(
            to_html("Xem https://baobinhphuoc.com.vn/a?b=1&c=2.\nHết"),
            "Xem <a href=\"https://baobinhphuoc.com.vn/a?b=1&amp;c=2\" rel=\"nofollow ugc noopener\">\
             https://baobinhphuoc.com.vn/a?b=1&amp;c=2</a>.<br>Hết"
        );
        assert_eq!(to_html("javascript:alert(1) http:// x"), "javascript:alert(1) http:// x");
        assert_eq!(to_html("\"https://a.vn/\"onmouseover=x"), "&quot;https://a.vn/&quot;onmouseover=x");
    }

    #[test]
    fn text_is_cleaned_and_links_counted() {
        assert_eq!(clean("  Da\u{300}n\u{7}  \r\n\n\n\n\nvận  "), "D\u{e0}n  \n\nvận");
        assert_eq!(link_count("a https://x.vn b http://y.vn www.z.vn https://"), 3);
    }
}
