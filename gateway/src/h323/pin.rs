//! A room PIN typed on the terminal's keypad (H.245 UserInputIndication),
//! sans-IO. A terminal that dialled a PIN room without `*PIN` in the alias
//! is connected into the room's lobby (it sees the prompt, nobody sees or
//! hears it) and has [`PIN_ATTEMPTS`] tries within [`PIN_TIMEOUT`].
//!
//! Keys: digits are collected, `#` submits, `*` starts again. The right PIN
//! lets the caller in as soon as it is complete, without waiting for `#`
//! (some remotes have none within easy reach); a wrong one counts only
//! when submitted, so a slip can be corrected with `*`.

use std::time::{Duration, Instant};

/// Wrong PINs before the call is refused.
pub const PIN_ATTEMPTS: u32 = 3;
/// Time from Connect to the right PIN.
pub const PIN_TIMEOUT: Duration = Duration::from_secs(60);
/// Digits kept at most: more counts as a wrong PIN.
const MAX_TYPED: usize = 32;

/// What a key press did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinStep {
    /// Still typing; the prompt may have changed (digits shown as `*`).
    Typing,
    /// The right PIN: let the caller in.
    Accepted,
    /// A wrong PIN; this many tries are left.
    Wrong { attempts_left: u32 },
    /// Out of tries: refuse the call.
    Refused,
}

#[derive(Debug, Clone)]
pub struct PinEntry {
    expected: String,
    typed: String,
    attempts_left: u32,
    deadline: Instant,
    /// The last try was wrong (the prompt says so until the next key).
    wrong: bool,
}

impl PinEntry {
    pub fn new(expected: &str, now: Instant) -> Self {
        Self {
            expected: expected.to_owned(),
            typed: String::new(),
            attempts_left: PIN_ATTEMPTS,
            deadline: now + PIN_TIMEOUT,
            wrong: false,
        }
    }

    /// Keys from one UserInputIndication (one `signal`, or an
    /// `alphanumeric` string of several). Keys after the PIN is accepted or
    /// refused are ignored.
    pub fn on_input(&mut self, keys: &str) -> PinStep {
        let mut step = PinStep::Typing;
        for k in keys.chars() {
            step = match k {
                '0'..='9' => {
                    self.wrong = false;
                    self.typed.push(k);
                    if self.typed == self.expected {
                        return PinStep::Accepted;
                    }
                    if self.typed.len() > MAX_TYPED {
                        self.wrong_try()
                    } else {
                        PinStep::Typing
                    }
                }
                // The right PIN was accepted at its last digit, so what
                // `#` submits is wrong.
                '#' if !self.typed.is_empty() => self.wrong_try(),
                '*' => {
                    self.typed.clear();
                    PinStep::Typing
                }
                // A-D, flash, a lone `#`: nothing to do.
                _ => step,
            };
            if step == PinStep::Refused {
                return step;
            }
        }
        step
    }

    fn wrong_try(&mut self) -> PinStep {
        self.typed.clear();
        self.attempts_left = self.attempts_left.saturating_sub(1);
        self.wrong = true;
        if self.attempts_left == 0 {
            PinStep::Refused
        } else {
            PinStep::Wrong {
                attempts_left: self.attempts_left,
            }
        }
    }

    /// Whether the time to type the PIN is up.
    pub fn expired(&self, now: Instant) -> bool {
        now >= self.deadline
    }

    /// The text the lobby picture shows now (Vietnamese; the digits typed
    /// so far as `*`).
    pub fn prompt(&self) -> String {
        let typed = "*".repeat(self.typed.len());
        let head = if self.wrong {
            format!(
                "Sai mã PIN (còn {} lần). Nhập lại rồi bấm #",
                self.attempts_left
            )
        } else {
            "Nhập mã PIN của phòng rồi bấm #".to_owned()
        };
        if typed.is_empty() {
            head
        } else {
            format!("{head}  {typed}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> PinEntry {
        PinEntry::new("4321", Instant::now())
    }

    #[test]
    fn the_right_pin_is_accepted_as_soon_as_it_is_complete() {
        let mut p = entry();
        assert_eq!(p.on_input("4"), PinStep::Typing);
        assert_eq!(p.on_input("3"), PinStep::Typing);
        assert_eq!(p.prompt(), "Nhập mã PIN của phòng rồi bấm #  **");
        assert_eq!(p.on_input("2"), PinStep::Typing);
        assert_eq!(p.on_input("1"), PinStep::Accepted);
        // Several keys in one alphanumeric indication.
        assert_eq!(entry().on_input("4321#"), PinStep::Accepted);
    }

    #[test]
    fn a_wrong_pin_counts_when_submitted_and_star_starts_again() {
        let mut p = entry();
        assert_eq!(p.on_input("99"), PinStep::Typing);
        assert_eq!(p.on_input("*"), PinStep::Typing);
        assert_eq!(p.prompt(), "Nhập mã PIN của phòng rồi bấm #");
        assert_eq!(p.on_input("1111"), PinStep::Typing);
        assert_eq!(p.on_input("#"), PinStep::Wrong { attempts_left: 2 });
        assert_eq!(p.prompt(), "Sai mã PIN (còn 2 lần). Nhập lại rồi bấm #");
        // A lone `#` and keys that are not digits change nothing.
        assert_eq!(p.on_input("#AB!"), PinStep::Typing);
        assert_eq!(p.on_input("4321"), PinStep::Accepted);
    }

    #[test]
    fn three_wrong_pins_refuse_the_call() {
        let mut p = entry();
        assert_eq!(p.on_input("1#"), PinStep::Wrong { attempts_left: 2 });
        assert_eq!(p.on_input("2#"), PinStep::Wrong { attempts_left: 1 });
        // The right PIN typed after the refusal in the same indication
        // does not get in.
        assert_eq!(p.on_input("3#4321"), PinStep::Refused);
    }

    #[test]
    fn endless_digits_are_a_wrong_pin() {
        let mut p = entry();
        let long = "5".repeat(MAX_TYPED + 1);
        assert_eq!(p.on_input(&long), PinStep::Wrong { attempts_left: 2 });
    }

    #[test]
    fn the_time_runs_out() {
        let now = Instant::now();
        let p = PinEntry::new("1", now);
        assert!(!p.expired(now + PIN_TIMEOUT - Duration::from_secs(1)));
        assert!(p.expired(now + PIN_TIMEOUT));
    }
}
