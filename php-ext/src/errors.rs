//! The `Waybill\Exception` family. Each core error becomes one exception whose
//! class follows the code's family, carrying the stable code, the JSON Pointer
//! and, for validation failures, every violation.
//!
//! The classes are built by hand rather than with `#[php_class]` so that they
//! keep PHP's own exception object (file, line and trace are filled in where
//! the PHP code called Waybill) and so that subclasses inherit the accessors.

use ext_php_rs::builders::{ClassBuilder, ClassProperty, FunctionBuilder};
use ext_php_rs::class::ClassEntryInfo;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::{throw_object, PhpException};
use ext_php_rs::flags::{DataType, MethodFlags, PropertyFlags};
use ext_php_rs::types::{ZendEmptyArray, ZendHashTable, ZendObject, Zval};
use ext_php_rs::zend::{ce, run_handler, ClassEntry, ExecuteData, ExecutorGlobals};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicPtr, Ordering};
use waybill::{Code, Error};

/// Protected property holding the stable code (`schema.type`).
const PROP_CODE: &str = "errorCode";
/// Protected property holding the JSON Pointer.
const PROP_POINTER: &str = "pointer";
/// Protected property holding the violations.
const PROP_ERRORS: &str = "errors";

/// One exception class of the family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `Waybill\Exception`, the base.
    Base,
    /// `Waybill\InputException`: `input.*`, `options.*`.
    Input,
    /// `Waybill\ValidationException`: `envelope.*`, `schema.*`, `contract.unknown`.
    Validation,
    /// `Waybill\ContractException`: the other `contract.*` codes.
    Contract,
    /// `Waybill\SecretException`: `secret.*`, `id.*`.
    Secret,
    /// `Waybill\SignatureException`: `signature.*`.
    Signature,
}

const KINDS: [Kind; 6] = [
    Kind::Base,
    Kind::Input,
    Kind::Validation,
    Kind::Contract,
    Kind::Secret,
    Kind::Signature,
];

static CLASS_ENTRIES: [AtomicPtr<ClassEntry>; 6] = [
    AtomicPtr::new(std::ptr::null_mut()),
    AtomicPtr::new(std::ptr::null_mut()),
    AtomicPtr::new(std::ptr::null_mut()),
    AtomicPtr::new(std::ptr::null_mut()),
    AtomicPtr::new(std::ptr::null_mut()),
    AtomicPtr::new(std::ptr::null_mut()),
];

impl Kind {
    fn index(self) -> usize {
        self as usize
    }

    /// The PHP class name.
    pub fn class_name(self) -> &'static str {
        match self {
            Kind::Base => "Waybill\\Exception",
            Kind::Input => "Waybill\\InputException",
            Kind::Validation => "Waybill\\ValidationException",
            Kind::Contract => "Waybill\\ContractException",
            Kind::Secret => "Waybill\\SecretException",
            Kind::Signature => "Waybill\\SignatureException",
        }
    }

    /// The class a code is thrown as.
    pub fn of(code: Code) -> Kind {
        match (code.family(), code) {
            (_, Code::ContractUnknown) => Kind::Validation,
            ("input" | "options", _) => Kind::Input,
            ("envelope" | "schema", _) => Kind::Validation,
            ("contract", _) => Kind::Contract,
            ("secret" | "id", _) => Kind::Secret,
            ("signature", _) => Kind::Signature,
            _ => Kind::Base,
        }
    }

    /// The registered class entry, once MINIT ran.
    fn entry(self) -> Option<&'static ClassEntry> {
        let ptr = CLASS_ENTRIES[self.index()].load(Ordering::Acquire);
        // SAFETY: the pointer is either null or a class entry the engine
        // registered at MINIT and keeps until the module shuts down.
        unsafe { ptr.as_ref() }
    }
}

fn base_entry() -> &'static ClassEntry {
    // Subclasses are registered after the base, so it is always there; the
    // fallback keeps this total.
    Kind::Base.entry().unwrap_or_else(ce::exception)
}

fn remember(kind: Kind, entry: &'static mut ClassEntry) {
    CLASS_ENTRIES[kind.index()].store(entry, Ordering::Release);
}

fn property(
    name: &str,
    default: fn() -> ext_php_rs::error::Result<Zval>,
    ty: DataType,
) -> ClassProperty {
    ClassProperty {
        name: name.to_string(),
        flags: PropertyFlags::Protected,
        default: Some(Box::new(default)),
        docs: &[],
        ty: Some(ty),
        nullable: false,
        readonly: false,
        default_stub: None,
    }
}

// Defaults of an internal class live for the whole process: they must be
// interned strings and the immutable empty array, never refcounted values.
fn empty_string() -> ext_php_rs::error::Result<Zval> {
    let mut zv = Zval::new();
    zv.set_interned_string("", true)?;
    Ok(zv)
}

fn empty_array() -> ext_php_rs::error::Result<Zval> {
    ZendEmptyArray.into_zval(true)
}

/// Registers the six classes; called once from MINIT.
pub fn register_classes() -> ext_php_rs::error::Result<()> {
    let accessor = |name: &str, handler, ty| {
        (
            FunctionBuilder::new(name, handler).returns(ty, false, false),
            MethodFlags::Public | MethodFlags::Final,
        )
    };
    let (code, code_flags) = accessor("getErrorCode", get_error_code as _, DataType::String);
    let (pointer, pointer_flags) = accessor("getPointer", get_pointer as _, DataType::String);
    let (errors, errors_flags) = accessor("getErrors", get_errors as _, DataType::Array);
    ClassBuilder::new(Kind::Base.class_name())
        .extends((ce::exception, "\\Exception"))
        .property(property(PROP_CODE, empty_string, DataType::String))
        .property(property(PROP_POINTER, empty_string, DataType::String))
        .property(property(PROP_ERRORS, empty_array, DataType::Array))
        .method(code, code_flags)
        .method(pointer, pointer_flags)
        .method(errors, errors_flags)
        .registration(|entry, _| remember(Kind::Base, entry))
        .register()?;

    let parent: ClassEntryInfo = (base_entry, "\\Waybill\\Exception");
    for kind in KINDS.into_iter().skip(1) {
        let builder = ClassBuilder::new(kind.class_name()).extends(parent);
        let builder = match kind {
            Kind::Input => builder.registration(|e, _| remember(Kind::Input, e)),
            Kind::Validation => builder.registration(|e, _| remember(Kind::Validation, e)),
            Kind::Contract => builder.registration(|e, _| remember(Kind::Contract, e)),
            Kind::Secret => builder.registration(|e, _| remember(Kind::Secret, e)),
            Kind::Signature | Kind::Base => {
                builder.registration(|e, _| remember(Kind::Signature, e))
            }
        };
        builder.register()?;
    }
    Ok(())
}

/// Reads one of the protected properties of `$this` into the return value.
fn read_own_property(ex: &mut ExecuteData, retval: &mut Zval, name: &str) {
    let Some(this) = ex.get_self() else {
        return;
    };
    let value = this.get_property::<&Zval>(name).map(Zval::shallow_clone);
    match value {
        Ok(v) => *retval = v,
        Err(_) => retval.set_null(),
    }
}

extern "C" fn get_error_code(ex: &mut ExecuteData, retval: &mut Zval) {
    run_handler(AssertUnwindSafe(|| {
        read_own_property(ex, retval, PROP_CODE)
    }));
}

extern "C" fn get_pointer(ex: &mut ExecuteData, retval: &mut Zval) {
    run_handler(AssertUnwindSafe(|| {
        read_own_property(ex, retval, PROP_POINTER)
    }));
}

extern "C" fn get_errors(ex: &mut ExecuteData, retval: &mut Zval) {
    run_handler(AssertUnwindSafe(|| {
        read_own_property(ex, retval, PROP_ERRORS)
    }));
}

/// Writes a protected property as code of `scope` would (what the engine's
/// `zend_update_property` does, which the bindings do not expose).
fn write_scoped(
    object: &mut ZendObject,
    scope: &'static ClassEntry,
    name: &str,
    value: Zval,
) -> bool {
    let previous = {
        let mut globals = ExecutorGlobals::get_mut();
        std::mem::replace(
            &mut globals.fake_scope,
            std::ptr::from_ref(scope).cast_mut(),
        )
    };
    let ok = object.set_property(name, value).is_ok();
    ExecutorGlobals::get_mut().fake_scope = previous;
    ok
}

fn violations_array(error: &Error) -> Zval {
    let mut list = ZendHashTable::with_capacity(u32::try_from(error.errors().len()).unwrap_or(0));
    for v in error.errors() {
        let mut item = ZendHashTable::with_capacity(3);
        let _ = item.insert("code", v.code.as_str());
        let _ = item.insert("pointer", v.pointer.as_str());
        let _ = item.insert("message", v.message.as_str());
        let _ = list.push(item);
    }
    let mut zv = Zval::new();
    zv.set_hashtable(list);
    zv
}

/// Builds the exception object for a core error.
fn exception_object(error: &Error) -> Option<Zval> {
    let entry = Kind::of(error.code()).entry()?;
    let mut object = ZendObject::new(entry);
    let message = error.to_string().into_zval(false).ok()?;
    let code = error.code().as_str().into_zval(false).ok()?;
    let pointer = error.pointer().into_zval(false).ok()?;
    let ok = write_scoped(&mut object, ce::exception(), "message", message)
        && write_scoped(&mut object, base_entry(), PROP_CODE, code)
        && write_scoped(&mut object, base_entry(), PROP_POINTER, pointer)
        && write_scoped(
            &mut object,
            base_entry(),
            PROP_ERRORS,
            violations_array(error),
        );
    if !ok {
        return None;
    }
    object.into_zval(false).ok()
}

/// A core error as the `PhpException` a function returns.
///
/// The object is built here, while the engine is inside the call, so the
/// exception records the caller's file and line.
pub fn to_php(error: Error) -> PhpException {
    match exception_object(&error) {
        Some(object) => PhpException::new(error.to_string(), 0, base_entry()).with_object(object),
        None => PhpException::new(error.to_string(), 0, ce::exception()),
    }
}

/// A PHP `TypeError`, for a value of the wrong type inside an argument.
pub fn type_error(message: impl Into<String>) -> PhpException {
    PhpException::new(message.into(), 0, ce::type_error())
}

/// Throws a core error right away (for handlers that do not return a result).
#[allow(dead_code)]
pub fn throw(error: Error) {
    match exception_object(&error) {
        Some(object) => {
            let _ = throw_object(object);
        }
        None => PhpException::new(error.to_string(), 0, ce::exception()).throw(),
    }
}
