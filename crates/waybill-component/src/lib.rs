//! The waybill core exported as a WASI component.
