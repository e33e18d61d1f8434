//! Request bodies: PHP-style form encoding, JSON and XML bodies, and their parsers.
pub mod body;
pub mod form;
