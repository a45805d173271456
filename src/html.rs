//! Article HTML cleaning: what is stored is safe to render as is.

use std::sync::LazyLock;

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tag_attributes("img", ["loading", "srcset", "sizes"])
        .add_tag_attributes("figure", ["class"])
        .add_tag_attributes("p", ["class"])
        .add_generic_attributes(["id"])
        .id_prefix(Some("content-"));
    builder
});

/// Keeps ordinary article markup (paragraphs, figures, images, links, emphasis, lists,
/// tables) and drops scripts, styles, event handlers and `javascript:` URLs.
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string().replace('\0', "")
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let dirty = r#"<p onclick="x()">Tin <script>alert(1)</script><a href="javascript:alert(2)">xem</a><img src=x onerror=alert(3)></p>"#;
        let clean = sanitize(dirty);
        for needle in ["script", "onclick", "onerror", "javascript", "alert"] {
            assert!(!clean.contains(needle), "{needle} survived in {clean}");
        }
    }

    #[test]
    fn article_markup_survives() {
        let html = "<figure><img src=\"https://a.vn/1.jpg\" alt=\"Lễ\"><figcaption>Ảnh</figcaption></figure>\
                    <p><em>Dân</em> <strong>vận</strong> <a href=\"https://a.vn\">khéo</a></p>\
                    <ul><li>một</li></ul><ol><li>hai</li></ol><table><tbody><tr><td>3</td></tr></tbody></table>";
        let clean = sanitize(html);
        for tag in
            ["<figure>", "<img", "<figcaption>", "<em>", "<strong>", "<a href", "<ul>", "<ol>", "<table>", "<td>"]
        {
            assert!(clean.contains(tag), "{tag} missing from {clean}");
        }
    }
}
