//! CPU time spent for one room: its GStreamer streaming threads and its
//! pump threads.
//!
//! GStreamer posts a STREAM_STATUS message from inside each streaming
//! thread as it starts (ENTER) and stops (LEAVE) working for a pipeline. A
//! synchronous bus handler, which runs in that very thread, notes the
//! thread's CPU clock; the meter then reads the clocks of the threads
//! still working, and adds up those that left. Threads a codec library
//! starts by itself are not seen, which is one reason the decoders and
//! encoders run single-threaded (the room's parallelism is its many
//! streams).
//!
//! Pipelines count toward the meter in [`CpuMeter::scope`] while they are
//! built: the builders ask [`CpuMeter::current`] and call [`CpuMeter::watch`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;

thread_local! {
    static SCOPE: RefCell<Option<CpuMeter>> = const { RefCell::new(None) };
}

#[derive(Default)]
struct Threads {
    /// Working threads, by pthread id: their CPU clock and its reading at
    /// ENTER, and how many ENTERs are open on them.
    live: HashMap<u64, (libc::clockid_t, Duration, u32)>,
    finished: Duration,
}

/// The CPU time of one room's threads. Cheap to clone (one shared total).
#[derive(Clone, Default)]
pub struct CpuMeter(Arc<Mutex<Threads>>);

/// Restores the previous scope on drop.
pub struct Scope(Option<CpuMeter>);

impl Drop for Scope {
    fn drop(&mut self) {
        let previous = self.0.take();
        SCOPE.with(|s| *s.borrow_mut() = previous);
    }
}

fn read(clock: libc::clockid_t) -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; a stale clock id only makes the
    // call fail.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    (rc == 0).then(|| {
        Duration::new(
            u64::try_from(ts.tv_sec).unwrap_or(0),
            u32::try_from(ts.tv_nsec).unwrap_or(0),
        )
    })
}

/// The calling thread's id and CPU clock.
fn this_thread() -> Option<(u64, libc::clockid_t)> {
    // SAFETY: pthread_self never fails; the clock id is written on success.
    unsafe {
        let me = libc::pthread_self();
        let mut clock: libc::clockid_t = 0;
        (libc::pthread_getcpuclockid(me, &mut clock) == 0).then_some((me as u64, clock))
    }
}

impl CpuMeter {
    pub fn new() -> CpuMeter {
        CpuMeter::default()
    }

    fn lock(&self) -> MutexGuard<'_, Threads> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pipelines built on this thread until the guard drops count here.
    pub fn scope(&self) -> Scope {
        let previous = SCOPE.with(|s| s.borrow_mut().replace(self.clone()));
        Scope(previous)
    }

    /// The meter of the scope the calling thread is in.
    pub fn current() -> Option<CpuMeter> {
        SCOPE.with(|s| s.borrow().clone())
    }

    /// The calling thread starts working for the room.
    pub fn enter(&self) {
        let Some((id, clock)) = this_thread() else {
            return;
        };
        let Some(now) = read(clock) else { return };
        let mut t = self.lock();
        t.live
            .entry(id)
            .and_modify(|e| e.2 += 1)
            .or_insert((clock, now, 1));
    }

    /// The calling thread stops working for the room.
    pub fn leave(&self) {
        let Some((id, _)) = this_thread() else { return };
        let mut t = self.lock();
        let Some(entry) = t.live.get_mut(&id) else {
            return;
        };
        entry.2 -= 1;
        if entry.2 > 0 {
            return;
        }
        let (clock, start, _) = *entry;
        t.live.remove(&id);
        if let Some(now) = read(clock) {
            t.finished += now.saturating_sub(start);
        }
    }

    /// CPU time of every thread that worked for the room, so far.
    pub fn total(&self) -> Duration {
        // Holding the lock keeps live threads alive: one that leaves waits
        // in `leave` for it, so its clock id stays valid while read here.
        let t = self.lock();
        t.live
            .values()
            .filter_map(|(clock, start, _)| Some(read(*clock)?.saturating_sub(*start)))
            .fold(t.finished, |sum, d| sum + d)
    }

    /// Counts the streaming threads of `pipeline` (to be called before it
    /// starts).
    pub fn watch(&self, pipeline: &gst::Pipeline) {
        let Some(bus) = pipeline.bus() else { return };
        let meter: Weak<Mutex<Threads>> = Arc::downgrade(&self.0);
        bus.set_sync_handler(move |_, msg| {
            let gst::MessageView::StreamStatus(s) = msg.view() else {
                return gst::BusSyncReply::Pass;
            };
            if let Some(meter) = meter.upgrade().map(CpuMeter) {
                match s.get().0 {
                    gst::StreamStatusType::Enter => meter.enter(),
                    gst::StreamStatusType::Leave => meter.leave(),
                    _ => {}
                }
            }
            // Nobody reads these: do not let them pile up on the bus.
            gst::BusSyncReply::Drop
        });
    }
}

/// A new pipeline, counted by the meter in scope if any.
pub fn pipeline() -> gst::Pipeline {
    let p = gst::Pipeline::new();
    if let Some(m) = CpuMeter::current() {
        m.watch(&p);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Burns `d` of this thread's CPU time (not wall time: the machine may
    /// be busy).
    fn spin(d: Duration) {
        let (_, clock) = this_thread().unwrap();
        let start = read(clock).unwrap();
        let mut x = 0u64;
        while read(clock).unwrap() - start < d {
            x = x.wrapping_mul(31).wrapping_add(7);
            std::hint::black_box(x);
        }
    }

    #[test]
    fn threads_are_counted_while_they_work_for_the_room() {
        let m = CpuMeter::new();
        assert_eq!(m.total(), Duration::ZERO);
        let worker = {
            let m = m.clone();
            std::thread::spawn(move || {
                m.enter();
                spin(Duration::from_millis(150));
                m.leave();
                // Not counted any more.
                spin(Duration::from_millis(150));
            })
        };
        worker.join().unwrap();
        let t = m.total();
        assert!(
            t >= Duration::from_millis(150) && t < Duration::from_millis(290),
            "{t:?}"
        );
        // A live thread is read while it works.
        m.enter();
        spin(Duration::from_millis(100));
        assert!(m.total() >= t + Duration::from_millis(100));
        m.leave();
    }

    #[test]
    fn a_pipeline_built_in_scope_has_its_streaming_threads_counted() {
        gst::init().unwrap();
        let m = CpuMeter::new();
        let p = {
            let _s = m.scope();
            assert!(CpuMeter::current().is_some());
            pipeline()
        };
        assert!(CpuMeter::current().is_none());
        let src = gst::ElementFactory::make("videotestsrc")
            .property("num-buffers", 300i32)
            .build()
            .unwrap();
        let sink = gst::ElementFactory::make("fakesink").build().unwrap();
        p.add_many([&src, &sink]).unwrap();
        src.link(&sink).unwrap();
        p.set_state(gst::State::Playing).unwrap();
        let bus = p.bus().unwrap();
        assert!(bus
            .timed_pop_filtered(gst::ClockTime::from_seconds(10), &[gst::MessageType::Eos])
            .is_some());
        p.set_state(gst::State::Null).unwrap();
        assert!(m.total() > Duration::ZERO, "no CPU time counted");
    }
}
