//! Access tokens (JWT, HS256) and opaque secrets (refresh and API tokens).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

pub const ISSUER: &str = "newsdesk";
pub const AUDIENCE: &str = "newsdesk-api";
/// Preview tokens are signed with the same key for another audience, so neither kind of
/// token passes for the other.
pub const PREVIEW_AUDIENCE: &str = "newsdesk-preview";
/// API tokens start with this, so they are told from JWTs at a glance (and by scanners).
pub const API_TOKEN_PREFIX: &str = "nd_";
pub const REFRESH_TOKEN_PREFIX: &str = "ndr_";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub role: String,
    /// The user's token version when issued; raising it invalidates the token.
    pub ver: i64,
    /// The sign-in (refresh token family) the token belongs to: when that is revoked
    /// (sign-out, or a replayed refresh token), the token stops working too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// What a draft preview link grants: reading one article (at one revision, if pinned)
/// until it expires.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreviewClaims {
    /// The article id.
    pub sub: String,
    /// The pinned revision, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev: Option<i64>,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    preview_validation: Validation,
    pub access_ttl_seconds: i64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], access_ttl_seconds: i64) -> Self {
        // Only HS256 is accepted: `alg: none` and tokens signed with any other algorithm
        // (such as an RS256 token made with our secret as a "public key") fail.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.leeway = 5;
        let mut preview_validation = validation.clone();
        preview_validation.set_audience(&[PREVIEW_AUDIENCE]);
        // Expiry is checked against the app's clock, so that it can be tested.
        preview_validation.validate_exp = false;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            preview_validation,
            access_ttl_seconds,
        }
    }

    pub fn issue(
        &self,
        user_id: i64,
        role: &str,
        token_version: i64,
        session: Option<&str>,
        now: i64,
    ) -> Result<String, ApiError> {
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_owned(),
            ver: token_version,
            sid: session.map(str::to_owned),
            iat: now,
            exp: now + self.access_ttl_seconds,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("cannot sign a token: {e}")))
    }

    pub fn issue_preview(
        &self,
        article_id: i64,
        revision: Option<i64>,
        now: i64,
        expires: i64,
    ) -> Result<String, ApiError> {
        let claims = PreviewClaims {
            sub: article_id.to_string(),
            rev: revision,
            iat: now,
            exp: expires,
            iss: ISSUER.to_owned(),
            aud: PREVIEW_AUDIENCE.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("cannot sign a token: {e}")))
    }

    /// The article (and revision) a preview token opens at `now` (Unix seconds); 401 when
    /// it has expired, is tampered with or is not a preview token.
    pub fn verify_preview(&self, token: &str, now: i64) -> Result<(i64, Option<i64>), ApiError> {
        let claims = jsonwebtoken::decode::<PreviewClaims>(token, &self.decoding, &self.preview_validation)
            .map(|data| data.claims)
            .map_err(|_| ApiError::Unauthorized("the preview token is not valid".into()))?;
        if claims.exp <= now {
            return Err(ApiError::Unauthorized("the preview link has expired".into()));
        }
        let id = claims.sub.parse().map_err(|_| ApiError::Unauthorized("the preview token is not valid".into()))?;
        Ok((id, claims.rev))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map(|data| data.claims).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            let reason = match e.kind() {
                ErrorKind::ExpiredSignature => "the access token has expired",
                ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => "the access token is not for this API",
                ErrorKind::InvalidAlgorithm => "the access token is signed with an algorithm this API does not accept",
                _ => "the access token is not valid",
            };
            ApiError::Unauthorized(reason.into())
        })
    }
}

/// A new secret: `prefix` and 32 random bytes, URL-safe.
pub fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// How a secret is stored: SHA-256, hex. The secrets are random and long, so a fast
/// hash is enough; only the hash is ever written to the database.
pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_with_its_own_key_only() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef", 60);
        let now = chrono::Utc::now().timestamp();
        let token = keys.issue(7, "editor", 0, None, now).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.role.as_str()), ("7", "editor"));
        let other = JwtKeys::new(b"another secret, just as long as..", 60);
        assert!(other.verify(&token).is_err());
        let expired = keys.issue(7, "editor", 0, None, now - 3600).unwrap();
        assert!(keys.verify(&expired).is_err());
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = random_secret(API_TOKEN_PREFIX);
        assert!(a.starts_with("nd_") && a.len() > 40);
        assert_ne!(a, random_secret(API_TOKEN_PREFIX));
        assert_eq!(hash_secret(&a).len(), 64);
    }
}
