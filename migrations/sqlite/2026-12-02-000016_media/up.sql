-- The media library: one row per distinct image (content addressed by SHA-256); the
-- files themselves are in the media store, never in the database.
CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    -- Cleaned for display and downloads; never used as a path.
    filename TEXT NOT NULL,
    -- image/jpeg, image/png, image/webp or image/gif, read from the bytes.
    mime_type TEXT NOT NULL,
    -- Of the file as uploaded.
    bytes INTEGER NOT NULL,
    -- After the EXIF orientation is applied.
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    alt TEXT,
    caption TEXT,
    credit TEXT,
    -- Where crops centre, as fractions of the width and height.
    focal_x REAL NOT NULL DEFAULT 0.5,
    focal_y REAL NOT NULL DEFAULT 0.5,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- The library's search: filename, alt, caption and credit folded as search folds them.
    folded TEXT NOT NULL DEFAULT ''
);
-- The library, newest first.
CREATE INDEX media_created_idx ON media (created_at, id);

-- An article's cover from the library (a cover given by URL leaves it null).
ALTER TABLE articles ADD COLUMN cover_media_id INTEGER REFERENCES media (id);
CREATE INDEX articles_cover_media_idx ON articles (cover_media_id);
