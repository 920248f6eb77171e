//! MISP galaxies in: a cluster file (`{"type": "threat-actor", "values": [...]}`, as the MISP project
//! and analysts exchange them) becomes one node per value, labelled with the galaxy's type in
//! PascalCase (`threat-actor` → `ThreatActor`), named by the value and carrying its `uuid`, its
//! description and every `meta` field (synonyms, country, refs, …). Each `related`
//! entry becomes a relationship typed by its `type` (`similar`, `uses`, …) with the likelihood its
//! estimative-language tag gives. References to values outside the file are reported, never invented.
//!
//! A MISP actor and a STIX intrusion set of the same name or alias are the same group seen by two
//! sources: [`link_same_as`] joins them with `same-as` once both are in one graph.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::graph::{Direction, Graph, NodeId, Properties};
use crate::progress::{ITEMS_EVERY, Progress, Unit};
use crate::stix::{StixReport, abridged, label_for, scalar};
use crate::value::Value;

/// The property holding a value's uuid, as MISP names it (STIX objects carry `stix_id` instead).
pub const MISP_UUID: &str = "uuid";
/// The relationship joining a MISP actor to the STIX intrusion set it names.
pub const SAME_AS: &str = "same-as";
/// The most values one galaxy file may hold: the largest published galaxy has a few thousand.
const MAX_VALUES: usize = 1 << 20;
const LIKELIHOOD_TAG: &str = "estimative-language:likelihood-probability=";

/// Whether a JSON document is a galaxy cluster file: an object with a `values` list.
pub fn is_galaxy(document: &Json) -> bool {
    document.get("values").is_some_and(Json::is_array)
}

/// Builds the graph of a galaxy cluster file (see the module's description).
pub fn build(document: &Json, progress: &mut dyn Progress) -> Result<(Graph, StixReport), &'static str> {
    let values = document.get("values").and_then(Json::as_array).ok_or("no \"values\" list")?;
    if values.len() > MAX_VALUES {
        return Err("more than 1,048,576 values");
    }
    let galaxy_type = document.get("type").and_then(Json::as_str).unwrap_or("galaxy-cluster");
    let galaxy_name = document.get("name").and_then(Json::as_str);
    let mut g = Graph::new();
    let mut report = StixReport { objects: values.len(), galaxy: true, ..StixReport::default() };
    let label = g.intern(&label_for(galaxy_type));
    let [name_key, uuid_key, description_key, galaxy_key] =
        ["name", MISP_UUID, "description", "galaxy"].map(|k| g.intern(k));
    let mut by_uuid: HashMap<&str, NodeId> = HashMap::new();
    let total = Some(values.len() as u64);
    progress.stage("creating nodes", total, Unit::Items);
    for (i, v) in values.iter().enumerate() {
        if (i as u64).is_multiple_of(ITEMS_EVERY) {
            progress.advance(i as u64);
        }
        let (Some(name), Some(uuid)) =
            (v.get("value").and_then(Json::as_str), v.get("uuid").and_then(Json::as_str))
        else {
            report
                .problems
                .push(format!("a value without \"value\" or \"uuid\" was skipped: {}", abridged(v)));
            continue;
        };
        if by_uuid.contains_key(uuid) {
            report.problems.push(format!("{name} ({uuid}): the uuid appears twice; the second was skipped"));
            continue;
        }
        let mut props = Properties::default();
        // Meta first, so that the value's own fields win over a meta field of the same name.
        if let Some(meta) = v.get("meta").and_then(Json::as_object) {
            for (key, field) in meta {
                if let Some(value) = since(key, field).or_else(|| property_value(field)) {
                    let key = g.intern(key);
                    props.set(key, value);
                }
            }
        }
        props.set(name_key, Value::from(name));
        props.set(uuid_key, Value::from(uuid));
        if let Some(description) = v.get("description").and_then(Json::as_str) {
            props.set(description_key, Value::from(description));
        }
        if let Some(galaxy) = galaxy_name {
            props.set(galaxy_key, Value::from(galaxy));
        }
        by_uuid.insert(uuid, g.add_node(&[label], props));
        report.nodes += 1;
    }
    progress.stage("creating relationships", total, Unit::Items);
    let [likelihood_key, tags_key] = ["likelihood", "tags"].map(|k| g.intern(k));
    for (i, v) in values.iter().enumerate() {
        if (i as u64).is_multiple_of(ITEMS_EVERY) {
            progress.advance(i as u64);
        }
        let Some(&from) = v.get("uuid").and_then(Json::as_str).and_then(|u| by_uuid.get(u)) else {
            continue;
        };
        let name = v.get("value").and_then(Json::as_str).unwrap_or_default();
        for related in v.get("related").and_then(Json::as_array).into_iter().flatten() {
            let (Some(dest), Some(ty)) =
                (related.get("dest-uuid").and_then(Json::as_str), related.get("type").and_then(Json::as_str))
            else {
                report
                    .problems
                    .push(format!("{name}: a related entry needs dest-uuid and type: {}", abridged(related)));
                continue;
            };
            let Some(&to) = by_uuid.get(dest) else {
                report.problems.push(format!("{name}: related ({ty}) {dest} is not in the galaxy"));
                continue;
            };
            let mut props = Properties::default();
            let tags: Vec<&str> = related
                .get("tags")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .collect();
            if let Some(likelihood) = tags.iter().find_map(|t| t.strip_prefix(LIKELIHOOD_TAG)) {
                props.set(likelihood_key, Value::from(likelihood.trim_matches('"')));
            }
            if !tags.is_empty() {
                props.set(tags_key, Value::List(tags.iter().map(|&t| Value::from(t)).collect()));
            }
            let ty = g.intern(ty);
            // Both ends were created above from this file's values.
            g.add_edge(from, to, ty, props).expect("both ends exist");
            report.relationships += 1;
        }
    }
    g.prepare_reads();
    Ok((g, report))
}

/// `since`, the year a group was first seen (`"2017"`), as a date: the first day of that year, so
/// that it compares with other dates. Any other text stays text.
fn since(key: &str, field: &Json) -> Option<Value> {
    let text = field.as_str().filter(|_| key == "since")?.trim();
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    crate::temporal::parse(crate::temporal::Kind::Date, text).ok().map(Value::Temporal)
}

/// A meta field as a property: a scalar, or a list of scalars; anything nested as its JSON text.
fn property_value(field: &Json) -> Option<Value> {
    match field {
        Json::Null => None,
        Json::Array(items) => match items.iter().map(scalar).collect::<Option<Vec<Value>>>() {
            Some(list) => Some(Value::List(list)),
            None => Some(Value::List(items.iter().map(|i| Value::from(i.to_string().as_str())).collect())),
        },
        Json::Object(_) => Some(Value::from(field.to_string().as_str())),
        other => scalar(other),
    }
}

/// The names a node goes by: its `name` and each of `alias_keys`' strings, each as written and
/// folded to lower case (for matching).
fn names_of(g: &Graph, n: NodeId, alias_keys: &[&str]) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = Vec::new();
    let mut add = |v: &Value| {
        if let Value::String(s) = v {
            let folded = s.trim().to_lowercase();
            if !folded.is_empty() && !names.iter().any(|(f, _)| *f == folded) {
                names.push((folded, s.trim().to_string()));
            }
        }
    };
    if let Some(v) = g.node_property(n, "name") {
        add(v);
    }
    for key in alias_keys {
        match g.node_property(n, key) {
            Some(Value::List(items)) => items.iter().for_each(&mut add),
            Some(v) => add(v),
            None => {}
        }
    }
    names
}

/// Joins every MISP actor (a node with a `uuid` and no `stix_id`) to each STIX intrusion set (`IntrusionSet`,
/// with a `stix_id`) that shares a name or alias with it, by a `same-as` relationship from the actor
/// carrying the shared name as `name`; pairs already joined are left alone. Returns how many it added.
pub fn link_same_as(g: &mut Graph) -> usize {
    let (Some(set_label), Some(_)) = (g.symbol("IntrusionSet"), g.symbol(MISP_UUID)) else {
        return 0;
    };
    // Each set under each of its names (folded), with the name as the set writes it.
    let mut sets_by_name: HashMap<String, Vec<(NodeId, String)>> = HashMap::new();
    let mut at = None;
    while let Some(n) = g.next_node(at, Some(set_label)) {
        at = Some(n);
        if g.node_property(n, crate::stix::STIX_ID).is_none() {
            continue;
        }
        for (folded, written) in names_of(g, n, &["aliases", "x_mitre_aliases"]) {
            sets_by_name.entry(folded).or_default().push((n, written));
        }
    }
    if sets_by_name.is_empty() {
        return 0;
    }
    let actors: Vec<NodeId> = g
        .nodes()
        .filter(|&n| {
            g.node_property(n, MISP_UUID).is_some() && g.node_property(n, crate::stix::STIX_ID).is_none()
        })
        .collect();
    let same_as = g.intern(SAME_AS);
    let name_key = g.intern("name");
    let mut added = 0;
    let mut linked = Vec::new();
    for actor in actors {
        let mut targets: Vec<(NodeId, String)> = Vec::new();
        for (folded, _) in names_of(g, actor, &["synonyms"]) {
            for (set, written) in sets_by_name.get(&folded).into_iter().flatten() {
                if !targets.iter().any(|(s, _)| s == set) {
                    targets.push((*set, written.clone()));
                }
            }
        }
        if targets.is_empty() {
            continue;
        }
        g.neighbours(actor, Direction::Outgoing, &[same_as], &mut linked);
        for (set, name) in targets {
            if linked.iter().any(|&(_, other)| other == set) {
                continue;
            }
            let mut props = Properties::default();
            props.set(name_key, Value::from(name.as_str()));
            // Both ends are nodes of this graph, found above.
            g.add_edge(actor, set, same_as, props).expect("both ends exist");
            added += 1;
        }
        linked.clear();
    }
    if added > 0 {
        g.prepare_reads();
    }
    added
}
