//! The payment-links API (create, read, list, change) and a customer's visit, which starts a
//! payment through the same create as `POST /payment-requests`.

use super::link::{Availability, LinkChange, NewLink, PaymentLink, Visit};
use crate::App;
use crate::auth::MerchantCaller;
use crate::auth::Permissions;
use crate::domain::{OrderUuid, Timestamp};
use crate::error::ApiError;
use crate::ids::{PaymentLinkId, new_ulid};
use crate::input::{JsonObject, ListParams};
use crate::payments::{self, NewPayment, Transaction};
use crate::store;
use crate::store::listing::ListPage;
use crate::tenant::{Tenant, find};

pub async fn create(
    app: &App,
    caller: &MerchantCaller,
    body: &JsonObject,
    origin: Option<&str>,
) -> Result<PaymentLink, ApiError> {
    let new = NewLink::parse(body)?;
    let base = payments::public_base(app, origin)?;
    let id = PaymentLinkId::generate();
    let now = Timestamp::now();
    let link = PaymentLink {
        url: format!("{base}/pay/{id}"),
        id,
        merchant_id: caller.merchant_id.clone(),
        title: new.title.into_string(),
        price: new.price,
        quantity_limit: new.quantity_limit,
        paid_count: 0,
        reserved: 0,
        active: new.active,
        success_url: new.success_url,
        cancel_url: new.cancel_url,
        metadata: new.metadata,
        created_at: now,
        updated_at: now,
    };
    store::links::insert(app, &link).await?;
    Ok(link)
}

pub async fn get(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
) -> Result<PaymentLink, ApiError> {
    find(app, caller, raw_id).await
}

pub async fn list(
    app: &App,
    caller: &MerchantCaller,
    page: &ListParams<PaymentLinkId>,
) -> Result<ListPage<PaymentLink>, ApiError> {
    Ok(store::links::list(app, &caller.merchant_id, page.limit, page.after.as_ref()).await?)
}

pub async fn update(
    app: &App,
    caller: &MerchantCaller,
    raw_id: &str,
    body: &JsonObject,
) -> Result<PaymentLink, ApiError> {
    let change = LinkChange::parse(body)?;
    let link: PaymentLink = find(app, caller, raw_id).await?;
    Ok(store::links::update(app, &link.id, &change, Timestamp::now()).await?)
}

/// A link as its page shows it: the link and the merchant's name.
pub struct LinkView {
    pub link: PaymentLink,
    pub merchant_name: String,
    /// Whether the merchant's account takes payments at all.
    pub merchant_active: bool,
    /// Payments a link may start per minute: the merchant's API rate limit, so a link shared
    /// widely cannot be used to flood the merchant's account and webhooks.
    pub visits_per_minute: u32,
}

impl LinkView {
    pub fn availability(&self) -> Availability {
        if self.merchant_active {
            self.link.availability()
        } else {
            Availability::Inactive
        }
    }
}

/// The link behind `/pay/{id}`, whoever owns it: the id is the only thing a visitor has.
pub async fn view(app: &App, raw_id: &str) -> Result<LinkView, ApiError> {
    let link: PaymentLink = find(app, Tenant::Any, raw_id).await?;
    let merchant = store::merchants::get(app, &link.merchant_id).await?;
    Ok(LinkView {
        link,
        merchant_name: merchant
            .as_ref()
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        visits_per_minute: merchant
            .as_ref()
            .map_or(crate::merchants::DEFAULT_RATE_LIMIT, |m| {
                m.rate_limit_per_minute
            }),
        merchant_active: merchant.is_some_and(|m| m.active),
    })
}

/// What a visit came to.
pub enum VisitOutcome {
    /// A transaction was created; the customer goes to its checkout.
    Started(Box<Transaction>),
    Invalid(ApiError),
    Unavailable(Availability),
    /// The link started as many payments this minute as it may; try again in `retry_after` s.
    Busy {
        retry_after: u64,
    },
}

/// A customer's visit: a new transaction of its own `order_uuid`, carrying the link's title,
/// metadata and return pages, and the link's id.
pub async fn visit(
    app: &App,
    view: &LinkView,
    form: &JsonObject,
    origin: Option<&str>,
) -> Result<VisitOutcome, ApiError> {
    let availability = view.availability();
    if availability != Availability::Open {
        return Ok(VisitOutcome::Unavailable(availability));
    }
    let link = &view.link;
    let visit = match Visit::parse(link, form) {
        Ok(v) => v,
        Err(e @ ApiError::Validation(_)) => return Ok(VisitOutcome::Invalid(e)),
        Err(e) => return Err(e),
    };
    let now = Timestamp::now();
    if !store::links::count_visit(app, &link.id, now, view.visits_per_minute).await? {
        return Ok(VisitOutcome::Busy {
            retry_after: (60 - now.unix().rem_euclid(60)) as u64,
        });
    }
    // A unit of the link's quantity is taken before the payment exists, so concurrent visits
    // never start more payments than the limit; it is given back if the payment is not made.
    if !store::links::reserve(app, &link.id, link.quantity_limit).await? {
        return Ok(VisitOutcome::Unavailable(Availability::Exhausted));
    }
    let started = start(app, link, visit, origin).await;
    if started.is_err()
        && let Err(e) = store::links::release(app, &link.id).await
    {
        tracing::error!(link_id = %link.id, error = %e, "a reserved unit was not given back");
    }
    started
}

/// The payment a visit starts.
async fn start(
    app: &App,
    link: &PaymentLink,
    visit: Visit,
    origin: Option<&str>,
) -> Result<VisitOutcome, ApiError> {
    let order_uuid = OrderUuid::parse(&format!("{}-{}", link.id, new_ulid()))
        .map_err(|e| ApiError::internal(format!("link order id: {e}")))?;
    let new = NewPayment {
        order_uuid,
        amount: visit.amount,
        email: visit.email,
        success_url: link.success_url.clone(),
        cancel_url: link.cancel_url.clone(),
        product_title: crate::payments::ShortText::parse(&link.title).ok(),
        first_name: None,
        last_name: None,
        metadata: link.metadata.clone(),
        payment_link_id: Some(link.id.clone()),
        return_style: Default::default(),
    };
    // The link acts for its merchant; no API key takes part.
    let caller = MerchantCaller {
        merchant_id: link.merchant_id.clone(),
        key_id: None,
        permissions: Permissions::full(),
    };
    let created = payments::create(app, &caller, new, None, origin).await?;
    Ok(VisitOutcome::Started(Box::new(created.transaction)))
}
