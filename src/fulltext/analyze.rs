//! Text into terms, as Neo4j's default full-text analyzer (Lucene's standard tokenizer with a
//! lowercase filter, no stop words) cuts it: words at Unicode word boundaries (UAX #29), so that
//! `T1566.001`, `don't` and `APT31` stay whole and punctuation and spaces go, each lowercased.

use unicode_segmentation::UnicodeSegmentation;

/// The longest term kept, in bytes, as Lucene's tokenizer cuts at 255 characters: a term longer
/// than any word is noise (a hash, a base64 blob) that would only bloat the dictionary.
pub const MAX_TERM_BYTES: usize = 255;

/// The terms of `text`, each with its position (0, 1, 2, … among the terms kept).
pub fn terms(text: &str) -> impl Iterator<Item = (u32, String)> + '_ {
    text.unicode_words()
        .filter(|w| w.len() <= MAX_TERM_BYTES)
        .map(str::to_lowercase)
        .enumerate()
        .map(|(i, t)| (i as u32, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        terms(text).map(|(_, t)| t).collect()
    }

    #[test]
    fn words_are_cut_at_unicode_boundaries_and_lowercased() {
        assert_eq!(
            words("APT31 used Spear-Phishing (T1566.001)."),
            ["apt31", "used", "spear", "phishing", "t1566.001"]
        );
        assert_eq!(words("Zürich — ČESKÁ republika"), ["zürich", "česká", "republika"]);
        assert!(words(" ,;-- ").is_empty());
    }

    #[test]
    fn positions_count_the_terms_kept() {
        let long = "x".repeat(MAX_TERM_BYTES + 1);
        let kept: Vec<(u32, String)> = terms(&format!("a {long} b")).collect();
        assert_eq!(kept, [(0, "a".to_string()), (1, "b".to_string())]);
    }
}
