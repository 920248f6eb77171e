//! Where the `kgraph` process gets its memory. The library leaves this to the program using it.
//!
//! mimalloc rather than the system's allocator: loading a snapshot allocates a few small blocks per
//! node and fills hundreds of megabytes of fresh arrays, and mimalloc asks the kernel for huge pages
//! (transparent, 2 MiB) where the system's allocator gets 4 KiB ones, each a page fault of its own.
//! Measured on a scale-20 snapshot (16 M relationships, 2 cores): the load went from 0.63–0.67 s
//! to 0.41–0.44 s, its system time from 0.31–0.35 s to 0.05–0.09 s (docs/performance.md).

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for the rest of this process. For `kgraph import`, whose memory
/// comes and goes in large pieces as it reads: mimalloc's huge pages were cleared again and again
/// there (system time 1.2–2.5 s against 0.7–0.9 s without them, the import 10–30% slower). Only
/// speed is at stake, so a kernel that refuses is not an error.
pub fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
}
