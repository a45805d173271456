//! Whatever an editor pastes, the stored HTML carries no active content: no script-like
//! elements, no event handler attributes, no `javascript:` links (text may say anything,
//! since it is escaped), and cleaning it again keeps it so.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk::html::sanitize;

fn assert_inert(html: &str, clean: &str) {
    assert!(!clean.contains('\0'), "{html:?} kept a NUL");
    // Text has `<` escaped, so every `<` left opens a real tag.
    for tag in clean.split('<').skip(1).map(|rest| rest.split('>').next().unwrap_or("").to_ascii_lowercase()) {
        let name = tag.trim_start_matches('/').split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        assert!(!["script", "style", "iframe", "object", "embed", "svg", "math"].contains(&name), "{html:?} -> <{tag}>");
        for attribute in tag.split_whitespace().skip(1).filter_map(|a| a.split_once("=\"")) {
            assert!(!attribute.0.starts_with("on"), "{html:?} kept a handler: <{tag}>");
        }
        for value in tag.split("=\"").skip(1) {
            assert!(!value.trim_start().starts_with("javascript:"), "{html:?} kept a script link: <{tag}>");
        }
    }
}

fuzz_target!(|html: &str| {
    let clean = sanitize(html);
    assert_inert(html, &clean);
    assert_inert(&clean, &sanitize(&clean));
});
