//! Parallel work handed on in order: worker threads that live for the whole run take the
//! next input as soon as they finish one, while the calling thread consumes the results in
//! input order — so parsing the next files overlaps the engine's work on the last ones, and
//! a slow input never holds back the idle workers. How far the workers may run ahead is
//! bounded by the inputs' weight (bytes of text), so memory stays bounded too.

use std::any::Any;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// A worker's result, or the panic it ended in (re-raised on the calling thread).
type Outcome<R> = Result<R, Box<dyn Any + Send>>;

/// What the workers and the consumer share.
struct Shared<R> {
    /// The next input no worker has taken.
    taken: usize,
    /// The next input the consumer needs.
    consumed: usize,
    /// Weight of the inputs taken but not yet consumed.
    ahead: u64,
    /// Finished results the consumer has not reached.
    done: BTreeMap<usize, Outcome<R>>,
    /// Set when the consumer stops early: workers take nothing more.
    stop: bool,
}

struct Pipeline<R> {
    shared: Mutex<Shared<R>>,
    /// Signalled when a result is finished.
    finished: Condvar,
    /// Signalled when the consumer takes a result (room ahead) or stops.
    room: Condvar,
}

impl<R> Pipeline<R> {
    fn lock(&self) -> MutexGuard<'_, Shared<R>> {
        // A panic is carried as a value, never while the lock is held: poison is harmless.
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Runs `work` on every input on `workers` threads and hands each result to `consume` in
/// input order on the calling thread. Workers keep at most `ahead` weight (by `weight`) of
/// unconsumed inputs, beyond the one the consumer waits for. The first error `consume`
/// returns stops the run (workers finish what they hold and take nothing more) and is
/// returned; a panic in `work` or `consume` is raised here once the workers have stopped.
/// `weight` must not panic (it runs outside the workers' guard).
pub(crate) fn for_each_in_order<I, R, E>(
    inputs: &[I],
    workers: usize,
    ahead: u64,
    weight: impl Fn(&I) -> u64 + Sync,
    work: impl Fn(&I) -> R + Sync,
    mut consume: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    I: Sync,
    R: Send,
{
    if workers <= 1 || inputs.len() <= 1 {
        return inputs.iter().try_for_each(|input| consume(work(input)));
    }
    let pipeline = Pipeline {
        shared: Mutex::new(Shared { taken: 0, consumed: 0, ahead: 0, done: BTreeMap::new(), stop: false }),
        finished: Condvar::new(),
        room: Condvar::new(),
    };
    let (pipeline, weight, work) = (&pipeline, &weight, &work);
    std::thread::scope(|scope| {
        for _ in 0..workers.min(inputs.len()) {
            scope.spawn(move || run_worker(pipeline, inputs, ahead, weight, work));
        }
        // Whatever ends the run — the last result, an error, a panic in `consume` — the
        // workers must stop and not wait for room that never comes, or the scope would wait
        // for them forever.
        let _stop = StopOnDrop(pipeline);
        consume_in_order(pipeline, inputs, weight, &mut consume)
    })
}

/// Stops the workers when the consumer is done, however it got there.
struct StopOnDrop<'p, R>(&'p Pipeline<R>);

impl<R> Drop for StopOnDrop<'_, R> {
    fn drop(&mut self) {
        self.0.lock().stop = true;
        self.0.room.notify_all();
    }
}

fn run_worker<I, R>(
    pipeline: &Pipeline<R>,
    inputs: &[I],
    ahead: u64,
    weight: &(impl Fn(&I) -> u64 + Sync),
    work: &(impl Fn(&I) -> R + Sync),
) {
    let mut shared = pipeline.lock();
    loop {
        if shared.stop || shared.taken >= inputs.len() {
            return;
        }
        let index = shared.taken;
        let load = weight(&inputs[index]);
        // The input the consumer waits for is always taken: that is what keeps it moving.
        if index > shared.consumed && shared.ahead + load > ahead {
            shared = pipeline.room.wait(shared).unwrap_or_else(PoisonError::into_inner);
            continue;
        }
        shared.taken += 1;
        shared.ahead += load;
        drop(shared);
        let outcome = catch_unwind(AssertUnwindSafe(|| work(&inputs[index])));
        shared = pipeline.lock();
        shared.done.insert(index, outcome);
        pipeline.finished.notify_all();
    }
}

fn consume_in_order<I, R, E>(
    pipeline: &Pipeline<R>,
    inputs: &[I],
    weight: &(impl Fn(&I) -> u64 + Sync),
    consume: &mut impl FnMut(R) -> Result<(), E>,
) -> Result<(), E> {
    for (index, input) in inputs.iter().enumerate() {
        let outcome = {
            let mut shared = pipeline.lock();
            loop {
                if let Some(outcome) = shared.done.remove(&index) {
                    shared.consumed = index + 1;
                    shared.ahead -= weight(input);
                    break outcome;
                }
                shared = pipeline.finished.wait(shared).unwrap_or_else(PoisonError::into_inner);
            }
        };
        pipeline.room.notify_all();
        match outcome {
            Ok(result) => consume(result)?,
            Err(panic) => resume_unwind(panic),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    #[test]
    fn results_arrive_in_input_order_whatever_order_they_finish_in() {
        let inputs: Vec<u64> = (0..200).collect();
        let mut seen = Vec::new();
        let result: Result<(), ()> = for_each_in_order(
            &inputs,
            3,
            10,
            |_| 1,
            |&n| {
                // Early inputs take longest, so later ones finish first.
                std::thread::sleep(std::time::Duration::from_micros((200 - n) * 20));
                n * 2
            },
            |doubled| {
                seen.push(doubled);
                Ok(())
            },
        );
        assert_eq!(result, Ok(()));
        assert_eq!(seen, inputs.iter().map(|n| n * 2).collect::<Vec<_>>());
    }

    #[test]
    fn workers_never_run_further_ahead_than_the_weight_allows() {
        let inputs: Vec<u64> = (0..100).collect();
        let (ahead, peak) = (AtomicU64::new(0), AtomicU64::new(0));
        let result: Result<(), ()> = for_each_in_order(
            &inputs,
            4,
            30,
            |_| 10,
            |_| {
                let now = ahead.fetch_add(10, Ordering::SeqCst) + 10;
                peak.fetch_max(now, Ordering::SeqCst);
            },
            |()| {
                // The consumer is slow: the workers would run far ahead if let.
                std::thread::sleep(std::time::Duration::from_micros(200));
                ahead.fetch_sub(10, Ordering::SeqCst);
                Ok(())
            },
        );
        assert_eq!(result, Ok(()));
        // The budget, plus the one input the consumer waits for.
        assert!(peak.load(Ordering::SeqCst) <= 40, "{peak:?}");
    }

    #[test]
    fn the_first_error_stops_the_run_and_later_inputs_are_not_all_worked() {
        let inputs: Vec<usize> = (0..10_000).collect();
        let worked = AtomicUsize::new(0);
        let result = for_each_in_order(
            &inputs,
            2,
            8,
            |_| 1,
            |&n| {
                worked.fetch_add(1, Ordering::SeqCst);
                n
            },
            |n| if n == 5 { Err(format!("input {n} is bad")) } else { Ok(()) },
        );
        assert_eq!(result, Err("input 5 is bad".to_owned()));
        assert!(worked.load(Ordering::SeqCst) < 100, "{worked:?}");
    }

    #[test]
    fn a_panicking_worker_panics_the_caller_instead_of_hanging_it() {
        let inputs: Vec<usize> = (0..50).collect();
        let outcome = std::panic::catch_unwind(|| {
            let _: Result<(), ()> =
                for_each_in_order(&inputs, 2, 4, |_| 1, |&n| assert!(n != 17, "input 17"), |()| Ok(()));
        });
        assert!(outcome.is_err());
    }

    #[test]
    fn a_panicking_consumer_stops_the_workers_instead_of_hanging() {
        let inputs: Vec<usize> = (0..100).collect();
        let outcome = std::panic::catch_unwind(|| {
            let _: Result<(), ()> = for_each_in_order(
                &inputs,
                2,
                1,
                |_| 1,
                |&n| n,
                |n| {
                    assert!(n != 0, "input 0");
                    Ok(())
                },
            );
        });
        assert!(outcome.is_err());
    }

    #[test]
    fn one_worker_or_one_input_runs_on_the_calling_thread() {
        let caller = std::thread::current().id();
        let mut threads = Vec::new();
        let _: Result<(), ()> = for_each_in_order(
            &[1, 2, 3],
            1,
            1,
            |_| 1,
            |_| std::thread::current().id(),
            |id| {
                threads.push(id);
                Ok(())
            },
        );
        assert!(threads.iter().all(|&id| id == caller));
    }
}
