//! A reader's search text becomes folded, non-empty terms without spaces, and a snippet
//! over any text with those terms stays within bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk::search::{fold, snippet, terms};

fuzz_target!(|input: (&str, &str)| {
    let (query, text) = input;
    let found = terms(query);
    for term in &found {
        assert!(!term.is_empty() && !term.contains(char::is_whitespace), "{query:?} gave {term:?}");
        assert_eq!(&fold(term), term, "terms are folded");
    }
    if let Some(snippet) = snippet(text, &found, 60) {
        let visible = snippet
            .replace("<mark>", "")
            .replace("</mark>", "")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"");
        assert!(visible.chars().count() <= 60 + 30 + 2, "snippet of {text:?} is {snippet:?}");
    }
});
