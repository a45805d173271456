//! Free keywords on articles ("từ khóa").

pub mod http;
pub mod model;
