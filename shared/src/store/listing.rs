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
/// collection shares. `sort_key` is the attribute the cursor carries (always an id).
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
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", pk_name)
            .expression_attribute_values(":pk", AttributeValue::S(pk_value.clone()))
            .scan_index_forward(false)
            .limit(self.limit as i32);
        if let Some(after) = self.after {
            query = query
                .exclusive_start_key(pk_name, AttributeValue::S(pk_value))
                .exclusive_start_key(self.sort_key, AttributeValue::S(after));
        }
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
