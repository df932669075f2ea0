//! The HTTP side of our WHIP/WHEP client: POST an offer, read the answer
//! and the resource URL, DELETE the resource. Plain http:// only (links
//! to an https platform go through a local TLS proxy; see the config).

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;

const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_ANSWER: usize = 64 * 1024;

/// An `http://host[:port]/path?query` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub target: String,
}

impl HttpUrl {
    pub fn parse(url: &str) -> Result<HttpUrl, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("{url}: only http:// URLs are supported"))?;
        let (authority, target) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
            Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
            None => (rest, "/".to_string()),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (
                h.trim_start_matches('[').trim_end_matches(']').to_string(),
                p.parse().map_err(|_| format!("{url}: bad port"))?,
            ),
            _ => (authority.to_string(), 80),
        };
        if host.is_empty() {
            return Err(format!("{url}: no host"));
        }
        Ok(HttpUrl { host, port, target })
    }

    /// A `Location` header resolved against this URL (absolute path or
    /// absolute http URL).
    pub fn resolve(&self, location: &str) -> Result<HttpUrl, String> {
        if location.starts_with("http://") {
            return HttpUrl::parse(location);
        }
        if !location.starts_with('/') {
            return Err(format!("unsupported Location {location:?}"));
        }
        Ok(HttpUrl {
            host: self.host.clone(),
            port: self.port,
            target: location.to_string(),
        })
    }

    /// With a query parameter added.
    pub fn with_query(&self, key: &str, value: &str) -> HttpUrl {
        let sep = if self.target.contains('?') { '&' } else { '?' };
        HttpUrl {
            target: format!("{}{sep}{key}={value}", self.target),
            ..self.clone()
        }
    }

    fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

pub struct Response {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

async fn send(
    method: Method,
    url: &HttpUrl,
    token: Option<&str>,
    content_type: Option<&str>,
    body: String,
) -> Result<Response, String> {
    let work = async {
        let stream = tokio::net::TcpStream::connect((url.host.as_str(), url.port))
            .await
            .map_err(|e| format!("connect {}: {e}", url.authority()))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake: {e}"))?;
        tokio::spawn(conn);
        let mut req = Request::builder()
            .method(method)
            .uri(url.target.as_str())
            .header(hyper::header::HOST, url.authority());
        if let Some(t) = token {
            req = req.header(hyper::header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            req = req.header(hyper::header::CONTENT_TYPE, ct);
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let res = sender
            .send_request(req)
            .await
            .map_err(|e| format!("HTTP request: {e}"))?;
        let status = res.status();
        let location = res
            .headers()
            .get(hyper::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = http_body_util::Limited::new(res.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map_err(|e| format!("HTTP body: {e}"))?
            .to_bytes();
        Ok(Response {
            status,
            location,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    };
    tokio::time::timeout(TIMEOUT, work)
        .await
        .map_err(|_| format!("{} did not answer in {TIMEOUT:?}", url.authority()))?
}

/// POSTs an SDP offer (WHIP/WHEP); returns the resource URL and the answer.
pub async fn post_offer(
    url: &HttpUrl,
    token: Option<&str>,
    offer: String,
) -> Result<(HttpUrl, String), String> {
    let res = send(Method::POST, url, token, Some("application/sdp"), offer).await?;
    if res.status != StatusCode::CREATED {
        return Err(format!(
            "{} answered {}: {}",
            url.authority(),
            res.status,
            res.body.trim()
        ));
    }
    let location = res
        .location
        .ok_or_else(|| "201 without Location".to_string())?;
    Ok((url.resolve(&location)?, res.body))
}

/// Ends a WHIP/WHEP resource; errors only logged (the other side may be
/// gone already).
pub async fn delete(url: &HttpUrl, token: Option<&str>) {
    if let Err(e) = send(Method::DELETE, url, token, None, String::new()).await {
        tracing::debug!(error = %e, "DELETE of a WebRTC resource failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = HttpUrl::parse("http://127.0.0.1:8080/whip/1000?name=x").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("127.0.0.1", 8080));
        assert_eq!(u.target, "/whip/1000?name=x");
        assert_eq!(HttpUrl::parse("http://example.org").unwrap().target, "/");
        assert_eq!(HttpUrl::parse("http://example.org").unwrap().port, 80);
        let v6 = HttpUrl::parse("http://[::1]:9000/whep").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 9000));
        assert!(HttpUrl::parse("https://example.org/").is_err());
        assert!(HttpUrl::parse("http://:80/").is_err());
        assert!(HttpUrl::parse("http://h:x/").is_err());
        let r = u.resolve("/webrtc/sessions/abc").unwrap();
        assert_eq!(r.target, "/webrtc/sessions/abc");
        assert_eq!(r.port, 8080);
        assert_eq!(
            u.with_query("exclude", "abc").target,
            "/whip/1000?name=x&exclude=abc"
        );
        assert!(u.resolve("relative").is_err());
    }
}
