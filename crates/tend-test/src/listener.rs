//! What the test servers ([`crate::http`], [`crate::smtp`]) share: a listener on a free port of
//! 127.0.0.1 that hands each connection to its own thread, counts them, and on drop stops
//! accepting and closes every connection it handed out, so no test leaves a server behind.

use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

/// A running listener; stopped when dropped.
pub(crate) struct Listener {
    address: SocketAddr,
    state: Arc<State>,
    acceptor: Option<JoinHandle<()>>,
}

struct State {
    connections: Mutex<Vec<TcpStream>>,
    accepted: AtomicUsize,
    shutdown: AtomicBool,
}

impl Listener {
    /// Listens on a free port and calls `serve(stream, number, shutdown)` for each connection
    /// on its own thread: `number` counts from 0 in order of arrival, `shutdown` turns true
    /// when the listener is dropped.
    pub(crate) fn start(
        what: &str,
        serve: impl Fn(TcpStream, usize, &AtomicBool) + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|error| panic!("bind a port on 127.0.0.1 for the {what}: {error}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|error| panic!("the address of the {what}: {error}"));
        let state = Arc::new(State {
            connections: Mutex::new(Vec::new()),
            accepted: AtomicUsize::new(0),
            shutdown: AtomicBool::new(false),
        });
        let accepting = Arc::clone(&state);
        let serve = Arc::new(serve);
        let acceptor = thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.shutdown.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                if let Ok(clone) = stream.try_clone() {
                    lock(&accepting.connections).push(clone);
                }
                let number = accepting.accepted.fetch_add(1, Ordering::SeqCst);
                let serving = Arc::clone(&accepting);
                let serve = Arc::clone(&serve);
                thread::spawn(move || serve(stream, number, &serving.shutdown));
            }
        });
        Self {
            address,
            state,
            acceptor: Some(acceptor),
        }
    }

    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }

    /// How many connections were accepted so far.
    pub(crate) fn accepted(&self) -> usize {
        self.state.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.state.shutdown.store(true, Ordering::SeqCst);
        // Wakes the acceptor blocked in `accept`.
        let _ = TcpStream::connect(self.address);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        for connection in lock(&self.state.connections).drain(..) {
            let _ = connection.shutdown(Shutdown::Both);
        }
    }
}

/// A handler that panicked must not hide what the server recorded from the test's assertions.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
