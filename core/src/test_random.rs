//! A fixed pseudo-random stream for the unit tests that compare a fast path with the
//! reference one on generated values: xorshift64, so a failure reproduces.

/// Advances `state` one xorshift64 step and returns the new state.
pub(crate) fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}
