//! REGISTER: digest authentication, then the registrar.

use std::time::Instant;

use super::{headers, Core};
use crate::config::Protocol;
use crate::sip::auth::AuthOutcome;
use crate::sip::dialog::uri_of;
use crate::sip::message;
use crate::sip::registrar::RegisterOutcome;
use crate::sip::transaction::TransactionKey;
use crate::sip::transport::Peer;

impl Core {
    pub(super) fn on_register(&mut self, key: &TransactionKey, req: &rsip::Request, from: Peer) {
        // The address-of-record is the To URI; its user part is the terminal.
        let aor_user = headers::to_value(req)
            .map(|v| uri_of(&v))
            .and_then(|u| user_of(&u));
        let Some(aor_user) = aor_user else {
            self.reply_stateless(key, req, 400, Some("To header has no user part"));
            return;
        };
        let Some(authz) = headers::first(req, "Authorization") else {
            self.challenge(key, req, false);
            return;
        };
        let cfg = self.cfg.clone();
        let outcome = self
            .auth
            .verify(&authz, "REGISTER", Self::now_system(), |u| {
                cfg.terminal(u)
                    .filter(|t| t.protocol == Protocol::Sip)
                    .map(|t| t.password.clone())
            });
        let user = match outcome {
            AuthOutcome::Authenticated {
                username,
                algorithm,
            } => {
                // Only what we offered this terminal: no silent downgrade
                // from SHA-256 to MD5.
                let allowed = cfg
                    .terminal(&username)
                    .is_some_and(|t| t.algorithms(&cfg.auth).contains(&algorithm));
                if !allowed {
                    self.metrics.auth_failures.inc();
                    tracing::warn!(user = %username, algorithm = algorithm.as_str(), peer = %from, "REGISTER with a digest algorithm not offered to this terminal");
                    self.challenge(key, req, false);
                    return;
                }
                username
            }
            AuthOutcome::Stale { .. } => {
                self.challenge(key, req, true);
                return;
            }
            AuthOutcome::WrongPassword { username } => {
                self.metrics.auth_failures.inc();
                tracing::warn!(user = %username, peer = %from, "REGISTER with a wrong password");
                self.challenge(key, req, false);
                return;
            }
            AuthOutcome::UnknownUser { username } => {
                self.metrics.auth_failures.inc();
                tracing::warn!(user = %username, peer = %from, "REGISTER for an unknown user");
                self.reply_stateless(key, req, 403, Some("Forbidden"));
                return;
            }
            AuthOutcome::WrongRealm => {
                self.challenge(key, req, false);
                return;
            }
            AuthOutcome::Malformed(why) => {
                self.reply_stateless(key, req, 400, Some(&format!("Bad Authorization: {why}")));
                return;
            }
        };
        if user != aor_user {
            self.metrics.auth_failures.inc();
            tracing::warn!(user = %user, aor = %aor_user, "authenticated user may not register this AOR");
            self.reply_stateless(
                key,
                req,
                403,
                Some("Authenticated user does not own this AOR"),
            );
            return;
        }
        let contacts = headers::values(req, "Contact");
        let expires = headers::first(req, "Expires").and_then(|v| v.trim().parse().ok());
        let call_id = headers::call_id(req).unwrap_or_default();
        let cseq = headers::cseq(req).map(|c| c.0).unwrap_or(0);
        let ua = headers::first(req, "User-Agent");
        let now = Instant::now();
        let (was_registered, outcome) = {
            let mut reg = self
                .shared
                .registrar
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let was = !reg.bindings(&user, now).is_empty();
            let outcome = reg.register(&user, &contacts, expires, &call_id, cseq, from, ua, now);
            (was, outcome)
        };
        match outcome {
            RegisterOutcome::Ok { bindings } => {
                let mut resp = message::response(req, 200, None, Some(&message::new_tag()));
                for (contact, secs) in &bindings {
                    headers::push(&mut resp, "Contact", format!("<{contact}>;expires={secs}"));
                }
                headers::push(&mut resp, "Date", httpdate(Self::now_system()));
                headers::push(&mut resp, "Allow", super::ALLOW);
                self.respond(key, resp);
                // Refreshes are routine (every terminal, every few minutes):
                // only changes of state are worth an info line. The gauge
                // moves by the change; the sweep recounts it every second.
                let registered = !bindings.is_empty();
                let gauge = self.metrics.registrations.with_label_values(&["sip"]);
                match (was_registered, registered) {
                    (false, true) => {
                        gauge.inc();
                        tracing::info!(user = %user, peer = %from, bindings = bindings.len(), "registered");
                    }
                    (true, false) => {
                        gauge.dec();
                        tracing::info!(user = %user, peer = %from, "unregistered");
                    }
                    _ => {
                        tracing::debug!(user = %user, peer = %from, bindings = bindings.len(), "registration refreshed")
                    }
                }
            }
            RegisterOutcome::IntervalTooBrief { min_expires } => {
                let mut resp = message::response(req, 423, None, Some(&message::new_tag()));
                headers::push(&mut resp, "Min-Expires", min_expires.to_string());
                self.respond_stateless(key, resp);
            }
            RegisterOutcome::BadRequest(why) => self.reply_stateless(key, req, 400, Some(&why)),
            RegisterOutcome::OutOfOrder => {
                self.reply_stateless(key, req, 500, Some("Out of order CSeq"))
            }
        }
    }

    fn challenge(&mut self, key: &TransactionKey, req: &rsip::Request, stale: bool) {
        let mut resp = message::response(req, 401, None, Some(&message::new_tag()));
        // Offer the algorithms configured for the terminal named in To (an
        // unknown one gets the defaults and its 403 after answering).
        let user = headers::to_value(req)
            .map(|v| uri_of(&v))
            .and_then(|u| user_of(&u));
        let algorithms = user
            .as_deref()
            .and_then(|u| self.cfg.terminal(u))
            .map_or(&self.cfg.auth.algorithms[..], |t| {
                t.algorithms(&self.cfg.auth)
            })
            .to_vec();
        for c in self.auth.challenges(Self::now_system(), stale, &algorithms) {
            resp.headers.push(rsip::Header::WwwAuthenticate(c.into()));
        }
        self.respond_stateless(key, resp);
    }
}

/// The user part of a SIP URI (`sip:101@host` → `101`).
pub(super) fn user_of(uri: &str) -> Option<String> {
    let rest = uri
        .strip_prefix("sips:")
        .or_else(|| uri.strip_prefix("sip:"))
        .or_else(|| uri.strip_prefix("tel:"))?;
    let user = match rest.split_once('@') {
        Some((u, _)) => u,
        None if uri.starts_with("tel:") => rest,
        None => return None,
    };
    // user-params and the password field are not part of the user.
    let user = user.split([';', ':']).next().unwrap_or("");
    (!user.is_empty()).then(|| user.to_string())
}

/// An IMF-fixdate for the Date header (RFC 3261 §20.17).
fn httpdate(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil-from-days (proleptic Gregorian), after H. Hinnant's algorithm.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MO: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        WD[(days % 7) as usize],
        d,
        MO[(mo - 1) as usize],
        y,
        h,
        m,
        s
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_parts() {
        assert_eq!(user_of("sip:101@h").as_deref(), Some("101"));
        assert_eq!(user_of("sip:101;phone-context=x@h").as_deref(), Some("101"));
        assert_eq!(user_of("sips:a:pw@h").as_deref(), Some("a"));
        assert_eq!(user_of("sip:h"), None);
        assert_eq!(user_of("tel:+8424"), Some("+8424".into()));
        assert_eq!(user_of("http://x"), None);
    }

    #[test]
    fn dates() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(784_111_777);
        assert_eq!(httpdate(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_305_600);
        assert_eq!(httpdate(t), "Sun, 22 Nov 2026 00:00:00 GMT");
    }
}
