-- The moderation queue's search: the author's name, email and the text, folded as search
-- folds them (lowercase, no diacritics), written by the application with the comment.
-- Comments already there get a lowercase copy, which finds them by their ASCII words.
ALTER TABLE comments ADD COLUMN folded TEXT NOT NULL DEFAULT '';
UPDATE comments SET folded = lower(author_name || ' ' || coalesce(author_email, '') || ' ' || content);

-- The public list's `sort=top`: most liked first, then newest.
CREATE INDEX comments_top_idx ON comments (article_id, status, parent_id, likes, id);
