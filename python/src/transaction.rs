//! Transactions from Python: `with conn.transaction(): …`, and Kùzu's `BEGIN TRANSACTION`,
//! `COMMIT`, `ROLLBACK` statements.
//!
//! The engine's [`engine::Transaction`] borrows the database and holds its write lock, which a
//! Python object (moved between threads, kept for any time) cannot do. So each open transaction
//! lives on a thread of its own that owns a handle on the database, holds the transaction, and
//! runs the statements it is sent; the connection keeps the sending end. A connection or a
//! transaction object that Python drops without a commit closes the channel, and the thread
//! rolls back.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

use engine::{CancelFlag, Rows};
use pyo3::prelude::*;

use crate::Error;

/// Which thread of the program has a transaction open on a database, if any: a statement from
/// that same thread on another connection of the database would wait for the transaction's lock
/// held by itself, for ever, so it is refused instead.
#[derive(Default)]
pub(crate) struct Writer(Mutex<Option<ThreadId>>);

impl Writer {
    /// Fails when the calling thread holds a transaction open on this database (through a
    /// connection other than the one asking, which would route the statement into it).
    pub(crate) fn refuse_self_wait(&self) -> PyResult<()> {
        let held = *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if held == Some(std::thread::current().id()) {
            return Err(Error::new_err(
                "this thread has a transaction open on another connection of this database: \
                 commit or roll it back first, or run the statement on that connection",
            ));
        }
        Ok(())
    }

    fn set(&self, owner: Option<ThreadId>) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = owner;
    }
}

enum Request {
    Execute {
        query: String,
        params: engine::Params,
        cancel: CancelFlag,
        reply: Sender<Result<Rows, engine::Error>>,
    },
    Finish {
        commit: bool,
        reply: Sender<Result<(), engine::Error>>,
    },
}

/// An open transaction: the channel to its thread.
pub(crate) struct Open {
    pub(crate) id: u64,
    requests: Sender<Request>,
    writer: Arc<Writer>,
}

impl Drop for Open {
    fn drop(&mut self) {
        // The thread sees the channel closed and rolls back; the lock is free once it has.
        self.writer.set(None);
    }
}

impl Open {
    /// Starts a transaction: waits (interruptibly, the GIL released) until the database's write
    /// lock is free and the transaction's thread holds it.
    pub(crate) fn begin(
        py: Python<'_>,
        db: Arc<engine::Database>,
        writer: Arc<Writer>,
        id: u64,
    ) -> PyResult<Open> {
        writer.refuse_self_wait()?;
        let (requests, incoming) = channel::<Request>();
        let (started, start) = channel::<Result<(), engine::Error>>();
        std::thread::Builder::new()
            .name("kgraph transaction".into())
            .spawn(move || serve(&db, incoming, started))
            .map_err(|e| Error::new_err(format!("could not start the transaction's thread: {e}")))?;
        wait(py, start, None)?.map_err(crate::to_py)?;
        writer.set(Some(std::thread::current().id()));
        Ok(Open { id, requests, writer })
    }

    /// Where to send statements, usable after the connection's lock is let go.
    pub(crate) fn statements(&self) -> Statements {
        Statements { requests: self.requests.clone() }
    }

    /// Commits (`commit`) or rolls back, and ends the transaction's thread.
    pub(crate) fn finish(self, py: Python<'_>, commit: bool) -> PyResult<()> {
        let (reply, answer) = channel();
        self.statements().send(Request::Finish { commit, reply })?;
        // Not cancellable: a commit half-written to the journal is for the journal to settle.
        wait(py, answer, None)?.map_err(crate::to_py)
    }
}

/// The sending end of an open transaction's channel.
pub(crate) struct Statements {
    requests: Sender<Request>,
}

impl Statements {
    /// Runs one statement inside the transaction; Ctrl-C cancels (and undoes) that statement
    /// only, the transaction stays open.
    pub(crate) fn execute(&self, py: Python<'_>, query: String, params: engine::Params) -> PyResult<Rows> {
        let cancel = CancelFlag::new();
        let (reply, answer) = channel();
        self.send(Request::Execute { query, params, cancel: cancel.clone(), reply })?;
        wait(py, answer, Some(&cancel))?.map_err(crate::to_py)
    }

    fn send(&self, request: Request) -> PyResult<()> {
        self.requests.send(request).map_err(|_| Error::new_err("the transaction's thread has ended"))
    }
}

/// The transaction's thread: holds the transaction and runs what it is sent until told to
/// finish, or until the channel closes (then rolls back, as dropping a transaction does).
fn serve(db: &engine::Database, incoming: Receiver<Request>, started: Sender<Result<(), engine::Error>>) {
    let mut tx = match db.transaction() {
        Ok(tx) => tx,
        Err(e) => {
            let _ = started.send(Err(e));
            return;
        }
    };
    if started.send(Ok(())).is_err() {
        // The caller gave up waiting (Ctrl-C): nothing was done, and dropping rolls back nothing.
        return;
    }
    while let Ok(request) = incoming.recv() {
        match request {
            Request::Execute { query, params, cancel, reply } => {
                let _ = reply.send(tx.execute_cancellable(&query, params, &cancel));
            }
            Request::Finish { commit, reply } => {
                let done = if commit {
                    tx.commit()
                } else {
                    tx.rollback();
                    Ok(())
                };
                let _ = reply.send(done);
                return;
            }
        }
    }
}

/// Waits for `answer` with the GIL released, looking for Ctrl-C every few milliseconds (signals
/// reach Python only on the main thread, holding the GIL). On Ctrl-C, `cancel` (if any) is
/// raised and the answer waited for before `KeyboardInterrupt` is raised; without one, the
/// interrupt is raised at once and the other thread left to finish on its own.
pub(crate) fn wait<T: Send>(py: Python<'_>, answer: Receiver<T>, cancel: Option<&CancelFlag>) -> PyResult<T> {
    let mut answer = answer;
    loop {
        // The receiver goes to the detached closure and back: it may be moved between threads,
        // not shared.
        let (waited, back) = py.detach(move || (answer.recv_timeout(Duration::from_millis(20)), answer));
        answer = back;
        match waited {
            Ok(result) => return Ok(result),
            Err(RecvTimeoutError::Timeout) => {
                if let Err(interrupt) = py.check_signals() {
                    if let Some(cancel) = cancel {
                        cancel.cancel();
                        let _ = py.detach(move || answer.recv());
                    }
                    return Err(interrupt);
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(Error::new_err("the statement's thread ended without an answer"));
            }
        }
    }
}

/// Kùzu's transaction statements, recognised in `Connection.execute`: the engine's grammar has
/// no transaction control (a transaction is an object in the API).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Control {
    Begin,
    Commit,
    Rollback,
}

pub(crate) fn control(query: &str) -> Option<Control> {
    let words: Vec<String> =
        query.trim().trim_end_matches(';').split_whitespace().map(|w| w.to_ascii_uppercase()).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["BEGIN", "TRANSACTION"] | ["BEGIN", "TRANSACTION", "READ", "ONLY"] | ["BEGIN"] => {
            Some(Control::Begin)
        }
        ["COMMIT"] | ["COMMIT", "TRANSACTION"] => Some(Control::Commit),
        ["ROLLBACK"] | ["ROLLBACK", "TRANSACTION"] => Some(Control::Rollback),
        _ => None,
    }
}
