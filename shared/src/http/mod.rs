//! The HTTP edge shared by every function: reading an API Gateway request, and rendering every
//! answer (the `{success, data, message}` envelope, or the compatibility shape) with its headers.

mod body;
mod reply;
mod request;

pub use body::{JsonObject, parse_form_object, parse_json_object};
pub use reply::{Reply, base_headers, page_answer, page_headers, render_compat, render_envelope};
pub use request::{MAX_BODY_BYTES, Page, RequestCtx};
