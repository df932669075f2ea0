//! Server side HTTP Digest authentication for SIP (RFC 3261 §22, RFC 7616,
//! RFC 8760): challenges for 401 responses and verification of
//! `Authorization` / `Proxy-Authorization` header values.
//!
//! Nonces are stateless: `hex(timestamp ‖ salt ‖ HMAC-SHA256(secret, timestamp
//! ‖ salt ‖ realm)[..16])`. Any nonce we did not mint fails the HMAC, an old
//! one is stale, and no per-nonce table has to be kept or bounded. The price is
//! that `nc` is not tracked, so a captured request can be replayed until its
//! nonce expires (the nonce lifetime bounds that window).

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use md5::Md5;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Bytes of HMAC kept in a nonce: 128 bits is plenty against forgery.
const NONCE_MAC_LEN: usize = 16;
const NONCE_SALT_LEN: usize = 8;
const NONCE_LEN: usize = 8 + NONCE_SALT_LEN + NONCE_MAC_LEN;

/// The digest hash functions we accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    Md5,
    Sha256,
}

impl DigestAlgorithm {
    /// The `algorithm=` token (without the `-sess` suffix).
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Sha256 => "SHA-256",
        }
    }

    /// An algorithm by its `algorithm=` token (no `-sess` variants: we
    /// only challenge with the plain ones).
    pub fn from_name(name: &str) -> Option<Self> {
        match Self::parse(name.trim()) {
            Some((alg, false)) => Some(alg),
            _ => None,
        }
    }

    /// Lower-case hex of the hash of `data`.
    fn hash_hex(self, data: &str) -> String {
        match self {
            DigestAlgorithm::Md5 => hex(&Md5::digest(data.as_bytes())),
            DigestAlgorithm::Sha256 => hex(&Sha256::digest(data.as_bytes())),
        }
    }

    fn hex_len(self) -> usize {
        match self {
            DigestAlgorithm::Md5 => 32,
            DigestAlgorithm::Sha256 => 64,
        }
    }

    /// Parse an `algorithm=` value: the algorithm and whether it is `-sess`.
    fn parse(value: &str) -> Option<(DigestAlgorithm, bool)> {
        let (base, session) = match value.len().checked_sub(5) {
            Some(cut)
                if value.is_char_boundary(cut) && value[cut..].eq_ignore_ascii_case("-sess") =>
            {
                (&value[..cut], true)
            }
            _ => (value, false),
        };
        let alg = if base.eq_ignore_ascii_case("MD5") {
            DigestAlgorithm::Md5
        } else if base.eq_ignore_ascii_case("SHA-256") {
            DigestAlgorithm::Sha256
        } else {
            return None;
        };
        Some((alg, session))
    }
}

/// `qop=auth` values of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QopAuth<'a> {
    /// Nonce count, 8 hex digits as sent.
    pub nc: &'a str,
    pub cnonce: &'a str,
}

/// Everything a digest `response` is computed from. Public so test clients
/// (and a future outbound-auth client) compute it the same way.
#[derive(Clone, Copy, Debug)]
pub struct DigestParams<'a> {
    pub algorithm: DigestAlgorithm,
    /// `MD5-sess` / `SHA-256-sess`: HA1 also covers nonce and cnonce. Only
    /// meaningful with `qop`, which carries the cnonce.
    pub session: bool,
    pub username: &'a str,
    pub realm: &'a str,
    pub password: &'a str,
    pub method: &'a str,
    pub uri: &'a str,
    pub nonce: &'a str,
    /// `None`: RFC 2069 compatibility (no qop, no nc/cnonce).
    pub qop: Option<QopAuth<'a>>,
}

impl DigestParams<'_> {
    /// The expected `response` value, lower-case hex (RFC 7616 §3.4.1).
    pub fn response(&self) -> String {
        let h = |s: &str| self.algorithm.hash_hex(s);
        let mut ha1 = h(&format!(
            "{}:{}:{}",
            self.username, self.realm, self.password
        ));
        if let (true, Some(q)) = (self.session, self.qop) {
            ha1 = h(&format!("{ha1}:{}:{}", self.nonce, q.cnonce));
        }
        let ha2 = h(&format!("{}:{}", self.method, self.uri));
        match self.qop {
            Some(q) => h(&format!(
                "{ha1}:{}:{}:{}:auth:{ha2}",
                self.nonce, q.nc, q.cnonce
            )),
            None => h(&format!("{ha1}:{}:{ha2}", self.nonce)),
        }
    }
}

/// The result of checking credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthOutcome {
    Authenticated {
        username: String,
        /// What the client hashed with, so policy can refuse a downgrade.
        algorithm: DigestAlgorithm,
    },
    /// The response is right but the nonce is expired or not one of ours (for
    /// example minted before a restart): re-challenge with `stale=true` so the
    /// terminal retries without treating its password as wrong (RFC 7616 §3.3).
    Stale {
        username: String,
    },
    WrongPassword {
        username: String,
    },
    UnknownUser {
        username: String,
    },
    /// Not parseable or missing required parameters: answer 400.
    Malformed(String),
    /// Credentials for another realm: re-challenge for ours.
    WrongRealm,
}

/// Mints challenges and verifies credentials for one realm.
pub struct DigestAuthenticator {
    realm: String,
    nonce_lifetime: Duration,
    secret: [u8; 32],
}

impl std::fmt::Debug for DigestAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("DigestAuthenticator")
            .field("realm", &self.realm)
            .field("nonce_lifetime", &self.nonce_lifetime)
            .finish_non_exhaustive()
    }
}

/// Whether a nonce is one we minted and still fresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NonceState {
    Fresh,
    Expired,
    Foreign,
}

impl DigestAuthenticator {
    /// An authenticator with a random secret (nonces do not survive a restart;
    /// terminals then get `stale=true` and retry at once).
    pub fn new(realm: String, nonce_lifetime: Duration) -> Self {
        Self::with_secret(realm, nonce_lifetime, rand::random())
    }

    /// An authenticator with a given secret (tests; several processes sharing
    /// nonces).
    pub fn with_secret(realm: String, nonce_lifetime: Duration, secret: [u8; 32]) -> Self {
        Self {
            realm,
            nonce_lifetime,
            secret,
        }
    }

    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// `WWW-Authenticate` (or `Proxy-Authenticate`) header values for a 401
    /// (407), one per algorithm in the order given, which should be most
    /// preferred first (RFC 8760 §2.4: SHA-256, then MD5). All share one nonce.
    pub fn challenges(
        &self,
        now: SystemTime,
        stale: bool,
        algorithms: &[DigestAlgorithm],
    ) -> Vec<String> {
        let nonce = self.mint_nonce(now, rand::random());
        algorithms
            .iter()
            .map(|alg| self.challenge_with(*alg, &nonce, stale))
            .collect()
    }

    /// One challenge for one algorithm.
    pub fn challenge(&self, algorithm: DigestAlgorithm, now: SystemTime, stale: bool) -> String {
        self.challenge_with(algorithm, &self.mint_nonce(now, rand::random()), stale)
    }

    fn challenge_with(&self, algorithm: DigestAlgorithm, nonce: &str, stale: bool) -> String {
        let mut out = format!(
            "Digest realm={}, nonce=\"{nonce}\", opaque=\"{}\", algorithm={}, qop=\"auth\"",
            quote(&self.realm),
            self.opaque(),
            algorithm.as_str()
        );
        if stale {
            out.push_str(", stale=true");
        }
        out
    }

    /// Check an `Authorization` header value of a request with `method`.
    /// `password` returns the configured password of a username (`None`:
    /// no such user).
    pub fn verify(
        &self,
        authorization: &str,
        method: &str,
        now: SystemTime,
        password: impl Fn(&str) -> Option<String>,
    ) -> AuthOutcome {
        match self.check(authorization, method, now, password) {
            Ok(outcome) => outcome,
            Err(why) => AuthOutcome::Malformed(why),
        }
    }

    fn check(
        &self,
        authorization: &str,
        method: &str,
        now: SystemTime,
        password: impl Fn(&str) -> Option<String>,
    ) -> Result<AuthOutcome, String> {
        let header = parse_auth_header(authorization)?;
        if !header.scheme.eq_ignore_ascii_case("Digest") {
            return Err(format!("unsupported scheme {:?}", shorten(&header.scheme)));
        }
        let required = |name: &str| {
            header
                .get(name)
                .ok_or_else(|| format!("missing {name} parameter"))
        };
        let username = required("username")?;
        let realm = required("realm")?;
        let nonce = required("nonce")?;
        // The uri is hashed as sent: terminals do not always repeat the
        // Request-URI byte for byte (parameter order, case), so it is not
        // compared with it.
        let uri = required("uri")?;
        let response = required("response")?;

        if realm != self.realm {
            return Ok(AuthOutcome::WrongRealm);
        }
        let (algorithm, session) = match header.get("algorithm") {
            None => (DigestAlgorithm::Md5, false),
            Some(a) => DigestAlgorithm::parse(a)
                .ok_or_else(|| format!("unsupported algorithm {:?}", shorten(a)))?,
        };
        if header
            .get("userhash")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            return Err("userhash is not supported".into());
        }
        let qop = match header.get("qop") {
            None => None,
            Some(q) if q.eq_ignore_ascii_case("auth") => {
                let nc = required("nc")?;
                let cnonce = required("cnonce")?;
                if nc.len() != 8 || !nc.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err("nc must be 8 hex digits".into());
                }
                if cnonce.is_empty() {
                    return Err("empty cnonce".into());
                }
                Some(QopAuth { nc, cnonce })
            }
            Some(q) => return Err(format!("unsupported qop {:?}", shorten(q))),
        };
        if session && qop.is_none() {
            return Err("-sess algorithms need qop=auth".into());
        }

        let user = username.to_owned();
        let Some(secret) = password(username) else {
            return Ok(AuthOutcome::UnknownUser { username: user });
        };
        let expected = DigestParams {
            algorithm,
            session,
            username,
            realm,
            password: &secret,
            method,
            uri,
            nonce,
            qop,
        }
        .response();
        let given = response.to_ascii_lowercase();
        if given.len() != algorithm.hex_len()
            || !constant_time_eq(given.as_bytes(), expected.as_bytes())
        {
            return Ok(AuthOutcome::WrongPassword { username: user });
        }
        Ok(match self.nonce_state(nonce, now) {
            NonceState::Fresh => AuthOutcome::Authenticated {
                username: user,
                algorithm,
            },
            NonceState::Expired | NonceState::Foreign => AuthOutcome::Stale { username: user },
        })
    }

    fn mac(&self) -> HmacSha256 {
        // An HMAC key shorter than the block is zero-padded by definition, so
        // the padded array is the same key; this form of `new` cannot fail.
        let mut key = [0u8; 64];
        key[..32].copy_from_slice(&self.secret);
        <HmacSha256 as hmac::digest::KeyInit>::new(&key.into())
    }

    fn nonce_mac(&self, timestamp: &[u8], salt: &[u8]) -> HmacSha256 {
        self.mac()
            .chain_update(b"nonce")
            .chain_update(timestamp)
            .chain_update(salt)
            .chain_update(self.realm.as_bytes())
    }

    fn mint_nonce(&self, now: SystemTime, salt: [u8; NONCE_SALT_LEN]) -> String {
        let timestamp = unix_secs(now).to_be_bytes();
        let tag = self.nonce_mac(&timestamp, &salt).finalize().into_bytes();
        let mut raw = Vec::with_capacity(NONCE_LEN);
        raw.extend_from_slice(&timestamp);
        raw.extend_from_slice(&salt);
        raw.extend_from_slice(tag.get(..NONCE_MAC_LEN).unwrap_or_default());
        hex(&raw)
    }

    fn nonce_state(&self, nonce: &str, now: SystemTime) -> NonceState {
        let Some(raw) = unhex(nonce).filter(|r| r.len() == NONCE_LEN) else {
            return NonceState::Foreign;
        };
        let (timestamp, rest) = raw.split_at(8);
        let (salt, tag) = rest.split_at(NONCE_SALT_LEN);
        if self
            .nonce_mac(timestamp, salt)
            .verify_truncated_left(tag)
            .is_err()
        {
            return NonceState::Foreign;
        }
        let mut ts = [0u8; 8];
        ts.copy_from_slice(timestamp);
        let age = unix_secs(now).saturating_sub(u64::from_be_bytes(ts));
        if age > self.nonce_lifetime.as_secs() {
            NonceState::Expired
        } else {
            NonceState::Fresh
        }
    }

    /// Opaque value of the challenges: fixed per secret and realm. We do not
    /// require it back (several terminals drop it); it only lets a client tell
    /// our challenges from another realm's.
    fn opaque(&self) -> String {
        let tag = self
            .mac()
            .chain_update(b"opaque")
            .chain_update(self.realm.as_bytes())
            .finalize()
            .into_bytes();
        hex(tag.get(..16).unwrap_or_default())
    }
}

/// A parsed `Authorization` / `WWW-Authenticate` value: the scheme and its
/// auth-params (names lower-cased, quoted values unescaped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthHeader {
    pub scheme: String,
    pub params: HashMap<String, String>,
}

impl AuthHeader {
    /// A parameter by name (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// Parse `scheme param=value, param="quoted \" value", ...` (RFC 7235 §2.1,
/// RFC 3261 §25.1 LWS). Empty list elements are skipped, names are
/// case-insensitive, a parameter given twice is an error.
pub fn parse_auth_header(value: &str) -> Result<AuthHeader, String> {
    let bytes = value.as_bytes();
    let mut i = skip_ws(bytes, 0);
    let start = i;
    while i < bytes.len() && is_tchar(bytes[i]) {
        i += 1;
    }
    if i == start {
        return Err("missing authentication scheme".into());
    }
    let scheme = value[start..i].to_owned();
    if i < bytes.len() && !is_ws(bytes[i]) {
        return Err("bad character after the scheme".into());
    }

    let mut params = HashMap::new();
    loop {
        // Separators: whitespace and any number of commas.
        while i < bytes.len() && (is_ws(bytes[i]) || bytes[i] == b',') {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let name_start = i;
        while i < bytes.len() && is_tchar(bytes[i]) {
            i += 1;
        }
        if i == name_start {
            return Err(format!("expected a parameter name at byte {i}"));
        }
        let name = value[name_start..i].to_ascii_lowercase();
        i = skip_ws(bytes, i);
        if bytes.get(i) != Some(&b'=') {
            return Err(format!("parameter {:?} has no value", shorten(&name)));
        }
        i = skip_ws(bytes, i + 1);
        let param_value = if bytes.get(i) == Some(&b'"') {
            let (v, next) = quoted_string(bytes, i + 1)?;
            i = next;
            v
        } else {
            // Tokens, leniently: some terminals leave URIs and hex unquoted.
            let v_start = i;
            while i < bytes.len() && bytes[i] != b',' && !is_ws(bytes[i]) && bytes[i] != b'"' {
                i += 1;
            }
            if i == v_start {
                return Err(format!("parameter {:?} has an empty value", shorten(&name)));
            }
            value[v_start..i].to_owned()
        };
        i = skip_ws(bytes, i);
        if i < bytes.len() && bytes[i] != b',' {
            return Err(format!("expected ',' after parameter {:?}", shorten(&name)));
        }
        if params.insert(name.clone(), param_value).is_some() {
            return Err(format!("parameter {:?} given twice", shorten(&name)));
        }
    }
    Ok(AuthHeader { scheme, params })
}

/// The contents of a quoted string starting after its opening quote, and the
/// index after the closing quote.
fn quoted_string(bytes: &[u8], mut i: usize) -> Result<(String, usize), String> {
    let mut out = Vec::new();
    loop {
        match bytes.get(i) {
            None => return Err("unterminated quoted string".into()),
            Some(b'"') => break,
            Some(b'\\') => match bytes.get(i + 1) {
                Some(&c) => {
                    out.push(c);
                    i += 2;
                }
                None => return Err("unterminated quoted string".into()),
            },
            Some(&c) => {
                out.push(c);
                i += 1;
            }
        }
    }
    let text = String::from_utf8(out).map_err(|_| "quoted string is not UTF-8".to_owned())?;
    Ok((text, i + 1))
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && is_ws(bytes[i]) {
        i += 1;
    }
    i
}

/// RFC 7230 tchar.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A quoted-string with `"` and `\` escaped.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Input echoed in error messages is cut short: it comes from the network.
fn shorten(s: &str) -> String {
    s.chars().take(32).collect()
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn hex(bytes: &[u8]) -> String {
    // Every digest verification hashes three times: a table beats fmt.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let digits = s.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let hi = char::from(*pair.first()?).to_digit(16)?;
            let lo = char::from(*pair.get(1)?).to_digit(16)?;
            u8::try_from(hi << 4 | lo).ok()
        })
        .collect()
}

/// Comparison whose time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const REALM: &str = "diemcau.local";
    const LIFETIME: Duration = Duration::from_secs(300);

    fn authenticator() -> DigestAuthenticator {
        DigestAuthenticator::with_secret(REALM.into(), LIFETIME, [7; 32])
    }

    fn t(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    const NOW: u64 = 1_700_000_000;

    fn passwords(user: &str) -> Option<String> {
        match user {
            "101" => Some("demo101".into()),
            "Mufasa" => Some("Circle of Life".into()),
            _ => None,
        }
    }

    fn nonce_of(challenge: &str) -> String {
        let h = parse_auth_header(challenge).expect("our challenge parses");
        h.get("nonce").expect("nonce").to_owned()
    }

    /// An Authorization value as a terminal would build it.
    fn authorization(
        alg: &str,
        user: &str,
        pass: &str,
        nonce: &str,
        uri: &str,
        qop: bool,
    ) -> String {
        let (algorithm, session) = DigestAlgorithm::parse(alg).expect("test algorithm");
        let q = QopAuth {
            nc: "00000001",
            cnonce: "0a4f113b",
        };
        let response = DigestParams {
            algorithm,
            session,
            username: user,
            realm: REALM,
            password: pass,
            method: "REGISTER",
            uri,
            nonce,
            qop: qop.then_some(q),
        }
        .response();
        let mut s = format!(
            "Digest username=\"{user}\", realm=\"{REALM}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm={alg}"
        );
        if qop {
            s.push_str(", qop=auth, nc=00000001, cnonce=\"0a4f113b\"");
        }
        s
    }

    const BOTH: &[DigestAlgorithm] = &[DigestAlgorithm::Sha256, DigestAlgorithm::Md5];

    #[test]
    fn challenges_follow_the_configured_algorithms() {
        let a = authenticator();
        let c = a.challenges(t(NOW), false, &[DigestAlgorithm::Md5]);
        assert_eq!(c.len(), 1);
        assert_eq!(
            parse_auth_header(&c[0]).expect("parses").get("algorithm"),
            Some("MD5")
        );
        assert_eq!(
            DigestAlgorithm::from_name("sha-256"),
            Some(DigestAlgorithm::Sha256)
        );
        assert_eq!(DigestAlgorithm::from_name("MD5-sess"), None);
        assert_eq!(DigestAlgorithm::from_name("SHA-512-256"), None);
    }

    fn fresh_nonce(a: &DigestAuthenticator) -> String {
        nonce_of(&a.challenges(t(NOW), false, BOTH)[0])
    }

    #[test]
    fn rfc2617_md5_vector() {
        let p = DigestParams {
            algorithm: DigestAlgorithm::Md5,
            session: false,
            username: "Mufasa",
            realm: "testrealm@host.com",
            password: "Circle Of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            qop: Some(QopAuth {
                nc: "00000001",
                cnonce: "0a4f113b",
            }),
        };
        assert_eq!(p.response(), "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn rfc7616_md5_and_sha256_vectors() {
        let mut p = DigestParams {
            algorithm: DigestAlgorithm::Md5,
            session: false,
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            qop: Some(QopAuth {
                nc: "00000001",
                cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            }),
        };
        assert_eq!(p.response(), "8ca523f5e9506fed4657c9700eebdbec");
        p.algorithm = DigestAlgorithm::Sha256;
        p.qop = Some(QopAuth {
            nc: "00000001",
            cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        });
        assert_eq!(
            p.response(),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn rfc2069_response_without_qop() {
        let p = DigestParams {
            algorithm: DigestAlgorithm::Md5,
            session: false,
            username: "u",
            realm: "r",
            password: "p",
            method: "INVITE",
            uri: "sip:1000@r",
            nonce: "n",
            qop: None,
        };
        let h = |s: &str| hex(&Md5::digest(s.as_bytes()));
        let expected = h(&format!("{}:n:{}", h("u:r:p"), h("INVITE:sip:1000@r")));
        assert_eq!(p.response(), expected);
    }

    #[test]
    fn session_variant_hashes_nonce_and_cnonce_into_ha1() {
        let q = QopAuth {
            nc: "00000002",
            cnonce: "c",
        };
        let p = DigestParams {
            algorithm: DigestAlgorithm::Sha256,
            session: true,
            username: "u",
            realm: "r",
            password: "p",
            method: "REGISTER",
            uri: "sip:r",
            nonce: "n",
            qop: Some(q),
        };
        let h = |s: &str| hex(&Sha256::digest(s.as_bytes()));
        let ha1 = h(&format!("{}:n:c", h("u:r:p")));
        let expected = h(&format!("{ha1}:n:00000002:c:auth:{}", h("REGISTER:sip:r")));
        assert_eq!(p.response(), expected);
    }

    #[test]
    fn challenges_prefer_sha256_and_share_one_nonce() {
        let a = authenticator();
        let c = a.challenges(t(NOW), false, BOTH);
        assert_eq!(c.len(), 2);
        let sha = parse_auth_header(&c[0]).expect("parses");
        let md5 = parse_auth_header(&c[1]).expect("parses");
        assert_eq!(sha.scheme, "Digest");
        assert_eq!(sha.get("algorithm"), Some("SHA-256"));
        assert_eq!(md5.get("algorithm"), Some("MD5"));
        assert_eq!(sha.get("realm"), Some(REALM));
        assert_eq!(sha.get("qop"), Some("auth"));
        assert_eq!(sha.get("nonce"), md5.get("nonce"));
        assert!(sha.get("opaque").is_some_and(|o| !o.is_empty()));
        assert_eq!(sha.get("stale"), None);
        assert!(c[0].contains("qop=\"auth\""));

        let stale = a.challenges(t(NOW), true, BOTH);
        assert!(stale.iter().all(|c| c.ends_with(", stale=true")));
        // Each challenge gets its own nonce.
        assert_ne!(nonce_of(&stale[0]), nonce_of(&c[0]));
    }

    #[test]
    fn realm_is_quoted_safely() {
        let a = DigestAuthenticator::with_secret("we\"ird\\realm".into(), LIFETIME, [1; 32]);
        let c = a.challenge(DigestAlgorithm::Md5, t(NOW), false);
        let h = parse_auth_header(&c).expect("parses");
        assert_eq!(h.get("realm"), Some("we\"ird\\realm"));
    }

    #[test]
    fn round_trip_every_algorithm() {
        let a = authenticator();
        let nonce = fresh_nonce(&a);
        for alg in [
            "MD5",
            "SHA-256",
            "MD5-sess",
            "SHA-256-sess",
            "md5",
            "sha-256",
        ] {
            let h = authorization(alg, "101", "demo101", &nonce, "sip:diemcau.local", true);
            let want = DigestAlgorithm::from_name(alg.trim_end_matches("-sess"));
            assert!(
                matches!(
                    a.verify(&h, "REGISTER", t(NOW + 10), passwords),
                    AuthOutcome::Authenticated { username, algorithm }
                        if username == "101" && Some(algorithm) == want
                ),
                "{alg}"
            );
        }
    }

    #[test]
    fn qop_less_clients_are_accepted() {
        let a = authenticator();
        let nonce = fresh_nonce(&a);
        let h = authorization("MD5", "101", "demo101", &nonce, "sip:diemcau.local", false);
        let h = h.replace(", algorithm=MD5", "");
        assert_eq!(
            a.verify(&h, "REGISTER", t(NOW), passwords),
            AuthOutcome::Authenticated {
                username: "101".into(),
                algorithm: DigestAlgorithm::Md5,
            }
        );
        // -sess needs the cnonce that only qop carries.
        let h = authorization("MD5-sess", "101", "demo101", &nonce, "sip:x", false);
        assert!(matches!(
            a.verify(&h, "REGISTER", t(NOW), passwords),
            AuthOutcome::Malformed(_)
        ));
    }

    #[test]
    fn method_is_part_of_the_response() {
        let a = authenticator();
        let nonce = fresh_nonce(&a);
        let h = authorization(
            "SHA-256",
            "101",
            "demo101",
            &nonce,
            "sip:diemcau.local",
            true,
        );
        assert_eq!(
            a.verify(&h, "INVITE", t(NOW), passwords),
            AuthOutcome::WrongPassword {
                username: "101".into()
            }
        );
    }

    #[test]
    fn expired_nonce_is_stale_only_with_the_right_password() {
        let a = authenticator();
        let nonce = fresh_nonce(&a);
        let good = authorization(
            "SHA-256",
            "101",
            "demo101",
            &nonce,
            "sip:diemcau.local",
            true,
        );
        let at_limit = t(NOW + LIFETIME.as_secs());
        let late = t(NOW + LIFETIME.as_secs() + 1);
        assert!(matches!(
            a.verify(&good, "REGISTER", at_limit, passwords),
            AuthOutcome::Authenticated { .. }
        ));
        assert_eq!(
            a.verify(&good, "REGISTER", late, passwords),
            AuthOutcome::Stale {
                username: "101".into()
            }
        );
        let bad = authorization("SHA-256", "101", "nope", &nonce, "sip:diemcau.local", true);
        assert_eq!(
            a.verify(&bad, "REGISTER", late, passwords),
            AuthOutcome::WrongPassword {
                username: "101".into()
            }
        );
    }

    #[test]
    fn wrong_password_unknown_user_wrong_realm() {
        let a = authenticator();
        let nonce = fresh_nonce(&a);
        let h = authorization("MD5", "101", "demo102", &nonce, "sip:diemcau.local", true);
        assert_eq!(
            a.verify(&h, "REGISTER", t(NOW), passwords),
            AuthOutcome::WrongPassword {
                username: "101".into()
            }
        );
        let h = authorization("MD5", "999", "x", &nonce, "sip:diemcau.local", true);
        assert_eq!(
            a.verify(&h, "REGISTER", t(NOW), passwords),
            AuthOutcome::UnknownUser {
                username: "999".into()
            }
        );
        let h = authorization("MD5", "101", "demo101", &nonce, "sip:diemcau.local", true)
            .replace("realm=\"diemcau.local\"", "realm=\"other.example\"");
        assert_eq!(
            a.verify(&h, "REGISTER", t(NOW), passwords),
            AuthOutcome::WrongRealm
        );
    }

    #[test]
    fn response_hex_is_case_insensitive() {
        let a = authenticator();
        let nonce = fresh_nonce(&a);
        let h = authorization("MD5", "101", "demo101", &nonce, "sip:diemcau.local", true);
        let resp = parse_auth_header(&h)
            .expect("parses")
            .get("response")
            .expect("r")
            .to_owned();
        let h = h.replace(&resp, &resp.to_ascii_uppercase());
        assert!(matches!(
            a.verify(&h, "REGISTER", t(NOW), passwords),
            AuthOutcome::Authenticated { .. }
        ));
    }

    #[test]
    fn forged_nonces_never_authenticate() {
        let a = authenticator();
        let other_secret = DigestAuthenticator::with_secret(REALM.into(), LIFETIME, [8; 32]);
        let other_realm = DigestAuthenticator::with_secret("x.example".into(), LIFETIME, [7; 32]);
        let real = fresh_nonce(&a);
        let mut flipped = real.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).expect("hex");
        // Same timestamp and salt, HMAC dropped: a truncated tag.
        let short = real[..real.len() - 2].to_owned();
        let forged = [
            fresh_nonce(&other_secret),
            fresh_nonce(&other_realm),
            flipped,
            short,
            "00".repeat(NONCE_LEN),
            "dcd98b7102dd2f0e8b11d0f600bfb0c093".to_owned(),
            "not hex at all".to_owned(),
            "ÿÿ".to_owned(),
        ];
        for nonce in &forged {
            let h = authorization(
                "SHA-256",
                "101",
                "demo101",
                nonce,
                "sip:diemcau.local",
                true,
            );
            assert_eq!(
                a.verify(&h, "REGISTER", t(NOW), passwords),
                AuthOutcome::Stale {
                    username: "101".into()
                },
                "{nonce}"
            );
            let h = authorization("SHA-256", "101", "guess", nonce, "sip:diemcau.local", true);
            assert_eq!(
                a.verify(&h, "REGISTER", t(NOW), passwords),
                AuthOutcome::WrongPassword {
                    username: "101".into()
                }
            );
        }
    }

    #[test]
    fn malformed_headers() {
        let a = authenticator();
        let nonce = fresh_nonce(&a);
        let good = authorization("MD5", "101", "demo101", &nonce, "sip:diemcau.local", true);
        let cases = [
            String::new(),
            "Digest".to_owned(),
            "Basic dXNlcjpwYXNz".to_owned(),
            good.replace("username=\"101\", ", ""),
            good.replace("uri=\"sip:diemcau.local\", ", ""),
            good.replace("nonce=", "nonce2="),
            good.replace("response=", "resp="),
            good.replace("algorithm=MD5", "algorithm=SHA-512-256"),
            good.replace("qop=auth", "qop=auth-int"),
            good.replace("nc=00000001", "nc=1"),
            good.replace("nc=00000001", "nc=0000000g"),
            good.replace(", nc=00000001", ""),
            good.replace(", cnonce=\"0a4f113b\"", ""),
            good.replace("cnonce=\"0a4f113b\"", "cnonce=\"\""),
            format!("{good}, username=\"101\""),
            format!("{good}, userhash=true"),
            good.replace("uri=\"sip:diemcau.local\"", "uri=\"sip:diemcau.local"),
            good.replace("uri=", "uri"),
        ];
        for case in &cases {
            let out = a.verify(case, "REGISTER", t(NOW), passwords);
            assert!(
                matches!(out, AuthOutcome::Malformed(_)),
                "{case:?} gave {out:?}"
            );
        }
    }

    #[test]
    fn parser_handles_quotes_escapes_and_odd_spacing() {
        let h = parse_auth_header(
            "digest  USERNAME=\"a\\\"b,c\" ,, Realm = \"r\"\r\n\t, nonce=abc ,uri=\"sip:x;transport=tcp\",response=\"f\",x-unknown=\"y\", ",
        )
        .expect("parses");
        assert_eq!(h.scheme, "digest");
        assert_eq!(h.get("username"), Some("a\"b,c"));
        assert_eq!(h.get("realm"), Some("r"));
        assert_eq!(h.get("nonce"), Some("abc"));
        assert_eq!(h.get("uri"), Some("sip:x;transport=tcp"));
        assert_eq!(h.get("X-Unknown"), Some("y"));
        assert!(
            parse_auth_header("Digest a=\"x\" b=\"y\"").is_err(),
            "missing comma"
        );
        assert!(parse_auth_header("Digest a=\"x\\").is_err());
        assert!(parse_auth_header("Digest =x").is_err());
        assert!(parse_auth_header("Digest\"a=b").is_err());
    }

    #[test]
    fn unknown_params_and_unquoted_values_are_accepted() {
        let a = authenticator();
        let nonce = fresh_nonce(&a);
        let h = authorization(
            "SHA-256",
            "101",
            "demo101",
            &nonce,
            "sip:diemcau.local",
            true,
        )
        .replace("uri=\"sip:diemcau.local\"", "uri=sip:diemcau.local");
        let h = format!("{h}, opaque=\"whatever\", foo=bar");
        assert!(matches!(
            a.verify(&h, "REGISTER", t(NOW), passwords),
            AuthOutcome::Authenticated { .. }
        ));
    }

    #[test]
    fn mutations_never_panic_and_only_neutral_ones_authenticate() {
        let a = authenticator();
        let nonce = fresh_nonce(&a);
        let good = authorization(
            "SHA-256",
            "101",
            "demo101",
            &nonce,
            "sip:diemcau.local",
            true,
        );
        let good_params = parse_auth_header(&good).expect("parses").params;
        let mut variants: Vec<String> = Vec::new();
        let chars: Vec<char> = good.chars().collect();
        for i in 0..=chars.len() {
            variants.push(chars[..i].iter().collect());
            if i < chars.len() {
                let mut removed = chars.clone();
                removed.remove(i);
                variants.push(removed.into_iter().collect());
            }
            for extra in ['"', '\\', ',', '=', ' ', '\u{0}', 'é', '\n'] {
                let mut inserted = chars.clone();
                inserted.insert(i, extra);
                variants.push(inserted.into_iter().collect());
            }
        }
        let mut authenticated = 0;
        for v in &variants {
            if let AuthOutcome::Authenticated { username, .. } =
                a.verify(v, "REGISTER", t(NOW), passwords)
            {
                // Only edits that leave every parameter as it was (spacing,
                // empty list elements, a needless backslash escape) may pass.
                assert_eq!(username, "101");
                let params = parse_auth_header(v).map(|h| h.params);
                assert_eq!(params.as_ref(), Ok(&good_params), "{v:?} authenticated");
                authenticated += 1;
            }
        }
        assert!(
            authenticated > 0,
            "neutral edits such as extra spaces must still pass"
        );
    }

    #[test]
    fn hex_helpers() {
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(unhex("00abFF"), Some(vec![0, 0xab, 0xff]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("é1"), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let s = format!("{:?}", authenticator());
        assert!(s.contains(REALM) && !s.contains("secret"));
    }
}
