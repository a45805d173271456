//! A cursor from a client decodes or is refused, never panics; one that decodes
//! encodes back to a cursor that decodes the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk::articles::model::list::{Cursor, Sort};

const SORTS: [&str; 4] = ["-published_at", "title", "-view_count", "relevance"];

fuzz_target!(|input: (u8, &str)| {
    let (which, text) = input;
    let sort: Sort = serde_json::from_value(serde_json::json!(SORTS[which as usize % SORTS.len()])).unwrap();
    if let Ok(cursor) = Cursor::decode(text, sort) {
        let again = Cursor::decode(&cursor.encode(), sort).expect("an encoded cursor decodes");
        assert_eq!(again, cursor);
    }
});
