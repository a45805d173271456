//! URL slugs from Vietnamese (and any Latin-script) titles.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

pub const MAX_SLUG_LENGTH: usize = 120;

/// `Kết quả “Dân vận khéo”` -> `ket-qua-dan-van-kheo`: tone and vowel marks removed,
/// đ/Đ mapped to d, lowercase ASCII words joined by `-`, cut at a word boundary.
/// Text with no Latin letters or digits at all gives an empty string.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c.to_ascii_lowercase(),
        };
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c);
        } else {
            pending_dash = true;
        }
    }
    truncate_at_word(slug, MAX_SLUG_LENGTH)
}

fn truncate_at_word(slug: String, max: usize) -> String {
    if slug.len() <= max {
        return slug;
    }
    let cut = &slug[..max];
    match cut.rfind('-') {
        Some(dash) if dash > 0 => cut[..dash].to_owned(),
        _ => cut.to_owned(),
    }
}

/// A slug an editor sets must already be in the form `slugify` produces.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG_LENGTH
        && slug
            .split('-')
            .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// `base`, or `base-2`, `base-3`, ... : the first that `taken` does not contain.
pub fn first_free(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .expect("an unbounded range always yields a free suffix")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_title_from_the_reference_page() {
        assert_eq!(
            slugify("Kết quả thực hiện phong trào thi đua “Dân vận khéo” của các cấp chính quyền"),
            "ket-qua-thuc-hien-phong-trao-thi-dua-dan-van-kheo-cua-cac-cap-chinh-quyen"
        );
    }

    #[test]
    fn d_with_stroke_and_capitals_fold() {
        assert_eq!(slugify("ĐỒNG XOÀI – Bình Phước"), "dong-xoai-binh-phuoc");
        assert_eq!(slugify("Đoàn Tứ"), "doan-tu");
    }

    #[test]
    fn decomposed_input_gives_the_same_slug() {
        let composed = "khéo";
        let decomposed = "khe\u{301}o";
        assert_eq!(slugify(composed), slugify(decomposed));
    }

    #[test]
    fn punctuation_only_and_foreign_scripts_give_empty() {
        assert_eq!(slugify("“…” — !!"), "");
        assert_eq!(slugify("新闻"), "");
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let slug = slugify(&"phong trào ".repeat(40));
        assert!(slug.len() <= MAX_SLUG_LENGTH);
        assert!(slug.ends_with("trao") || slug.ends_with("phong"));
        assert!(is_valid_slug(&slug));
    }

    #[test]
    fn validation() {
        assert!(is_valid_slug("dan-van-kheo-2"));
        for bad in ["", "-a", "a-", "a--b", "Dan", "dân", "a/b", "../etc", "a b"] {
            assert!(!is_valid_slug(bad), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn clash_suffixes() {
        let taken = vec!["tin".to_owned(), "tin-2".to_owned()];
        assert_eq!(first_free("tin", &taken), "tin-3");
        assert_eq!(first_free("moi", &taken), "moi");
    }
}
