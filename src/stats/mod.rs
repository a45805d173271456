//! Visit statistics: hits counted in memory and written in batches, online presence,
//! counters per period in the site time zone, breakdowns and most-viewed articles.

pub mod classify;
pub mod collector;
pub mod http;
pub mod model;
pub mod periods;
