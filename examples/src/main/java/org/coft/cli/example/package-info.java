/**
 * Worked examples of the library API for DL4J users, run by CLI commands and covered by tests: each is plain
 * library code a user could copy into their own project (no CLI internals).
 */
package org.coft.cli.example;
