//! Decoding a chunk of nodes (version 3) straight from its bytes. The chunks are written by serde
//! as bincode 2's standard encoding of `Vec<NodeRecord>`; reading them back through serde's
//! visitors took a fifth of a large load's processor time, for a layout this small: every integer a
//! variable-length one, every list its length then its items, a value its variant then its
//! contents. Any change to how the parent module writes a chunk must be mirrored here; the tests
//! check this decoder against serde's on written chunks and on damaged ones.

use thin_vec::ThinVec;

use super::NodeRecord;
use crate::graph::{Labels, Properties, Sym};
use crate::value::Value;

/// One-byte integers go up to this; the tags above it announce a wider integer after them.
const SINGLE_BYTE_MAX: u8 = 250;
const U16_TAG: u8 = 251;
const U32_TAG: u8 = 252;
const U64_TAG: u8 = 253;

/// `Value`'s variants by serde's numbering (their order in `src/value.rs`), for those a stored
/// property may hold; the others are named only to be refused.
const BOOL: u32 = 1;
const INT: u32 = 2;
const FLOAT: u32 = 3;
const STRING: u32 = 4;
const LIST: u32 = 5;
/// Serialized as its ISO 8601 text (see `temporal`'s `Serialize`).
const TEMPORAL: u32 = 10;
const UNSTORABLE: [(u32, &str); 5] = [(0, "Null"), (6, "Map"), (7, "Node"), (8, "Relationship"), (9, "Path")];

/// The nodes of one chunk, which must use every byte of it.
pub(super) fn decode_chunk(bytes: &[u8]) -> Result<Vec<NodeRecord>, String> {
    let mut input = Input { bytes, at: 0 };
    let count = input.len()?;
    // A length is not trusted for memory: every node takes three bytes at least.
    let mut nodes = Vec::with_capacity(count.min(input.left() / 3));
    for _ in 0..count {
        nodes.push(input.node()?);
    }
    match input.left() {
        0 => Ok(nodes),
        left => Err(format!("{left} bytes left over in a chunk of nodes")),
    }
}

struct Input<'b> {
    bytes: &'b [u8],
    at: usize,
}

fn ended() -> String {
    "cannot decode the nodes: the chunk ends inside a node".into()
}

impl<'b> Input<'b> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize) -> Result<&'b [u8], String> {
        let taken = self.bytes.get(self.at..self.at.checked_add(n).ok_or_else(ended)?).ok_or_else(ended)?;
        self.at += n;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn byte(&mut self) -> Result<u8, String> {
        let byte = *self.bytes.get(self.at).ok_or_else(ended)?;
        self.at += 1;
        Ok(byte)
    }

    /// A variable-length integer of at most `widest_tag`'s width.
    fn varint(&mut self, widest_tag: u8) -> Result<u64, String> {
        let tag = self.byte()?;
        if tag <= SINGLE_BYTE_MAX {
            return Ok(u64::from(tag));
        }
        if tag > widest_tag {
            return Err(format!("cannot decode the nodes: integer tag {tag} where a narrower one belongs"));
        }
        Ok(match tag {
            U16_TAG => u64::from(u16::from_le_bytes(self.array()?)),
            U32_TAG => u64::from(u32::from_le_bytes(self.array()?)),
            _ => u64::from_le_bytes(self.array()?),
        })
    }

    fn u32(&mut self) -> Result<u32, String> {
        // The tag caps the width: no wider value can come out.
        self.varint(U32_TAG).map(|n| n as u32)
    }

    fn len(&mut self) -> Result<usize, String> {
        let n = self.varint(U64_TAG)?;
        usize::try_from(n).map_err(|_| format!("cannot decode the nodes: a length of {n}"))
    }

    fn i64(&mut self) -> Result<i64, String> {
        // Zigzag: the sign in the lowest bit.
        let n = self.varint(U64_TAG)?;
        Ok(((n >> 1) as i64) ^ -((n & 1) as i64))
    }

    fn node(&mut self) -> Result<NodeRecord, String> {
        let id = self.u32()?;
        let labels = self.labels()?;
        let count = self.len()?;
        // Each property takes three bytes at least.
        let mut properties = ThinVec::with_capacity(count.min(self.left() / 3));
        for _ in 0..count {
            let key = Sym(self.u32()?);
            properties.push((key, self.value(true)?));
        }
        Ok(NodeRecord { id, labels, properties: Properties::from_entries(properties) })
    }

    fn labels(&mut self) -> Result<Labels, String> {
        match self.len()? {
            0 => Ok(Labels::None),
            1 => Ok(Labels::One(Sym(self.u32()?))),
            count => {
                let mut labels = Vec::with_capacity(count.min(self.left()));
                for _ in 0..count {
                    labels.push(Sym(self.u32()?));
                }
                Ok(labels.into_iter().collect())
            }
        }
    }

    /// A value a property may hold: a scalar, or (`list_allowed`) a list of scalars.
    fn value(&mut self, list_allowed: bool) -> Result<Value, String> {
        let variant = self.u32()?;
        Ok(match variant {
            BOOL => match self.byte()? {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                other => return Err(format!("cannot decode the nodes: {other} is not a boolean")),
            },
            INT => Value::Int(self.i64()?),
            FLOAT => Value::Float(f64::from_le_bytes(self.array()?)),
            STRING => {
                let len = self.len()?;
                let text = std::str::from_utf8(self.take(len)?)
                    .map_err(|e| format!("cannot decode the nodes: a string is not UTF-8 ({e})"))?;
                Value::String(text.to_owned())
            }
            TEMPORAL => {
                let len = self.len()?;
                let text = std::str::from_utf8(self.take(len)?)
                    .map_err(|e| format!("cannot decode the nodes: a temporal value is not UTF-8 ({e})"))?;
                Value::Temporal(
                    crate::temporal::Temporal::from_canonical(text)
                        .map_err(|e| format!("cannot decode the nodes: {e}"))?,
                )
            }
            LIST if list_allowed => {
                let count = self.len()?;
                let mut items = Vec::with_capacity(count.min(self.left()));
                for _ in 0..count {
                    items.push(self.value(false)?);
                }
                Value::List(items)
            }
            LIST => return Err(unstorable("List")),
            _ => match UNSTORABLE.iter().find(|(v, _)| *v == variant) {
                // A list holding one of these cannot be stored either.
                Some((_, name)) => return Err(unstorable(if list_allowed { name } else { "List" })),
                None => return Err(format!("cannot decode the nodes: no value has variant {variant}")),
            },
        })
    }
}

/// As the graph's own check words it, for a value that decodes but cannot be stored.
fn unstorable(type_name: &str) -> String {
    format!("a property holds a {type_name}, which cannot be stored")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// Any value, storable or not, nested a little.
    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            any::<f64>().prop_map(Value::Float),
            ".{0,300}".prop_map(Value::String),
            any::<u32>().prop_map(|n| Value::Node(crate::graph::NodeId(n))),
        ];
        leaf.prop_recursive(2, 8, 4, |inner| {
            prop_oneof![
                8 => prop::collection::vec(inner.clone(), 0..4).prop_map(Value::List),
                1 => prop::collection::btree_map(".{0,3}", inner, 0..2)
                    .prop_map(|m: BTreeMap<String, Value>| Value::Map(m)),
            ]
        })
    }

    fn storable_value() -> impl Strategy<Value = Value> {
        any_value().prop_filter("storable", |v| v.is_storable() && !v.is_null())
    }

    type Written = (u32, Vec<u32>, Vec<(u32, Value)>);

    fn chunk(values: impl Strategy<Value = Value>) -> impl Strategy<Value = Vec<Written>> {
        let node = (
            any::<u32>(),
            prop::collection::vec(0u32..300, 0..4),
            prop::collection::vec((0u32..100_000, values), 0..5),
        );
        prop::collection::vec(node, 0..6)
    }

    /// What serde makes of the bytes, checked as a load checks it.
    fn by_serde(bytes: &[u8]) -> Result<Vec<NodeRecord>, ()> {
        let (nodes, used) =
            bincode::serde::decode_from_slice::<Vec<NodeRecord>, _>(bytes, bincode::config::standard())
                .map_err(|_| ())?;
        let storable =
            nodes.iter().flat_map(|n| n.properties.iter()).all(|(_, v)| v.is_storable() && !v.is_null());
        if used == bytes.len() && storable { Ok(nodes) } else { Err(()) }
    }

    fn same(a: &[NodeRecord], b: &[NodeRecord]) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                x.id == y.id
                    && x.labels == y.labels
                    && x.properties.len() == y.properties.len()
                    && x.properties
                        .iter()
                        .zip(y.properties.iter())
                        .all(|(p, q)| p.0 == q.0 && p.1.identical(q.1))
            })
    }

    fn agree(bytes: &[u8]) -> Result<(), TestCaseError> {
        match (decode_chunk(bytes), by_serde(bytes)) {
            (Ok(ours), Ok(theirs)) => prop_assert!(same(&ours, &theirs), "decoded differently: {bytes:?}"),
            (Err(_), Err(())) => {}
            (ours, theirs) => prop_assert!(
                false,
                "one decoder accepts, the other refuses ({:?} against {:?}): {bytes:?}",
                ours.map(|n| n.len()),
                theirs.map(|n| n.len())
            ),
        }
        Ok(())
    }

    fn encode(nodes: &[Written]) -> Vec<u8> {
        bincode::serde::encode_to_vec(nodes, bincode::config::standard()).expect("values always encode")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn written_chunks_decode_as_serde_decodes_them(nodes in chunk(storable_value())) {
            let bytes = encode(&nodes);
            let decoded = decode_chunk(&bytes).map_err(TestCaseError::fail)?;
            prop_assert_eq!(decoded.len(), nodes.len());
            agree(&bytes)?;
        }

        #[test]
        fn any_values_are_refused_or_taken_as_serde_does(nodes in chunk(any_value())) {
            agree(&encode(&nodes))?;
        }

        #[test]
        fn damaged_chunks_are_refused_or_taken_as_serde_does(
            nodes in chunk(storable_value()),
            damage in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
            cut in any::<prop::sample::Index>(),
            cut_it in any::<bool>(),
        ) {
            let mut bytes = encode(&nodes);
            if bytes.is_empty() {
                return Ok(());
            }
            for (at, byte) in damage {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if cut_it {
                bytes.truncate(cut.index(bytes.len()));
            }
            agree(&bytes)?;
        }

        #[test]
        fn random_bytes_are_refused_or_taken_as_serde_does(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            agree(&bytes)?;
        }
    }

    #[test]
    fn every_integer_width_and_a_left_over_byte() {
        let nodes: Vec<Written> = vec![
            (0, vec![], vec![]),
            (250, vec![251], vec![(65_535, Value::Int(-1))]),
            (70_000, vec![3, 1, 3], vec![(1, Value::Int(i64::MIN)), (2, Value::Int(i64::MAX))]),
            (u32::MAX, vec![u32::MAX], vec![(7, Value::List(vec![Value::Float(-0.0), Value::Bool(true)]))]),
        ];
        let mut bytes = encode(&nodes);
        let decoded = decode_chunk(&bytes).expect("a written chunk decodes");
        assert_eq!(decoded.iter().map(|n| n.id).collect::<Vec<_>>(), [0, 250, 70_000, u32::MAX]);
        assert_eq!(decoded[2].labels.as_slice(), [Sym(1), Sym(3)]);
        assert_eq!(decoded[2].properties.get(Sym(1)), Some(&Value::Int(i64::MIN)));
        agree(&bytes).expect("both decoders agree");
        bytes.push(0);
        assert_eq!(decode_chunk(&bytes).err().as_deref(), Some("1 bytes left over in a chunk of nodes"));
    }

    #[test]
    fn an_integer_is_read_at_any_width_its_type_allows_and_no_wider() {
        // One node, its id 5 written four bytes wide (legal), then eight bytes wide (too wide for a
        // u32), with no labels and no properties.
        let at_width = [1, U32_TAG, 5, 0, 0, 0, 0, 0];
        assert_eq!(decode_chunk(&at_width).map(|n| n[0].id), Ok(5));
        agree(&at_width).expect("both decoders agree");
        let too_wide = [1, U64_TAG, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(decode_chunk(&too_wide).is_err());
        agree(&too_wide).expect("both decoders agree");
    }

    #[test]
    fn an_unstorable_value_is_named() {
        let bytes = encode(&[(0, vec![], vec![(1, Value::Map(BTreeMap::new()))])]);
        assert_eq!(
            decode_chunk(&bytes).err().as_deref(),
            Some("a property holds a Map, which cannot be stored")
        );
        let bytes = encode(&[(0, vec![], vec![(1, Value::List(vec![Value::Null]))])]);
        assert_eq!(
            decode_chunk(&bytes).err().as_deref(),
            Some("a property holds a List, which cannot be stored")
        );
    }
}
