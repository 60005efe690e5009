//! The declaration form of every `*Params` struct: [`params!`] marks the struct
//! `#[non_exhaustive]` (adding a field is not a breaking change) and gives it one chainable
//! setter per field, named after the field, so callers outside the crate write
//! `SinkhornParams::default().eps(0.01).max_iter(200)` where struct-update syntax is no
//! longer allowed. Checking stays with each struct's `validate`.

/// Declares a `#[non_exhaustive]` parameter struct with a `const` setter per field
/// (`fn field(self, value) -> Self`).
macro_rules! params {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $name {
            $(
                #[doc = concat!("These parameters with [`", stringify!($field), "`](Self::", stringify!($field), ") set to `value`.")]
                #[must_use]
                #[inline]
                pub const fn $field(mut self, value: $ty) -> Self {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}
