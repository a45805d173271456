//! Any title gives a valid slug (or none), and a slug is its own slug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk::slug::{is_valid_slug, slugify};

fuzz_target!(|title: &str| {
    let slug = slugify(title);
    assert!(slug.is_empty() || is_valid_slug(&slug), "{title:?} gave {slug:?}");
    assert_eq!(slugify(&slug), slug, "a slug is stable");
});
