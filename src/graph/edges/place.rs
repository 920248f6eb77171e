//! Placing entries in their rows in bulk, each row keeping the order the entries come in: the
//! incoming rows from the outgoing ones, and the outgoing rows of an unsorted load.
//!
//! Writing each entry straight where it goes misses the cache on every write once the rows outgrow
//! it (three misses an entry for three arrays). Instead a first pass appends each entry to its
//! bucket of consecutive rows, a few hundred write streams, each sequential; a second sorts each
//! bucket into its rows, a bucket being small enough to stay in the cache. The entries are split
//! across the machine's cores for the first pass (each thread appending to its own piece of every
//! bucket, sized by a count beforehand), the buckets for the second.

use std::ops::Range;

/// Below this many entries, one thread is quicker than starting more, and the rows fit in the
/// last-level cache: each entry is written straight where it goes, in one pass.
const PARALLEL_FROM: usize = 1 << 20;

/// About this many buckets: every bucket is a write stream into each column, so fewer buckets make
/// the first pass quicker, until a bucket outgrows the cache the second pass sorts it in. Measured
/// on a scale-20 load (16 M entries, 1 M rows, 2 cores): the two passes took 240-260 ms with 64
/// buckets, 250-290 ms with 32, 270-310 ms with 16, 280-300 ms with 256.
const BUCKETS: usize = 64;

/// At most this many rows per bucket: a row's place in its bucket fits two bytes.
const BUCKET_ROWS_AT_MOST: usize = 1 << 16;

/// Entries to place, in the order their rows keep them, each numbered by its index below `span`.
pub(super) trait Entries<T>: Sync {
    /// One past the highest index (some indexes below it may have no entry).
    fn span(&self) -> usize;

    /// Calls `each(row, first, second, code)` for every entry whose index is in `indexes`, in order.
    fn each_in(&self, indexes: Range<usize>, each: impl FnMut(usize, u32, u32, T));
}

/// Where entries go: `first[q]`, `second[q]` (unless `second` is empty) and `codes[q]` for the
/// entry placed at `q`.
pub(super) struct Places<'a, T> {
    pub first: &'a mut [u32],
    pub second: &'a mut [u32],
    pub codes: &'a mut [T],
}

/// Places, with each one's row within its bucket beside them.
struct Piece<'a, T> {
    first: &'a mut [u32],
    second: &'a mut [u32],
    codes: &'a mut [T],
    low: &'a mut [u16],
}

impl<'a, T> Piece<'a, T> {
    /// The first `len` places, leaving the rest in `self`.
    fn split_off_front(&mut self, len: usize) -> Piece<'a, T> {
        let second_len = if self.second.is_empty() { 0 } else { len };
        let (first, rest) = std::mem::take(&mut self.first).split_at_mut(len);
        self.first = rest;
        let (second, rest) = std::mem::take(&mut self.second).split_at_mut(second_len);
        self.second = rest;
        let (codes, rest) = std::mem::take(&mut self.codes).split_at_mut(len);
        self.codes = rest;
        let (low, rest) = std::mem::take(&mut self.low).split_at_mut(len);
        self.low = rest;
        Piece { first, second, codes, low }
    }
}

/// How rows fall into buckets.
#[derive(Clone, Copy)]
struct Buckets {
    rows: usize,
    shift: u32,
    count: usize,
}

impl Buckets {
    fn of(rows: usize) -> Buckets {
        let bucket_rows = rows.div_ceil(BUCKETS).next_power_of_two().min(BUCKET_ROWS_AT_MOST);
        Buckets { rows, shift: bucket_rows.trailing_zeros(), count: rows.div_ceil(bucket_rows) }
    }

    /// Bucket `b`'s rows (none past the last bucket).
    fn rows_of(self, b: usize) -> Range<usize> {
        (b << self.shift).min(self.rows)..((b + 1) << self.shift).min(self.rows)
    }

    /// Where bucket `b`'s entries begin in rows of `offsets` (the end of them all past the last).
    fn first_place(self, offsets: &[u32], b: usize) -> usize {
        offsets[self.rows_of(b).start] as usize
    }
}

/// Places every entry of `entries` in its row of `offsets` (row `r` holds places
/// `offsets[r]..offsets[r + 1]`, which the entries must fill exactly), rows in entry order.
pub(super) fn place<T, E>(offsets: &[u32], entries: &E, places: Places<'_, T>)
where
    T: Copy + Default + Send + Sync,
    E: Entries<T>,
{
    let rows = offsets.len() - 1;
    let total = offsets[rows] as usize;
    if total < PARALLEL_FROM {
        place_directly(offsets, entries, places);
    } else {
        let threads = crate::parallel::threads().min(4);
        place_in_buckets(offsets, entries, places, threads);
    }
}

/// [`place`] in two passes, on `threads` threads.
fn place_in_buckets<T, E>(offsets: &[u32], entries: &E, places: Places<'_, T>, threads: usize)
where
    T: Copy + Default + Send + Sync,
    E: Entries<T>,
{
    let rows = offsets.len() - 1;
    let total = offsets[rows] as usize;
    let buckets = Buckets::of(rows);
    let span = entries.span();
    let shares: Vec<Range<usize>> =
        (0..threads).map(|t| span * t / threads..span * (t + 1) / threads).collect();
    // How many entries of each share fall in each bucket: the size of each share's piece of it.
    let counts: Vec<Vec<u32>> = on_threads(shares.clone(), |share| {
        let mut count = vec![0u32; buckets.count];
        entries.each_in(share, |row, _, _, _| count[row >> buckets.shift] += 1);
        count
    });
    let Places { first, second, codes } = places;
    let mut low = vec![0u16; total];
    let mut all = Piece { first: &mut *first, second: &mut *second, codes: &mut *codes, low: &mut low };
    let mut pieces: Vec<Vec<Piece<T>>> = (0..threads).map(|_| Vec::with_capacity(buckets.count)).collect();
    for b in 0..buckets.count {
        for (share_pieces, count) in pieces.iter_mut().zip(&counts) {
            share_pieces.push(all.split_off_front(count[b] as usize));
        }
    }
    on_threads(shares.into_iter().zip(pieces).collect(), |(share, mut pieces)| {
        let mut filled = vec![0usize; buckets.count];
        entries.each_in(share, |row, a, b, code| {
            let bucket = row >> buckets.shift;
            let (piece, q) = (&mut pieces[bucket], filled[bucket]);
            filled[bucket] += 1;
            piece.first[q] = a;
            if let Some(second) = piece.second.get_mut(q) {
                *second = b;
            }
            piece.codes[q] = code;
            piece.low[q] = (row - (bucket << buckets.shift)) as u16;
        });
    });
    // Each bucket now holds its entries in order, one share after the other; sorting each bucket
    // by row, stably, puts them in their rows. The buckets are split across threads by entries.
    let mut all = Piece { first, second, codes, low: &mut low };
    let bucket_place = |b: usize| buckets.first_place(offsets, b);
    let mut parts = Vec::with_capacity(threads);
    let mut from = 0;
    for t in 1..=threads {
        let target = total * t / threads;
        let until = (from..buckets.count).find(|&b| bucket_place(b) >= target).unwrap_or(buckets.count);
        let until = if t == threads { buckets.count } else { until };
        parts.push((from..until, all.split_off_front(bucket_place(until) - bucket_place(from))));
        from = until;
    }
    on_threads(parts, |(bucket_range, piece)| sort_buckets(offsets, buckets, bucket_range, piece));
}

/// [`place`] in one pass on this thread, for rows that fit in the cache.
fn place_directly<T: Copy, E: Entries<T>>(offsets: &[u32], entries: &E, places: Places<'_, T>) {
    let Places { first, second, codes } = places;
    let mut fill = offsets[..offsets.len() - 1].to_vec();
    entries.each_in(0..entries.span(), |row, a, b, code| {
        let q = fill[row] as usize;
        fill[row] += 1;
        first[q] = a;
        if let Some(second) = second.get_mut(q) {
            *second = b;
        }
        codes[q] = code;
    });
}

/// Runs `work` on each item, on a thread of its own when there are several; the results in order.
fn on_threads<I: Send, R: Send>(items: Vec<I>, work: impl Fn(I) -> R + Sync) -> Vec<R> {
    if items.len() < 2 {
        return items.into_iter().map(work).collect();
    }
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items.into_iter().map(|item| scope.spawn(move || work(item))).collect();
        // A panic in a worker is a bug here; passing it on keeps its message.
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

/// Sorts the entries of buckets `bucket_range`, held in `piece` (which starts at the first one's
/// first place), into their rows, stably.
fn sort_buckets<T: Copy>(offsets: &[u32], buckets: Buckets, bucket_range: Range<usize>, piece: Piece<'_, T>) {
    let Piece { first, second, codes, low } = piece;
    let with_second = !second.is_empty();
    let Some(base) = bucket_range.clone().next().map(|b| buckets.first_place(offsets, b)) else {
        return;
    };
    let place_of = |row: usize| offsets[row] as usize - base;
    let (mut firsts, mut seconds, mut bucket_codes) = (Vec::new(), Vec::new(), Vec::new());
    let mut row_fill = vec![0usize; 1 << buckets.shift];
    for bucket in bucket_range {
        let rows = buckets.rows_of(bucket);
        let (from, to) = (place_of(rows.start), place_of(rows.end));
        if to - from < 2 {
            continue;
        }
        for (slot, row) in row_fill.iter_mut().zip(rows) {
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
        fn span(&self) -> usize {
            self.0.len()
        }

        fn each_in(&self, indexes: Range<usize>, mut each: impl FnMut(usize, u32, u32, u8)) {
            for &(row, a, b, code) in &self.0[indexes] {
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

    /// How `placed_by` places: as `place` chooses, or in buckets on this many threads.
    #[derive(Clone, Copy, Debug)]
    enum Way {
        AsChosen,
        Buckets(usize),
    }

    fn placed_by(
        way: Way,
        rows: usize,
        entries: &[(usize, u32, u32, u8)],
        with_second: bool,
    ) -> Vec<(u32, u32, u8)> {
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
        match way {
            Way::AsChosen => place(&offsets, &Listed(entries.to_vec()), columns),
            Way::Buckets(threads) => place_in_buckets(&offsets, &Listed(entries.to_vec()), columns, threads),
        }
        (0..n).map(|q| (first[q], second.get(q).copied().unwrap_or(0), codes[q])).collect()
    }

    /// Rows spanning many buckets, skewed like a real graph, in one part and in several.
    #[test]
    fn entries_land_in_their_rows_in_order() {
        for (rows, count) in
            [(1, 5), (300, 1000), (5_000, 40_000), (1, 70_000), (70_000, PARALLEL_FROM + 12_345)]
        {
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
            let without: Vec<_> = want.iter().map(|&(a, _, c)| (a, 0, c)).collect();
            for way in [Way::AsChosen, Way::Buckets(1), Way::Buckets(3)] {
                let at = format!("{rows} rows, {count} entries, {way:?}");
                assert_eq!(placed_by(way, rows, &entries, true), want, "{at}");
                assert_eq!(placed_by(way, rows, &entries, false), without, "{at}, no second column");
            }
        }
    }

    #[test]
    fn no_entries_no_rows() {
        for way in [Way::AsChosen, Way::Buckets(2)] {
            assert!(placed_by(way, 0, &[], true).is_empty());
            assert!(placed_by(way, 10, &[], false).is_empty());
        }
    }
}
