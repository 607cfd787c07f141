//! The user inputs of one HTTP request, flattened into `(source, key, value)` triples.
//!
//! A binding fills one `Request` per incoming HTTP request. All bytes live in one buffer
//! that keeps its capacity across [`Request::reset`], so a reused `Request` allocates
//! nothing once it has seen a request of the same size.

use crate::detect::find::{Needle, Occurrences};
use crate::names::named_enum;

named_enum! {
    /// Where in the HTTP request an input came from.
    pub enum Source {
        Query = (0, "query"),
        Body = (1, "body"),
        Path = (2, "path"),
        Header = (3, "header"),
        Cookie = (4, "cookie"),
        Other = (5, "other"),
        /// An uploaded file: the key is the form field, the value the file's name (see
        /// [`Request::add_file`]).
        File = (6, "file"),
    }
}

/// One input: where it came from, its dotted key (`user.address.city`, `ids[2]`) and
/// its raw value bytes (any bytes; UTF-8 is not required).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Input<'a> {
    pub source: Source,
    pub key: &'a [u8],
    pub value: &'a [u8],
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    source: Source,
    key_start: usize,
    key_end: usize,
    value_end: usize,
    /// The value is made only of `[A-Za-z0-9_]`: such a value is one word or number
    /// token (or part of one) in every sink grammar we lex, so the context-aware checks
    /// skip it without searching.
    word_only: bool,
    /// Search hints for the value (its rarest bytes), computed once.
    needle: Needle,
}

/// The inputs and routing facts of one HTTP request. Reusable: see [`Request::reset`].
#[derive(Clone, Debug, Default)]
pub struct Request {
    bytes: Vec<u8>,
    slots: Vec<Slot>,
    method: Vec<u8>,
    path: Vec<u8>,
    route: Vec<u8>,
    host: Vec<u8>,
    files: Vec<FileSlot>,
}

/// An uploaded file's declared type and first bytes, stored in `Request::bytes`.
#[derive(Clone, Copy, Debug)]
struct FileSlot {
    input: usize,
    type_start: usize,
    type_end: usize,
    head_end: usize,
}

impl Request {
    /// An empty request.
    pub fn new() -> Request {
        Request::default()
    }

    /// An empty request with room for `inputs` inputs holding `bytes` bytes of keys and
    /// values in total, so that filling it does not allocate.
    pub fn with_capacity(inputs: usize, bytes: usize) -> Request {
        Request { bytes: Vec::with_capacity(bytes), slots: Vec::with_capacity(inputs), ..Request::default() }
    }

    /// Adds one input. Object keys of a JSON body are inputs too: add them with the
    /// key as value (`source: Body, key: "user", value: "user"`).
    pub fn add_input(&mut self, source: Source, key: &[u8], value: &[u8]) {
        let key_start = self.bytes.len();
        self.bytes.extend_from_slice(key);
        let key_end = self.bytes.len();
        self.bytes.extend_from_slice(value);
        let (needle, word_only) = Needle::scan(value);
        self.slots.push(Slot { source, key_start, key_end, value_end: self.bytes.len(), word_only, needle });
    }

    /// Adds an uploaded file: an input of source [`Source::File`] whose key is the form
    /// field and whose value is the file's name, plus the declared content type and the
    /// file's first bytes (at most [`Request::FILE_HEAD_LEN`] are kept) for the rule
    /// engine's upload checks.
    pub fn add_file(&mut self, field: &[u8], filename: &[u8], content_type: &[u8], head: &[u8]) {
        self.add_input(Source::File, field, filename);
        let type_start = self.bytes.len();
        self.bytes.extend_from_slice(content_type);
        let type_end = self.bytes.len();
        self.bytes.extend_from_slice(&head[..head.len().min(Request::FILE_HEAD_LEN)]);
        self.files.push(FileSlot { input: self.slots.len() - 1, type_start, type_end, head_end: self.bytes.len() });
    }

    /// How many leading bytes of an uploaded file [`Request::add_file`] keeps.
    pub const FILE_HEAD_LEN: usize = 512;

    /// The declared content type and first bytes of the file added as input `index`.
    pub fn file_info(&self, index: usize) -> Option<(&[u8], &[u8])> {
        let file = self.files.iter().find(|f| f.input == index)?;
        Some((&self.bytes[file.type_start..file.type_end], &self.bytes[file.type_end..file.head_end]))
    }

    /// Sets the HTTP method (`GET`).
    pub fn set_method(&mut self, method: &[u8]) {
        replace(&mut self.method, method);
    }

    /// Sets the request path as received (`/users/42`), without the query string.
    pub fn set_path(&mut self, path: &[u8]) {
        replace(&mut self.path, path);
    }

    /// Sets the framework's route template (`/users/:id`), when it knows one.
    pub fn set_route(&mut self, route: &[u8]) {
        replace(&mut self.route, route);
    }

    /// Sets the host the request was sent to, from its `Host` header (`shop.example.com`,
    /// `shop.example.com:8443`): redirects to it are not open redirects.
    pub fn set_host(&mut self, host: &[u8]) {
        replace(&mut self.host, host);
    }

    /// Forgets every input and routing fact, keeping the capacity for the next request.
    pub fn reset(&mut self) {
        self.host.clear();
        self.bytes.clear();
        self.slots.clear();
        self.method.clear();
        self.path.clear();
        self.route.clear();
        self.files.clear();
    }

    /// Number of inputs.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when the request has no input.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The input at `index` (insertion order), if any.
    pub fn input(&self, index: usize) -> Option<Input<'_>> {
        self.slots.get(index).map(|slot| self.view(slot))
    }

    /// Every input, in insertion order.
    pub fn inputs(&self) -> impl ExactSizeIterator<Item = Input<'_>> + '_ {
        self.slots.iter().map(|slot| self.view(slot))
    }

    /// The HTTP method, empty when unknown.
    pub fn method(&self) -> &[u8] {
        &self.method
    }

    /// The request path, empty when unknown.
    pub fn path(&self) -> &[u8] {
        &self.path
    }

    /// The route template, empty when unknown.
    pub fn route(&self) -> &[u8] {
        &self.route
    }

    /// The request's host as set by [`Request::set_host`], empty when unknown.
    pub fn host(&self) -> &[u8] {
        &self.host
    }

    /// Every input of at least `min_len` bytes, word-only ones included: a bare word
    /// (`whoami`, `localhost`, `2130706433`) can be a whole program or host name.
    pub(crate) fn all_inputs(&self, min_len: usize) -> impl Iterator<Item = Structural<'_>> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(move |(_, slot)| slot.value_end - slot.key_end >= min_len)
            .map(|(index, slot)| Structural { index, input: self.view(slot), needle: slot.needle })
    }

    /// Inputs that may create structure in a sink: at least `min_len` bytes and not
    /// made only of `[A-Za-z0-9_]`.
    pub(crate) fn structural_inputs(&self, min_len: usize) -> impl Iterator<Item = Structural<'_>> + '_ {
        self.slots.iter().enumerate().filter_map(move |(index, slot)| {
            let long_enough = slot.value_end - slot.key_end >= min_len;
            (long_enough && !slot.word_only).then(|| Structural { index, input: self.view(slot), needle: slot.needle })
        })
    }

    fn view(&self, slot: &Slot) -> Input<'_> {
        Input {
            source: slot.source,
            key: &self.bytes[slot.key_start..slot.key_end],
            value: &self.bytes[slot.key_end..slot.value_end],
        }
    }
}

/// An input worth searching for, with what the search needs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Structural<'a> {
    pub index: usize,
    pub input: Input<'a>,
    pub needle: Needle,
}

impl<'a> Structural<'a> {
    /// Every start offset of the value in `resource`, overlapping ones included.
    pub fn occurrences(&self, resource: &'a [u8]) -> Occurrences<'a> {
        Occurrences::new(resource, self.input.value, self.needle)
    }
}

fn replace(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.clear();
    buf.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_round_trip_and_reset_keeps_capacity() {
        let mut r = Request::new();
        r.add_input(Source::Body, b"user.email", b"' OR 1=1-- ");
        r.add_input(Source::Query, b"page", b"2");
        r.set_route(b"/login");
        assert_eq!(r.len(), 2);
        let first = r.input(0).expect("first input");
        assert_eq!(first.key, b"user.email");
        assert_eq!(first.value, b"' OR 1=1-- ");
        assert_eq!(r.input(1).expect("second").source, Source::Query);
        assert!(r.input(2).is_none());
        let structural: Vec<usize> = r.structural_inputs(2).map(|s| s.index).collect();
        assert_eq!(structural, vec![0]);
        let cap = r.bytes.capacity();
        r.reset();
        assert!(r.is_empty());
        assert!(r.route().is_empty());
        assert_eq!(r.bytes.capacity(), cap);
    }

    #[test]
    fn empty_and_binary_values() {
        let mut r = Request::new();
        r.add_input(Source::Header, b"", b"");
        r.add_input(Source::Other, b"k", &[0, 0xff, b'\'']);
        assert_eq!(r.input(0).expect("empty").value, b"");
        assert_eq!(r.structural_inputs(2).count(), 1);
    }
}
