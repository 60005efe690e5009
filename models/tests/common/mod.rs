//! Helpers shared by the integration tests of the training pipelines.

use serde_json::Value;

/// `v` without its wall-time fields (`seconds`, `images_per_s`, `train_s`, `wall_s`,
/// `episodes_s`, `ms_per_episode`), which differ between any two runs.
pub fn without_times(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "seconds" | "images_per_s" | "train_s" | "wall_s" | "episodes_s" | "ms_per_episode"
                    )
                })
                .map(|(k, x)| (k.clone(), without_times(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_times).collect()),
        other => other.clone(),
    }
}

/// burn's CPU backend keeps one process-wide random stream: the runs of a test file take turns
/// (hold the guard for the whole test).
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
