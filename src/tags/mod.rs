//! Free keywords on articles ("từ khóa").

pub mod model;
