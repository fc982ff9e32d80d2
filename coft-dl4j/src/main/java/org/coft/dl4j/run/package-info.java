/**
 * Run folders: the one place that knows the file names of a {@code coft adapt} output folder, writes them atomically,
 * records each file's SHA-256 in the folder's ledger ({@value org.coft.dl4j.run.RunFolder#LEDGER}) and verifies them
 * when they are read back (eval, predict, resume, export). Also the JSON reading that names the file on every error.
 * No training, no ND4J math here; nothing in this package depends on the phases.
 */
package org.coft.dl4j.run;
