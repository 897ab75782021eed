//! Reads Jepsen-style EDN histories (one map per line) into a `History`; never panics or hangs on any input.
//!
//! Each non-blank line holds one EDN map, as Jepsen writes `history.edn`:
//!
//! ```text
//! {:process 0, :type :invoke, :f :write, :value 3, :time 1000}
//! {:process 0, :type :ok,     :f :write, :value 3, :time 2000}
//! ```
//!
//! * `:process` is a non-negative integer, or `:nemesis` (such lines are skipped).
//! * `:type` is `:invoke`, `:ok`, `:fail` or `:info`.
//! * `:f` is `:read`, `:write`, `:cas`, `:get`, `:put` or `:append`.
//! * `:key` (optional) is an integer, a string or a keyword; its text (a keyword without its
//!   colon) becomes the `Key`. `:key nil` is the same as no key. The key must be given as
//!   `:key`: the Jepsen form where the value is a tuple `[k v]` is not read.
//! * `:value` is `nil`, an integer, or a vector (or list) of integers: an integer for
//!   `write`/`put`/`append`, `[old new]` for `cas`, and what was read in a `read`/`get`'s `:ok`.
//! * `:time` (integer nanoseconds), `:index` and any other keys are optional; other keys are
//!   read (so must be well-formed EDN) but ignored.
//!
//! Commas are whitespace, `;` starts a comment, `#_` discards the next form, and a tagged map
//! (`#jepsen.history.Op{...}`) is read as its map. Blank and comment-only lines are skipped.
//!
//! Each process's `:invoke` pairs with its next completion into one `Operation`. Positions are
//! the lines' `:time`s when every (non-nemesis) line has one and they strictly increase, else
//! the lines' 0-based indices in the text; either way they order the lines as the file does.

use std::collections::HashMap;
use std::fmt;

use crate::history::{Function, History, Operation, Status, Value};

/// Why a history could not be read: where, what, and (sometimes) how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryError {
    /// 1-based line of the text.
    pub line: usize,
    /// 1-based column (in characters) of the offending form, when there is one.
    pub col: Option<usize>,
    pub message: String,
    pub help: Option<String>,
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n{help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for HistoryError {}

/// Reads a history; see the module docs for the format.
pub fn parse_history(text: &str) -> Result<History, HistoryError> {
    let mut events: Vec<Event> = Vec::new();
    let mut operations: Vec<Pairing> = Vec::new();
    // Process → index into `operations` of its invocation that has no completion yet.
    let mut pending: HashMap<u64, usize> = HashMap::new();

    for (index, text_line) in text.lines().enumerate() {
        let line = index + 1;
        let Some(map) = read_line(text_line, line)? else {
            continue;
        };
        let Some(event) = Event::from_map(&map, line, index)? else {
            continue;
        };
        let event_index = events.len();
        match event.kind {
            Kind::Invoke => {
                if let Some(&earlier) = pending.get(&event.process) {
                    return Err(HistoryError {
                        line,
                        col: None,
                        message: format!(
                            "process {} invokes again while its :invoke at line {} has no completion",
                            event.process, operations[earlier].operation.line
                        ),
                        help: Some(
                            "a process completes each operation (:ok, :fail or :info) before it invokes the next"
                                .to_string(),
                        ),
                    });
                }
                let input = invoke_input(&event)?;
                pending.insert(event.process, operations.len());
                operations.push(Pairing {
                    operation: Operation {
                        process: event.process,
                        function: event.function,
                        key: event.key.clone(),
                        input,
                        output: Value::Nil,
                        status: Status::Unknown,
                        invoked: 0,
                        completed: None,
                        line,
                    },
                    invoke_event: event_index,
                    completion_event: None,
                });
            }
            Kind::Ok | Kind::Fail | Kind::Info => {
                let Some(at) = pending.remove(&event.process) else {
                    return Err(HistoryError {
                        line,
                        col: None,
                        message: format!(
                            "{} for process {} with no pending :invoke",
                            event.kind.name(),
                            event.process
                        ),
                        help: Some(
                            "each completion follows an :invoke by the same process".to_string(),
                        ),
                    });
                };
                let pairing = &mut operations[at];
                let op = &mut pairing.operation;
                if op.function != event.function {
                    return Err(HistoryError {
                        line,
                        col: event.function_col,
                        message: format!(
                            "{} has :f {} but the :invoke at line {} has :f {}",
                            event.kind.name(),
                            function_name(event.function),
                            op.line,
                            function_name(op.function)
                        ),
                        help: None,
                    });
                }
                if event.key.is_some() && event.key != op.key {
                    return Err(HistoryError {
                        line,
                        col: event.key_col,
                        message: format!(
                            "{} has :key {:?} but the :invoke at line {} has {}",
                            event.kind.name(),
                            event.key.as_deref().unwrap_or_default(),
                            op.line,
                            match &op.key {
                                Some(k) => format!(":key {k:?}"),
                                None => "no :key".to_string(),
                            }
                        ),
                        help: None,
                    });
                }
                match event.kind {
                    Kind::Ok => {
                        op.status = Status::Ok;
                        if matches!(op.function, Function::Read | Function::Get) {
                            op.output = read_output(&event)?;
                        }
                        pairing.completion_event = Some(event_index);
                    }
                    Kind::Fail => {
                        op.status = Status::Fail;
                        pairing.completion_event = Some(event_index);
                    }
                    _ => op.status = Status::Unknown,
                }
            }
        }
        events.push(event);
    }

    // Times only when every line has one and they strictly increase, so positions stay distinct.
    let times: Option<Vec<u64>> = events.iter().map(|e| e.time).collect();
    let positions: Vec<u64> = match times {
        Some(times) if times.windows(2).all(|w| w[0] < w[1]) => times,
        _ => events.iter().map(|e| e.index as u64).collect(),
    };
    let operations = operations
        .into_iter()
        .map(|p| {
            let mut op = p.operation;
            op.invoked = positions[p.invoke_event];
            op.completed = p.completion_event.map(|e| positions[e]);
            op
        })
        .collect();
    Ok(History { operations })
}

/// An operation being built, with the events that give its positions.
struct Pairing {
    operation: Operation,
    invoke_event: usize,
    completion_event: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Invoke,
    Ok,
    Fail,
    Info,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Invoke => ":invoke",
            Kind::Ok => ":ok",
            Kind::Fail => ":fail",
            Kind::Info => ":info",
        }
    }
}

const FUNCTIONS: [(&str, Function); 6] = [
    ("read", Function::Read),
    ("write", Function::Write),
    ("cas", Function::Cas),
    ("get", Function::Get),
    ("put", Function::Put),
    ("append", Function::Append),
];

const KINDS: [(&str, Kind); 4] =
    [("invoke", Kind::Invoke), ("ok", Kind::Ok), ("fail", Kind::Fail), ("info", Kind::Info)];

fn function_name(f: Function) -> String {
    let name = FUNCTIONS.iter().find(|(_, g)| *g == f).map_or("?", |(n, _)| n);
    format!(":{name}")
}

/// One line of the history, checked for the keys every line needs.
struct Event {
    line: usize,
    /// 0-based line index in the text.
    index: usize,
    process: u64,
    kind: Kind,
    function: Function,
    function_col: Option<usize>,
    key: Option<String>,
    key_col: Option<usize>,
    value: Option<Node>,
    time: Option<u64>,
}

impl Event {
    /// `None` for a nemesis line.
    fn from_map(map: &Node, line: usize, index: usize) -> Result<Option<Event>, HistoryError> {
        let Edn::Map(entries) = &map.edn else {
            return Err(error(line, Some(map.col), format!("expected a map, found {}", map.edn.describe()))
                .with_help("each history line holds one EDN map, like {:process 0, :type :invoke, :f :read, :value nil}"));
        };
        let mut fields: HashMap<&str, &Node> = HashMap::new();
        for (k, v) in entries {
            if let Edn::Keyword(name) = &k.edn
                && fields.insert(name.as_str(), v).is_some()
            {
                return Err(error(line, Some(k.col), format!("duplicate key :{name}")));
            }
        }
        let missing = |name: &str| {
            error(line, None, format!("missing :{name}"))
                .with_help("each history line has :process, :type and :f")
        };

        let process = fields.get("process").ok_or_else(|| missing("process"))?;
        let process = match &process.edn {
            Edn::Keyword(k) if k == "nemesis" => return Ok(None),
            Edn::Int(n) if *n >= 0 => *n as u64,
            other => {
                return Err(error(
                    line,
                    Some(process.col),
                    format!(
                        ":process must be a non-negative integer or :nemesis, found {}",
                        other.describe()
                    ),
                ));
            }
        };

        let kind_node = fields.get("type").ok_or_else(|| missing("type"))?;
        let kind = match &kind_node.edn {
            Edn::Keyword(k) => KINDS.iter().find(|(n, _)| n == k).map(|(_, kind)| *kind),
            _ => None,
        };
        let Some(kind) = kind else {
            return Err(error(
                line,
                Some(kind_node.col),
                format!("unknown :type {}", kind_node.edn.describe()),
            )
            .with_help("known types: :invoke, :ok, :fail, :info"));
        };

        let f_node = fields.get("f").ok_or_else(|| missing("f"))?;
        let function = match &f_node.edn {
            Edn::Keyword(k) => FUNCTIONS.iter().find(|(n, _)| n == k).map(|(_, f)| *f),
            _ => None,
        };
        let Some(function) = function else {
            let known = "known functions: :read, :write, :cas, :get, :put, :append";
            let help = match &f_node.edn {
                Edn::Keyword(k) => match closest(k) {
                    Some(c) => format!("did you mean :{c}? {known}"),
                    None => known.to_string(),
                },
                _ => known.to_string(),
            };
            return Err(error(
                line,
                Some(f_node.col),
                format!("unknown :f {}", f_node.edn.describe()),
            )
            .with_help(help));
        };

        let (key, key_col) = match fields.get("key") {
            None => (None, None),
            Some(node) => {
                let key = match &node.edn {
                    Edn::Nil => None,
                    Edn::Int(n) => Some(n.to_string()),
                    Edn::Str(s) | Edn::Keyword(s) => Some(s.clone()),
                    other => {
                        return Err(error(
                            line,
                            Some(node.col),
                            format!(
                                ":key must be an integer, a string or a keyword, found {}",
                                other.describe()
                            ),
                        ));
                    }
                };
                (key, Some(node.col))
            }
        };

        let time = match fields.get("time") {
            None => None,
            Some(node) => match &node.edn {
                Edn::Int(n) if *n >= 0 => Some(*n as u64),
                other => {
                    return Err(error(
                        line,
                        Some(node.col),
                        format!(
                            ":time must be a non-negative integer (nanoseconds), found {}",
                            other.describe()
                        ),
                    ));
                }
            },
        };

        Ok(Some(Event {
            line,
            index,
            process,
            kind,
            function,
            function_col: Some(f_node.col),
            key,
            key_col,
            value: fields.get("value").map(|n| (*n).clone()),
            time,
        }))
    }

    fn value_error(&self, message: String, help: &str) -> HistoryError {
        error(self.line, self.value.as_ref().map(|v| v.col), message).with_help(help)
    }
}

/// What an `:invoke` gives: an integer to write or append, `[old new]` to compare and set.
fn invoke_input(event: &Event) -> Result<Value, HistoryError> {
    let f = function_name(event.function);
    let found = || event.value.as_ref().map_or("no :value".to_string(), |v| v.edn.describe());
    match event.function {
        Function::Read | Function::Get => Ok(Value::Nil),
        Function::Write | Function::Put | Function::Append => {
            match event.value.as_ref().map(|v| &v.edn) {
                Some(Edn::Int(n)) => Ok(Value::Int(*n)),
                _ => Err(event.value_error(
                    format!("{f} needs an integer :value, found {}", found()),
                    "for example :value 3",
                )),
            }
        }
        Function::Cas => match event.value.as_ref().and_then(|v| v.edn.ints()) {
            Some(pair) if pair.len() == 2 => Ok(Value::List(pair)),
            _ => Err(event.value_error(
                format!(":cas needs :value [old new] (two integers), found {}", found()),
                "for example :value [1 2] sets 2 if the value is 1",
            )),
        },
    }
}

/// What an `:ok` read or get saw: `nil`, an integer, or a list of integers.
fn read_output(event: &Event) -> Result<Value, HistoryError> {
    let found = event.value.as_ref().map(|v| &v.edn);
    match found {
        Some(Edn::Nil) => Ok(Value::Nil),
        Some(Edn::Int(n)) => Ok(Value::Int(*n)),
        Some(v) if v.ints().is_some() => Ok(Value::List(v.ints().unwrap_or_default())),
        _ => Err(event.value_error(
            format!(
                "{} :ok needs :value nil, an integer or a vector of integers, found {}",
                function_name(event.function),
                found.map_or("no :value".to_string(), Edn::describe)
            ),
            "an :ok read records what it read, for example :value 3",
        )),
    }
}

/// The known function nearest `name` by edit distance, if it is near enough to be a typo.
fn closest(name: &str) -> Option<&'static str> {
    FUNCTIONS
        .iter()
        .map(|(n, _)| (edit_distance(name, n), *n))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    // Only short names are compared; bound the work on long ones.
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

fn error(line: usize, col: Option<usize>, message: String) -> HistoryError {
    HistoryError { line, col, message, help: None }
}

impl HistoryError {
    fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

// ---------------------------------------------------------------------------------------------
// The EDN subset: enough to read any line Jepsen writes and to reject the rest with a message.

/// A form and the 1-based column where it starts.
#[derive(Clone, Debug, PartialEq)]
struct Node {
    edn: Edn,
    col: usize,
}

#[derive(Clone, Debug, PartialEq)]
enum Edn {
    Nil,
    Bool,
    Int(i64),
    /// A float, ratio or big decimal: read, never used.
    Number,
    Str(String),
    /// Without its leading colon.
    Keyword(String),
    Symbol,
    Char,
    Vector(Vec<Node>),
    List(Vec<Node>),
    Set,
    Map(Vec<(Node, Node)>),
}

impl Edn {
    /// The integers of a vector or list of integers.
    fn ints(&self) -> Option<Vec<i64>> {
        match self {
            Edn::Vector(items) | Edn::List(items) => items
                .iter()
                .map(|n| match n.edn {
                    Edn::Int(i) => Some(i),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Edn::Nil => "nil".to_string(),
            Edn::Bool => "a boolean".to_string(),
            Edn::Int(n) => n.to_string(),
            Edn::Number => "a non-integer number".to_string(),
            Edn::Str(s) => format!("the string {:?}", truncate(s)),
            Edn::Keyword(k) => format!(":{}", truncate(k)),
            Edn::Symbol => "a symbol".to_string(),
            Edn::Char => "a character".to_string(),
            Edn::Vector(items) => format!("a vector of {} elements", items.len()),
            Edn::List(items) => format!("a list of {} elements", items.len()),
            Edn::Set => "a set".to_string(),
            Edn::Map(_) => "a map".to_string(),
        }
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(40).collect();
        t.push('…');
        t
    }
}

/// Deeper nesting is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

/// Reads one line: `None` when it holds nothing but whitespace and comments.
fn read_line(text: &str, line: usize) -> Result<Option<Node>, HistoryError> {
    let mut reader = Reader { chars: text.chars().collect(), pos: 0, line };
    reader.skip_blank(0)?;
    if reader.at_end() {
        return Ok(None);
    }
    let node = reader.value(0)?;
    reader.skip_blank(0)?;
    if !reader.at_end() {
        return Err(error(line, Some(reader.pos + 1), "unexpected text after the map".to_string())
            .with_help("each history line holds exactly one EDN map"));
    }
    Ok(Some(node))
}

struct Reader {
    chars: Vec<char>,
    pos: usize,
    line: usize,
}

fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | '(' | ')' | '[' | ']' | '{' | '}' | '"' | ';')
}

impl Reader {
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn err(&self, col: usize, message: impl Into<String>) -> HistoryError {
        error(self.line, Some(col), message.into())
    }

    /// Skips whitespace, commas, comments and `#_`-discarded forms.
    fn skip_blank(&mut self, depth: usize) -> Result<(), HistoryError> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() || c == ',' => self.pos += 1,
                Some(';') => self.pos = self.chars.len(),
                Some('#') if self.chars.get(self.pos + 1) == Some(&'_') => {
                    let col = self.pos + 1;
                    if depth > MAX_DEPTH {
                        return Err(
                            self.err(col, format!("forms nested more than {MAX_DEPTH} deep"))
                        );
                    }
                    self.pos += 2;
                    self.skip_blank(depth + 1)?;
                    if self.at_end() || matches!(self.peek(), Some(')' | ']' | '}')) {
                        return Err(self.err(col, "`#_` discards nothing"));
                    }
                    self.value(depth + 1)?;
                }
                _ => return Ok(()),
            }
        }
    }

    fn token(&mut self) -> String {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_delimiter(c) {
                break;
            }
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// Reads one form; the caller has skipped blanks and checked it is not at the end.
    fn value(&mut self, depth: usize) -> Result<Node, HistoryError> {
        let col = self.pos + 1;
        if depth > MAX_DEPTH {
            return Err(self.err(col, format!("forms nested more than {MAX_DEPTH} deep")));
        }
        let Some(c) = self.peek() else {
            return Err(self.err(col, "the line ends where a value should be"));
        };
        let edn = match c {
            '{' => {
                self.pos += 1;
                let items = self.items('{', '}', col, depth)?;
                if items.len() % 2 != 0 {
                    return Err(self.err(col, "a map with a key but no value"));
                }
                let mut entries = Vec::with_capacity(items.len() / 2);
                let mut items = items.into_iter();
                while let (Some(k), Some(v)) = (items.next(), items.next()) {
                    entries.push((k, v));
                }
                Edn::Map(entries)
            }
            '[' => {
                self.pos += 1;
                Edn::Vector(self.items('[', ']', col, depth)?)
            }
            '(' => {
                self.pos += 1;
                Edn::List(self.items('(', ')', col, depth)?)
            }
            ')' | ']' | '}' => return Err(self.err(col, format!("unexpected `{c}`"))),
            '"' => {
                self.pos += 1;
                Edn::Str(self.string(col)?)
            }
            '\\' => {
                self.pos += 1;
                // A character: `\a`, `\newline`, `\u0041`, or a delimiter itself (`\(`).
                if self.at_end() {
                    return Err(self.err(col, "`\\` with no character after it"));
                }
                self.pos += 1;
                self.token();
                Edn::Char
            }
            '#' => {
                self.pos += 1;
                match self.peek() {
                    Some('{') => {
                        self.pos += 1;
                        self.items('{', '}', col, depth)?;
                        Edn::Set
                    }
                    Some('#') => {
                        // `##Inf`, `##NaN`.
                        self.pos += 1;
                        self.token();
                        Edn::Number
                    }
                    Some(c) if c.is_alphabetic() => {
                        let tag = self.token();
                        self.skip_blank(depth + 1)?;
                        if self.at_end() || matches!(self.peek(), Some(')' | ']' | '}')) {
                            return Err(
                                self.err(col, format!("tag #{} has no value", truncate(&tag)))
                            );
                        }
                        // The tag's value stands for the tagged form, so that a tagged map
                        // (`#jepsen.history.Op{...}`) reads as its map.
                        let inner = self.value(depth + 1)?;
                        return Ok(Node { edn: inner.edn, col });
                    }
                    _ => return Err(self.err(col, "unsupported `#` form")),
                }
            }
            _ => {
                let token = self.token();
                self.atom(&token, col)?
            }
        };
        Ok(Node { edn, col })
    }

    /// The forms of a collection up to its closing delimiter.
    fn items(
        &mut self,
        open: char,
        close: char,
        col: usize,
        depth: usize,
    ) -> Result<Vec<Node>, HistoryError> {
        let mut items = Vec::new();
        loop {
            self.skip_blank(depth + 1)?;
            match self.peek() {
                None => {
                    return Err(self
                        .err(col, format!("unclosed `{open}`: the line ends before its `{close}`"))
                        .with_help(
                            "each history line holds one whole EDN map; was the line cut short?",
                        ));
                }
                Some(c) if c == close => {
                    self.pos += 1;
                    return Ok(items);
                }
                Some(c @ (')' | ']' | '}')) => {
                    return Err(self.err(
                        self.pos + 1,
                        format!("`{c}` where `{close}` should close the `{open}` at column {col}"),
                    ));
                }
                Some(_) => items.push(self.value(depth + 1)?),
            }
        }
    }

    fn string(&mut self, col: usize) -> Result<String, HistoryError> {
        let mut s = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self
                    .err(col, "unclosed string: the line ends before its closing `\"`")
                    .with_help(
                        "each history line holds one whole EDN map; was the line cut short?",
                    ));
            };
            self.pos += 1;
            match c {
                '"' => return Ok(s),
                '\\' => {
                    let Some(e) = self.peek() else { continue };
                    self.pos += 1;
                    match e {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        'r' => s.push('\r'),
                        'u' => {
                            let hex: String = self.chars.iter().skip(self.pos).take(4).collect();
                            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                Some(u) if hex.len() == 4 => {
                                    s.push(u);
                                    self.pos += 4;
                                }
                                _ => {
                                    return Err(
                                        self.err(self.pos, "malformed `\\u` escape in a string")
                                    );
                                }
                            }
                        }
                        other => s.push(other),
                    }
                }
                other => s.push(other),
            }
        }
    }

    /// `nil`, `true`, `false`, a number, a keyword or a symbol.
    fn atom(&self, token: &str, col: usize) -> Result<Edn, HistoryError> {
        match token {
            "nil" => return Ok(Edn::Nil),
            "true" | "false" => return Ok(Edn::Bool),
            _ => {}
        }
        if let Some(name) = token.strip_prefix(':') {
            let name = name.strip_prefix(':').unwrap_or(name);
            if name.is_empty() {
                return Err(self.err(col, "a keyword with no name"));
            }
            return Ok(Edn::Keyword(name.to_string()));
        }
        let unsigned = token.strip_prefix(['+', '-']).unwrap_or(token);
        if unsigned.starts_with(|c: char| c.is_ascii_digit()) {
            let digits = token.strip_suffix('N').unwrap_or(token);
            let body = digits.strip_prefix('+').unwrap_or(digits);
            let unsigned_body = body.strip_prefix('-').unwrap_or(body);
            if unsigned_body.chars().all(|c| c.is_ascii_digit()) {
                return body.parse::<i64>().map(Edn::Int).map_err(|_| {
                    self.err(col, format!("integer {} does not fit in 64 bits", truncate(token)))
                });
            }
            let float_like = token.chars().all(|c| {
                c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E' | 'M' | '/')
            });
            if float_like {
                return Ok(Edn::Number);
            }
            return Err(self.err(col, format!("malformed number {}", truncate(token))));
        }
        Ok(Edn::Symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[allow(clippy::too_many_arguments)]
    fn op(
        process: u64,
        function: Function,
        input: Value,
        output: Value,
        status: Status,
        invoked: u64,
        completed: Option<u64>,
        line: usize,
    ) -> Operation {
        Operation { process, function, key: None, input, output, status, invoked, completed, line }
    }

    const REGISTER: &str = "\
; a register: two clients, a failed cas and a timeout
{:process 0, :type :invoke, :f :write, :value 1}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 0, :type :ok, :f :write, :value 1}
{:process 1, :type :ok, :f :read, :value 1} ; reads the write

{:process 0, :type :invoke, :f :cas, :value [2 3]}
{:process :nemesis, :type :info, :f :start, :value nil}
{:process 0, :type :fail, :f :cas, :value [2 3]}
{:process 1, :type :invoke, :f :write, :value 4}
{:process 1, :type :info, :f :write, :value 4, :error :timeout}
{:process 0, :type :invoke :f :read :value nil}
{:process 0 :type :ok :f :read :value 4}
{:process 2, :type :invoke, :f :read, :value nil}
";

    #[test]
    fn reads_a_register_history() {
        let history = parse_history(REGISTER).unwrap();
        use Function::*;
        use Status::*;
        assert_eq!(
            history.operations,
            vec![
                op(0, Write, Value::Int(1), Value::Nil, Ok, 1, Some(3), 2),
                op(1, Read, Value::Nil, Value::Int(1), Ok, 2, Some(4), 3),
                op(0, Cas, Value::List(vec![2, 3]), Value::Nil, Fail, 6, Some(8), 7),
                op(1, Write, Value::Int(4), Value::Nil, Unknown, 9, None, 10),
                op(0, Read, Value::Nil, Value::Int(4), Ok, 11, Some(12), 12),
                op(2, Read, Value::Nil, Value::Nil, Unknown, 13, None, 14),
            ]
        );
    }

    #[test]
    fn reads_keys_of_every_form() {
        let text = r#"
{:process 0, :type :invoke, :f :put, :key 7, :value 1}
{:process 0, :type :ok, :f :put, :key 7, :value 1}
{:process 1, :type :invoke, :f :get, :key "a \"b\"", :value nil}
{:process 1, :type :ok, :f :get, :key "a \"b\"", :value nil}
{:process 2, :type :invoke, :f :append, :key :x, :value 5}
{:process 2, :type :ok, :f :append, :value 5}
{:process 3, :type :invoke, :f :get, :key :x}
{:process 3, :type :ok, :f :get, :key :x, :value [5 6]}
{:process 4, :type :invoke, :f :read, :key nil, :value nil}
{:process 4, :type :ok, :f :read, :value -2}
"#;
        let ops = parse_history(text).unwrap().operations;
        let keys: Vec<Option<&str>> = ops.iter().map(|o| o.key.as_deref()).collect();
        assert_eq!(keys, [Some("7"), Some("a \"b\""), Some("x"), Some("x"), None]);
        assert_eq!(ops[2].input, Value::Int(5));
        assert_eq!(ops[3].output, Value::List(vec![5, 6]));
        assert_eq!(ops[4].output, Value::Int(-2));
    }

    #[test]
    fn positions_are_times_when_every_line_has_one() {
        let text = "\
{:process 0, :type :invoke, :f :write, :value 1, :time 100, :index 0}
{:process 1, :type :invoke, :f :read, :value nil, :time 150, :index 1}
{:process 0, :type :ok, :f :write, :value 1, :time 200, :index 2}
{:process :nemesis, :type :info, :f :kill, :value nil}
{:process 1, :type :fail, :f :read, :value nil, :time 250, :index 3}
";
        let ops = parse_history(text).unwrap().operations;
        assert_eq!((ops[0].invoked, ops[0].completed), (100, Some(200)));
        assert_eq!((ops[1].invoked, ops[1].completed), (150, Some(250)));
        assert_eq!(ops[1].status, Status::Fail);

        // One line without a time: line indices for all.
        let partial = text.replace(", :time 150", "");
        let ops = parse_history(&partial).unwrap().operations;
        assert_eq!((ops[0].invoked, ops[0].completed), (0, Some(2)));
        assert_eq!((ops[1].invoked, ops[1].completed), (1, Some(4)));

        // Times that do not increase: line indices too, so positions stay distinct.
        let equal = text.replace(":time 150", ":time 100");
        let ops = parse_history(&equal).unwrap().operations;
        assert_eq!((ops[1].invoked, ops[1].completed), (1, Some(4)));
    }

    #[test]
    fn reads_tagged_maps_and_discards() {
        let text = "\
#jepsen.history.Op{:process 0, :type :invoke, :f :write, :value 1 #_ :ignored}
{:process 0, :type :ok, :f :write, :value 1, :error [:a \"s\" #{1 2} (3) {:k 1.5} \\c ##Inf sym]}
";
        let ops = parse_history(text).unwrap().operations;
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].status, Status::Ok);
        assert_eq!(parse_history("").unwrap(), History::default());
        assert_eq!(parse_history("\n ,, ; nothing\n\n").unwrap(), History::default());
    }

    fn fails(text: &str) -> HistoryError {
        match parse_history(text) {
            Err(e) => e,
            Result::Ok(h) => panic!("expected an error, read {h:?}"),
        }
    }

    const W0: &str = "{:process 0, :type :invoke, :f :write, :value 1}\n";
    const W1: &str = "{:process 1, :type :invoke, :f :write, :value 2}\n";

    #[test]
    fn a_truncated_line_is_an_error() {
        let e = fails(&format!("{W0}{{:process 0, :type :ok, :f :write"));
        assert_eq!((e.line, e.col), (2, Some(1)));
        assert!(e.message.contains("unclosed `{`"), "{e}");
        let e = fails("{:process 0, :type :invoke, :f :cas, :value [1 2}\n");
        assert_eq!((e.line, e.col), (1, Some(49)));
        let e = fails("{:process 0, :type :invoke, :f :cas, :value [1 2\n");
        assert_eq!((e.line, e.col), (1, Some(45)));
        assert!(e.message.contains("unclosed `[`"), "{e}");
        let e = fails("\n{:process 0, :type :invoke, :f :write, :key \"ab");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unclosed string"), "{e}");
        assert!(e.to_string().starts_with("line 2: unclosed string"));
        assert!(e.to_string().contains("\neach history line"));
    }

    #[test]
    fn an_unknown_function_suggests_the_known_ones() {
        let e = fails(&format!("{W0}{{:process 1, :type :invoke, :f :wirte, :value 1}}"));
        assert_eq!((e.line, e.col), (2, Some(32)));
        assert_eq!(e.message, "unknown :f :wirte");
        let help = e.help.unwrap();
        assert!(help.starts_with("did you mean :write?"), "{help}");
        assert!(help.contains(":read, :write, :cas, :get, :put, :append"));
        let e = fails("{:process 1, :type :invoke, :f :txn, :value []}");
        assert_eq!(e.help.unwrap(), "known functions: :read, :write, :cas, :get, :put, :append");
    }

    #[test]
    fn an_unknown_type_is_an_error() {
        let e = fails(&format!("{W0}{W1}{{:process 1, :type :done, :f :write, :value 1}}"));
        assert_eq!(e.line, 3);
        assert_eq!(e.message, "unknown :type :done");
        assert!(e.help.unwrap().contains(":invoke, :ok, :fail, :info"));
    }

    #[test]
    fn missing_keys_are_errors() {
        let e = fails(&format!("{W0}{{:type :ok, :f :write, :value 1}}"));
        assert_eq!((e.line, e.message.as_str()), (2, "missing :process"));
        let e = fails("{:process 0, :f :write, :value 1}");
        assert_eq!((e.line, e.message.as_str()), (1, "missing :type"));
        let e = fails("\n\n{:process 0, :type :invoke, :value 1}");
        assert_eq!((e.line, e.message.as_str()), (3, "missing :f"));
        let e = fails("[1 2]");
        assert_eq!(
            (e.line, e.message.as_str()),
            (1, "expected a map, found a vector of 2 elements")
        );
    }

    #[test]
    fn a_completion_without_an_invoke_is_an_error() {
        for kind in ["ok", "fail", "info"] {
            let e = fails(&format!("{W0}{{:process 1, :type :{kind}, :f :write, :value 1}}"));
            assert_eq!(e.line, 2);
            assert_eq!(e.message, format!(":{kind} for process 1 with no pending :invoke"));
        }
        // The invoke was already completed.
        let e = fails(&format!(
            "{W0}{{:process 0, :type :ok, :f :write, :value 1}}\n{{:process 0, :type :ok, :f :write, :value 1}}"
        ));
        assert_eq!(e.line, 3);
    }

    #[test]
    fn invoking_twice_is_an_error() {
        let e = fails(&format!("{W0}\n{W0}"));
        assert_eq!(e.line, 3);
        assert_eq!(
            e.message,
            "process 0 invokes again while its :invoke at line 1 has no completion"
        );
    }

    #[test]
    fn a_completion_of_another_function_is_an_error() {
        let e = fails(&format!("{W0}{{:process 0, :type :ok, :f :read, :value 1}}"));
        assert_eq!((e.line, e.col), (2, Some(28)));
        assert_eq!(e.message, ":ok has :f :read but the :invoke at line 1 has :f :write");
        let e = fails(
            "{:process 0, :type :invoke, :f :put, :key 1, :value 1}\n{:process 0, :type :ok, :f :put, :key 2, :value 1}",
        );
        assert_eq!(e.line, 2);
        assert!(e.message.contains(":key \"2\""), "{e}");
    }

    #[test]
    fn values_of_the_wrong_shape_are_errors() {
        let e = fails(&format!("{W0}{W1}\n{{:process 2, :type :invoke, :f :cas, :value [1 2 3]}}"));
        assert_eq!((e.line, e.col), (4, Some(45)));
        assert_eq!(
            e.message,
            ":cas needs :value [old new] (two integers), found a vector of 3 elements"
        );
        let e = fails("{:process 1, :type :invoke, :f :cas, :value 1}");
        assert_eq!(e.line, 1);
        let e = fails("{:process 1, :type :invoke, :f :cas, :value [1 nil]}");
        assert_eq!(e.line, 1);
        let e = fails("{:process 1, :type :invoke, :f :write, :value \"x\"}");
        assert_eq!(e.message, ":write needs an integer :value, found the string \"x\"");
        let e = fails("{:process 1, :type :invoke, :f :append, :key 1}");
        assert_eq!(e.message, ":append needs an integer :value, found no :value");
        let e = fails(
            "{:process 1, :type :invoke, :f :read}\n{:process 1, :type :ok, :f :read, :value :x}",
        );
        assert_eq!(e.line, 2);
        let e = fails("{:process 1, :type :invoke, :f :write, :value 99999999999999999999}");
        assert!(e.message.contains("does not fit in 64 bits"), "{e}");
        let e = fails("{:process -1, :type :invoke, :f :write, :value 1}");
        assert!(e.message.starts_with(":process must be"), "{e}");
        let e = fails("{:process 1, :type :invoke, :f :write, :value 1, :time -5}");
        assert!(e.message.starts_with(":time must be"), "{e}");
        let e = fails("{:process 1, :type :invoke, :f :write, :key [1], :value 1}");
        assert!(e.message.starts_with(":key must be"), "{e}");
        let e = fails("{:process 1, :process 2}");
        assert_eq!(e.message, "duplicate key :process");
        let e = fails("{:process 1} {:process 2}");
        assert_eq!(e.message, "unexpected text after the map");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{{:process 0, :x {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        let e = fails(&text);
        assert!(e.message.contains("nested more than"), "{e}");
        let text = format!("{{:process 0, :x {}1}}", "#_ ".repeat(100_000));
        let _ = parse_history(&text);
    }

    fn mutate(text: &str, edits: &[(u8, usize, char)]) -> String {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for &(kind, at, c) in edits {
            if lines.is_empty() {
                lines.push(String::new());
            }
            let i = at % lines.len();
            let chars: Vec<char> = lines[i].chars().collect();
            let j = if chars.is_empty() { 0 } else { at % (chars.len() + 1) };
            match kind % 6 {
                0 => lines[i] = chars[..j].iter().collect(),
                1 if j < chars.len() => {
                    lines[i] = chars[..j].iter().chain(&chars[j + 1..]).collect();
                }
                2 => lines[i] = chars[..j].iter().chain([&c]).chain(&chars[j..]).collect(),
                3 => {
                    let copy = lines[i].clone();
                    lines.insert(at % (lines.len() + 1), copy);
                }
                4 => {
                    let k = (at / 7) % lines.len();
                    lines.swap(i, k);
                }
                _ => {
                    lines.remove(i);
                }
            }
        }
        lines.join("\n")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_history(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn edn_like_text_never_panics(
            text in proptest::collection::vec(
                prop::sample::select(vec![
                    "{", "}", "[", "]", "(", ")", "#", "#_", "#{", "\"", "\\", ";", ",", " ", "\n",
                    ":process", ":type", ":f", ":value", ":key", ":time", ":invoke", ":ok", ":fail",
                    ":info", ":read", ":write", ":cas", ":nemesis", "0", "1", "-1", "nil", "x", "1.5",
                ]),
                0..60,
            )
        ) {
            let _ = parse_history(&text.concat());
        }

        #[test]
        fn mutated_histories_never_panic(
            edits in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<char>()), 1..6)
        ) {
            let text = mutate(REGISTER, &edits);
            match parse_history(&text) {
                Result::Ok(h) => {
                    for op in &h.operations {
                        prop_assert!(op.completed.is_none_or(|c| c > op.invoked));
                    }
                }
                Err(e) => prop_assert!(e.line >= 1 && e.line <= text.lines().count().max(1)),
            }
        }
    }
}
