//! The parameters of one call: `$name` in the statement, given with it.

use serde::Serialize;

use crate::error::Error;
use crate::query::Params;
use crate::value::Value;

/// What [`crate::Database::execute`] takes as a statement's parameters: `()` for none, the
/// [`crate::params!`] macro, a slice or array of `(name, value)` pairs, a map of names to values,
/// or anything `serde::Serialize` that is a map, wrapped in [`Serialized`].
pub trait IntoParams {
    /// The parameters by name; an error when they are not a map of names to values.
    fn into_params(self) -> Result<Params, Error>;
}

impl IntoParams for () {
    fn into_params(self) -> Result<Params, Error> {
        Ok(Params::new())
    }
}

impl IntoParams for Params {
    fn into_params(self) -> Result<Params, Error> {
        Ok(self)
    }
}

impl IntoParams for &Params {
    fn into_params(self) -> Result<Params, Error> {
        Ok(self.clone())
    }
}

impl<K: AsRef<str>, V: Into<Value> + Clone> IntoParams for &[(K, V)] {
    fn into_params(self) -> Result<Params, Error> {
        Ok(self.iter().map(|(k, v)| (k.as_ref().to_string(), v.clone().into())).collect())
    }
}

impl<K: AsRef<str>, V: Into<Value>, const N: usize> IntoParams for [(K, V); N] {
    fn into_params(self) -> Result<Params, Error> {
        Ok(self.into_iter().map(|(k, v)| (k.as_ref().to_string(), v.into())).collect())
    }
}

impl<K: AsRef<str>, V: Into<Value>> IntoParams for Vec<(K, V)> {
    fn into_params(self) -> Result<Params, Error> {
        Ok(self.into_iter().map(|(k, v)| (k.as_ref().to_string(), v.into())).collect())
    }
}

impl<K: AsRef<str>, V: Into<Value>, S> IntoParams for std::collections::HashMap<K, V, S> {
    fn into_params(self) -> Result<Params, Error> {
        Ok(self.into_iter().map(|(k, v)| (k.as_ref().to_string(), v.into())).collect())
    }
}

/// Parameters from anything `serde::Serialize` that serialises as a map (a struct, a map): each
/// field a parameter, numbers that are integers as integers.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Lookup { name: String, limit: i64 }
///
/// let db = kgraph::Database::in_memory();
/// db.execute("CREATE (:Actor {name: 'APT31'})", ()).unwrap();
/// let lookup = Lookup { name: "APT31".into(), limit: 5 };
/// let rows = db
///     .execute("MATCH (a:Actor {name: $name}) RETURN count(a) AS n LIMIT $limit", kgraph::Serialized(&lookup))
///     .unwrap();
/// assert_eq!(rows.first().unwrap().get::<i64>("n").unwrap(), 1);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Serialized<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> IntoParams for Serialized<'_, T> {
    fn into_params(self) -> Result<Params, Error> {
        let json = serde_json::to_value(self.0)
            .map_err(|e| Error::Parameters(format!("the parameters could not be serialised: {e}")))?;
        match Value::from(json) {
            Value::Map(map) => Ok(map),
            Value::Null => Ok(Params::new()),
            other => Err(Error::Parameters(format!(
                "the parameters must serialise as a map of names to values, not as a {}",
                other.type_name()
            ))),
        }
    }
}

/// Parameters by name, for [`crate::Database::execute`]: `params! { "name" => "APT31", "limit" => 5 }`.
///
/// ```
/// let db = kgraph::Database::in_memory();
/// let rows = db.execute("RETURN $a + $b AS sum", kgraph::params! { "a" => 1, "b" => 2 }).unwrap();
/// assert_eq!(rows.first().unwrap().get::<i64>("sum").unwrap(), 3);
/// ```
#[macro_export]
macro_rules! params {
    () => { $crate::Params::new() };
    ($($name:expr => $value:expr),+ $(,)?) => {{
        let mut params = $crate::Params::new();
        $( params.insert(::std::string::String::from($name), $crate::Value::from($value)); )+
        params
    }};
}
