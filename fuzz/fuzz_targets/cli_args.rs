//! The command line's parameter parsing: argument vectors built from the real flag names of
//! `clasp gmm | kmeans | sdp | fewshot | demo` and hostile values (NaN, ±inf, negatives, huge,
//! empty, junk). Parsing never panics; a parsed `gmm` command's core parameters (`GmmParams`,
//! the split/merge `SplitMergeParams`) are then checked by the core without panicking, and
//! `known_from_cli` maps any label vector to classes (negative = unlabelled).
#![no_main]

use clap::{CommandFactory, Parser, Subcommand};
use clasp_models::cli::{demo::DemoArgs, fewshot::FewshotArgs, gmm::GmmArgs, kmeans::KmeansArgs, sdp::SdpArgs};

#[derive(Parser, Debug)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Demo(DemoArgs),
    Gmm(GmmArgs),
    Kmeans(KmeansArgs),
    Fewshot(FewshotArgs),
    Sdp(SdpArgs),
}

const VALUES: [&str; 16] = [
    "0",
    "1",
    "3",
    "-1",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "1e-320",
    "18446744073709551616",
    "",
    "x",
    "full",
    "tied",
    "admm",
    "a.npy",
];

clasp_fuzz::fuzz_case!(|u| {
    let cmd = Cli::command();
    let subs: Vec<_> = cmd.get_subcommands().collect();
    let sub = subs[u.choose_index(subs.len())?];
    let flags: Vec<String> = sub.get_arguments().filter_map(|a| a.get_long().map(|l| format!("--{l}"))).collect();
    let mut argv = vec!["clasp".to_string(), sub.get_name().to_string()];
    for _ in 0..u.int_in_range(0..=12)? {
        argv.push(match u.int_in_range(0u8..=3)? {
            0 | 1 if !flags.is_empty() => flags[u.choose_index(flags.len())?].clone(),
            2 => VALUES[u.choose_index(VALUES.len())?].to_string(),
            _ => u.arbitrary::<String>()?,
        });
    }
    if let Ok(cli) = Cli::try_parse_from(&argv)
        && let Command::Gmm(args) = &cli.command
    {
        let n = u.int_in_range(0..=20)?;
        let _ = args.params().validate(n);
        let _ = args.split_merge.params(u.arbitrary()?, u.arbitrary()?).validate(u.int_in_range(0..=4)?);
    }
    let labels: Vec<i64> = u.arbitrary()?;
    let known = clasp_models::cli::split_merge::known_from_cli(&labels);
    assert_eq!(known.len(), labels.len());
    for (l, k) in labels.iter().zip(&known) {
        assert_eq!(*l < 0, k.is_none(), "label {l} mapped to {k:?}");
    }
    Ok(())
});
