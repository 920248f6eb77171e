//! Any bytes as a journal, three ways: raw (framing, the header, torn-tail and corruption
//! detection), framed as records with correct checksums behind a valid header (the record decoder
//! itself), and the same records without the header (a journal of an older kgraph).
#![no_main]

use kgraph::db::decode_journal;
use libfuzzer_sys::fuzz_target;

/// The header of a journal continuing snapshot 0: magic, base, CRC-32 of the two.
fn header() -> Vec<u8> {
    let mut h = b"\x89KGJRNL\n".to_vec();
    h.extend_from_slice(&0u64.to_le_bytes());
    let crc = crc32fast::hash(&h);
    h.extend_from_slice(&crc.to_le_bytes());
    h
}

fn check(bytes: &[u8]) {
    if let Ok(scan) = decode_journal(bytes) {
        let dropped = scan.dropped.as_ref().map_or(0, |d| d.bytes.len());
        assert!(scan.valid_len as usize <= bytes.len());
        assert_eq!(scan.valid_len as usize + dropped, bytes.len(), "every byte is whole or dropped");
        let seqs: Vec<u64> = scan.statements.iter().map(|s| s.0).collect();
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "statements out of sequence were accepted");
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    // Lines of the input become record payloads, each with a valid frame.
    let mut framed = Vec::new();
    for payload in data.split(|&b| b == b'\n') {
        framed.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        framed.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
        framed.extend_from_slice(payload);
    }
    check(&framed);
    check(&[header(), framed].concat());
});
