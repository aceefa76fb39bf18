//! Questions to a target's filesystem with a deadline (SPEC §3.12, "slow and
//! dead mounts"). A `stat` on a hung NFS, SMB or FUSE mount blocks for
//! minutes, and no thread that waits on it can be cancelled; so the question
//! runs on a thread of its own, and the asker waits only until its deadline.
//! A target that does not answer in time is *unresponsive*: the operation
//! fails that item with a clear error and nothing else waits for it.
//!
//! While a question to a place is still stuck, the next one to the same place
//! does not start another thread to get stuck beside it: it is answered
//! "unresponsive" at once, until the stuck one returns (a drive that was only
//! spinning up answers the next time it is asked).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long one metadata question to a target may take (5 s, SPEC §3.12),
/// or `SYNAPSE_TARGET_TIMEOUT_MS`.
pub(crate) fn metadata_timeout() -> Duration {
    from_env("SYNAPSE_TARGET_TIMEOUT_MS", Duration::from_secs(5))
}

/// How long a whole-store view (the inventory, the dashboard) waits for the
/// targets it only looks at (0.7 s, or `SYNAPSE_GLANCE_TIMEOUT_MS`): one that
/// takes longer is shown from its catalog, as unresponsive, so the view
/// answers within a second while a mount hangs.
pub(crate) fn glance_timeout() -> Duration {
    from_env("SYNAPSE_GLANCE_TIMEOUT_MS", Duration::from_millis(700))
}

fn from_env(var: &str, default: Duration) -> Duration {
    std::env::var(var).ok().and_then(|v| v.trim().parse::<u64>().ok()).map_or(default, Duration::from_millis)
}

/// Places with a question still stuck on them.
fn stuck() -> &'static Mutex<HashSet<PathBuf>> {
    static STUCK: OnceLock<Mutex<HashSet<PathBuf>>> = OnceLock::new();
    STUCK.get_or_init(Default::default)
}

fn stuck_set() -> std::sync::MutexGuard<'static, HashSet<PathBuf>> {
    // The set only holds paths: a panic elsewhere cannot leave it inconsistent.
    stuck().lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether a question to `place` is still stuck.
pub(crate) fn is_stuck(place: &Path) -> bool {
    stuck_set().contains(place)
}

/// A question on its way; [`Pending::wait`] takes the answer or gives up.
pub struct Pending<T> {
    place: PathBuf,
    answer: Option<(Receiver<T>, Arc<AtomicBool>)>,
}

/// Asks `question` about `place` on a thread of its own. When an earlier
/// question to `place` is still stuck, nothing is started and the answer is
/// "no answer".
pub fn start<T: Send + 'static>(place: &Path, question: impl FnOnce() -> T + Send + 'static) -> Pending<T> {
    let place = place.to_path_buf();
    if is_stuck(&place) {
        return Pending { place, answer: None };
    }
    let (tx, rx) = mpsc::sync_channel(1);
    let done = Arc::new(AtomicBool::new(false));
    let (key, flag) = (place.clone(), done.clone());
    let spawned = std::thread::Builder::new().name("synapse-probe".into()).spawn(move || {
        let answer = question();
        let _ = tx.send(answer);
        let mut set = stuck_set();
        flag.store(true, Ordering::SeqCst);
        set.remove(&key);
    });
    match spawned {
        Ok(_) => Pending { place, answer: Some((rx, done)) },
        // No thread to be had: no answer, as for a hung place.
        Err(_) => Pending { place, answer: None },
    }
}

impl<T> Pending<T> {
    /// The answer, or `None` when it did not come by `deadline` (the place
    /// is then stuck until the question returns).
    pub fn wait(self, deadline: Instant) -> Option<T> {
        let (rx, done) = self.answer?;
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(answer) => Some(answer),
            Err(_) => {
                let mut set = stuck_set();
                // Under the set's lock: a question that finished just now is not marked.
                if !done.load(Ordering::SeqCst) {
                    set.insert(self.place);
                }
                None
            }
        }
    }
}

/// [`start`] and [`Pending::wait`] with a time limit.
pub fn within<T: Send + 'static>(place: &Path, limit: Duration, question: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    start(place, question).wait(Instant::now() + limit)
}

/// Whether the filesystem at `path` answers at all (a `stat` of the path,
/// or of its parent when it does not exist yet) within the metadata timeout;
/// `unresponsive` otherwise. For a command about to work on a place it has
/// not been told is a target yet (adding one, configuring the backup).
pub fn answers(path: &Path) -> crate::error::Result<()> {
    let limit = metadata_timeout();
    let asked = path.to_path_buf();
    let answered = within(path, limit, move || {
        let _ = std::fs::symlink_metadata(&asked).or_else(|_| std::fs::symlink_metadata(asked.parent().unwrap_or(&asked)));
    });
    answered.ok_or_else(|| crate::error::Error::Unresponsive { path: path.to_path_buf(), seconds: limit.as_secs_f64() })
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn an_answer_in_time_is_returned() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().to_path_buf();
        let exists = within(d.path(), Duration::from_secs(5), move || p.exists());
        assert_eq!(exists, Some(true));
        assert!(!is_stuck(d.path()));
    }

    #[test]
    fn a_question_that_hangs_gives_up_at_the_deadline_and_the_place_stays_stuck_until_it_returns() {
        let place = Path::new("/synapse-probe-test/hung");
        let (release, held) = mpsc::channel::<()>();
        let t = Instant::now();
        let r = within(place, Duration::from_millis(100), move || held.recv().is_ok());
        assert_eq!(r, None);
        assert!(t.elapsed() < Duration::from_secs(2), "waited {:?}", t.elapsed());
        assert!(is_stuck(place));

        // A second question does not wait again, nor start another thread.
        let t = Instant::now();
        assert_eq!(within(place, Duration::from_secs(5), || true), None);
        assert!(t.elapsed() < Duration::from_millis(50), "waited {:?}", t.elapsed());

        release.send(()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while is_stuck(place) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!is_stuck(place), "the place answers again once the stuck question returned");
        assert_eq!(within(place, Duration::from_secs(5), || 7), Some(7));
    }
}
