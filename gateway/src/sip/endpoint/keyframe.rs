//! Keyframe requests by signalling (RFC 5168): when the mixer cannot
//! decode a sender's video and the stream has no RTCP feedback (RTP/AVP,
//! what most room systems offer), the core sends the peer an INFO with
//! `picture_fast_update`. A peer that refuses such INFOs is not asked again.

use super::calls::CallState;
use super::{Core, TxnOwner};

/// The RFC 5168 body.
pub const PICTURE_FAST_UPDATE: &str = "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n\
<media_control>\r\n\
  <vc_primitive>\r\n\
    <to_encoder>\r\n\
      <picture_fast_update/>\r\n\
    </to_encoder>\r\n\
  </vc_primitive>\r\n\
</media_control>\r\n";

pub const MEDIA_CONTROL: &str = "application/media_control+xml";

/// Answers to an INFO that mean the peer will never take one of these.
pub fn refuses_info(code: u16) -> bool {
    matches!(code, 405 | 415 | 501)
}

impl Core {
    /// The mixer wants a keyframe from `participant` of `room`.
    pub(super) fn ask_for_keyframe(&mut self, room: &str, participant: u64) {
        let ua = self.user_agent().to_string();
        let Some((call_id, call)) = self
            .calls
            .iter_mut()
            .find(|(_, c)| c.room == room && c.participant == participant)
        else {
            return;
        };
        if call.state != CallState::Confirmed || !call.takes_keyframe_info {
            return;
        }
        let call_id = call_id.clone();
        let sent_by = self.local.sip_addr(&call.dialog.peer).to_string();
        let req = call.dialog.request(
            "INFO",
            &[],
            Some((MEDIA_CONTROL, PICTURE_FAST_UPDATE.as_bytes())),
            &sent_by,
            &ua,
        );
        let peer = call.dialog.peer;
        match req {
            Ok(req) => {
                tracing::debug!(call_id = %call_id, "asking the peer for a keyframe (INFO picture_fast_update)");
                let owner = TxnOwner::InDialog {
                    call_id,
                    method: "INFO".into(),
                    ends_on_failure: false,
                };
                self.send_request(req, peer, Some(owner));
            }
            Err(e) => tracing::warn!(call_id = %call_id, error = %e, "cannot build INFO"),
        }
    }

    /// The peer answered our INFO with `code`.
    pub(super) fn keyframe_info_answered(&mut self, call_id: &str, code: u16) {
        if !refuses_info(code) {
            return;
        }
        if let Some(call) = self.calls.get_mut(call_id) {
            if call.takes_keyframe_info {
                tracing::info!(call_id = %call_id, code, "peer refuses picture_fast_update INFO; not asked again");
                call.takes_keyframe_info = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_rfc_5168_xml() {
        let body = PICTURE_FAST_UPDATE;
        assert!(body.starts_with("<?xml"));
        let at = |s: &str| body.find(s).unwrap_or_else(|| panic!("{s} missing"));
        assert!(at("<media_control>") < at("<vc_primitive>"));
        assert!(at("<vc_primitive>") < at("<to_encoder>"));
        assert!(at("<to_encoder>") < at("<picture_fast_update/>"));
        assert!(at("</to_encoder>") < at("</vc_primitive>"));
        assert!(at("</vc_primitive>") < at("</media_control>"));
        assert!(refuses_info(415) && refuses_info(501) && !refuses_info(200) && !refuses_info(481));
    }
}
