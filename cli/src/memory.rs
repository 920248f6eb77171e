//! Where the `kgraph` process gets its memory. The library leaves this to the program using it.
//!
//! mimalloc rather than the system's allocator: an import makes a few small allocations per node and
//! per field while it parses, a snapshot load a few per node. Measured at scale 20 (1 M nodes, 16 M
//! relationships, 2 cores), the same code built both ways, runs interleaved: an import took
//! 2.56–2.68 s against 2.89–3.36 s, a load 0.52–0.60 s against 0.53–0.75 s; mimalloc holds more memory
//! while importing (710–755 MB at peak against 616 MB).
//!
//! Built without mimalloc's transparent huge pages (the `no_thp` feature). They cut a load's page
//! faults to almost none (0.36–0.41 s) when the memory had just been used by another process, but
//! on the shared virtual machines measured, a load after a few idle seconds (memory the host had
//! taken back) took 0.97–1.15 s with them against 0.55–0.57 s without, and an import was 10–30%
//! slower with them whatever the state. A user's first load is usually the cold one.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
