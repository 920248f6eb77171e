//! Any bytes as a journal, twice: raw (checksums nearly always fail: framing, torn-tail and
//! corruption detection), and framed as records with correct checksums (the record decoder itself).
#![no_main]

use kgraph::db::decode_journal;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(scan) = decode_journal(data) {
        assert!(scan.valid_len as usize <= data.len());
        assert!(scan.torn || scan.valid_len as usize == data.len());
    }
    // Lines of the input become record payloads, each with a valid frame.
    let mut framed = Vec::new();
    for payload in data.split(|&b| b == b'\n') {
        framed.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        framed.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
        framed.extend_from_slice(payload);
    }
    if let Ok(scan) = decode_journal(&framed) {
        assert!(!scan.torn, "a journal of whole records has no torn tail");
        let seqs: Vec<u64> = scan.records.iter().map(|r| r.0).collect();
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "records out of sequence were accepted");
    }
});
