//! Paired data: every row is one subject seen through two views ("modalities") that share a
//! label. A view is plain features (no tokens), a sequence of dense tokens (pixel columns,
//! image patches) or a padded sequence of text token ids.

use crate::{Error, Result};

mod breast_cancer;
mod halves;
mod pairs_csv;
mod source;
mod tokenizer;

pub use breast_cancer::{BREAST_CANCER_VIEW_A, BREAST_CANCER_VIEW_B, breast_cancer_pairs};
pub use halves::{HALF_WIDTH, mnist_halves, split_halves};
pub use pairs_csv::{PairRecord, RawPairs, image_tokens, load_pairs_csv, pairs_split};
pub use source::PairSource;
pub use tokenizer::{CharTokenizer, PAD, UNK};

/// One view of `n` paired rows.
#[derive(Clone, Debug, PartialEq)]
pub enum View {
    /// `n × dim` feature rows; no tokens (the token-level alignment does not apply).
    Features {
        /// Row-major values.
        data: Vec<f32>,
        /// Columns.
        dim: usize,
    },
    /// `n × tokens × token_dim` dense tokens (row-major, token-major within a row).
    Tokens {
        /// Values.
        data: Vec<f32>,
        /// Tokens per row.
        tokens: usize,
        /// Values per token.
        token_dim: usize,
    },
    /// `n × len` token ids, [`PAD`] after the end of each text.
    Text {
        /// Ids.
        ids: Vec<u32>,
        /// Padded length.
        len: usize,
        /// Vocabulary size (ids are `< vocab`).
        vocab: usize,
    },
}

impl View {
    /// Values (or ids) per row.
    pub fn row_len(&self) -> usize {
        match self {
            View::Features { dim, .. } => *dim,
            View::Tokens { tokens, token_dim, .. } => tokens * token_dim,
            View::Text { len, .. } => *len,
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        let len = match self {
            View::Features { data, .. } | View::Tokens { data, .. } => data.len(),
            View::Text { ids, .. } => ids.len(),
        };
        len / self.row_len().max(1)
    }

    /// Tokens per row (0 for plain features).
    pub fn tokens(&self) -> usize {
        match self {
            View::Features { .. } => 0,
            View::Tokens { tokens, .. } => *tokens,
            View::Text { len, .. } => *len,
        }
    }

    /// The rows `idx` (in that order).
    pub fn subset(&self, idx: &[usize]) -> View {
        let r = self.row_len();
        let pick = |v: &[f32]| idx.iter().flat_map(|&i| v[i * r..(i + 1) * r].iter().copied()).collect();
        match self {
            View::Features { data, dim } => View::Features { data: pick(data), dim: *dim },
            View::Tokens { data, tokens, token_dim } => {
                View::Tokens { data: pick(data), tokens: *tokens, token_dim: *token_dim }
            }
            View::Text { ids, len, vocab } => View::Text {
                ids: idx.iter().flat_map(|&i| ids[i * r..(i + 1) * r].iter().copied()).collect(),
                len: *len,
                vocab: *vocab,
            },
        }
    }

    /// Raw features of every row for the baseline probe: the values themselves, or for text the
    /// bag of token ids (count of each id over the non-padding positions, divided by the length).
    pub fn raw_features(&self) -> (Vec<f32>, usize) {
        match self {
            View::Features { data, dim } => (data.clone(), *dim),
            View::Tokens { data, tokens, token_dim } => (data.clone(), tokens * token_dim),
            View::Text { ids, len, vocab } => {
                let mut out = vec![0.0f32; self.rows() * vocab];
                for (row, chunk) in out.chunks_exact_mut(*vocab).zip(ids.chunks_exact(*len)) {
                    let used = chunk.iter().filter(|&&t| t != PAD).count().max(1) as f32;
                    for &t in chunk.iter().filter(|&&t| t != PAD) {
                        row[t as usize] += 1.0 / used;
                    }
                }
                (out, *vocab)
            }
        }
    }

    /// A short description (`20 features`, `14 tokens × 28`, `text ≤ 64 ids, 40 symbols`).
    pub fn describe(&self) -> String {
        match self {
            View::Features { dim, .. } => format!("{dim} features"),
            View::Tokens { tokens, token_dim, .. } => format!("{tokens} tokens × {token_dim}"),
            View::Text { len, vocab, .. } => format!("text ≤ {len} ids, vocabulary {vocab}"),
        }
    }
}

/// `n` rows seen through two views, with optional shared class labels.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedSet {
    /// Data set name.
    pub name: String,
    /// Names of the two views.
    pub view_names: [String; 2],
    /// First view (the query side of retrieval).
    pub a: View,
    /// Second view.
    pub b: View,
    /// Shared class of every row.
    pub labels: Option<Vec<usize>>,
    /// Class names (empty without labels).
    pub class_names: Vec<String>,
}

impl PairedSet {
    /// Number of pairs.
    pub fn n(&self) -> usize {
        self.a.rows()
    }

    /// Number of classes (0 without labels).
    pub fn classes(&self) -> usize {
        self.labels.as_ref().and_then(|l| l.iter().max()).map_or(0, |&m| m + 1).max(self.class_names.len())
    }

    /// The pairs `idx`.
    pub fn subset(&self, idx: &[usize]) -> PairedSet {
        PairedSet {
            name: self.name.clone(),
            view_names: self.view_names.clone(),
            a: self.a.subset(idx),
            b: self.b.subset(idx),
            labels: self.labels.as_ref().map(|l| idx.iter().map(|&i| l[i]).collect()),
            class_names: self.class_names.clone(),
        }
    }

    /// Checks that both views have the same number of rows and the labels one per row.
    pub fn check(&self) -> Result<()> {
        let (na, nb) = (self.a.rows(), self.b.rows());
        if na != nb {
            return Err(Error::InvalidInput(format!("{}: view a has {na} rows, view b {nb}", self.name)));
        }
        if let Some(l) = &self.labels
            && l.len() != na
        {
            return Err(Error::InvalidInput(format!("{}: {} labels for {na} pairs", self.name, l.len())));
        }
        if na == 0 {
            return Err(Error::InvalidInput(format!("{}: no pairs", self.name)));
        }
        Ok(())
    }
}

/// Train and held-out pairs.
#[derive(Clone, Debug)]
pub struct PairedSplit {
    /// Training pairs.
    pub train: PairedSet,
    /// Held-out pairs (retrieval and probe test set).
    pub test: PairedSet,
}
