//! What a staff account looks like to clients, and the rules for its name and password;
//! shared by the user handlers, sign-in and the command line.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::User;
use crate::auth::{Role, password};
use crate::validation::Checks;

/// A staff account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    /// A disabled user cannot sign in, and their tokens stop working.
    pub disabled: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        Self {
            role: Role::from_stored(&u.role),
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            disabled: u.disabled,
            last_login_at: u.last_login_at.map(|at| at.and_utc()),
            created_at: u.created_at.and_utc(),
            updated_at: u.updated_at.and_utc(),
        }
    }
}

/// Checks a username: lowercase letters, digits and `._-`, 3 to 50 characters.
pub fn check_username(value: &str, checks: &mut Checks) -> String {
    let username = value.trim().to_lowercase();
    if !is_valid_username(&username) {
        checks.error("username", "must be 3 to 50 lowercase letters, digits, `.`, `_` or `-`");
    }
    username
}

/// Whether an account could have this (trimmed, lowercased) name.
pub fn is_valid_username(username: &str) -> bool {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-');
    (3..=50).contains(&username.len()) && username.chars().all(allowed)
}

pub fn check_password(field: &str, value: &str, checks: &mut Checks) {
    if let Some(message) = password::weakness(value) {
        checks.error(field, message);
    }
}
