//! Sequential specifications: what one operation does to the value of a register or of one key,
//! if it takes effect alone. It must never look at time, at processes or at other operations:
//! only the state before and the operation itself.

use crate::history::{Function, Operation, Status, Value};

/// A sequential object whose histories are checked. Every model holds one `Value` per key
/// (`Nil` initially); the checker splits a history by key, so a model sees one key at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    /// `read` and `write`.
    Register,
    /// `read`, `write` and `cas` (input `[old, new]`).
    CasRegister,
    /// Per key: `get`, `put`, and `append` of an integer to the key's list.
    Kv,
}

impl Model {
    /// The state before any operation: `Nil`.
    pub fn initial(self) -> Value {
        Value::Nil
    }

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Model::Register => "register",
            Model::CasRegister => "cas-register",
            Model::Kv => "key-value store",
        }
    }

    /// Whether `function` is an operation of this model.
    pub fn supports(self, function: Function) -> bool {
        use Function::*;
        match self {
            Model::Register => matches!(function, Read | Write),
            Model::CasRegister => matches!(function, Read | Write | Cas),
            Model::Kv => matches!(function, Get | Put | Append),
        }
    }

    /// Why `op` cannot be an operation of this model (a function it lacks, or an input of the
    /// wrong shape), or `None` if it can. The checker refuses such histories rather than reading
    /// them as violations.
    pub fn invalid(self, op: &Operation) -> Option<String> {
        if !self.supports(op.function) {
            return Some(format!(
                "{} is not an operation of a {}",
                function_name(op.function),
                self.name()
            ));
        }
        match (op.function, &op.input) {
            (Function::Cas, Value::List(v)) if v.len() == 2 => None,
            (Function::Cas, input) => {
                Some(format!("cas needs [old new] as its input, not {}", show_value(input)))
            }
            (Function::Append, Value::Int(_)) => None,
            (Function::Append, input) => {
                Some(format!("append needs an integer as its input, not {}", show_value(input)))
            }
            _ => None,
        }
    }
}

/// The state after `op` takes effect in `state`, if it can with what the client observed, or
/// `None` if it cannot (a read that saw another value, a cas whose `old` is not the value, an
/// operation the model lacks).
///
/// * `Status::Fail`: the operation did not happen; it changes nothing and constrains nothing
///   (the checker leaves such operations out entirely).
/// * `Status::Unknown`: its result is unknown, so a read constrains nothing; an update that
///   takes effect does what it would have done (a cas still needs `old` to match).
pub fn step(model: Model, state: &Value, op: &Operation) -> Option<Value> {
    if !model.supports(op.function) {
        return None;
    }
    match op.status {
        Status::Fail => return Some(state.clone()),
        Status::Ok | Status::Unknown => {}
    }
    match op.function {
        Function::Read | Function::Get => {
            if op.status == Status::Unknown || op.output == *state {
                Some(state.clone())
            } else {
                None
            }
        }
        Function::Write | Function::Put => Some(op.input.clone()),
        Function::Cas => match &op.input {
            Value::List(v) if v.len() == 2 && *state == Value::Int(v[0]) => Some(Value::Int(v[1])),
            _ => None,
        },
        Function::Append => match (&op.input, state) {
            (Value::Int(x), Value::Nil) => Some(Value::List(vec![*x])),
            (Value::Int(x), Value::List(list)) => {
                let mut list = list.clone();
                list.push(*x);
                Some(Value::List(list))
            }
            _ => None,
        },
    }
}

/// The function's name as Jepsen writes it.
pub fn function_name(function: Function) -> &'static str {
    match function {
        Function::Read => "read",
        Function::Write => "write",
        Function::Cas => "cas",
        Function::Get => "get",
        Function::Put => "put",
        Function::Append => "append",
    }
}

/// A value as EDN writes it: `nil`, `3`, `[1 2]`.
pub fn show_value(value: &Value) -> String {
    match value {
        Value::Nil => "nil".to_string(),
        Value::Int(x) => x.to_string(),
        Value::List(list) => {
            let items: Vec<String> = list.iter().map(|x| x.to_string()).collect();
            format!("[{}]", items.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(function: Function, input: Value, output: Value, status: Status) -> Operation {
        Operation {
            process: 0,
            function,
            key: None,
            input,
            output,
            status,
            invoked: 0,
            completed: Some(1),
            line: 1,
        }
    }

    #[test]
    fn register_reads_see_the_value_and_writes_set_it() {
        let read1 = op(Function::Read, Value::Nil, Value::Int(1), Status::Ok);
        assert_eq!(step(Model::Register, &Value::Int(1), &read1), Some(Value::Int(1)));
        assert_eq!(step(Model::Register, &Value::Nil, &read1), None);
        // A read whose result is unknown constrains nothing.
        let lost = op(Function::Read, Value::Nil, Value::Nil, Status::Unknown);
        assert_eq!(step(Model::Register, &Value::Int(7), &lost), Some(Value::Int(7)));
        let write = op(Function::Write, Value::Int(2), Value::Nil, Status::Ok);
        assert_eq!(step(Model::Register, &Value::Int(1), &write), Some(Value::Int(2)));
        // A register has no cas.
        let cas = op(Function::Cas, Value::List(vec![1, 2]), Value::Nil, Status::Ok);
        assert_eq!(step(Model::Register, &Value::Int(1), &cas), None);
        assert!(Model::Register.invalid(&cas).is_some());
    }

    #[test]
    fn cas_needs_the_old_value_and_a_failed_cas_changes_nothing() {
        let cas = op(Function::Cas, Value::List(vec![1, 2]), Value::Nil, Status::Ok);
        assert_eq!(step(Model::CasRegister, &Value::Int(1), &cas), Some(Value::Int(2)));
        assert_eq!(step(Model::CasRegister, &Value::Int(3), &cas), None);
        assert_eq!(step(Model::CasRegister, &Value::Nil, &cas), None);
        let failed = Operation { status: Status::Fail, ..cas.clone() };
        assert_eq!(step(Model::CasRegister, &Value::Int(3), &failed), Some(Value::Int(3)));
        let unknown = Operation { status: Status::Unknown, ..cas };
        assert_eq!(step(Model::CasRegister, &Value::Int(1), &unknown), Some(Value::Int(2)));
        assert_eq!(step(Model::CasRegister, &Value::Int(3), &unknown), None);
        let malformed = op(Function::Cas, Value::Int(1), Value::Nil, Status::Ok);
        assert!(Model::CasRegister.invalid(&malformed).is_some());
    }

    #[test]
    fn kv_appends_build_lists_from_nil() {
        let append = |x| op(Function::Append, Value::Int(x), Value::Nil, Status::Ok);
        let s1 = step(Model::Kv, &Value::Nil, &append(4)).unwrap();
        assert_eq!(s1, Value::List(vec![4]));
        let s2 = step(Model::Kv, &s1, &append(5)).unwrap();
        assert_eq!(s2, Value::List(vec![4, 5]));
        assert_eq!(step(Model::Kv, &Value::Int(1), &append(6)), None);
        let get = op(Function::Get, Value::Nil, Value::List(vec![4, 5]), Status::Ok);
        assert_eq!(step(Model::Kv, &s2, &get), Some(s2.clone()));
        assert_eq!(step(Model::Kv, &s1, &get), None);
        let put = op(Function::Put, Value::Int(9), Value::Nil, Status::Ok);
        assert_eq!(step(Model::Kv, &s2, &put), Some(Value::Int(9)));
        // A register read is not a key-value operation.
        let read = op(Function::Read, Value::Nil, Value::Nil, Status::Ok);
        assert_eq!(step(Model::Kv, &Value::Nil, &read), None);
    }
}
