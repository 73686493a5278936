//! Reading one page of a list from DynamoDB, newest first, and the page answered.

use crate::input::encode_cursor;

/// A page of results and the cursor of the next one.
#[derive(Debug)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> ListPage<T> {
    pub fn to_json(&self, item: impl Fn(&T) -> serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "items": self.items.iter().map(item).collect::<Vec<_>>(),
            "next_cursor": self.next_cursor,
        })
    }
}

/// One page of a key-ordered partition, newest first: the list shape every merchant-scoped
/// collection shares. `sort_key` is the attribute the cursor carries, unique in its partition.
pub(crate) struct NewestFirst<'a> {
    pub table: &'a str,
    pub index: Option<&'a str>,
    pub partition: (&'a str, String),
    pub sort_key: &'a str,
    pub limit: u32,
    pub after: Option<String>,
}

impl NewestFirst<'_> {
    pub(crate) async fn fetch<T: serde::de::DeserializeOwned>(
        self,
        app: &crate::App,
        cursor_of: impl Fn(&T) -> &str,
    ) -> Result<ListPage<T>, super::StoreError> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let (pk_name, pk_value) = self.partition;
        let mut query = app
            .dynamodb
            .query()
            .table_name(self.table)
            .set_index_name(self.index.map(str::to_owned))
            .expression_attribute_names("#pk", pk_name)
            .expression_attribute_values(":pk", AttributeValue::S(pk_value))
            .scan_index_forward(false)
            .limit(self.limit as i32);
        // The next page is the keys below the last one: a key condition rather than a start
        // key, which on an index would also need the table's own key of the last item.
        query = match self.after {
            Some(after) => query
                .key_condition_expression("#pk = :pk AND #sk < :after")
                .expression_attribute_names("#sk", self.sort_key)
                .expression_attribute_values(":after", AttributeValue::S(after)),
            None => query.key_condition_expression("#pk = :pk"),
        };
        let out = query.send().await.map_err(super::classify)?;
        let items: Vec<T> = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(super::from_item)
            .collect::<Result<_, _>>()?;
        let next_cursor = match (&out.last_evaluated_key, items.last()) {
            (Some(_), Some(last)) => Some(encode_cursor(cursor_of(last))),
            _ => None,
        };
        Ok(ListPage { items, next_cursor })
    }
}

/// A page by number, and how many items the list holds: the paging of OwnPay's API.
#[derive(Debug)]
pub struct NumberedPage<T> {
    pub items: Vec<T>,
    /// Items counted, at most [`NUMBERED_CAP`].
    pub total: u64,
}

/// The most items a numbered list counts or pages through. DynamoDB has no offsets, so page
/// `n` is found by reading every key before it: past this many items, narrow the list (by
/// time or status) instead.
pub const NUMBERED_CAP: u64 = 10_000;

/// A filter on the items of a [`Numbered`] list, applied by DynamoDB as it reads.
pub(crate) struct Filter {
    pub expression: String,
    pub names: std::collections::HashMap<String, String>,
    pub values: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
}

/// Page `page` (from 1) of a key-ordered partition, newest first, and its total: reads the
/// index's keys (as DynamoDB bills them, the items' sizes) up to [`NUMBERED_CAP`], then fetches
/// the page's items from the table by `key`.
pub(crate) struct Numbered<'a> {
    pub table: &'a str,
    pub index: &'a str,
    pub partition: (&'a str, String),
    pub sort_key: &'a str,
    /// The table's own key attributes, which the page's items are read back by.
    pub key: &'a [&'a str],
    /// Inclusive bounds of the sort key.
    pub range: Option<(String, String)>,
    pub filter: Option<Filter>,
    pub page: u32,
    pub per_page: u32,
}

impl Numbered<'_> {
    pub(crate) async fn fetch<T: serde::de::DeserializeOwned>(
        self,
        app: &crate::App,
    ) -> Result<NumberedPage<T>, super::StoreError> {
        use std::collections::HashMap;

        use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
        let skip = u64::from(self.page.saturating_sub(1)) * u64::from(self.per_page);
        let mut wanted: Vec<HashMap<String, AttributeValue>> = Vec::new();
        let identity = |item: &HashMap<String, AttributeValue>| {
            self.key
                .iter()
                .map(|k| {
                    item.get(*k)
                        .and_then(|v| v.as_s().ok())
                        .cloned()
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut total: u64 = 0;
        let mut start = None;
        loop {
            let mut names = HashMap::from([("#pk".to_owned(), self.partition.0.to_owned())]);
            for (i, k) in self.key.iter().enumerate() {
                names.insert(format!("#k{i}"), (*k).to_owned());
            }
            let mut values = HashMap::from([(
                ":pk".to_owned(),
                AttributeValue::S(self.partition.1.clone()),
            )]);
            let mut condition = "#pk = :pk".to_owned();
            if let Some((lo, hi)) = &self.range {
                condition.push_str(" AND #sk BETWEEN :lo AND :hi");
                names.insert("#sk".into(), self.sort_key.to_owned());
                values.insert(":lo".into(), AttributeValue::S(lo.clone()));
                values.insert(":hi".into(), AttributeValue::S(hi.clone()));
            }
            let mut query = app
                .dynamodb
                .query()
                .table_name(self.table)
                .index_name(self.index)
                .key_condition_expression(condition)
                .projection_expression(
                    (0..self.key.len())
                        .map(|i| format!("#k{i}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                )
                .scan_index_forward(false)
                .set_exclusive_start_key(start.take());
            if let Some(filter) = &self.filter {
                query = query.filter_expression(&filter.expression);
                names.extend(filter.names.clone());
                values.extend(filter.values.clone());
            }
            let out = query
                .set_expression_attribute_names(Some(names))
                .set_expression_attribute_values(Some(values))
                .send()
                .await
                .map_err(super::classify)?;
            for item in out.items.unwrap_or_default() {
                if total >= NUMBERED_CAP {
                    break;
                }
                if total >= skip && wanted.len() < self.per_page as usize {
                    wanted.push(item);
                }
                total += 1;
            }
            match out.last_evaluated_key {
                Some(key) if total < NUMBERED_CAP => start = Some(key),
                _ => break,
            }
        }
        if wanted.is_empty() {
            return Ok(NumberedPage {
                items: Vec::new(),
                total,
            });
        }
        let keys = wanted.clone();
        let mut pending = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .build()
                .map_err(|e| super::StoreError::corrupt(self.table, e))?,
        );
        let mut found: HashMap<String, T> = HashMap::new();
        // BatchGetItem may answer part of a batch; what it did not read is asked for again.
        for _ in 0..5 {
            let Some(request) = pending.take() else { break };
            let out = app
                .dynamodb
                .batch_get_item()
                .request_items(self.table, request)
                .send()
                .await
                .map_err(super::classify)?;
            for item in out
                .responses
                .and_then(|mut r| r.remove(self.table))
                .unwrap_or_default()
            {
                found.insert(identity(&item), super::from_item(item)?);
            }
            pending = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(self.table))
                .filter(|k| !k.keys().is_empty());
        }
        if pending.is_some() {
            return Err(super::StoreError::Throttled(
                "a page's items were left unread".into(),
            ));
        }
        Ok(NumberedPage {
            items: wanted
                .iter()
                .filter_map(|k| found.remove(&identity(k)))
                .collect(),
            total,
        })
    }
}
