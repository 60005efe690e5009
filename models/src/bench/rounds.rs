//! `clasp bench --rounds R`: the summary of R alternating rounds of clasp and the reference
//! script, one line per peer with the median ratio and its range.

use super::peers::Comparison;
use serde_json::json;

/// The median of `v` (the mean of the two middle values for an even count); NaN when empty.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

/// Prints one `summary` JSON line per peer of `compared` (in first-seen order): the median,
/// smallest and largest ratio over the rounds and the median times of both sides.
pub fn summarise(workload: &str, threads: usize, rounds: usize, compared: &[Comparison], quiet: bool) {
    let mut peers: Vec<&str> = Vec::new();
    for c in compared {
        if !peers.contains(&c.peer.as_str()) {
            peers.push(&c.peer);
        }
    }
    for peer in peers {
        let mine: Vec<&Comparison> = compared.iter().filter(|c| c.peer == peer).collect();
        let ratios: Vec<f64> = mine.iter().map(|c| c.ratio()).collect();
        let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let ratio = median(ratios.clone());
        let clasp_ms = median(mine.iter().map(|c| c.clasp_ms).collect());
        let peer_ms = median(mine.iter().map(|c| c.peer_ms).collect());
        let metric = mine.first().map_or("ms_total", |c| c.metric);
        println!(
            "{}",
            json!({
                "summary": true, "workload": workload, "peer": peer, "metric": metric, "threads": threads,
                "rounds": ratios.len(), "ratio_median": ratio, "ratio_min": lo, "ratio_max": hi,
                "clasp_ms_median": clasp_ms, "peer_ms_median": peer_ms,
            })
        );
        if !quiet {
            eprintln!(
                "{workload} ({threads} threads, {rounds} rounds): clasp {clasp_ms:.4} ms vs {peer} {peer_ms:.4} ms -> median {ratio:.2}x (range {lo:.2}-{hi:.2})"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
    }
}
