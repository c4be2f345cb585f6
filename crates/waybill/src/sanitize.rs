//! Sanitizing by field annotation. Text loses control characters, tags and
//! invisible junk, is normalized to NFC and trimmed, and keeps real content:
//! percent escapes are never decoded, `<3` is not a tag, emoji and
//! right-to-left text pass untouched. Every kind is idempotent, and each
//! change is reported with the field it touched.

use crate::contract::{PRIVACY_KEYWORD, SANITIZE_KEYWORD};
use crate::error::push_token;
use crate::scan;
use serde_json::Value;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Most passes a sanitizer makes to reach a fixed point.
const MAX_PASSES: usize = 8;

/// How a field is sanitized (`x-waybill-sanitize`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SanitizeKind {
    /// One line of plain text: line breaks become spaces. The default for strings.
    Text,
    /// Plain text that keeps its line breaks.
    Multiline,
    /// An address: no spaces, lowercase domain.
    Email,
    /// A web address: no spaces; unsafe schemes (`javascript:`) are removed.
    Url,
    /// Lowercase ASCII letters, digits and `-`.
    Slug,
    /// HTML turned into plain text with line breaks.
    Html,
    /// Left exactly as given.
    Raw,
}

impl SanitizeKind {
    /// Parses the annotation value.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "text" => SanitizeKind::Text,
            "multiline" => SanitizeKind::Multiline,
            "email" => SanitizeKind::Email,
            "url" => SanitizeKind::Url,
            "slug" => SanitizeKind::Slug,
            "html" => SanitizeKind::Html,
            "raw" => SanitizeKind::Raw,
            _ => return None,
        })
    }
}

/// What a sanitizer changed in one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// Control characters were removed.
    ControlRemoved,
    /// Zero-width and bidirectional override characters were removed.
    InvisibleRemoved,
    /// HTML tags, comments, scripts or styles were removed.
    TagsStripped,
    /// HTML entities were decoded.
    EntitiesDecoded,
    /// Line breaks or tabs became spaces (text) or `\r\n` became `\n` (multiline).
    LineBreaksNormalized,
    /// The text was normalized to Unicode NFC.
    NormalizedNfc,
    /// Leading or trailing white space was removed.
    Trimmed,
    /// White space inside an email or URL was removed.
    WhitespaceRemoved,
    /// The domain of an email was lowercased.
    Lowercased,
    /// A URL with an unsafe scheme was emptied.
    UnsafeUrlRemoved,
    /// The text was turned into a slug.
    Slugified,
}

impl ChangeKind {
    /// The stable text form, such as `tags_stripped`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::ControlRemoved => "control_removed",
            ChangeKind::InvisibleRemoved => "invisible_removed",
            ChangeKind::TagsStripped => "tags_stripped",
            ChangeKind::EntitiesDecoded => "entities_decoded",
            ChangeKind::LineBreaksNormalized => "line_breaks_normalized",
            ChangeKind::NormalizedNfc => "normalized_nfc",
            ChangeKind::Trimmed => "trimmed",
            ChangeKind::WhitespaceRemoved => "whitespace_removed",
            ChangeKind::Lowercased => "lowercased",
            ChangeKind::UnsafeUrlRemoved => "unsafe_url_removed",
            ChangeKind::Slugified => "slugified",
        }
    }
}

/// One reported change: which field and what kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// JSON Pointer of the field.
    pub pointer: String,
    /// What was done to it.
    pub kind: ChangeKind,
}

/// A change report in its JSON form, as the vectors and the CLI write it:
/// `[{"pointer": "/data/name", "kind": "trimmed"}, …]`.
pub fn changes_to_json(changes: &[Change]) -> Value {
    Value::Array(
        changes
            .iter()
            .map(|c| serde_json::json!({"pointer": c.pointer, "kind": c.kind.as_str()}))
            .collect(),
    )
}

/// Sanitizes one string; returns the result and what changed, in order.
///
/// ```
/// use waybill::sanitize::{sanitize_str, SanitizeKind};
/// let (out, _) = sanitize_str("  I <3 <b>it</b> %dept_name%  ", SanitizeKind::Text);
/// assert_eq!(out, "I <3 it %dept_name%");
/// ```
pub fn sanitize_str(input: &str, kind: SanitizeKind) -> (String, Vec<ChangeKind>) {
    sanitize_if_needed(input, kind).unwrap_or_else(|| (input.to_string(), Vec::new()))
}

/// Like [`sanitize_str`], but `None` when nothing would change, so a caller
/// holding the text keeps it without a copy.
fn sanitize_if_needed(input: &str, kind: SanitizeKind) -> Option<(String, Vec<ChangeKind>)> {
    match quick(input, kind) {
        Some(Quick::Settled) => None,
        Some(Quick::Trimmed(inner)) => Some((inner.to_string(), vec![ChangeKind::Trimmed])),
        None => Some(sanitize_every_pass(input, kind)),
    }
}

/// An answer found by reading the text once, without the passes.
enum Quick<'s> {
    /// Nothing would change.
    Settled,
    /// Only plain spaces at the ends would go; this is what is left.
    Trimmed(&'s str),
}

fn quick(s: &str, kind: SanitizeKind) -> Option<Quick<'_>> {
    if is_settled(s, kind) {
        return Some(Quick::Settled);
    }
    // Email and URL rules compact spaces themselves; only the text kinds
    // report a trim of spaces at the ends and nothing else.
    let inner = s.trim_matches(' ');
    let text = matches!(
        kind,
        SanitizeKind::Text | SanitizeKind::Multiline | SanitizeKind::Html
    );
    (text && inner.len() < s.len() && is_settled(inner, kind)).then_some(Quick::Trimmed(inner))
}

/// True when no pass of `kind` would change `s`: nothing to remove, strip,
/// decode, normalize or trim. One read, no copy; most real fields end here.
/// Slugs, which rewrite almost everything, always take the passes.
pub(crate) fn is_settled(s: &str, kind: SanitizeKind) -> bool {
    let (lines, entities) = match kind {
        SanitizeKind::Raw => return true,
        SanitizeKind::Text => (false, false),
        SanitizeKind::Multiline => (true, false),
        SanitizeKind::Html => (true, true),
        SanitizeKind::Email => return is_settled_email(s),
        SanitizeKind::Url => return is_settled_url(s),
        SanitizeKind::Slug => return false,
    };
    if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
        return false;
    }
    let bytes = s.as_bytes();
    // Characters below U+0300 are always NFC; only later ones need the check.
    let mut past_u0300 = false;
    let mut i = 0;
    loop {
        // Printable ASCII other than `<` (and `&` for HTML) needs no look.
        i = scan::first_stop(
            bytes,
            i,
            |w| {
                let amp = if entities { scan::equal(w, b'&') } else { 0 };
                scan::below(w, 0x20) | scan::high_or_del(w) | scan::equal(w, b'<') | amp
            },
            |b| !(0x20..0x7f).contains(&b) || b == b'<' || (entities && b == b'&'),
        );
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        let kept = match c {
            // `<` opens markup only before a letter, `/`, `!` or `?`: `I <3 it` is text.
            '<' => {
                !matches!(bytes.get(i + 1), Some(b) if b.is_ascii_alphabetic() || matches!(b, b'/' | b'!' | b'?'))
            }
            '&' => !entities,
            // A line that ends in white space would be trimmed.
            '\n' => {
                let prev = s[..i].chars().next_back().unwrap_or('\n');
                lines && (prev == '\n' || !prev.is_whitespace())
            }
            '\t' => lines,
            '\u{2028}' | '\u{2029}' => false,
            c if c.is_ascii() => !c.is_control(),
            c => {
                past_u0300 |= c >= '\u{300}';
                !c.is_control() && !is_invisible(c) && !is_tag_char(c)
            }
        };
        if !kept {
            return false;
        }
        i += c.len_utf8();
    }
    !past_u0300 || is_nfc(s)
}

/// Whether `s` is certainly in NFC. Every character below U+0300 is a
/// starter that is always NFC, and the quick check starts afresh after a
/// starter, so only runs of characters from U+0300 up need reading: a
/// character's UTF-8 lead byte is at least 0xCC exactly when it is.
fn is_nfc(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    loop {
        let start = scan::first_stop(bytes, i, |w| scan::at_least(w, 0xCC), |b| b >= 0xCC);
        if start == bytes.len() {
            break;
        }
        let run = s[start..]
            .char_indices()
            .find(|&(_, c)| c < '\u{300}')
            .map_or(s.len(), |(end, _)| start + end);
        if is_nfc_quick(s[start..run].chars()) != IsNormalized::Yes {
            return false;
        }
        i = run;
    }
    true
}

/// A web address in printable ASCII without spaces or entities, whose
/// scheme, if any, is a safe one.
fn is_settled_url(s: &str) -> bool {
    s.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'&') && !has_unsafe_scheme(s)
}

/// An address in printable ASCII, with no markup and a lowercase domain.
fn is_settled_email(s: &str) -> bool {
    let domain_start = s.rfind('@').map_or(0, |at| at + 1);
    s.bytes().enumerate().all(|(i, b)| {
        (0x21..=0x7e).contains(&b) && b != b'<' && !(i >= domain_start && b.is_ascii_uppercase())
    })
}

/// [`sanitize_str`] without the settled check: every pass until a fixed
/// point. Public so tests can hold the quick path to the same answers.
#[doc(hidden)]
pub fn sanitize_every_pass(input: &str, kind: SanitizeKind) -> (String, Vec<ChangeKind>) {
    let mut changes = Vec::new();
    if kind == SanitizeKind::Raw {
        return (input.to_string(), changes);
    }
    let mut current = input.to_string();
    for _ in 0..MAX_PASSES {
        let (next, only_trimmed) = one_pass(&current, kind, &mut changes);
        let settled = next == current;
        current = next;
        // Trimming the ends of clean text leaves clean text: no further pass needed.
        if settled || only_trimmed {
            return (current, changes);
        }
    }
    // Still changing after every pass: input built to peel one layer at a
    // time (entities inside entities). Remove every character markup needs,
    // so no tag can come back and a second run changes nothing.
    if matches!(
        kind,
        SanitizeKind::Text | SanitizeKind::Multiline | SanitizeKind::Html
    ) {
        let markup: &[char] = if kind == SanitizeKind::Html {
            &['<', '>', '&']
        } else {
            &['<', '>']
        };
        current.retain(|c| !markup.contains(&c));
        note(&mut changes, ChangeKind::TagsStripped);
        current = one_pass(&current, kind, &mut changes).0;
    }
    (current, changes)
}

fn note(changes: &mut Vec<ChangeKind>, kind: ChangeKind) {
    if !changes.contains(&kind) {
        changes.push(kind);
    }
}

/// One pass of every step; also says whether trimming was its only change.
fn one_pass(s: &str, kind: SanitizeKind, changes: &mut Vec<ChangeKind>) -> (String, bool) {
    let mut out = remove_junk(s, kind, changes);
    match kind {
        SanitizeKind::Text | SanitizeKind::Multiline => {
            out = strip_tags(&out, false, changes);
        }
        SanitizeKind::Html => {
            out = strip_tags(&out, true, changes);
            out = decode_entities(&out, changes);
        }
        SanitizeKind::Email => {
            out = strip_tags(&out, false, changes);
        }
        _ => {}
    }
    // The quick check answers "already NFC" for almost all real text without
    // rebuilding the string.
    if is_nfc_quick(out.chars()) != IsNormalized::Yes {
        let nfc: String = out.nfc().collect();
        if nfc != out {
            note(changes, ChangeKind::NormalizedNfc);
            out = nfc;
        }
    }
    out = match kind {
        SanitizeKind::Email => email(&out, changes),
        SanitizeKind::Url => url(&out, changes),
        SanitizeKind::Slug => slug(&out, changes),
        _ => out,
    };
    let untrimmed_same = out == s;
    let trimmed = match kind {
        SanitizeKind::Multiline | SanitizeKind::Html => trim_lines(&out),
        _ => out.trim().to_string(),
    };
    if trimmed != out {
        note(changes, ChangeKind::Trimmed);
    }
    (trimmed, untrimmed_same)
}

/// Zero-width, bidirectional-override and filler characters that hide or reorder text.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}'
        | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FFF9}'..='\u{FFFB}'
        // Hangul fillers render as nothing and are used to fake blank names.
        | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}')
}

/// Tag characters (U+E0000–U+E007F) spell hidden text that models read but
/// people do not see; they are kept only inside a flag emoji (🏴 + tags).
fn is_tag_char(c: char) -> bool {
    ('\u{E0000}'..='\u{E007F}').contains(&c)
}

/// Removes control and invisible characters; handles line breaks per kind.
fn remove_junk(s: &str, kind: SanitizeKind, changes: &mut Vec<ChangeKind>) -> String {
    let keeps_lines = matches!(kind, SanitizeKind::Multiline | SanitizeKind::Html);
    let clean = |c: char| match c {
        '\n' | '\t' => keeps_lines,
        '\u{2028}' | '\u{2029}' => !keeps_lines,
        c => !c.is_control() && !is_invisible(c) && !is_tag_char(c),
    };
    if s.chars().all(clean) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if keeps_lines => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
                note(changes, ChangeKind::LineBreaksNormalized);
            }
            '\n' | '\t' if keeps_lines => out.push(c),
            '\n' | '\r' | '\t' if matches!(kind, SanitizeKind::Text) => {
                out.push(' ');
                note(changes, ChangeKind::LineBreaksNormalized);
            }
            '\u{2028}' | '\u{2029}' if keeps_lines => {
                out.push('\n');
                note(changes, ChangeKind::LineBreaksNormalized);
            }
            c if c.is_control() => note(changes, ChangeKind::ControlRemoved),
            c if is_invisible(c) => note(changes, ChangeKind::InvisibleRemoved),
            c if is_tag_char(c) && !out.ends_with(|p: char| p == '\u{1F3F4}' || is_tag_char(p)) => {
                note(changes, ChangeKind::InvisibleRemoved)
            }
            c => out.push(c),
        }
    }
    out
}

fn trim_lines(s: &str) -> String {
    let ragged = s
        .split('\n')
        .any(|line| line.ends_with(char::is_whitespace));
    if !ragged {
        return s.trim().to_string();
    }
    let lines: Vec<&str> = s.split('\n').map(str::trim_end).collect();
    lines.join("\n").trim().to_string()
}

const BLOCK_TAGS: &[&str] = &[
    "p",
    "br",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "blockquote",
    "pre",
    "section",
    "article",
    "hr",
];

/// Byte offset of `needle` (ASCII, lowercase) in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// Where the markup starting at `start` (a `<`) ends, its lowercase name and
/// whether it closes an element; `None` when the `<` is plain text.
///
/// Tags are read the way a browser reads them: `<` and a letter opens a tag,
/// quoted attribute values may hold `>`, and a tag or comment that never ends
/// runs to the end of the text. Each scan stops at its own end, so stripping
/// is linear in the length of the text.
fn tag_at(s: &str, start: usize) -> Option<(usize, String, bool)> {
    let bytes = s.as_bytes();
    let rest = &s[start + 1..];
    if let Some(comment) = rest.strip_prefix("!--") {
        let end = comment.find("-->").map_or(s.len(), |e| start + 4 + e + 3);
        return Some((end, String::new(), false));
    }
    let (closing, name_start) = match rest.as_bytes().first()? {
        b'/' if rest.as_bytes().get(1).is_some_and(u8::is_ascii_alphabetic) => (true, 1),
        b'!' | b'?' => (false, 1),
        c if c.is_ascii_alphabetic() => (false, 0),
        _ => return None,
    };
    let name: String = rest[name_start..]
        .bytes()
        .take_while(u8::is_ascii_alphanumeric)
        .map(|b| b.to_ascii_lowercase() as char)
        .collect();
    let mut quote: Option<u8> = None;
    let mut last_significant = 0u8;
    for (j, &b) in bytes.iter().enumerate().skip(start + 1) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' if last_significant == b'=' => quote = Some(b),
                b'>' => return Some((j + 1, name, closing)),
                _ => {}
            },
        }
        if !b.is_ascii_whitespace() {
            last_significant = b;
        }
    }
    Some((s.len(), name, closing))
}

fn strip_tags(s: &str, html: bool, changes: &mut Vec<ChangeKind>) -> String {
    if !s.contains('<') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(off) = s[i..].find('<') {
        let start = i + off;
        out.push_str(&s[i..start]);
        match tag_at(s, start) {
            Some((end, name, closing)) => {
                note(changes, ChangeKind::TagsStripped);
                i = end;
                if !closing && (name == "script" || name == "style") {
                    // The content of a script or style is code, never text.
                    i = match find_ascii_ci(&s[i..], &format!("</{name}")) {
                        Some(p) => tag_at(s, i + p).map_or(s.len(), |(e, _, _)| e),
                        None => s.len(),
                    };
                } else if html && BLOCK_TAGS.contains(&name.as_str()) {
                    out.push('\n');
                }
            }
            None => {
                out.push('<');
                i = start + 1;
            }
        }
    }
    out.push_str(&s[i..]);
    out
}

fn decode_entities(s: &str, changes: &mut Vec<ChangeKind>) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(off) = s[i..].find('&') {
        let start = i + off;
        out.push_str(&s[i..start]);
        let rest = &s[start + 1..];
        // Entity names are short: looking further would make many `&` quadratic.
        let window = &rest.as_bytes()[..rest.len().min(12)];
        let decoded = window
            .iter()
            .position(|&b| b == b';')
            .and_then(|e| rest.get(..e))
            .and_then(|name| entity(name).map(|c| (c, name.len())));
        match decoded {
            Some((c, e)) => {
                note(changes, ChangeKind::EntitiesDecoded);
                out.push(c);
                i = start + 1 + e + 1;
            }
            None => {
                out.push('&');
                i = start + 1;
            }
        }
    }
    out.push_str(&s[i..]);
    out
}

fn entity(name: &str) -> Option<char> {
    let numeric = |digits: &str, radix: u32| {
        u32::from_str_radix(digits, radix)
            .ok()
            .and_then(char::from_u32)
    };
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "colon" => ':',
        "tab" => '\t',
        "newline" => '\n',
        "sol" => '/',
        _ if name.starts_with("#x") || name.starts_with("#X") => numeric(&name[2..], 16)?,
        _ if name.starts_with('#') => numeric(&name[1..], 10)?,
        _ => return None,
    };
    (!c.is_control() || c == '\n').then_some(c)
}

fn email(s: &str, changes: &mut Vec<ChangeKind>) -> String {
    let compact: String = s.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if compact != s.trim() {
        note(changes, ChangeKind::WhitespaceRemoved);
    }
    match compact.rsplit_once('@') {
        Some((local, domain)) if domain.chars().any(|c| c.is_uppercase()) => {
            note(changes, ChangeKind::Lowercased);
            format!("{local}@{}", domain.to_lowercase())
        }
        _ => compact,
    }
}

fn url(s: &str, changes: &mut Vec<ChangeKind>) -> String {
    let compact: String = s.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if compact != s.trim() {
        note(changes, ChangeKind::WhitespaceRemoved);
    }
    // Browsers decode entities inside attributes, so `javascript&colon;` is a scheme too.
    let mut ignored = Vec::new();
    let probe: String = decode_entities(&compact, &mut ignored)
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    if has_unsafe_scheme(&probe) {
        note(changes, ChangeKind::UnsafeUrlRemoved);
        return String::new();
    }
    compact
}

/// Whether `url` starts with a scheme other than http, https, mailto and tel.
fn has_unsafe_scheme(url: &str) -> bool {
    let scheme = url.split_once(':').map(|(scheme, _)| scheme).filter(|sch| {
        sch.starts_with(|c: char| c.is_ascii_alphabetic())
            && sch
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    scheme.is_some_and(|sch| {
        !matches!(
            sch.to_ascii_lowercase().as_str(),
            "http" | "https" | "mailto" | "tel"
        )
    })
}

fn slug(s: &str, changes: &mut Vec<ChangeKind>) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfkd().filter(|c| !is_combining_mark(*c)) {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if (c.is_whitespace() || c == '-' || c == '_' || c == '.' || c == '/')
            && !out.ends_with('-')
        {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out != s {
        note(changes, ChangeKind::Slugified);
    }
    out
}

/// The sanitizer and privacy annotations that apply to one value.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FieldRules<'s> {
    pub schema: Option<&'s Value>,
}

impl<'s> FieldRules<'s> {
    pub fn kind(&self) -> SanitizeKind {
        self.schema
            .and_then(|s| s.get(SANITIZE_KEYWORD))
            .and_then(Value::as_str)
            .and_then(SanitizeKind::parse)
            .unwrap_or(SanitizeKind::Text)
    }

    pub fn privacy(&self) -> Option<&'s str> {
        self.schema
            .and_then(|s| s.get(PRIVACY_KEYWORD))
            .and_then(Value::as_str)
    }

    /// The rules for member `key` of an object governed by this schema.
    pub fn member(&self, key: &str) -> FieldRules<'s> {
        let schema = self.schema.and_then(|s| {
            s.get("properties")
                .and_then(|p| p.get(key))
                .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
        });
        FieldRules { schema }
    }

    /// The rules for item `index` of an array governed by this schema.
    pub fn item(&self, index: usize) -> FieldRules<'s> {
        let schema = self.schema.and_then(|s| {
            s.get("prefixItems")
                .and_then(|p| p.get(index))
                .or_else(|| s.get("items").filter(|i| i.is_object()))
        });
        FieldRules { schema }
    }
}

/// Sanitizes every string in `value` by its annotations; records changes.
pub(crate) fn sanitize_value(
    value: &mut Value,
    rules: FieldRules<'_>,
    pointer: &str,
    out: &mut Vec<Change>,
) {
    let mut place = pointer.to_string();
    sanitize_at(value, rules, &mut place, out);
}

/// Walks `value` with one pointer buffer that grows and shrinks with the
/// walk, so a field that needs nothing costs no allocation.
fn sanitize_at(
    value: &mut Value,
    rules: FieldRules<'_>,
    place: &mut String,
    out: &mut Vec<Change>,
) {
    match value {
        Value::String(s) => {
            let Some((clean, kinds)) = sanitize_if_needed(s, rules.kind()) else {
                return;
            };
            for kind in kinds {
                out.push(Change {
                    pointer: place.clone(),
                    kind,
                });
            }
            *s = clean;
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = place.len();
                place.push('/');
                place.push_str(&i.to_string());
                sanitize_at(item, rules.item(i), place, out);
                place.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                let len = place.len();
                push_token(place, key);
                sanitize_at(item, rules.member(key), place, out);
                place.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> String {
        sanitize_str(s, SanitizeKind::Text).0
    }

    #[test]
    fn keeps_real_text_untouched() {
        for s in [
            "See /wiki/Caf%C3%A9",
            "%dept_name%",
            "I <3 it",
            "a < b > c",
            "שלום עולם",
            "مرحبا",
            "👩‍👩‍👧 ok 🏴󠁧󠁢󠁳󠁣󠁴󠁿",
            "x&amp;y",
        ] {
            let (out, changes) = sanitize_str(s, SanitizeKind::Text);
            assert_eq!(out, s);
            assert!(changes.is_empty(), "{s}: {changes:?}");
        }
    }

    #[test]
    fn strips_tags_scripts_and_comments() {
        assert_eq!(
            text("Hi <b>there</b><script>alert(1)</script><!-- x -->!"),
            "Hi there!"
        );
        assert_eq!(text("<<b>b>x"), "x");
    }

    #[test]
    fn removes_controls_and_invisibles_then_trims() {
        assert_eq!(text("\u{feff} a\u{0}b\u{200b}c \n"), "abc");
    }

    #[test]
    fn multiline_keeps_lines() {
        assert_eq!(
            sanitize_str("a\r\nb\rc  \n", SanitizeKind::Multiline).0,
            "a\nb\nc"
        );
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            sanitize_str("<p>Fish &amp; chips</p><p>2 &lt; 3</p>", SanitizeKind::Html).0,
            "Fish & chips\n\n2 < 3"
        );
    }

    #[test]
    fn nfc_by_runs_agrees_with_the_whole_quick_check() {
        // Starters, combining marks of several classes, Hangul jamo, and
        // characters that are never NFC (U+212B, U+0344, U+0F73).
        let set = [
            'a',
            'é',
            '\u{2ff}',
            '\u{300}',
            '\u{301}',
            '\u{327}',
            '\u{344}',
            '\u{f73}',
            '가',
            '\u{1100}',
            '\u{1161}',
            '\u{11a8}',
            '\u{212b}',
            '😀',
            '\u{1f3f4}',
        ];
        let mut all = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = all
                .iter()
                .flat_map(|s| set.iter().map(move |c| format!("{s}{c}")))
                .collect();
            all.extend(longer);
        }
        for s in &all {
            let whole = is_nfc_quick(s.chars()) == IsNormalized::Yes;
            assert_eq!(is_nfc(s), whole, "{:?}", s.escape_unicode().to_string());
        }
    }

    #[test]
    fn email_url_slug() {
        assert_eq!(
            sanitize_str(" Ada@Example.COM ", SanitizeKind::Email).0,
            "Ada@example.com"
        );
        assert_eq!(sanitize_str("javascript:alert(1)", SanitizeKind::Url).0, "");
        assert_eq!(
            sanitize_str("https://x.test/Caf%C3%A9", SanitizeKind::Url).0,
            "https://x.test/Caf%C3%A9"
        );
        assert_eq!(
            sanitize_str("Crème Brûlée_Recipe", SanitizeKind::Slug).0,
            "creme-brulee-recipe"
        );
    }
}
