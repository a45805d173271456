//! One portable schema for both backends: only types SQLite and PostgreSQL share.

diesel::table! {
    sources (id) {
        id -> BigInt,
        name -> Text,
        url -> Nullable<Text>,
        logo_url -> Nullable<Text>,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    categories (id) {
        id -> BigInt,
        name -> Text,
        slug -> Text,
        parent_id -> Nullable<BigInt>,
        position -> Integer,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        name -> Text,
        slug -> Text,
    }
}

diesel::table! {
    articles (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        summary -> Text,
        body_html -> Text,
        cover_url -> Nullable<Text>,
        cover_alt -> Nullable<Text>,
        cover_caption -> Nullable<Text>,
        cover_credit -> Nullable<Text>,
        author -> Nullable<Text>,
        source_id -> Nullable<BigInt>,
        source_url -> Nullable<Text>,
        category_id -> Nullable<BigInt>,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        allow_rating -> Bool,
        view_count -> BigInt,
        rating_count -> BigInt,
        rating_total -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> BigInt,
        tag_id -> BigInt,
    }
}

diesel::joinable!(articles -> sources (source_id));
diesel::joinable!(articles -> categories (category_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));

diesel::allow_tables_to_appear_in_same_query!(sources, categories, tags, articles, article_tags);
