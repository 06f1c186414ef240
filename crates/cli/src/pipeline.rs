//! Evaluating inputs on every core while keeping output in input order.
//!
//! Workers claim inputs in order, at most [`WINDOW`] ahead of the last one written, so memory
//! stays bounded however large the corpus is; the calling thread receives results, puts them
//! back in order and hands them to `consume`. A panic in a worker (a bug) becomes an error
//! for that input instead of taking the run down.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// How many inputs workers may be ahead of the writer.
const WINDOW: usize = 64;

struct Claims {
    next: usize,
    written: usize,
    stop: bool,
}

/// Runs `work` over `items` on `jobs` threads and calls `consume` with each result in item
/// order. `consume` returns false to stop early (e.g. the output pipe closed). `tick` is
/// called about every 200 ms while waiting, for progress display.
pub(crate) fn run<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    work: impl Fn(&T) -> R + Sync,
    on_panic: impl Fn(&T, String) -> R + Sync,
    mut consume: impl FnMut(R) -> bool,
    mut tick: impl FnMut(),
) {
    let claims = Mutex::new(Claims {
        next: 0,
        written: 0,
        stop: false,
    });
    let wake = Condvar::new();
    let (sender, receiver) = mpsc::channel::<(usize, R)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            let sender = sender.clone();
            let (claims, wake, work, on_panic) = (&claims, &wake, &work, &on_panic);
            scope.spawn(move || loop {
                let index = {
                    let mut state = claims.lock().unwrap_or_else(PoisonError::into_inner);
                    loop {
                        if state.stop || state.next >= items.len() {
                            return;
                        }
                        if state.next < state.written + WINDOW {
                            state.next += 1;
                            break state.next - 1;
                        }
                        state = wake.wait(state).unwrap_or_else(PoisonError::into_inner);
                    }
                };
                let Some(item) = items.get(index) else {
                    return;
                };
                let result =
                    catch_unwind(AssertUnwindSafe(|| work(item))).unwrap_or_else(|panic| {
                        let message = panic
                            .downcast_ref::<&str>()
                            .map(|s| (*s).to_owned())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "unknown panic".to_owned());
                        on_panic(item, message)
                    });
                if sender.send((index, result)).is_err() {
                    return;
                }
            });
        }
        drop(sender);
        let mut pending = BTreeMap::new();
        let mut next = 0;
        let mut stopped = false;
        loop {
            match receiver.recv_timeout(Duration::from_millis(200)) {
                Ok((index, result)) => {
                    pending.insert(index, result);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    tick();
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            while let Some(result) = pending.remove(&next) {
                next += 1;
                if !stopped && !consume(result) {
                    stopped = true;
                }
                let mut state = claims.lock().unwrap_or_else(PoisonError::into_inner);
                state.written = next;
                state.stop |= stopped;
                wake.notify_all();
            }
            tick();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_from_many_threads() {
        let items: Vec<u64> = (0..500).collect();
        let mut seen = Vec::new();
        run(
            &items,
            4,
            |i| {
                if i % 7 == 0 {
                    std::thread::sleep(Duration::from_micros(200));
                }
                i * 2
            },
            |_, _| 0,
            |r| {
                seen.push(r);
                true
            },
            || {},
        );
        assert_eq!(seen, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn a_panicking_item_becomes_an_error_result() {
        let items = [1, 2, 3];
        let mut seen = Vec::new();
        run(
            &items,
            2,
            |i| {
                if *i == 2 {
                    panic!("boom");
                }
                format!("ok {i}")
            },
            |i, message| format!("panic {i}: {message}"),
            |r| {
                seen.push(r);
                true
            },
            || {},
        );
        assert_eq!(seen, ["ok 1", "panic 2: boom", "ok 3"]);
    }
}
