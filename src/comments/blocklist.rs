//! `NEWSDESK_COMMENTS_BLOCKLIST`: words and phrases that mark a comment as spam, one a
//! line, matched as whole words without diacritics (as search folds them), so `đm`
//! also catches `ĐM` and `dm`.

use crate::search::fold;

#[derive(Debug, Default)]
pub struct Blocklist {
    /// Folded entries, each with a space at both ends.
    entries: Vec<String>,
}

impl Blocklist {
    /// Reads the file; blank lines and lines starting with `#` are skipped.
    pub fn load(path: Option<&std::path::Path>) -> Result<Self, String> {
        let Some(path) = path else { return Ok(Self::default()) };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read NEWSDESK_COMMENTS_BLOCKLIST {}: {e}", path.display()))?;
        Ok(Self::of(text.lines().filter(|line| !line.trim_start().starts_with('#'))))
    }

    pub fn of<'a>(lines: impl IntoIterator<Item = &'a str>) -> Self {
        let entries = lines.into_iter().map(fold).filter(|entry| !entry.is_empty()).map(|e| format!(" {e} ")).collect();
        Self { entries }
    }

    /// Whether the text holds an entry as whole words.
    pub fn matches(&self, text: &str) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        let folded = format!(" {} ", fold(text));
        self.entries.iter().any(|entry| folded.contains(entry.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_match_whole_words_with_or_without_diacritics() {
        let list = Blocklist::of(["cờ bạc", "ĐM", "", "  "]);
        assert!(list.matches("Chơi CỜ BẠC trực tuyến"));
        assert!(list.matches("co bac online"));
        assert!(list.matches("đm thằng này"));
        assert!(!list.matches("cờ vua, bạc hà"), "the words of a phrase must be together");
        assert!(!list.matches("dmitri"), "whole words only");
        assert!(!Blocklist::default().matches("cờ bạc"));
    }
}
