-- Readers' comments: one level of replies, moderated; the approved ones are counted on
-- the article in the transaction that approves or withdraws them.
ALTER TABLE articles ADD COLUMN allow_comments BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE articles ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- The top-level comment a reply belongs to (a reply to a reply attaches there too).
    parent_id INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    author_name TEXT NOT NULL,
    -- Shown to staff only.
    author_email TEXT,
    -- The staff member who wrote it, when signed in.
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    content TEXT NOT NULL,
    -- pending, approved, spam or trash.
    status TEXT NOT NULL,
    likes INTEGER NOT NULL DEFAULT 0,
    dislikes INTEGER NOT NULL DEFAULT 0,
    -- Keyed hashes of the visitor (visitor id, else address and browser) and of the
    -- address: never the address itself.
    visitor_key TEXT NOT NULL,
    address_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The public list: an article's approved top-level comments, and the replies of a page.
CREATE INDEX comments_article_idx ON comments (article_id, status, parent_id, id);
CREATE INDEX comments_parent_idx ON comments (parent_id, status, id);
-- The moderation queue, newest first, by status.
CREATE INDEX comments_status_idx ON comments (status, id);
-- The same text again from the same visitor.
CREATE INDEX comments_visitor_idx ON comments (visitor_key, created_at);

-- One reaction per visitor per comment; the comment's counts move with it.
CREATE TABLE comment_reactions (
    comment_id INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    visitor_key TEXT NOT NULL,
    -- like or dislike.
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (comment_id, visitor_key)
);

-- One report per visitor per comment; enough distinct reporters hide it for review.
CREATE TABLE comment_reports (
    comment_id INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    visitor_key TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (comment_id, visitor_key)
);
