//! The HTTP edge shared by every function: reading an API Gateway request, and rendering every
//! answer (the `{success, data, message, code}` envelope, the compatibility shape, or an HTML
//! page) with its headers.

mod reply;
mod request;

pub use reply::{
    Reply, base_headers, html_answer, html_headers, render_compat, render_envelope, render_ownpay,
};
pub use request::{MAX_BODY_BYTES, RequestCtx};
