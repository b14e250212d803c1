//! Decoding of Matomo's answers into live-state values. Tolerant of every shape the
//! recordings show (numbers as strings, 0/1 or true/false, lists as arrays or objects
//! keyed by id); an unexpected shape is an error quoting the value, never a panic.
