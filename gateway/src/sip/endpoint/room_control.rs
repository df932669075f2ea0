//! The operator's changes to a room's media: layout, picture mode, mute,
//! keyframe. They act on the mixer at once and are kept in the room so the
//! API shows them; a config reload that changes the room's layout or
//! picture mode sets them anew.

use diemcau_mixer::MixerError;

use super::Core;
use crate::control::{CommandError, MediaAction};

impl Core {
    pub(super) fn media_action(
        &mut self,
        room: &str,
        action: MediaAction,
    ) -> Result<(), CommandError> {
        let mut rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
        let r = rooms
            .rooms
            .get_mut(room)
            .ok_or_else(|| CommandError::NoSuchRoom(room.to_string()))?;
        let in_mixer = |id: u64, e: MixerError| match e {
            MixerError::NoSuchParticipant(_) => CommandError::NoMedia(id),
            other => CommandError::Internal(other.to_string()),
        };
        match action {
            MediaAction::Layout(layout) => {
                r.media.set_layout(layout);
                r.config.layout = layout;
            }
            MediaAction::SamePicture(on) => {
                r.media.set_same_picture(on);
                r.config.same_picture = on;
            }
            MediaAction::Mute { participant, muted } => {
                let p = r
                    .participants
                    .get_mut(&participant)
                    .ok_or(CommandError::NoSuchParticipant(participant))?;
                r.media
                    .set_muted(participant, muted)
                    .map_err(|e| in_mixer(participant, e))?;
                p.muted = muted;
            }
            MediaAction::Keyframe { participant } => {
                if !r.participants.contains_key(&participant) {
                    return Err(CommandError::NoSuchParticipant(participant));
                }
                if r.media.video().encoder_config(participant).is_none() {
                    return Err(CommandError::NoMedia(participant));
                }
                r.media.request_keyframe(participant);
            }
        }
        tracing::info!(room, ?action, "room media changed by the operator");
        Ok(())
    }
}
