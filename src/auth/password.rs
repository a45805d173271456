//! Password hashing with Argon2id.

use std::sync::LazyLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::error::ApiError;

pub const MIN_PASSWORD_LENGTH: usize = 10;
pub const MAX_PASSWORD_LENGTH: usize = 256;

pub fn hash(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
}

/// True when `password` matches `stored`. Without a stored hash (no such user) the
/// password is checked against a hash nobody knows, so the answer takes the same time
/// and does not tell whether the user exists.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static UNKNOWN_USER: LazyLock<String> =
        LazyLock::new(|| hash(&crate::auth::tokens::random_secret("")).expect("hashing a random password"));
    let matches = Argon2::default().verify_password(password.as_bytes(), stored.unwrap_or(&UNKNOWN_USER)).is_ok();
    matches && stored.is_some()
}

/// The password rules, as a message for the field, or `None` when it is acceptable.
pub fn weakness(password: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LENGTH {
        Some(format!("must be at least {MIN_PASSWORD_LENGTH} characters"))
    } else if length > MAX_PASSWORD_LENGTH {
        Some(format!("must be at most {MAX_PASSWORD_LENGTH} characters"))
    } else if password.chars().any(char::is_control) {
        Some("must not contain control characters".into())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_password() {
        let stored = hash("mật khẩu đủ dài").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("mật khẩu đủ dài", Some(&stored)));
        assert!(!verify("mật khẩu sai rồi", Some(&stored)));
        assert!(!verify("mật khẩu đủ dài", None));
    }
}
