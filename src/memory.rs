//! Where the `kgraph` process gets its memory. The library leaves this to the program using it.
//!
//! mimalloc rather than the system's allocator: loading a snapshot allocates a few small blocks per
//! node (a property map and its strings), and an import as many while it parses. Measured at scale
//! 20 (1 M nodes, 16 M relationships, 2 cores): a snapshot load 0.52–0.57 s against the system
//! allocator's 0.60–0.80 s, an import 2.3–2.7 s against 2.5–3.1 s.
//!
//! Built without mimalloc's transparent huge pages (the `no_thp` feature). They cut a load's page
//! faults to almost none (0.36–0.41 s) when the memory had just been used by another process, but
//! on the shared virtual machines measured, a load after a few idle seconds (memory the host had
//! taken back) took 0.97–1.15 s with them against 0.55–0.57 s without, and an import was 10–30%
//! slower with them whatever the state. A user's first load is usually the cold one.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
