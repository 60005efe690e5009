//! A character-level text tokenizer for reports: texts are lower-cased and whitespace runs
//! collapsed to one space; id [`PAD`] marks positions after the end, [`UNK`] a character never
//! seen when the vocabulary was built, and ids 2.. the known characters in sorted order.

use std::collections::BTreeSet;

/// Id of the padding after a text's end.
pub const PAD: u32 = 0;
/// Id of a character outside the vocabulary.
pub const UNK: u32 = 1;

/// Character vocabulary fitted on a set of texts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CharTokenizer {
    /// Known characters; character `chars[i]` has id `i + 2`.
    pub chars: Vec<char>,
}

/// Lower case, whitespace runs as one space, trimmed.
fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

impl CharTokenizer {
    /// The vocabulary of every character of `texts` (after normalisation).
    pub fn fit<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let set: BTreeSet<char> = texts.into_iter().flat_map(|t| normalise(t).chars().collect::<Vec<_>>()).collect();
        CharTokenizer { chars: set.into_iter().collect() }
    }

    /// Number of ids (padding and unknown included).
    pub fn vocab(&self) -> usize {
        self.chars.len() + 2
    }

    /// The ids of `text` cut or padded to `len`.
    pub fn encode(&self, text: &str, len: usize) -> Vec<u32> {
        let mut ids: Vec<u32> = normalise(text)
            .chars()
            .take(len)
            .map(|c| self.chars.binary_search(&c).map_or(UNK, |i| i as u32 + 2))
            .collect();
        ids.resize(len, PAD);
        ids
    }

    /// The text of `ids` (padding dropped, unknown characters as `?`).
    pub fn decode(&self, ids: &[u32]) -> String {
        ids.iter()
            .filter(|&&t| t != PAD)
            .map(|&t| if t == UNK { '?' } else { self.chars.get(t as usize - 2).copied().unwrap_or('?') })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_padding_and_unknown() {
        let t = CharTokenizer::fit(["No  acute", "effusion."]);
        assert_eq!(t.chars, vec![' ', '.', 'a', 'c', 'e', 'f', 'i', 'n', 'o', 's', 't', 'u']);
        let ids = t.encode("No Acute!", 12);
        assert_eq!(ids.len(), 12);
        assert_eq!(&ids[9..], &[PAD, PAD, PAD]);
        assert_eq!(ids[8], UNK);
        assert_eq!(t.decode(&ids), "no acute?");
        assert_eq!(t.encode("effusion", 3), t.encode("eff", 3));
    }
}
