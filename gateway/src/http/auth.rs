//! The admin API's bearer-token check (RFC 6750 §2.1 header form only: a
//! token in the query string would end up in proxy and access logs).

use std::sync::{Arc, PoisonError};

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::Shared;

/// Why a request was refused; each gets its own RFC 6750 §3 challenge.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Refusal {
    /// No `Authorization` header at all.
    Missing,
    /// Another scheme, several headers, or not a token.
    Malformed,
    /// A bearer token, but not the admin token.
    WrongToken,
}

pub(super) async fn require_bearer(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    let verdict = {
        // A poisoned lock still holds a whole String: assignment cannot tear.
        let expected = shared
            .http
            .admin_token
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        check(req.headers(), &expected)
    };
    match verdict {
        Ok(()) => next.run(req).await,
        Err(refusal) => unauthorized(refusal),
    }
}

fn check(headers: &HeaderMap, expected: &str) -> Result<(), Refusal> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let value = values.next().ok_or(Refusal::Missing)?;
    if values.next().is_some() {
        return Err(Refusal::Malformed);
    }
    let presented = bearer_token(value).ok_or(Refusal::Malformed)?;
    if token_matches(presented, expected) {
        Ok(())
    } else {
        Err(Refusal::WrongToken)
    }
}

/// The token of `Bearer <token>`; the scheme name is case-insensitive
/// (RFC 9110 §11.1).
fn bearer_token(value: &HeaderValue) -> Option<&str> {
    let value = value.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim_matches(' ');
    (!token.is_empty() && !token.contains(' ')).then_some(token)
}

/// Compares SHA-256 digests with a branch-free fold, so the time taken says
/// nothing about how much of the token, or its length, was right.
fn token_matches(presented: &str, expected: &str) -> bool {
    if expected.is_empty() {
        // An unset token must not turn into "any empty token is fine".
        return false;
    }
    let a = Sha256::digest(presented.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    let diff = a
        .iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

fn unauthorized(refusal: Refusal) -> Response {
    let (challenge, message) = match refusal {
        Refusal::Missing => (
            r#"Bearer realm="diemcau""#,
            "authentication required: send Authorization: Bearer <admin token>",
        ),
        Refusal::Malformed => (
            r#"Bearer realm="diemcau", error="invalid_request""#,
            "malformed Authorization header: expected Bearer <admin token>",
        ),
        Refusal::WrongToken => (
            r#"Bearer realm="diemcau", error="invalid_token""#,
            "invalid admin token",
        ),
    };
    let mut res = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn accepts_only_the_bearer_token() {
        assert_eq!(check(&headers(&["Bearer s3cret"]), "s3cret"), Ok(()));
        assert_eq!(check(&headers(&["bearer  s3cret "]), "s3cret"), Ok(()));
        assert_eq!(check(&headers(&[]), "s3cret"), Err(Refusal::Missing));
        for bad in [
            "Basic czNjcmV0",
            "Bearer",
            "Bearer ",
            "Bearers3cret",
            "s3cret",
            "Bearer s3 cret",
        ] {
            assert_eq!(
                check(&headers(&[bad]), "s3cret"),
                Err(Refusal::Malformed),
                "{bad:?}"
            );
        }
        for wrong in ["Bearer s3cre", "Bearer s3cret2", "Bearer S3CRET"] {
            assert_eq!(
                check(&headers(&[wrong]), "s3cret"),
                Err(Refusal::WrongToken),
                "{wrong:?}"
            );
        }
        assert_eq!(
            check(&headers(&["Bearer s3cret", "Bearer s3cret"]), "s3cret"),
            Err(Refusal::Malformed)
        );
    }

    #[test]
    fn non_ascii_header_is_malformed() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_bytes(b"Bearer s3cr\xe9t").unwrap(),
        );
        assert_eq!(check(&h, "s3cret"), Err(Refusal::Malformed));
    }

    #[test]
    fn an_empty_configured_token_admits_nobody() {
        assert!(!token_matches("", ""));
        assert!(!token_matches("x", ""));
        assert!(token_matches("x", "x"));
    }
}
