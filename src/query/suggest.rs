//! "Did you mean …?": the known name nearest a misspelt one, for errors and notifications.

/// The candidate nearest `word`, if one is near enough to be what was meant: a different case, or
/// a few typing slips (a character missing, extra, wrong, or two swapped), fewer for short words.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = word.to_lowercase();
    // One slip in a short word, up to three in a long one: more would suggest unrelated names.
    let allowed = (wanted.chars().count() / 4).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let distance = strsim::damerau_levenshtein(&wanted, &candidate.to_lowercase());
        if distance <= allowed && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// `; did you mean X?` for a message, or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>, quote: bool) -> String {
    match closest(word, candidates) {
        Some(name) if quote => format!("; did you mean `{name}`?"),
        Some(name) => format!("; did you mean {name}?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slips_are_forgiven_and_strangers_are_not() {
        let labels = ["ThreatActor", "Campaign", "Organization"];
        assert_eq!(closest("ThreatActr", labels), Some("ThreatActor"));
        assert_eq!(closest("threatactor", labels), Some("ThreatActor"));
        assert_eq!(closest("Campaing", labels), Some("Campaign"));
        assert_eq!(closest("Malware", labels), None);
        assert_eq!(closest("ThreatActor", labels), None, "an exact name needs no suggestion");
        assert_eq!(closest("MATHC", ["MATCH", "MERGE"]), Some("MATCH"));
        assert_eq!(closest("attributed_to", ["attributed-to", "linked-to"]), Some("attributed-to"));
        assert_eq!(closest("ab", ["xy"]), None);
    }
}
