//! Customer items: `id` (derived from the merchant and the e-mail address); index
//! `by_merchant` (`merchant_id`, `seq`) lists them newest first.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::dynamo::s;
use super::listing::{ListPage, NewestFirst, Numbered, NumberedPage};
use super::{StoreError, classify, get_item, put_item, to_item};
use crate::App;
use crate::customers::Customer;
use crate::domain::{Email, Metadata, Timestamp};
use crate::ids::{CustomerId, CustomerSeq, MerchantId};

#[derive(Serialize, Deserialize)]
struct CustomerItem {
    id: CustomerId,
    merchant_id: MerchantId,
    seq: CustomerSeq,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
    created_at: Timestamp,
}

impl From<&Customer> for CustomerItem {
    fn from(c: &Customer) -> Self {
        Self {
            id: c.id.clone(),
            merchant_id: c.merchant_id.clone(),
            seq: c.seq.clone(),
            email: c.email.as_ref().map(|e| e.as_str().to_owned()),
            name: c.name.clone(),
            phone: c.phone.clone(),
            metadata: c.metadata.as_map().clone(),
            created_at: c.created_at,
        }
    }
}

impl TryFrom<CustomerItem> for Customer {
    type Error = StoreError;

    fn try_from(i: CustomerItem) -> Result<Self, StoreError> {
        Ok(Self {
            email: i
                .email
                .as_deref()
                .map(Email::parse)
                .transpose()
                .map_err(|e| StoreError::corrupt(i.id.to_string(), e))?,
            id: i.id,
            merchant_id: i.merchant_id,
            seq: i.seq,
            name: i.name,
            phone: i.phone,
            metadata: Metadata::from_map(i.metadata),
            created_at: i.created_at,
        })
    }
}

/// Writes a new customer; `false` if the merchant already has one with this address.
pub async fn insert(app: &App, customer: &Customer) -> Result<bool, StoreError> {
    match put_item(
        app,
        &app.settings.customers_table,
        to_item(&CustomerItem::from(customer))?,
        Some("attribute_not_exists(id)"),
    )
    .await
    {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Records the customer a payment names, in one unconditional write: a new address becomes a
/// customer; a known one keeps what it has and gains only the name or telephone it lacked.
pub async fn record_seen(app: &App, customer: &Customer) -> Result<(), StoreError> {
    let item = to_item(&CustomerItem::from(customer))?;
    let mut sets = Vec::new();
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    for (i, (field, value)) in item.into_iter().filter(|(k, _)| k != "id").enumerate() {
        sets.push(format!("#f{i} = if_not_exists(#f{i}, :v{i})"));
        names.insert(format!("#f{i}"), field);
        values.insert(format!(":v{i}"), value);
    }
    app.dynamodb
        .update_item()
        .table_name(&app.settings.customers_table)
        .key("id", s(customer.id.to_string()))
        .update_expression(format!("SET {}", sets.join(", ")))
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .send()
        .await
        .map_err(classify)?;
    Ok(())
}

super::owned!(Customer, CustomerId, "customer", merchant_id);

pub async fn get(app: &App, id: &CustomerId) -> Result<Option<Customer>, StoreError> {
    get_item::<CustomerItem>(
        app,
        &app.settings.customers_table,
        ("id", id.to_string()),
        true,
    )
    .await?
    .map(Customer::try_from)
    .transpose()
}

pub async fn list(
    app: &App,
    merchant: &MerchantId,
    limit: u32,
    after: Option<&CustomerSeq>,
) -> Result<ListPage<Customer>, StoreError> {
    let page = NewestFirst {
        table: &app.settings.customers_table,
        index: Some("by_merchant"),
        partition: ("merchant_id", merchant.to_string()),
        sort_key: "seq",
        limit,
        after: after.map(ToString::to_string),
    }
    .fetch(app, |c: &CustomerItem| c.seq.as_str())
    .await?;
    Ok(ListPage {
        items: page
            .items
            .into_iter()
            .map(Customer::try_from)
            .collect::<Result<_, _>>()?,
        next_cursor: page.next_cursor,
    })
}

/// The merchant's newest customer with this telephone number, as written, reading at most
/// [`super::listing::NUMBERED_CAP`] customers (numbers have no index: lookups by number are
/// OwnPay's, and rare).
pub async fn find_by_phone(
    app: &App,
    merchant: &MerchantId,
    phone: &str,
) -> Result<Option<Customer>, StoreError> {
    let mut start = None;
    let mut read = 0u64;
    loop {
        let out = app
            .dynamodb
            .query()
            .table_name(&app.settings.customers_table)
            .index_name("by_merchant")
            .key_condition_expression("merchant_id = :m")
            .filter_expression("phone = :p")
            .expression_attribute_values(":m", s(merchant.to_string()))
            .expression_attribute_values(":p", s(phone))
            .scan_index_forward(false)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(classify)?;
        read += u64::try_from(out.scanned_count).unwrap_or_default();
        if let Some(item) = out.items.unwrap_or_default().into_iter().next() {
            return Customer::try_from(super::from_item::<CustomerItem>(item)?).map(Some);
        }
        match out.last_evaluated_key {
            Some(key) if read < super::listing::NUMBERED_CAP => start = Some(key),
            _ => return Ok(None),
        }
    }
}

/// Page `page` of a merchant's customers, `per_page` to a page, newest first, and how many
/// there are (see [`Numbered`]).
pub async fn numbered_page(
    app: &App,
    merchant: &MerchantId,
    page: u32,
    per_page: u32,
) -> Result<NumberedPage<Customer>, StoreError> {
    let found = Numbered {
        table: &app.settings.customers_table,
        index: "by_merchant",
        partition: ("merchant_id", merchant.to_string()),
        sort_key: "seq",
        key: &["id"],
        range: None,
        filter: None,
        page,
        per_page,
    }
    .fetch::<CustomerItem>(app)
    .await?;
    Ok(NumberedPage {
        items: found
            .items
            .into_iter()
            .map(Customer::try_from)
            .collect::<Result<_, _>>()?,
        total: found.total,
    })
}
