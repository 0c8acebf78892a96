//! Which updates of a failing batch break the gates, with as few trials as possible.
//!
//! A trial installs a set of updates on top of the current environment and runs the gates; it
//! is expensive (a venv, an install, a test suite), so the search counts them. The batch is
//! split in halves recursively (adaptive group testing): a half that passes is kept whole, a
//! half that fails is split again, down to single updates, which are held back. The second half
//! is always tried on top of what the first half kept, so that two updates that only fail
//! together are caught: the later one (in the caller's order — put the most urgent first) is
//! held back and the earlier one kept. When the first half passes, the second half on top of
//! it is the parent set, already known to fail: that trial is skipped.
//!
//! With `k` breaking updates among `n`, the search runs about `k · log2(n)` trials rather than
//! `n`. The caller runs the whole batch first (and, when it fails, the batch with no update at
//! all: gates that fail without any update are not the updates' fault); [`isolate`] starts
//! after a failed batch.

/// The outcome of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isolation<T, R> {
    /// The updates kept: together they pass (the last passing trial had exactly these, or the
    /// set is empty).
    pub kept: Vec<T>,
    /// The updates held back, each with the failure of the trial that singled it out.
    pub held_back: Vec<(T, R)>,
    /// Trials run by the search (not counting the caller's first batch).
    pub trials: usize,
}

/// What the search asks of the caller: try a set of updates, `Ok` when the gates pass.
pub trait Trials<T, R> {
    fn trial(&mut self, updates: &[T]) -> Result<(), R>;
}

impl<T, R, F: FnMut(&[T]) -> Result<(), R>> Trials<T, R> for F {
    fn trial(&mut self, updates: &[T]) -> Result<(), R> {
        self(updates)
    }
}

/// Finds the updates of `batch` that break the gates. `batch` failed as a whole with
/// `failure`; the trials of [`Trials::trial`] always include every update kept so far.
pub fn isolate<T: Clone, R: Clone>(
    batch: &[T],
    failure: R,
    trials: &mut impl Trials<T, R>,
) -> Isolation<T, R> {
    let mut search = Search {
        kept: Vec::new(),
        held_back: Vec::new(),
        trials: 0,
    };
    search.failing(batch, failure, trials);
    Isolation {
        kept: search.kept,
        held_back: search.held_back,
        trials: search.trials,
    }
}

struct Search<T, R> {
    kept: Vec<T>,
    held_back: Vec<(T, R)>,
    trials: usize,
}

impl<T: Clone, R: Clone> Search<T, R> {
    /// `part` on top of `kept` is known to fail with `failure`.
    fn failing(&mut self, part: &[T], failure: R, trials: &mut impl Trials<T, R>) {
        if part.len() <= 1 {
            if let Some(update) = part.first() {
                self.held_back.push((update.clone(), failure));
            }
            return;
        }
        let (first, second) = part.split_at(part.len() / 2);
        let first_passed = match self.try_part(first, trials) {
            Ok(()) => true,
            Err(first_failure) => {
                self.failing(first, first_failure, trials);
                false
            }
        };
        if first_passed {
            // kept + first + second is the set that failed: no need to try it again.
            self.failing(second, failure, trials);
            return;
        }
        match self.try_part(second, trials) {
            Ok(()) => {}
            Err(second_failure) => self.failing(second, second_failure, trials),
        }
    }

    /// Tries `part` on top of what is kept; keeps it when it passes.
    fn try_part(&mut self, part: &[T], trials: &mut impl Trials<T, R>) -> Result<(), R> {
        let mut set = self.kept.clone();
        set.extend_from_slice(part);
        self.trials += 1;
        trials.trial(&set)?;
        self.kept = set;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gates that fail when any of `bad` is installed, or when every update of a pair in
    /// `conflicts` is; the failure names the culprits of the trial.
    fn gates(
        bad: &'static [u32],
        conflicts: &'static [(u32, u32)],
    ) -> impl FnMut(&[u32]) -> Result<(), String> {
        move |set: &[u32]| {
            let mut culprits: Vec<String> = set
                .iter()
                .filter(|update| bad.contains(update))
                .map(ToString::to_string)
                .collect();
            for (a, b) in conflicts {
                if set.contains(a) && set.contains(b) {
                    culprits.push(format!("{a}+{b}"));
                }
            }
            if culprits.is_empty() {
                Ok(())
            } else {
                Err(culprits.join(","))
            }
        }
    }

    fn run(
        n: u32,
        bad: &'static [u32],
        conflicts: &'static [(u32, u32)],
    ) -> Isolation<u32, String> {
        let batch: Vec<u32> = (0..n).collect();
        let mut trial = gates(bad, conflicts);
        let failure = trial(&batch).unwrap_err();
        let mut counted = |set: &[u32]| trial(set);
        isolate(&batch, failure, &mut counted)
    }

    fn held(isolation: &Isolation<u32, String>) -> Vec<u32> {
        let mut held: Vec<u32> = isolation.held_back.iter().map(|(u, _)| *u).collect();
        held.sort_unstable();
        held
    }

    #[test]
    fn one_breaking_update_among_sixteen_takes_five_trials() {
        let isolation = run(16, &[11], &[]);
        assert_eq!(held(&isolation), [11]);
        assert_eq!(isolation.kept.len(), 15);
        assert!(!isolation.kept.contains(&11));
        // 0-7 passes (1); 8-11 fails (2), so 8-9 (3) and 10 (4) pass and 11 is known to
        // fail; 12-15 must still be tried (5): it may hold a second culprit.
        assert_eq!(isolation.trials, 5);
        assert_eq!(isolation.held_back[0].1, "11");
    }

    #[test]
    fn every_breaking_update_is_found_and_the_rest_kept() {
        let isolation = run(20, &[0, 7, 8, 19], &[]);
        assert_eq!(held(&isolation), [0, 7, 8, 19]);
        assert_eq!(isolation.kept.len(), 16);
        // Far fewer than one trial per update.
        assert!(isolation.trials < 20, "{} trials", isolation.trials);
    }

    #[test]
    fn a_pair_that_fails_only_together_holds_back_the_later_one() {
        let isolation = run(8, &[], &[(2, 6)]);
        assert_eq!(held(&isolation), [6]);
        assert!(isolation.kept.contains(&2));
        assert_eq!(isolation.held_back[0].1, "2+6");
        assert_eq!(isolation.kept.len(), 7);
    }

    #[test]
    fn the_kept_set_passes_and_every_trial_includes_what_was_kept() {
        let batch: Vec<u32> = (0..13).collect();
        let mut seen: Vec<Vec<u32>> = Vec::new();
        let mut trial = gates(&[3, 4, 12], &[(1, 9)]);
        let failure = trial(&batch).unwrap_err();
        let mut recording = |set: &[u32]| {
            seen.push(set.to_vec());
            trial(set)
        };
        let isolation = isolate(&batch, failure, &mut recording);
        assert!(gates(&[3, 4, 12], &[(1, 9)])(&isolation.kept).is_ok());
        assert_eq!(seen.len(), isolation.trials);
        assert_eq!(held(&isolation), [3, 4, 9, 12]);
        // Each trial extends a set that passed before it (or starts from nothing).
        let mut passed: Vec<u32> = Vec::new();
        for set in &seen {
            assert!(
                set.starts_with(&passed),
                "{set:?} does not start with {passed:?}"
            );
            if gates(&[3, 4, 12], &[(1, 9)])(set).is_ok() {
                passed.clone_from(set);
            }
        }
    }

    #[test]
    fn a_batch_of_one_needs_no_trial() {
        let isolation = run(1, &[0], &[]);
        assert_eq!(held(&isolation), [0]);
        assert!(isolation.kept.is_empty());
        assert_eq!(isolation.trials, 0);
    }
}
