//! Values as the TCK writes them in result tables, and kgraph's values brought to the same form, so
//! that the two can be compared with the TCK's rules: `1` is not `1.0`; nodes and relationships are
//! compared by labels/type and properties; lists may be compared ignoring their order.

use std::collections::{BTreeMap, BTreeSet};

use kgraph::{Graph, Value};

#[derive(Debug, Clone)]
pub enum V {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<V>),
    Map(BTreeMap<String, V>),
    Node {
        labels: BTreeSet<String>,
        props: BTreeMap<String, V>,
    },
    Rel {
        ty: String,
        props: BTreeMap<String, V>,
    },
    /// Nodes and relationships alternating; each relationship with whether it points forward.
    Path {
        nodes: Vec<V>,
        rels: Vec<(V, bool)>,
    },
}

impl V {
    /// A canonical text: two values are equal under the TCK's rules when their keys are equal.
    pub fn key(&self, unordered_lists: bool) -> String {
        let mut s = String::new();
        self.write_key(&mut s, unordered_lists);
        s
    }

    fn write_key(&self, s: &mut String, unordered: bool) {
        let props = |s: &mut String, p: &BTreeMap<String, V>| {
            s.push('{');
            for (k, v) in p {
                s.push_str(k);
                s.push(':');
                v.write_key(s, unordered);
                s.push(',');
            }
            s.push('}');
        };
        match self {
            V::Null => s.push_str("null"),
            V::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
            V::Int(i) => s.push_str(&format!("i{i}")),
            V::Float(x) if x.is_nan() => s.push_str("fNaN"),
            // IEEE equality: negative zero equals zero.
            V::Float(x) if *x == 0.0 => s.push_str("f0.0"),
            V::Float(x) => s.push_str(&format!("f{x:?}")),
            V::Str(t) => s.push_str(&format!("s{t:?}")),
            V::List(items) => {
                let mut keys: Vec<String> = items.iter().map(|i| i.key(unordered)).collect();
                if unordered {
                    keys.sort();
                }
                s.push('[');
                s.push_str(&keys.join(","));
                s.push(']');
            }
            V::Map(m) => props(s, m),
            V::Node { labels, props: p } => {
                s.push('(');
                for l in labels {
                    s.push(':');
                    s.push_str(l);
                }
                props(s, p);
                s.push(')');
            }
            V::Rel { ty, props: p } => {
                s.push_str("[:");
                s.push_str(ty);
                props(s, p);
                s.push(']');
            }
            V::Path { nodes, rels } => {
                s.push('<');
                for (i, n) in nodes.iter().enumerate() {
                    if i > 0 {
                        let (r, forward) = &rels[i - 1];
                        s.push_str(if *forward { "-" } else { "<-" });
                        r.write_key(s, unordered);
                        s.push_str(if *forward { "->" } else { "-" });
                    }
                    n.write_key(s, unordered);
                }
                s.push('>');
            }
        }
    }
}

/// Brings a result value to the TCK's form.
pub fn from_value(graph: &Graph, v: &Value) -> V {
    let props = |p: &kgraph::graph::Properties| -> BTreeMap<String, V> {
        p.iter().map(|(k, v)| (graph.name(k).to_string(), from_value(graph, v))).collect()
    };
    match v {
        Value::Null => V::Null,
        Value::Bool(b) => V::Bool(*b),
        Value::Int(i) => V::Int(*i),
        Value::Float(x) => V::Float(*x),
        Value::String(s) => V::Str(s.clone()),
        // The TCK writes a temporal value as the string its toString gives.
        Value::Temporal(t) => V::Str(t.to_string()),
        Value::List(items) => V::List(items.iter().map(|i| from_value(graph, i)).collect()),
        Value::Map(m) => V::Map(m.iter().map(|(k, v)| (k.clone(), from_value(graph, v))).collect()),
        Value::Node(n) => V::Node {
            labels: graph.labels(*n).iter().map(|&l| graph.name(l).to_string()).collect(),
            props: props(graph.node_properties(*n)),
        },
        Value::Relationship(e) => V::Rel {
            ty: graph.edge_type(*e).map(|t| graph.name(t).to_string()).unwrap_or_default(),
            props: props(graph.edge_properties(*e)),
        },
        Value::Path(p) => V::Path {
            nodes: p.nodes.iter().map(|n| from_value(graph, &Value::Node(*n))).collect(),
            rels: p
                .relationships
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let forward = graph.endpoints(*e).is_none_or(|(a, _)| a == p.nodes[i]);
                    (from_value(graph, &Value::Relationship(*e)), forward)
                })
                .collect(),
        },
        // No TCK scenario returns one; compared as the stored entities they stand for.
        Value::VirtualNode(n) => V::Node {
            labels: n.labels.iter().cloned().collect(),
            props: n.properties.iter().map(|(k, v)| (k.clone(), from_value(graph, v))).collect(),
        },
        Value::VirtualRelationship(r) => V::Rel {
            ty: r.rel_type.clone(),
            props: r.properties.iter().map(|(k, v)| (k.clone(), from_value(graph, v))).collect(),
        },
    }
}

/// Parses a value as the TCK writes it.
pub fn parse(text: &str) -> Result<V, String> {
    let mut p = P { s: text.as_bytes(), text, i: 0 };
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("trailing text in `{text}` at {}", p.i));
    }
    Ok(v)
}

struct P<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected `{}` at {} in `{}`", c as char, self.i, self.text))
        }
    }

    fn word(&mut self, w: &str) -> bool {
        self.ws();
        if self.text[self.i..].starts_with(w) {
            self.i += w.len();
            true
        } else {
            false
        }
    }

    fn name(&mut self) -> Result<String, String> {
        self.ws();
        if self.peek() == Some(b'`') {
            self.i += 1;
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i] != b'`' {
                self.i += 1;
            }
            let n = self.text[start..self.i].to_string();
            self.eat(b'`')?;
            return Ok(n);
        }
        let start = self.i;
        while self.i < self.s.len() {
            let c = self.text[self.i..].chars().next().unwrap_or(' ');
            if c.is_alphanumeric() || c == '_' {
                self.i += c.len_utf8();
            } else {
                break;
            }
        }
        if start == self.i {
            return Err(format!("expected a name at {} in `{}`", self.i, self.text));
        }
        Ok(self.text[start..self.i].to_string())
    }

    fn props(&mut self) -> Result<BTreeMap<String, V>, String> {
        let mut m = BTreeMap::new();
        if self.peek() != Some(b'{') {
            return Ok(m);
        }
        self.eat(b'{')?;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(m);
        }
        loop {
            let k = self.name()?;
            self.eat(b':')?;
            let v = self.value()?;
            m.insert(k, v);
            match self.peek() {
                Some(b',') => self.i += 1,
                _ => break,
            }
        }
        self.eat(b'}')?;
        Ok(m)
    }

    fn node(&mut self) -> Result<V, String> {
        self.eat(b'(')?;
        let mut labels = BTreeSet::new();
        while self.peek() == Some(b':') {
            self.i += 1;
            labels.insert(self.name()?);
        }
        let props = self.props()?;
        self.eat(b')')?;
        Ok(V::Node { labels, props })
    }

    fn rel(&mut self) -> Result<V, String> {
        self.eat(b'[')?;
        self.eat(b':')?;
        let ty = self.name()?;
        let props = self.props()?;
        self.eat(b']')?;
        Ok(V::Rel { ty, props })
    }

    fn value(&mut self) -> Result<V, String> {
        match self.peek() {
            None => Err(format!("empty value in `{}`", self.text)),
            Some(b'\'') => self.string(),
            Some(b'(') => self.node(),
            Some(b'<') => {
                self.i += 1;
                let mut nodes = vec![self.node()?];
                let mut rels = Vec::new();
                while self.peek() != Some(b'>') {
                    let backward = self.word("<-");
                    if !backward {
                        self.eat(b'-')?;
                    }
                    let r = self.rel()?;
                    let forward = if backward {
                        self.eat(b'-')?;
                        false
                    } else {
                        self.word("->") || {
                            self.eat(b'-')?;
                            false
                        }
                    };
                    rels.push((r, forward));
                    nodes.push(self.node()?);
                }
                self.eat(b'>')?;
                Ok(V::Path { nodes, rels })
            }
            Some(b'[') => {
                let save = self.i;
                self.i += 1;
                if self.peek() == Some(b':') {
                    self.i = save;
                    return self.rel();
                }
                let mut items = Vec::new();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(V::List(items));
                }
                loop {
                    items.push(self.value()?);
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        _ => break,
                    }
                }
                self.eat(b']')?;
                Ok(V::List(items))
            }
            Some(b'{') => Ok(V::Map(self.props()?)),
            _ => {
                if self.word("null") {
                    return Ok(V::Null);
                }
                if self.word("true") {
                    return Ok(V::Bool(true));
                }
                if self.word("false") {
                    return Ok(V::Bool(false));
                }
                if self.word("NaN") {
                    return Ok(V::Float(f64::NAN));
                }
                if self.word("Inf") || self.word("Infinity") {
                    return Ok(V::Float(f64::INFINITY));
                }
                if self.word("-Inf") || self.word("-Infinity") {
                    return Ok(V::Float(f64::NEG_INFINITY));
                }
                self.number()
            }
        }
    }

    fn number(&mut self) -> Result<V, String> {
        let start = self.i;
        while self.i < self.s.len()
            && matches!(self.s[self.i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
        {
            self.i += 1;
        }
        let t = &self.text[start..self.i];
        if let Ok(i) = t.parse::<i64>() {
            return Ok(V::Int(i));
        }
        t.parse::<f64>().map(V::Float).map_err(|_| format!("cannot read `{t}` in `{}`", self.text))
    }

    fn string(&mut self) -> Result<V, String> {
        self.eat(b'\'')?;
        let mut out = String::new();
        let mut chars = self.text[self.i..].char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '\'' => {
                    self.i += at + 1;
                    return Ok(V::Str(out));
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, 'r')) => out.push('\r'),
                    Some((_, other)) => out.push(other),
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err(format!("unterminated string in `{}`", self.text))
    }
}
