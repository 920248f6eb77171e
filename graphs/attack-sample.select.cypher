// Selects graphs/attack-sample.stix.json out of MITRE ATT&CK Enterprise 18.1 (run from the repository):
//   kgraph ../shared/data/enterprise-attack-18.1.json.gz -f graphs/attack-sample.select.cypher \
//          --export graphs/attack-sample.stix.json
// Twelve groups (the story's APT31, the groups analysts compare it with), the campaigns attributed to them,
// the software they use, the techniques either uses (and their parent techniques), MITRE's identity;
// revoked and deprecated objects left out; relationships keep their id, type and dates only.
MATCH (g:IntrusionSet) WHERE g.external_id IN ['G0128', 'G0007', 'G0016', 'G0096', 'G0022', 'G0065', 'G0129', 'G1017', 'G0032', 'G0034', 'G0010', 'G0094'] SET g:Keep;
MATCH (c:Campaign)-[:`attributed-to`]->(:Keep:IntrusionSet) SET c:Keep;
MATCH (x:Keep)-[:uses]->(s) WHERE (s:Malware OR s:Tool) AND NOT coalesce(s.revoked, false) AND NOT coalesce(s.x_mitre_deprecated, false) SET s:Keep;
MATCH (x:Keep)-[:uses]->(t:AttackPattern) WHERE NOT coalesce(t.revoked, false) AND NOT coalesce(t.x_mitre_deprecated, false) SET t:Keep;
MATCH (:Keep:AttackPattern)-[:`subtechnique-of`]->(p:AttackPattern) SET p:Keep;
MATCH (:Keep)-[:`created-by`]->(i:Identity) SET i:Keep;
MATCH (n) WHERE NOT n:Keep DETACH DELETE n;
MATCH (n:Keep) REMOVE n:Keep;
MATCH ()-[r]->() REMOVE r.description, r.object_marking_refs, r.x_mitre_modified_by_ref, r.created_by_ref, r.x_mitre_attack_spec_version, r.x_mitre_deprecated, r.revoked;
