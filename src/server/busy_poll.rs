//! Busy polling: a worker about to sleep first watches its clients' sockets for a few
//! microseconds, so that a request arriving in that window is served without the
//! wake-up of a sleeping thread.
//!
//! A round trip between a client and a server on the same machine is mostly two such
//! wake-ups; on a virtual machine each costs tens of microseconds. The worker's tokio
//! runtime calls [`BusyPoll::spin`] just before it parks. It polls a level-triggered
//! epoll set holding the worker's client sockets until one is readable or the budget
//! is spent, yielding the CPU between polls so a client on the same core can run.
//! Then the runtime parks as usual and finds the socket ready at once. The cost is CPU
//! time while idle, at most the budget after each burst of work.

use crate::context::ServerContext;
use rustix::event::epoll;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One worker's busy-poll set.
#[derive(Debug)]
pub(crate) struct BusyPoll {
    epoll: OwnedFd,
    budget: Duration,
    watched: AtomicUsize,
    /// Where spins are counted (`workers.busy_poll_spins`, `workers.busy_poll_ready`).
    context: Arc<ServerContext>,
}

/// A socket in a [`BusyPoll`] set, for as long as this value lives.
#[derive(Debug)]
pub(crate) struct Watch {
    poll: Arc<BusyPoll>,
    /// A duplicate of the socket's descriptor: it keeps the registration valid (and
    /// its number unused by anyone else) until it is removed.
    fd: OwnedFd,
}

impl BusyPoll {
    /// An empty set; [`spin`](Self::spin) polls it for at most `budget` and counts its
    /// spins in `context`.
    pub fn new(budget: Duration, context: Arc<ServerContext>) -> io::Result<Arc<BusyPoll>> {
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
        Ok(Arc::new(BusyPoll {
            epoll,
            budget,
            watched: AtomicUsize::new(0),
            context,
        }))
    }

    /// Adds a client socket to the set.
    pub fn watch(self: &Arc<BusyPoll>, socket: impl AsFd) -> io::Result<Watch> {
        let fd = socket.as_fd().try_clone_to_owned()?;
        epoll::add(
            &self.epoll,
            &fd,
            epoll::EventData::new_u64(0),
            epoll::EventFlags::IN | epoll::EventFlags::RDHUP,
        )?;
        self.watched.fetch_add(1, Ordering::Relaxed);
        Ok(Watch {
            poll: self.clone(),
            fd,
        })
    }

    /// Polls the set until a socket is readable or the budget is spent. Returns at once
    /// when the set is empty, the budget is zero, or this thread may only run on one
    /// CPU (a client could then only answer on the CPU the poll would be holding).
    pub fn spin(&self) {
        if self.budget.is_zero() || self.watched.load(Ordering::Relaxed) == 0 || single_cpu() {
            return;
        }
        let started = Instant::now();
        let mut events = [MaybeUninit::<epoll::Event>::uninit()];
        let now = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        loop {
            let ready = epoll::wait(&self.epoll, &mut events, Some(&now));
            if matches!(&ready, Ok((found, _)) if !found.is_empty()) {
                self.context.counters().busy_poll_spun(true);
                return;
            }
            if ready.is_err() || started.elapsed() >= self.budget {
                // Out of time, or an error (EINTR): the runtime takes over.
                self.context.counters().busy_poll_spun(false);
                return;
            }
            std::thread::yield_now();
        }
    }
}

/// True if the calling thread is allowed on one CPU only (`taskset`, cgroups cpusets).
/// Checked at every spin: affinity can change while the server runs.
fn single_cpu() -> bool {
    rustix::thread::sched_getaffinity(None).is_ok_and(|set| set.count() == 1)
}

impl Drop for Watch {
    fn drop(&mut self) {
        // Fails only if the socket was never added, which `watch` rules out.
        let _ = epoll::delete(&self.poll.epoll, &self.fd);
        self.poll.watched.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    fn default_context() -> Arc<ServerContext> {
        ServerContext::default_context().clone()
    }

    #[test]
    fn spin_returns_when_a_socket_is_readable() {
        let poll = BusyPoll::new(Duration::from_secs(30), default_context()).unwrap();
        let (server, mut client) = UnixStream::pair().unwrap();
        let _watch = poll.watch(&server).unwrap();
        client.write_all(b"Q").unwrap();
        let started = Instant::now();
        poll.spin();
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_thread_bound_to_one_cpu_does_not_spin() {
        std::thread::spawn(|| {
            let mut set = rustix::thread::CpuSet::new();
            set.set(0);
            let bound = rustix::thread::sched_setaffinity(None, &set).is_ok();
            assert!(bound, "cannot bind the test thread to CPU 0");
            let poll = BusyPoll::new(Duration::from_secs(30), default_context()).unwrap();
            let (server, _client) = UnixStream::pair().unwrap();
            let _watch = poll.watch(&server).unwrap();
            let started = Instant::now();
            poll.spin();
            assert!(started.elapsed() < Duration::from_secs(1));
        })
        .join()
        .unwrap();
    }

    #[test]
    fn spin_gives_up_after_the_budget() {
        if single_cpu() {
            return; // Nothing to measure: spinning is off on one CPU (tested above).
        }
        let poll = BusyPoll::new(Duration::from_millis(20), default_context()).unwrap();
        let (server, _client) = UnixStream::pair().unwrap();
        let watch = poll.watch(&server).unwrap();
        let started = Instant::now();
        poll.spin();
        let spent = started.elapsed();
        assert!(spent >= Duration::from_millis(20), "{spent:?}");
        drop(watch);
        // Nothing watched: no spinning at all.
        let started = Instant::now();
        poll.spin();
        assert!(started.elapsed() < Duration::from_millis(20));
    }
}
