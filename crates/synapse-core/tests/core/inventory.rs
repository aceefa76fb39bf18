//! inventory tests
