//! Placing entries in their rows in bulk, each row keeping the order the entries come in: the
//! incoming rows from the outgoing ones, and the outgoing rows of an unsorted load.
//!
//! Writing each entry straight where it goes misses the cache on every write once the rows outgrow
//! it (three misses an entry for three arrays). Instead a first pass appends each entry to its
//! bucket of consecutive rows, a few hundred write streams, each sequential; a second sorts each
//! bucket into its rows, a bucket being small enough to stay in the cache. Both passes
//! are split by row across the machine's cores, each thread reading every entry and keeping its own
//! rows: two cores wait on memory twice as fast.

/// Below this many entries, one thread is quicker than starting more.
const PARALLEL_FROM: usize = 1 << 20;

/// At most about this many buckets per thread: every bucket is a write stream into each column,
/// and past a few hundred streams their pages no longer fit the processor's address cache (TLB),
/// which then misses on every write.
const BUCKETS: usize = 256;

/// At most this many rows per bucket: a row's place in its bucket fits two bytes.
const BUCKET_ROWS_AT_MOST: usize = 1 << 16;

/// Entries to place, in the order their rows keep them.
pub(super) trait Entries<T>: Sync {
    /// Calls `each(row, first, second, code)` for every entry, in order.
    fn each(&self, each: impl FnMut(usize, u32, u32, T));
}

/// Where entries go: `first[q]`, `second[q]` (unless `second` is empty) and `codes[q]` for the
/// entry placed at `q`.
pub(super) struct Places<'a, T> {
    pub first: &'a mut [u32],
    pub second: &'a mut [u32],
    pub codes: &'a mut [T],
}

impl<'a, T> Places<'a, T> {
    /// The first `len` places, leaving the rest in `self`.
    fn split_off_front(&mut self, len: usize) -> Places<'a, T> {
        let second_len = if self.second.is_empty() { 0 } else { len };
        let (first, rest) = std::mem::take(&mut self.first).split_at_mut(len);
        self.first = rest;
        let (second, rest) = std::mem::take(&mut self.second).split_at_mut(second_len);
        self.second = rest;
        let (codes, rest) = std::mem::take(&mut self.codes).split_at_mut(len);
        self.codes = rest;
        Places { first, second, codes }
    }
}

/// Places every entry of `entries` in its row of `offsets` (row `r` holds places
/// `offsets[r]..offsets[r + 1]`, which the entries must fill exactly), rows in entry order.
pub(super) fn place<T, E>(offsets: &[u32], entries: &E, mut columns: Places<'_, T>)
where
    T: Copy + Default + Send + Sync,
    E: Entries<T>,
{
    let bounds = row_ranges(offsets);
    let mut low = vec![0u16; columns.first.len()];
    let mut low_rest = low.as_mut_slice();
    std::thread::scope(|scope| {
        for part in bounds.windows(2) {
            let (lo, hi) = (part[0], part[1]);
            let len = (offsets[hi] - offsets[lo]) as usize;
            let part_columns = columns.split_off_front(len);
            let (part_low, rest) = std::mem::take(&mut low_rest).split_at_mut(len);
            low_rest = rest;
            let work = move || place_part(offsets, lo, hi, entries, part_columns, part_low);
            if bounds.len() == 2 {
                work();
            } else {
                scope.spawn(work);
            }
        }
    });
}

/// The node ranges to split rows across, one per thread, with about the same number of entries
/// each: `bounds[i]..bounds[i + 1]`.
fn row_ranges(offsets: &[u32]) -> Vec<usize> {
    let node_bound = offsets.len() - 1;
    let total = offsets[node_bound] as usize;
    let threads = if total < PARALLEL_FROM {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(4)
    };
    let mut bounds = vec![0usize];
    for k in 1..threads {
        let target = total * k / threads;
        let at = offsets.partition_point(|&o| (o as usize) < target).min(node_bound);
        bounds.push(at.max(bounds[bounds.len() - 1]));
    }
    bounds.push(node_bound);
    bounds
}

/// Places the entries of rows `lo..hi` in `columns`, which start at row `lo`'s first place;
/// `low` (as long) is scratch for each entry's row within its bucket.
fn place_part<T: Copy, E: Entries<T>>(
    offsets: &[u32],
    lo: usize,
    hi: usize,
    entries: &E,
    columns: Places<'_, T>,
    low: &mut [u16],
) {
    let Places { first, second, codes } = columns;
    let with_second = !second.is_empty();
    let base = offsets[lo];
    let place_of = |row: usize| (offsets[row] - base) as usize;
    let bucket_rows = (hi - lo).div_ceil(BUCKETS).next_power_of_two().min(BUCKET_ROWS_AT_MOST);
    let shift = bucket_rows.trailing_zeros();
    let buckets = (hi - lo).div_ceil(bucket_rows);
    let mut fill: Vec<usize> = (0..buckets).map(|b| place_of(lo + b * bucket_rows)).collect();
    entries.each(|row, a, b, code| {
        if (lo..hi).contains(&row) {
            let local = row - lo;
            let bucket = local >> shift;
            let q = fill[bucket];
            fill[bucket] += 1;
            first[q] = a;
            if with_second {
                second[q] = b;
            }
            codes[q] = code;
            low[q] = (local & (bucket_rows - 1)) as u16;
        }
    });
    drop(fill);
    // Each bucket now holds its entries in order; a stable counting sort by row puts them in
    // their rows.
    let (mut firsts, mut seconds, mut bucket_codes) = (Vec::new(), Vec::new(), Vec::new());
    let mut row_fill = vec![0usize; bucket_rows];
    for bucket in 0..buckets {
        let first_row = lo + bucket * bucket_rows;
        let end_row = (first_row + bucket_rows).min(hi);
        let (from, to) = (place_of(first_row), place_of(end_row));
        if to - from < 2 {
            continue;
        }
        for (slot, row) in row_fill.iter_mut().zip(first_row..end_row) {
            *slot = place_of(row);
        }
        firsts.clear();
        firsts.extend_from_slice(&first[from..to]);
        bucket_codes.clear();
        bucket_codes.extend_from_slice(&codes[from..to]);
        if with_second {
            seconds.clear();
            seconds.extend_from_slice(&second[from..to]);
        }
        for (i, &row) in low[from..to].iter().enumerate() {
            let q = row_fill[row as usize];
            row_fill[row as usize] += 1;
            first[q] = firsts[i];
            if with_second {
                second[q] = seconds[i];
            }
            codes[q] = bucket_codes[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Listed(Vec<(usize, u32, u32, u8)>);

    impl Entries<u8> for Listed {
        fn each(&self, mut each: impl FnMut(usize, u32, u32, u8)) {
            for &(row, a, b, code) in &self.0 {
                each(row, a, b, code);
            }
        }
    }

    /// What `place` must give: the entries sorted by row, stably.
    fn expected(entries: &[(usize, u32, u32, u8)]) -> Vec<(usize, u32, u32, u8)> {
        let mut sorted = entries.to_vec();
        sorted.sort_by_key(|e| e.0);
        sorted
    }

    fn placed(rows: usize, entries: &[(usize, u32, u32, u8)], with_second: bool) -> Vec<(u32, u32, u8)> {
        let mut offsets = vec![0u32; rows + 1];
        for e in entries {
            offsets[e.0 + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let n = entries.len();
        let (mut first, mut second, mut codes) =
            (vec![0u32; n], vec![0u32; if with_second { n } else { 0 }], vec![0u8; n]);
        let columns = Places { first: &mut first, second: &mut second, codes: &mut codes };
        place(&offsets, &Listed(entries.to_vec()), columns);
        (0..n).map(|q| (first[q], second.get(q).copied().unwrap_or(0), codes[q])).collect()
    }

    /// Rows spanning many buckets, skewed like a real graph, in one part and in several.
    #[test]
    fn entries_land_in_their_rows_in_order() {
        for (rows, count) in [(1, 5), (300, 1000), (5_000, 40_000), (70_000, PARALLEL_FROM + 12_345)] {
            let mut state = 0x9e37_79b9_7f4a_7c15u64;
            let entries: Vec<_> = (0..count)
                .map(|i| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // Squaring a uniform number skews the rows towards the low ones.
                    let r = (state % 1_000_003) as f64 / 1_000_003.0;
                    let row = ((r * r) * rows as f64) as usize;
                    (row.min(rows - 1), i as u32, (state >> 32) as u32, (i % 251) as u8)
                })
                .collect();
            let want: Vec<_> = expected(&entries).iter().map(|&(_, a, b, c)| (a, b, c)).collect();
            assert_eq!(placed(rows, &entries, true), want, "{rows} rows, {count} entries");
            let without: Vec<_> = want.iter().map(|&(a, _, c)| (a, 0, c)).collect();
            assert_eq!(placed(rows, &entries, false), without, "{rows} rows, no second column");
        }
    }

    #[test]
    fn no_entries_no_rows() {
        assert!(placed(0, &[], true).is_empty());
        assert!(placed(10, &[], false).is_empty());
    }
}
