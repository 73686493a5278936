//! DynamoDB request units of recorded calls, by DynamoDB's own sizing rules applied to the
//! items actually sent and received: a write is one unit per started KB of the item (two in a
//! transaction), a read one unit per started 4 KB (half when eventually consistent, two in a
//! transaction). Items an update changes in place are sized as stored after the run.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::proxy::Call;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Units {
    pub read: f64,
    pub write: f64,
}

impl std::ops::AddAssign for Units {
    fn add_assign(&mut self, o: Self) {
        self.read += o.read;
        self.write += o.write;
    }
}

/// Size in bytes of one attribute value (DynamoDB's item-size rules).
pub fn value_size(v: &Value) -> usize {
    let Some((kind, inner)) = v.as_object().and_then(|m| m.iter().next()) else {
        return 0;
    };
    match kind.as_str() {
        "S" => inner.as_str().map_or(0, str::len),
        "N" => number_size(inner.as_str().unwrap_or("0")),
        "B" => base64_len(inner.as_str().unwrap_or("")),
        "BOOL" | "NULL" => 1,
        "SS" => list(inner).map(|s| s.as_str().map_or(0, str::len)).sum(),
        "NS" => list(inner)
            .map(|s| number_size(s.as_str().unwrap_or("0")))
            .sum(),
        "BS" => list(inner)
            .map(|s| base64_len(s.as_str().unwrap_or("")))
            .sum(),
        "L" => 3 + list(inner).map(|e| 1 + value_size(e)).sum::<usize>(),
        "M" => {
            3 + inner
                .as_object()
                .map(|m| m.iter().map(|(k, e)| 1 + k.len() + value_size(e)).sum())
                .unwrap_or(0)
        }
        _ => 0,
    }
}

fn list(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// About one byte per two significant digits, plus one.
fn number_size(n: &str) -> usize {
    let digits = n
        .trim_start_matches('-')
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    let significant = digits
        .trim_start_matches('0')
        .trim_end_matches('0')
        .len()
        .max(1);
    significant.div_ceil(2) + 1
}

fn base64_len(s: &str) -> usize {
    s.len() / 4 * 3
}

pub fn item_size(item: &Map<String, Value>) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn write_units(size: usize) -> f64 {
    size.div_ceil(1024).max(1) as f64
}

fn read_units(size: usize, consistent: bool) -> f64 {
    let units = size.div_ceil(4096).max(1) as f64;
    if consistent { units } else { units / 2.0 }
}

/// Where to find the stored size of an item an update changed: (table, key) → bytes.
pub type StoredSizes = HashMap<(String, String), usize>;

/// The (table, key) of every item an update or condition check touched, to be sized as stored.
pub fn touched_items(calls: &[Call]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for call in calls {
        let Ok(req) = serde_json::from_slice::<Value>(&call.request) else {
            continue;
        };
        match call.op.as_str() {
            "DynamoDB.UpdateItem" | "DynamoDB.DeleteItem" => {
                out.push((str_of(&req["TableName"]), req["Key"].clone()));
            }
            "DynamoDB.TransactWriteItems" => {
                for t in list(&req["TransactItems"]) {
                    for kind in ["Update", "ConditionCheck", "Delete"] {
                        if let Some(op) = t.get(kind) {
                            out.push((str_of(&op["TableName"]), op["Key"].clone()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

pub fn key_of(table: &str, key: &Value) -> (String, String) {
    (table.to_owned(), key.to_string())
}

fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// The request units of one recorded call (zero for calls to other services).
pub fn units(call: &Call, stored: &StoredSizes) -> Units {
    let (Ok(req), Ok(res)) = (
        serde_json::from_slice::<Value>(&call.request),
        serde_json::from_slice::<Value>(&call.response),
    ) else {
        return Units::default();
    };
    let stored_size = |table: &Value, key: &Value| {
        stored
            .get(&key_of(table.as_str().unwrap_or_default(), key))
            .copied()
            .unwrap_or(0)
    };
    let consistent = req["ConsistentRead"].as_bool().unwrap_or(false);
    let mut u = Units::default();
    match call.op.as_str() {
        "DynamoDB.GetItem" => {
            let size = res["Item"].as_object().map_or(0, item_size);
            u.read = read_units(size, consistent);
        }
        "DynamoDB.Query" | "DynamoDB.Scan" => {
            let size: usize = list(&res["Items"])
                .filter_map(Value::as_object)
                .map(item_size)
                .sum();
            u.read = read_units(size, consistent);
        }
        "DynamoDB.BatchGetItem" => {
            for items in res["Responses"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
            {
                for item in list(items).filter_map(Value::as_object) {
                    u.read += read_units(item_size(item), consistent);
                }
            }
        }
        "DynamoDB.PutItem" => u.write = write_units(req["Item"].as_object().map_or(0, item_size)),
        "DynamoDB.UpdateItem" => u.write = write_units(stored_size(&req["TableName"], &req["Key"])),
        "DynamoDB.DeleteItem" => u.write = 1.0,
        "DynamoDB.BatchWriteItem" => {
            for requests in req["RequestItems"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
            {
                for r in list(requests) {
                    let size = r["PutRequest"]["Item"].as_object().map_or(0, item_size);
                    u.write += write_units(size);
                }
            }
        }
        "DynamoDB.TransactWriteItems" => {
            for t in list(&req["TransactItems"]) {
                let size = if let Some(item) = t["Put"]["Item"].as_object() {
                    item_size(item)
                } else {
                    ["Update", "ConditionCheck", "Delete"]
                        .iter()
                        .find_map(|k| t.get(*k))
                        .map_or(0, |op| stored_size(&op["TableName"], &op["Key"]))
                };
                u.write += 2.0 * write_units(size);
            }
        }
        "DynamoDB.TransactGetItems" => {
            for r in list(&res["Responses"]) {
                let size = r["Item"].as_object().map_or(0, item_size);
                u.read += 2.0 * read_units(size, true);
            }
        }
        _ => {}
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sizes_follow_dynamodb_rules() {
        let item = json!({
            "id": {"S": "txn_1"},          // 2 + 5
            "amount": {"N": "2500"},       // 6 + (2 significant digits → 1) + 1
            "paid": {"BOOL": true},        // 4 + 1
            "meta": {"M": {"k": {"S": "v"}}} // 4 + 3 + (1 + 1 + 1)
        });
        assert_eq!(item_size(item.as_object().unwrap()), 7 + 8 + 5 + 10);
        assert_eq!(write_units(1024), 1.0);
        assert_eq!(write_units(1025), 2.0);
        assert_eq!(read_units(10, false), 0.5);
    }
}
