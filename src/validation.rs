//! Input checks shared by every resource: text cleaning, lengths, URLs. Each check
//! records a field error instead of stopping, so a client sees every problem at once.

use unicode_normalization::UnicodeNormalization;

use crate::error::{ApiError, FieldError};

#[derive(Debug, Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

/// Whether a text field may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    Single,
    Multi,
}

impl Checks {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// A required text: normalized to NFC, trimmed, non-empty, at most `max` characters.
    pub fn required_text(&mut self, field: &str, value: &str, max: usize, lines: Lines) -> String {
        let cleaned = self.text(field, value, max, lines);
        if cleaned.is_empty() && !self.has_error(field) {
            self.error(field, "must not be empty");
        }
        cleaned
    }

    /// An optional text; blank becomes absent.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize, lines: Lines) -> Option<String> {
        let cleaned = self.text(field, value?, max, lines);
        (!cleaned.is_empty()).then_some(cleaned)
    }

    /// Any text: normalized to NFC (so text typed in decomposed form compares equal),
    /// trimmed, free of control characters, and not longer than `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize, lines: Lines) -> String {
        let cleaned: String = value.nfc().collect::<String>().trim().to_owned();
        let allowed_control = |c: char| lines == Lines::Multi && matches!(c, '\n' | '\r' | '\t');
        if cleaned.chars().any(|c| c.is_control() && !allowed_control(c)) {
            self.error(field, "must not contain control characters");
        } else if cleaned.chars().count() > max {
            self.error(field, format!("must be at most {max} characters"));
        }
        cleaned
    }

    /// An optional absolute `http`/`https` URL.
    pub fn optional_url(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = self.optional_text(field, value, MAX_URL_LENGTH, Lines::Single)?;
        if !is_web_url(&value) {
            self.error(field, "must be an absolute http or https URL");
        }
        Some(value)
    }

    /// An optional image reference: an absolute `http`/`https` URL or a site path (`/media/a.jpg`).
    pub fn optional_image_url(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = self.optional_text(field, value, MAX_URL_LENGTH, Lines::Single)?;
        let is_site_path = value.starts_with('/') && !value.starts_with("//") && !value.contains(char::is_whitespace);
        if !is_site_path && !is_web_url(&value) {
            self.error(field, "must be an absolute http or https URL, or a path starting with /");
        }
        Some(value)
    }

    pub fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(self.errors)) }
    }
}

pub const MAX_URL_LENGTH: usize = 2048;

fn is_web_url(value: &str) -> bool {
    url::Url::parse(value)
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_vietnamese_is_stored_composed() {
        let mut checks = Checks::new();
        let decomposed = "Dân vận khe\u{301}o";
        let cleaned = checks.required_text("title", decomposed, 100, Lines::Single);
        assert_eq!(cleaned, "Dân vận khéo");
        assert!(checks.finish().is_ok());
    }

    #[test]
    fn control_characters_and_blank_values_are_rejected() {
        let mut checks = Checks::new();
        checks.required_text("title", "a\u{0}b", 100, Lines::Single);
        checks.required_text("name", "   ", 100, Lines::Single);
        let ApiError::Validation(errors) = checks.finish().unwrap_err() else {
            panic!("expected a validation error");
        };
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, "title");
        assert_eq!(errors[1].message, "must not be empty");
    }

    #[test]
    fn only_web_urls_pass() {
        let mut checks = Checks::new();
        checks.optional_url("a", Some("javascript:alert(1)"));
        checks.optional_url("b", Some("https://baobinhphuoc.com.vn/tin"));
        checks.optional_image_url("c", Some("/media/anh.jpg"));
        checks.optional_image_url("d", Some("//evil.example/x.jpg"));
        let ApiError::Validation(errors) = checks.finish().unwrap_err() else {
            panic!("expected a validation error");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["a", "d"]);
    }
}
