//! Transaction identifiers (RFC 3261 §17.1.3 and §17.2.3).

use std::fmt;

use crate::sip::message;
use crate::sip::SipError;

/// Identifies one transaction: the top Via branch (with the sent-by on the
/// server side) and the method, where ACK maps to its INVITE and CANCEL is a
/// transaction of its own. Requests from RFC 2543 peers (no magic cookie in
/// the branch) are keyed by Request-URI, From tag, Call-ID, CSeq number and
/// top Via instead. Server and client keys never compare equal, so a request
/// of ours that loops back to us is a new server transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TransactionKey {
    server: bool,
    id: String,
    sent_by: String,
    method: String,
}

impl TransactionKey {
    /// The server transaction an incoming request belongs to.
    pub fn server(req: &rsip::Request) -> Result<Self, SipError> {
        let via = message::top_via(req)?;
        let method = match req.method {
            rsip::Method::Ack => "INVITE".to_string(),
            m => m.to_string(),
        };
        let sent_by = via.sent_by();
        if via.has_rfc3261_branch() {
            return Ok(Self {
                server: true,
                id: via.branch.unwrap_or_default(),
                sent_by,
                method,
            });
        }
        let (cseq, _) = message::cseq(req)?;
        let id = format!(
            "rfc2543 {} {} {} {} {}",
            req.uri,
            message::from_tag(req).unwrap_or_default(),
            message::call_id(req)?,
            cseq,
            via.branch.as_deref().unwrap_or("-"),
        );
        Ok(Self {
            server: true,
            id,
            sent_by,
            method,
        })
    }

    /// The client transaction for a request we send: its top Via must carry
    /// an RFC 3261 branch.
    pub fn client(req: &rsip::Request) -> Result<Self, SipError> {
        let via = message::top_via(req)?;
        match via.branch {
            Some(b) if b.starts_with(message::BRANCH_COOKIE) => Ok(Self {
                server: false,
                id: b,
                sent_by: String::new(),
                method: req.method.to_string(),
            }),
            _ => Err(SipError::Malformed(
                "request without an RFC 3261 branch".into(),
            )),
        }
    }

    /// The client transaction a response belongs to: top Via branch and
    /// CSeq method (the sent-by is ours, and NAT helpers sometimes rewrite
    /// it, so it is not compared).
    pub fn for_response(resp: &rsip::Response) -> Result<Self, SipError> {
        let via = message::top_via(resp)?;
        let (_, method) = message::cseq(resp)?;
        let id = via
            .branch
            .ok_or_else(|| SipError::Malformed("response without a branch".into()))?;
        Ok(Self {
            server: false,
            id,
            sent_by: String::new(),
            method: method.to_string(),
        })
    }

    /// The same transaction id with another method (a CANCEL's INVITE).
    pub fn with_method(&self, method: &str) -> Self {
        Self {
            method: method.to_string(),
            ..self.clone()
        }
    }

    /// The method of the transaction (INVITE for an ACK's).
    pub fn method(&self) -> &str {
        &self.method
    }

    pub fn is_server(&self) -> bool {
        self.server
    }
}

impl fmt::Display for TransactionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let role = if self.server { "server" } else { "client" };
        if self.sent_by.is_empty() {
            write!(f, "{role} {} {}", self.method, self.id)
        } else {
            write!(
                f,
                "{role} {} {} from {}",
                self.method, self.id, self.sent_by
            )
        }
    }
}
