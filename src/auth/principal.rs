//! The caller behind a request, what each role and scope may do, and the extractors
//! that handlers take to require (`Principal`) or merely notice (`Viewer`) a caller.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::tokens::API_TOKEN_PREFIX;
use crate::api_tokens::model as api_tokens;
use crate::db::{ReadFrom, now};
use crate::error::ApiError;
use crate::state::AppState;
use crate::users::model as users;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including users and API tokens.
    Admin,
    /// All content: write, publish, delete; moderate ratings; read statistics.
    Editor,
    /// Own drafts only: cannot publish, or touch others' work.
    Author,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Editor => "editor",
            Self::Author => "author",
        }
    }

    pub fn from_stored(value: &str) -> Self {
        match value {
            "admin" => Self::Admin,
            "editor" => Self::Editor,
            _ => Self::Author,
        }
    }
}

/// What an integrator API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    /// Read drafts and every other unpublished article.
    #[serde(rename = "content:read")]
    ContentRead,
    /// Write, publish and delete articles and sources.
    #[serde(rename = "content:write")]
    ContentWrite,
    #[serde(rename = "ratings:moderate")]
    RatingsModerate,
    #[serde(rename = "stats:read")]
    StatsRead,
    /// Correct and import statistics counters.
    #[serde(rename = "stats:write")]
    StatsWrite,
    /// Read the audit log.
    #[serde(rename = "audit:read")]
    AuditRead,
    /// Manage webhook endpoints and their deliveries.
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
    /// Approve, edit and remove readers' comments.
    #[serde(rename = "comments:moderate")]
    CommentsModerate,
    /// Upload and describe images in the media library.
    #[serde(rename = "media:write")]
    MediaWrite,
    /// Manage banner slots and banners.
    #[serde(rename = "banners:write")]
    BannersWrite,
}

impl Scope {
    pub const ALL: [Scope; 10] = [
        Self::ContentRead,
        Self::ContentWrite,
        Self::RatingsModerate,
        Self::StatsRead,
        Self::StatsWrite,
        Self::AuditRead,
        Self::WebhooksManage,
        Self::CommentsModerate,
        Self::MediaWrite,
        Self::BannersWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ContentRead => "content:read",
            Self::ContentWrite => "content:write",
            Self::RatingsModerate => "ratings:moderate",
            Self::StatsRead => "stats:read",
            Self::StatsWrite => "stats:write",
            Self::AuditRead => "audit:read",
            Self::WebhooksManage => "webhooks:manage",
            Self::CommentsModerate => "comments:moderate",
            Self::MediaWrite => "media:write",
            Self::BannersWrite => "banners:write",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ReadDrafts,
    /// Create and edit articles (authors: their own drafts only).
    WriteArticles,
    PublishArticles,
    DeleteArticles,
    /// Sources, categories and tags.
    ManageTaxonomy,
    ModerateRatings,
    ReadStats,
    WriteStats,
    ManageUsers,
    ManageApiTokens,
    ReadAudit,
    ManageWebhooks,
    ModerateComments,
    /// Upload images and edit the library (authors: their own uploads only).
    WriteMedia,
    /// Banner slots and banners.
    ManageBanners,
}

#[derive(Debug, Clone)]
pub enum Principal {
    User { id: i64, username: String, role: Role },
    ApiToken { id: i64, name: String, scopes: Vec<Scope> },
}

impl Principal {
    pub fn allows(&self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Self::User { role: Role::Admin, .. } => true,
            Self::User { role: Role::Editor, .. } => {
                !matches!(permission, WriteStats | ManageUsers | ManageApiTokens | ReadAudit | ManageWebhooks)
            }
            Self::User { role: Role::Author, .. } => matches!(permission, ReadDrafts | WriteArticles | WriteMedia),
            Self::ApiToken { scopes, .. } => scopes.iter().any(|scope| match scope {
                Scope::ContentRead => permission == ReadDrafts,
                Scope::ContentWrite => {
                    matches!(permission, ReadDrafts | WriteArticles | PublishArticles | DeleteArticles | ManageTaxonomy)
                }
                Scope::RatingsModerate => permission == ModerateRatings,
                Scope::StatsRead => permission == ReadStats,
                Scope::StatsWrite => matches!(permission, ReadStats | WriteStats),
                Scope::AuditRead => permission == ReadAudit,
                Scope::WebhooksManage => permission == ManageWebhooks,
                Scope::CommentsModerate => permission == ModerateComments,
                Scope::MediaWrite => permission == WriteMedia,
                Scope::BannersWrite => permission == ManageBanners,
            }),
        }
    }

    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.allows(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(match self {
                Self::User { role, .. } => format!("The {} role may not do this.", role.as_str()),
                Self::ApiToken { .. } => "The API token lacks the scope this needs.".into(),
            }))
        }
    }

    /// The signed-in user's id; API tokens act for no user.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Self::User { id, .. } => Some(*id),
            Self::ApiToken { .. } => None,
        }
    }

    pub fn is_author(&self) -> bool {
        matches!(self, Self::User { role: Role::Author, .. })
    }
}

/// Looks up the caller of a bearer credential: an API token or a JWT access token whose
/// user still exists, is enabled and has not had its tokens invalidated since.
async fn authenticate(state: &AppState, credential: String) -> Result<Principal, ApiError> {
    let at = now();
    if credential.starts_with(API_TOKEN_PREFIX) {
        let token = state
            .db
            .read(move |conn| api_tokens::find_usable(conn, &credential, at))
            .await?
            .ok_or_else(|| ApiError::Unauthorized("the API token is unknown, revoked or expired".into()))?;
        if api_tokens::needs_touch(&token, at) {
            let id = token.id;
            state.db.write(move |conn| api_tokens::touch(conn, id, at)).await?;
        }
        let scopes = api_tokens::scopes(&token);
        return Ok(Principal::ApiToken { id: token.id, name: token.name, scopes });
    }
    let claims = state.keys.verify(&credential)?;
    let id: i64 = claims.sub.parse().map_err(|_| ApiError::Unauthorized("the access token is not valid".into()))?;
    let session = claims.sid.clone();
    let (user, session_active) = state
        .db
        .read(move |conn| {
            let user = users::find_optional(conn, id)?;
            let active = match (&user, &session) {
                (Some(_), Some(family)) => super::model::session_active(conn, family)?,
                _ => true,
            };
            Ok((user, active))
        })
        .await?;
    match user {
        Some(user) if !user.disabled && user.token_version == claims.ver && session_active => {
            Ok(Principal::User { id: user.id, role: Role::from_stored(&user.role), username: user.username })
        }
        _ => Err(ApiError::Unauthorized("the access token has been revoked".into())),
    }
}

/// The bearer credential of a request, if it has one.
fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::Unauthorized("the Authorization header is not valid".into()))?;
    match value.split_once(' ') {
        Some((scheme, credential)) if scheme.eq_ignore_ascii_case("bearer") && !credential.trim().is_empty() => {
            Ok(Some(credential.trim().to_owned()))
        }
        _ => Err(ApiError::Unauthorized("use `Authorization: Bearer <token>`".into())),
    }
}

/// The shared state, by its handle: cloning the state itself would count up and down every
/// one of its parts for each request.
fn state(req: &HttpRequest) -> Data<AppState> {
    req.app_data::<Data<AppState>>().expect("the app state is registered").clone()
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credential = bearer(req);
        let state = state(req);
        Box::pin(async move {
            match credential? {
                Some(credential) => authenticate(&state, credential).await,
                None => Err(ApiError::Unauthorized("authentication is required".into())),
            }
        })
    }
}

/// The caller of a public endpoint, when it presents credentials. Bad credentials are
/// still refused, so a client never mistakes a rejected token for anonymous access.
pub struct Viewer(pub Option<Principal>);

impl Viewer {
    pub fn allows(&self, permission: Permission) -> bool {
        self.0.as_ref().is_some_and(|p| p.allows(permission))
    }

    /// Anonymous readers may be answered by a replica; anyone signed in reads the primary,
    /// and so sees their own writes at once.
    pub fn reads_from(&self) -> ReadFrom {
        if self.0.is_none() { ReadFrom::AnyReplica } else { ReadFrom::Primary }
    }
}

/// Which server a public read may come from, for handlers that need no `Viewer`: a
/// request without credentials may be answered by a replica; one with credentials is
/// answered by the primary, as `Viewer::reads_from` decides.
impl FromRequest for ReadFrom {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let anonymous = !req.headers().contains_key(header::AUTHORIZATION);
        std::future::ready(Ok(if anonymous { ReadFrom::AnyReplica } else { ReadFrom::Primary }))
    }
}

impl FromRequest for Viewer {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credential = bearer(req);
        let state = state(req);
        Box::pin(async move {
            match credential? {
                Some(credential) => Ok(Viewer(Some(authenticate(&state, credential).await?))),
                None => Ok(Viewer(None)),
            }
        })
    }
}
