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
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        search_title -> Text,
        search_body -> Text,
        revision -> BigInt,
        trashed_at -> Nullable<Timestamp>,
        live -> Bool,
        allow_comments -> Bool,
        comment_count -> BigInt,
        cover_media_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> BigInt,
        tag_id -> BigInt,
    }
}

diesel::table! {
    article_counters (article_id) {
        article_id -> BigInt,
        view_count -> BigInt,
        rating_count -> BigInt,
        rating_total -> BigInt,
        rating_score -> BigInt,
    }
}

diesel::joinable!(articles -> sources (source_id));
diesel::joinable!(articles -> categories (category_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(article_counters -> articles (article_id));
diesel::allow_tables_to_appear_in_same_query!(sources, categories, tags, articles, article_tags, article_counters);

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Nullable<Text>,
        role -> Text,
        password_hash -> Text,
        disabled -> Bool,
        token_version -> BigInt,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        name -> Text,
        token_prefix -> Text,
        token_hash -> Text,
        scopes -> Text,
        created_by -> Nullable<BigInt>,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (throttle_key) {
        throttle_key -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    instance_settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, refresh_tokens);

diesel::table! {
    ratings (id) {
        id -> BigInt,
        article_id -> BigInt,
        reader_key -> Text,
        client_key -> Text,
        score -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        address_key -> Nullable<Text>,
    }
}

diesel::joinable!(ratings -> articles (article_id));
diesel::allow_tables_to_appear_in_same_query!(ratings, articles);

diesel::table! {
    stats_counters (metric, period) {
        metric -> Text,
        period -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    stats_breakdowns (day, dimension, item) {
        day -> Text,
        dimension -> Text,
        item -> Text,
        visits -> BigInt,
        page_views -> BigInt,
    }
}

diesel::table! {
    stats_article_views (article_id, day) {
        article_id -> BigInt,
        day -> Text,
        views -> BigInt,
    }
}

diesel::table! {
    stats_presence (visitor_key) {
        visitor_key -> Text,
        kind -> Text,
        last_seen -> Nullable<Timestamp>,
    }
}

diesel::table! {
    stats_article_presence (visitor_key, article_id) {
        visitor_key -> Text,
        article_id -> BigInt,
        last_seen -> Nullable<Timestamp>,
    }
}

diesel::joinable!(stats_article_views -> articles (article_id));
diesel::allow_tables_to_appear_in_same_query!(stats_article_views, articles);

diesel::table! {
    article_revisions (article_id, number) {
        article_id -> BigInt,
        number -> BigInt,
        snapshot -> Text,
        changed_fields -> Text,
        note -> Nullable<Text>,
        restored_from -> Nullable<BigInt>,
        actor_user_id -> Nullable<BigInt>,
        actor_token_id -> Nullable<BigInt>,
        actor_name -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(article_revisions -> articles (article_id));
diesel::allow_tables_to_appear_in_same_query!(article_revisions, articles);

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor_username -> Nullable<Text>,
        actor_token_id -> Nullable<BigInt>,
        actor_token_name -> Nullable<Text>,
        action -> Text,
        resource_type -> Text,
        resource_id -> Nullable<Text>,
        changed_fields -> Text,
        client_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        request_id -> Nullable<Text>,
        details -> Nullable<Text>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        events -> Text,
        description -> Nullable<Text>,
        active -> Bool,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamp>,
        failures_in_a_row -> Integer,
        disabled_reason -> Nullable<Text>,
        leased_until -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> BigInt,
        message_id -> Text,
        event_type -> Text,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_id -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_attempt_at -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_duration_ms -> Nullable<BigInt>,
        last_response -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cache_purges (id) {
        id -> BigInt,
        front_end -> Text,
        cache_keys -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::allow_tables_to_appear_in_same_query!(webhooks, webhook_events, webhook_deliveries);

diesel::table! {
    comments (id) {
        id -> BigInt,
        article_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        author_name -> Text,
        author_email -> Nullable<Text>,
        user_id -> Nullable<BigInt>,
        content -> Text,
        status -> Text,
        likes -> BigInt,
        dislikes -> BigInt,
        visitor_key -> Text,
        address_key -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        folded -> Text,
    }
}

diesel::table! {
    comment_reactions (comment_id, visitor_key) {
        comment_id -> BigInt,
        visitor_key -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    comment_reports (comment_id, visitor_key) {
        comment_id -> BigInt,
        visitor_key -> Text,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(comments -> articles (article_id));
diesel::allow_tables_to_appear_in_same_query!(comments, articles);

diesel::table! {
    media (id) {
        id -> BigInt,
        filename -> Text,
        mime_type -> Text,
        bytes -> BigInt,
        width -> BigInt,
        height -> BigInt,
        sha256 -> Text,
        alt -> Nullable<Text>,
        caption -> Nullable<Text>,
        credit -> Nullable<Text>,
        focal_x -> Double,
        focal_y -> Double,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        folded -> Text,
    }
}

diesel::joinable!(articles -> media (cover_media_id));
diesel::allow_tables_to_appear_in_same_query!(articles, media);

diesel::table! {
    banner_slots (id) {
        id -> BigInt,
        key -> Text,
        name -> Text,
        description -> Nullable<Text>,
        width -> Nullable<BigInt>,
        height -> Nullable<BigInt>,
        ordering -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    banners (id) {
        id -> BigInt,
        slot_id -> BigInt,
        title -> Text,
        kind -> Text,
        media_id -> Nullable<BigInt>,
        image_url -> Nullable<Text>,
        alt -> Nullable<Text>,
        target_url -> Text,
        open_in_new_tab -> Bool,
        publish_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        weight -> BigInt,
        active -> Bool,
        paused_at -> Nullable<Timestamp>,
        advertiser -> Nullable<Text>,
        notes -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    banner_daily (banner_id, day) {
        banner_id -> BigInt,
        day -> Text,
        clicks -> BigInt,
        impressions -> BigInt,
    }
}

diesel::table! {
    banner_click_visitors (banner_id, day, visitor_key) {
        banner_id -> BigInt,
        day -> Text,
        visitor_key -> Text,
    }
}

diesel::table! {
    banner_click_breakdowns (banner_id, day, dimension, item) {
        banner_id -> BigInt,
        day -> Text,
        dimension -> Text,
        item -> Text,
        clicks -> BigInt,
    }
}

diesel::joinable!(banners -> banner_slots (slot_id));
diesel::allow_tables_to_appear_in_same_query!(banners, banner_slots, media);

diesel::table! {
    content_changes (id) {
        id -> BigInt,
        article_id -> Nullable<BigInt>,
        changed_at -> Timestamp,
    }
}
