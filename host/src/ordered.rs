//! Parallel work whose results are used in order.
//!
//! Result trees are read on the thread pool a few at a time, while the
//! calling thread takes the finished ones in command-line order: log
//! messages and reports come out exactly as a sequential run would write
//! them, the reading of several trees overlaps, and only a few trees are
//! in memory at once.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;

/// Runs `work` on each item on the rayon pool, with at most one item more
/// in flight than the pool has threads, and passes each result to
/// `consume` on the calling thread in item order.
///
/// Stops at the first error `consume` returns (items already started
/// finish first). A panic in `work` resumes on the calling thread.
pub fn for_each_in_order<T, R, E>(
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(&T, R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Sync,
    R: Send,
{
    let in_flight = rayon::current_num_threads() + 1;
    let (sender, receiver) = mpsc::channel::<(usize, std::thread::Result<R>)>();
    let work = &work;
    rayon::in_place_scope_fifo(|scope| {
        let spawn = |index: usize| {
            let sender = sender.clone();
            let item = &items[index];
            scope.spawn_fifo(move |_| {
                let result = panic::catch_unwind(AssertUnwindSafe(|| work(item)));
                // The receiver is gone only when `consume` failed.
                let _ = sender.send((index, result));
            });
        };
        let mut next = in_flight.min(items.len());
        (0..next).for_each(spawn);
        let mut done = BTreeMap::new();
        for (index, item) in items.iter().enumerate() {
            let result = loop {
                if let Some(result) = done.remove(&index) {
                    break result;
                }
                // Every spawned task sends exactly once and `sender` lives
                // on in `spawn`, so the channel cannot be closed here.
                let Ok((finished, result)) = receiver.recv() else {
                    unreachable!("the ordered work channel closed early");
                };
                done.insert(finished, result);
            };
            if next < items.len() {
                spawn(next);
                next += 1;
            }
            match result {
                Ok(result) => consume(item, result)?,
                Err(payload) => panic::resume_unwind(payload),
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn results_arrive_in_item_order_with_bounded_work_in_flight() {
        let items: Vec<u64> = (0..40).collect();
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let mut seen = Vec::new();
        for_each_in_order(
            &items,
            |&item| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Later items finish first.
                std::thread::sleep(std::time::Duration::from_millis(40 - item));
                running.fetch_sub(1, Ordering::SeqCst);
                item * 2
            },
            |&item, doubled| {
                seen.push((item, doubled));
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        assert_eq!(seen, items.iter().map(|&i| (i, i * 2)).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= rayon::current_num_threads() + 1);
    }

    #[test]
    fn the_first_error_stops_consuming() {
        let items: Vec<u32> = (0..10).collect();
        let mut seen = Vec::new();
        let result = for_each_in_order(
            &items,
            |&item| item,
            |&item, _| {
                seen.push(item);
                if item == 3 { Err(item) } else { Ok(()) }
            },
        );
        assert_eq!(result, Err(3));
        assert_eq!(seen, [0, 1, 2, 3]);
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller() {
        let items = [1, 2, 3];
        let caught = panic::catch_unwind(|| {
            for_each_in_order(
                &items,
                |&item| {
                    if item == 2 {
                        panic!("boom {item}")
                    } else {
                        item
                    }
                },
                |_, _| Ok::<(), ()>(()),
            )
        });
        let payload = caught.unwrap_err();
        assert_eq!(payload.downcast_ref::<String>().unwrap(), "boom 2");
    }
}
